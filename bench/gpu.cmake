# gpu_hash_bench: the hashing kernels on one GPU, kernel-only and end to end (see the
# comment at the top of gpu_hash_bench.cu). Included from bench/CMakeLists.txt with
# include(gpu.cmake); builds only where CUDA was found.
if(CHAINACCEL_HAVE_CUDA)
  # CUDA sources take the project's C++20; CMake 3.25 needs nvcc's flag for it spelled out
  # (the same two lines as in kernels/CMakeLists.txt, for this directory).
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  add_executable(gpu_hash_bench "${CMAKE_CURRENT_LIST_DIR}/gpu_hash_bench.cu")
  target_compile_options(gpu_hash_bench PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>)
  target_link_libraries(gpu_hash_bench PRIVATE
    chainaccel_kernels chainaccel_kernels_testing chainaccel_cpu_engine chainaccel_crypto chainaccel_bench_support chainaccel_warnings CUDA::cudart_static
    OpenSSL::Crypto PkgConfig::SECP256K1 PkgConfig::SODIUM PkgConfig::CRYPTOPP)
endif()

# gpu_merkle_bench: Merkle trees on the GPU (kernels, a pinned pipeline, the GpuEngine)
# next to the CPU engine (see the comment at the top of gpu_merkle_bench.cc).
if(CHAINACCEL_HAVE_CUDA)
  add_executable(gpu_merkle_bench "${CMAKE_CURRENT_LIST_DIR}/gpu_merkle_bench.cc")
  target_link_libraries(gpu_merkle_bench PRIVATE
    chainaccel_gpu_engine chainaccel_kernels chainaccel_kernels_testing chainaccel_cpu_engine chainaccel_crypto chainaccel_bench_support chainaccel_warnings
    CUDA::cudart_static Threads::Threads)
endif()

# gpu_signature_bench: ECDSA secp256k1 verification and recovery, Ed25519 and BIP-340
# verification on the GPU (kernels and GpuEngine) next to the CPU engine (see the comment
# at the top of gpu_signature_bench.cc).
if(CHAINACCEL_HAVE_CUDA)
  add_executable(gpu_signature_bench "${CMAKE_CURRENT_LIST_DIR}/gpu_signature_bench.cc")
  target_link_libraries(gpu_signature_bench PRIVATE
    chainaccel_gpu_engine chainaccel_kernels chainaccel_kernels_testing chainaccel_test_support chainaccel_cpu_engine chainaccel_crypto
    chainaccel_bench_support chainaccel_warnings CUDA::cudart_static Threads::Threads)
endif()

# signature_op_count: modular products per ECDSA verification, recovery and Ed25519
# verification in the GPU's code,
# counted on the host (see the comment at the top of signature_op_count.cc). No GPU needed.
if(CHAINACCEL_HAVE_CUDA)
  add_executable(signature_op_count "${CMAKE_CURRENT_LIST_DIR}/signature_op_count.cc")
  target_link_libraries(signature_op_count PRIVATE
    chainaccel_kernels chainaccel_test_support chainaccel_cpu_engine chainaccel_crypto chainaccel_bench_support chainaccel_warnings PkgConfig::SECP256K1)
endif()

# gpu_zk_bench: the Groth16 kernels of kernels/zk (G1 MSM, Fr NTT, snarkjs's H step),
# kernel-only (see the comment at the top of gpu_zk_bench.cc). crypto/bn254 checks every
# MSM result on the CPU.
if(CHAINACCEL_HAVE_CUDA)
  add_executable(gpu_zk_bench "${CMAKE_CURRENT_LIST_DIR}/gpu_zk_bench.cc")
  target_link_libraries(gpu_zk_bench PRIVATE
    chainaccel_zk_kernels chainaccel_zk_kernels_testing chainaccel_kernels_testing
    chainaccel_bn254 chainaccel_bench_support chainaccel_warnings CUDA::cudart_static
    Threads::Threads)
endif()

# gpu_proof_bench: Groth16 proofs through GpuEngine and CpuEngine from a registered
# circuit (synthetic circuits, an insecure test setup; see the comment at the top of
# gpu_proof_bench.cc).
if(CHAINACCEL_HAVE_CUDA)
  add_executable(gpu_proof_bench "${CMAKE_CURRENT_LIST_DIR}/gpu_proof_bench.cc")
  target_link_libraries(gpu_proof_bench PRIVATE
    chainaccel_gpu_engine chainaccel_cpu_engine chainaccel_groth16_testing
    chainaccel_bench_support chainaccel_warnings CUDA::cudart_static Threads::Threads)
endif()

# gpu_field_bench: one secp256k1 field product's time on the GPU in the one-thread and the
# eight-lane layouts, from one value to many, and (--ladder) Ed25519's variable-base
# ladder one thread or four lanes a point (see the comment at the top of
# gpu_field_bench.cc).
if(CHAINACCEL_HAVE_CUDA)
  add_executable(gpu_field_bench "${CMAKE_CURRENT_LIST_DIR}/gpu_field_bench.cc")
  target_link_libraries(gpu_field_bench PRIVATE
    chainaccel_kernels_field_testing chainaccel_bench_support chainaccel_warnings CUDA::cudart_static)
endif()
