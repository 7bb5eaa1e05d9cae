# exec_bench: block execution, sequential vs Block-STM (results in bench/EXEC_RESULTS.md).
# Included from bench/CMakeLists.txt with include(exec.cmake).
add_executable(exec_bench "${CMAKE_CURRENT_LIST_DIR}/exec_bench.cc")
target_link_libraries(exec_bench PRIVATE chainaccel_execution_testing chainaccel_execution chainaccel_scheduler
                      chainaccel_cpu_engine chainaccel_device_pool chainaccel_bench_support chainaccel_warnings)

# state_root_bench: the state tree's root update per block over large states, through the
# state cache (results in bench/EXEC_RESULTS.md, "State root update", "State beyond RAM").
add_executable(state_root_bench "${CMAKE_CURRENT_LIST_DIR}/state_root_bench.cc")
target_link_libraries(state_root_bench PRIVATE chainaccel_execution_testing chainaccel_execution
                      chainaccel_cpu_engine chainaccel_bench_support chainaccel_warnings)

# block_write_bench: RocksDB's write of one block's records, by how it is written (results
# in bench/EXEC_RESULTS.md, "Where the synced write goes").
find_package(RocksDB CONFIG REQUIRED)  # its imported target is scoped to this folder
add_executable(block_write_bench "${CMAKE_CURRENT_LIST_DIR}/block_write_bench.cc")
target_link_libraries(block_write_bench PRIVATE ${CHAINACCEL_ROCKSDB} chainaccel_warnings)
target_include_directories(block_write_bench PRIVATE "${PROJECT_SOURCE_DIR}")
