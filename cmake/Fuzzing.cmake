# CHAINACCEL_ENABLE_FUZZ: every target of the build compiled with AddressSanitizer,
# UndefinedBehaviorSanitizer (any finding aborts) and libFuzzer's coverage
# instrumentation, so the fuzzers of tests/fuzz see into the libraries they call. The
# fuzzers themselves link libFuzzer's main (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
# clang only; the `fuzz` preset chooses it and turns CUDA off.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CHAINACCEL_ENABLE_FUZZ needs clang (libFuzzer): configure with "
          "-DCMAKE_CXX_COMPILER=clang++ or the `fuzz` preset")
endif()
if(CHAINACCEL_ENABLE_CUDA)
  message(STATUS "chainaccel: fuzzing builds no CUDA code; the fuzzers check the GPU's "
          "decoders and rules compiled for the host")
endif()
set(CHAINACCEL_SANITIZE_FLAGS
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${CHAINACCEL_SANITIZE_FLAGS}>")
add_link_options(-fsanitize=address,undefined)
