#!/usr/bin/env bash
# On the GPU machine's 16-core host (device tool): where Block-STM's time goes, with perf
# (software clock; the host has no perf, so it travels in the bundle):
#   scripts/device-bundle.sh --xz build/bench/exec_bench /usr/bin/perf
# then here: bash scripts/device-exec-profile.sh. transfer_low on 1 and 16 threads
# (`exec_bench --profile`: Block-STM alone); writes flat profiles ($OUT/flat_{1,16}.txt),
# the inclusive profile of 16 threads from call stacks ($OUT/incl_16.txt) and the
# callers of the locks and the allocator ($OUT/callers_16.txt).
set -uo pipefail
tar -xJf carry/bundle.tar.xz
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
export CHAINACCEL_EXAMPLE_CONTRACTS_DIR="$PWD/examples/contracts"
out="${OUT:-out}"
mkdir -p "$out"
perf=carry/bin/perf
for t in 1 16; do
  blocks=$([ "$t" = 1 ] && echo 30 || echo 200)
  "$perf" record -q -F 1999 -e cpu-clock -o "/tmp/flat$t.data" \
    carry/bin/exec_bench --workloads transfer_low --threads "$t" --profile "$blocks"
  "$perf" report -i "/tmp/flat$t.data" --no-children --sort symbol --stdio -n \
    --percent-limit 0.4 2>/dev/null | grep -v -e "^#" -e "^$" | cut -c1-150 > "$out/flat_$t.txt"
  head -3 "$out/flat_$t.txt"
done
"$perf" record -q -F 300 -e cpu-clock --call-graph dwarf,8192 -o /tmp/stacks.data \
  carry/bin/exec_bench --workloads transfer_low --threads 16 --profile 100
"$perf" report -i /tmp/stacks.data --children --sort symbol --stdio -g none \
  --percent-limit 0.5 2>/dev/null | grep -v -e "^#" -e "^$" | cut -c1-170 > "$out/incl_16.txt"
"$perf" report -i /tmp/stacks.data --no-children --sort symbol --stdio -G \
  -S 'pthread_mutex_lock@@GLIBC_2.2.5,malloc,_int_free,cfree@GLIBC_2.2.5,__lll_lock_wait' \
  --percent-limit 0.2 2>/dev/null | grep -v "^$" | head -400 | cut -c1-200 > "$out/callers_16.txt"
wc -l "$out"/*.txt
