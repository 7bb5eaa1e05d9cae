#!/usr/bin/env bash
# Runs the kernel tests and the hashing benchmark on the device machine, in one call.
#
# Here (no GPU needed):
#   cmake --build build-gpu --target gpu_kernel_tests gpu_hash_bench
#   scripts/device-bundle.sh build-gpu/kernels/gpu_kernel_tests build-gpu/gpu_hash_bench
# Then through the device tool, with carry: ["carry"]:  bash kernels/device-check.sh
# Writes to $OUT: tests.txt, sanitizer.txt, bench.jsonl, smi.txt, dmon.txt, sass.txt.gz,
# ncu.txt (the ALU and FMA pipes' share of the 64-byte kernels' instructions).
# BENCH_ARGS passes options to gpu_hash_bench. BASELINE names an earlier build of the
# bench (bundled too), timed kernel-only before and after this one on the same card.
set -uo pipefail
out="${OUT:-/tmp/device-check}"
mkdir -p "$out"
export LD_LIBRARY_PATH="$PWD/carry/lib"
# The tests read the vectors of this copy of the repository (tests/vectors).
export CHAINACCEL_VECTORS_DIR="$PWD/tests/vectors"

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu \
  --format=csv | tee "$out/smi.txt"
cuobjdump -sass carry/bin/gpu_hash_bench | gzip > "$out/sass.txt.gz"

status=0
echo "== device tests"
carry/bin/gpu_kernel_tests --require-gpu "[device]" 2>&1 | tee "$out/tests.txt" | tail -n 4 || status=1
echo "== host tests"
carry/bin/gpu_kernel_tests "~[device]" 2>&1 | tee -a "$out/tests.txt" | tail -n 4 || status=1
echo "== compute-sanitizer memcheck (variable layout, vectors, stream)"
compute-sanitizer --tool memcheck --error-exitcode 3 \
  carry/bin/gpu_kernel_tests --require-gpu "[device]~[batch]~[fixed]" > "$out/sanitizer.txt" 2>&1 \
  || status=1
tail -n 3 "$out/sanitizer.txt"

nvidia-smi dmon -s pc -d 1 > "$out/dmon.txt" 2>&1 &
dmon=$!
baseline() {
  if [ -n "${BASELINE:-}" ]; then
    echo "== baseline $BASELINE ($1)"
    "$BASELINE" --variants library --no-e2e | tee "$out/baseline-$1.jsonl" | grep '^# kernel' \
      || status=1
  fi
}
baseline before
echo "== bench"
carry/bin/gpu_hash_bench ${BENCH_ARGS:-} | tee "$out/bench.jsonl" | grep '^#' || status=1
baseline after
kill "$dmon" 2>/dev/null

echo "== ncu: pipe use of the 64-byte kernels"
pipes=sm__inst_executed_pipe_alu.avg.pct_of_peak_sustained_active
pipes+=,sm__inst_executed_pipe_fma.avg.pct_of_peak_sustained_active
pipes+=,sm__inst_executed_pipe_fmaheavy.avg.pct_of_peak_sustained_active
pipes+=,sm__issue_active.avg.pct_of_peak_sustained_active
pipes+=,sm__cycles_elapsed.avg.per_second
timeout 240 ncu --kernel-name regex:HashFixedKernel --launch-count 12 \
  --metrics "$pipes" --print-summary per-kernel \
  carry/bin/gpu_hash_bench --items 4194304 --runs 1 --no-e2e --variants library \
  > "$out/ncu.txt" 2>&1 || echo "ncu failed (see ncu.txt)"
grep -E "Kernel|pipe_|issue_active|cycles_elapsed" "$out/ncu.txt" | sed 's/  */ /g' | head -60
exit $status
