#!/usr/bin/env bash
# The device check of kernels/zk on a GPU machine (kernels/zk/NOTES.md): the zk kernel tests
# (device tests included), resource usage and the SASS instruction mix of the bucket kernel,
# gpu_zk_bench, then compute-sanitizer memcheck on three small device tests.
# Usage: kernels/zk/device-check.sh BINDIR [all|tests|bench]
#   BINDIR holds zk_kernel_tests and gpu_zk_bench (built here, carried there); results go to
#   $OUT (or /tmp/out). Environment: TEST_T, SAN_T, BENCH_T (timeouts, s), BENCH_ARGS.
set -u
cd "$1" || exit 1
shift
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export PATH=/usr/local/cuda/bin:$PATH
O=${OUT:-/tmp/out}; mkdir -p "$O"
date -u +%FT%TZ | tee "$O/meta.txt"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,memory.total --format=csv | tee -a "$O/meta.txt"
MODE=${1:-all}
if [ "$MODE" = all ] || [ "$MODE" = tests ]; then
  timeout ${TEST_T:-240} ./zk_kernel_tests --require-gpu -d yes > "$O/tests.txt" 2>&1; echo "tests rc=$?"
  grep -E "FAILED|failed|passed|with expansion|CHAINACCEL_TEST_SEED" "$O/tests.txt" | grep -v "SEED" | tail -25
  grep -E "^[0-9.]+ s:" "$O/tests.txt" | sort -rn | head -8
  cuobjdump -res-usage zk_kernel_tests 2>&1 | grep -A1 "Function" | grep -B1 "REG" | grep -oE "[A-Za-z]+Kernel|REG:[0-9]+|STACK:[0-9]+|SHARED:[0-9]+|LOCAL:[0-9]+" | paste -sd' ' | sed 's/ \([A-Za-z]*Kernel\)/\n\1/g' > "$O/resources.txt"
  cuobjdump -sass zk_kernel_tests 2>/dev/null | awk '/Function : .*MsmAccumulateKernel/{f=1;next} /Function :/{f=0} f' | grep -oE "/\*[0-9a-f]{4,6}\*/ +[A-Z0-9._]+" | awk '{print $2}' | sed 's/\..*//' | sort | uniq -c | sort -rn | head -20 > "$O/sass_accumulate.txt"
  head -30 "$O/resources.txt"; cat "$O/sass_accumulate.txt" | head -8
fi
if [ "$MODE" = all ] || [ "$MODE" = bench ]; then
  timeout ${BENCH_T:-300} ./gpu_zk_bench ${BENCH_ARGS:-} 2>&1 | tee "$O/bench.jsonl"; echo "bench rc=$?"
fi
if [ "$MODE" = all ] || [ "$MODE" = tests ]; then
  timeout ${SAN_T:-150} compute-sanitizer --tool memcheck --leak-check no ./zk_kernel_tests "LaunchMsmG1 corner cases,LaunchMsmG2 corner cases,LaunchHCoset equals snarkjs's H step on the CPU,LaunchSparseMatrixTimesWitness equals the sums on the CPU" > "$O/memcheck.txt" 2>&1; echo "memcheck rc=$?"
  tail -4 "$O/memcheck.txt"
fi
