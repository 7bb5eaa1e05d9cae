#!/usr/bin/env bash
# snarkjs on the GPU host's CPUs (issue 13's side-by-side: snarkjs, our CPU engine and our
# GPU engine on one host, in one lease). The GPU host has no Node.js, so the run tool
# carries it: carry-snark/ with
#   snark.tar.xz   snark/bin/node (this machine's Node 20) and snark/node_modules (the
#                  packages tests/zk installs, without circom2, circomlib, @wasmer)
#   bundle.tar.xz  scripts/device-bundle.sh --xz build/bench/gpu_proof_bench
#                  build/crypto/groth16/chainaccel-insecure-groth16-setup
# For each power in $POWERS (default 16 18 20): the synthetic circuit, key and witness of
# scripts/zk-bench-circuits.sh, then `snarkjs groth16 prove` $RUNS times (default 2; wall
# clock of the command, Node's start included) and `snarkjs groth16 verify` of the last
# proof -> $OUT/snarkjs.jsonl; then gpu_proof_bench over the same powers with the CPU
# engine at every power -> $OUT/proof_engines.jsonl.
# Usage (on the GPU host, repository root): bash scripts/device-snarkjs-bench.sh
set -uo pipefail
out="${OUT:-out}"
mkdir -p "$out"
work="$(mktemp -d)"
tar -xJf carry-snark/snark.tar.xz -C "$work"
tar -xJf carry-snark/bundle.tar.xz
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
node="$work/snark/bin/node"
snarkjs="$work/snark/node_modules/snarkjs/build/cli.cjs"
seconds_since() {
  local ms=$(( ($(date +%s%N) - $1) / 1000000 ))
  printf "%d.%03d" $((ms / 1000)) $((ms % 1000))
}
powers="${POWERS:-16 18 20}"
for power in $powers; do
  INSECURE_SETUP=carry/bin/chainaccel-insecure-groth16-setup \
    bash scripts/zk-bench-circuits.sh "$work/circuits" "$power" > /dev/null
  base="$work/circuits/synthetic_$power"
  for run in $(seq 1 "${RUNS:-2}"); do
    start=$(date +%s%N)
    "$node" "$snarkjs" groth16 prove "$base.zkey" "$base.wtns" "$work/p.json" "$work/s.json" \
      > "$work/prove.log" 2>&1
    rc=$?
    seconds=$(seconds_since "$start")
    verdict="$("$node" "$snarkjs" groth16 verify "${base}_vk.json" "$work/s.json" "$work/p.json" 2>&1 | tail -1 | sed "s/\x1b\[[0-9;]*m//g")"
    echo "{\"bench\":\"snarkjs_prove\",\"power\":$power,\"run\":$run,\"rc\":$rc,\"seconds\":$seconds,\"threads\":$(nproc),\"verify\":\"${verdict//\"/}\"}" |
      tee -a "$out/snarkjs.jsonl"
  done
  rm -f "$base.zkey"
done
carry/bin/gpu_proof_bench --powers "$(echo $powers | tr ' ' ',')" --runs "${RUNS:-2}" \
  --cpu-max-power 30 | tee "$out/proof_engines.jsonl"
