# exec_bench: block execution, sequential vs Block-STM (results in bench/EXEC_RESULTS.md).
# Included from bench/CMakeLists.txt with include(exec.cmake).
add_executable(exec_bench "${CMAKE_CURRENT_LIST_DIR}/exec_bench.cc")
target_link_libraries(exec_bench PRIVATE chainaccel_execution_testing chainaccel_execution chainaccel_scheduler
                      chainaccel_cpu_engine chainaccel_device_pool chainaccel_bench_support chainaccel_warnings)
