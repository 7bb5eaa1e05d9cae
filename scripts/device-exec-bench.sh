#!/usr/bin/env bash
# On the GPU machine's 16-core host (device tool): exec_bench from a carry/ bundle made by
#   scripts/device-bundle.sh [--xz] build/bench/exec_bench
# with the host's CPU facts first. Writes $OUT/cpu.txt and $OUT/exec_bench.jsonl (or ./out).
# Usage: bash scripts/device-exec-bench.sh [exec_bench options]
# (default: --rounds 3 --threads 1,2,4,8,16 --workloads transfer_low,transfer_high,swap,pipeline)
set -uo pipefail
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
export CHAINACCEL_EXAMPLE_CONTRACTS_DIR="$PWD/examples/contracts"
out="${OUT:-out}"
mkdir -p "$out"
{
  date -u
  nproc
  lscpu | grep -E "Model name|Thread|Core|Socket|NUMA node|MHz|L2|L3"
  echo "siblings of cpu0: $(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list 2>/dev/null)"
} | tee "$out/cpu.txt"
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(--rounds 3 --threads 1,2,4,8,16 --workloads transfer_low,transfer_high,swap,pipeline)
fi
carry/bin/exec_bench "${args[@]}" | tee "$out/exec_bench.jsonl" |
  grep -v '"bench":"exec"' | cut -c1-220
# The executor lines, short: workload, executor, threads, tx/s, executions, phases.
grep '"bench":"exec"' "$out/exec_bench.jsonl" | sed -E \
  's/.*"workload":"([a-z_]+)","executor":"([a-z-]+)","threads":([0-9]+).*"tps":([0-9]+),"executions":([0-9]+).*"setup_s":([0-9.]+),"parallel_s":([0-9.]+),"finish_s":([0-9.]+).*"equal_to_sequential":([a-z]+).*/\1 \2 \3 \4 exec=\5 setup=\6 par=\7 fin=\8 eq=\9/'
