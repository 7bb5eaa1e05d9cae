# cpu_engine_bench: the CPU engine against plain single-thread loops over the same
# library calls (see the comment at the top of cpu_engine_bench.cc).
# Included from bench/CMakeLists.txt with include(engine.cmake).
add_executable(cpu_engine_bench "${CMAKE_CURRENT_LIST_DIR}/cpu_engine_bench.cc")
target_link_libraries(cpu_engine_bench PRIVATE
  chainaccel_test_support chainaccel_cpu_engine chainaccel_crypto chainaccel_bench_support chainaccel_warnings OpenSSL::Crypto
  PkgConfig::SECP256K1 PkgConfig::SODIUM PkgConfig::CRYPTOPP)
