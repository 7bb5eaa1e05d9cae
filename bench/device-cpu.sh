#!/usr/bin/env bash
# CPU benchmarks on the 16-core GPU host (the device tool), from a carry/ bundle made by
#   scripts/device-bundle.sh build/bench/cpu_engine_bench build/server/chainacceld build/client/chainaccel
# Writes engine.jsonl (in-process engine vs plain library loop) and e2e.jsonl (through
# gRPC) under $OUT (or ./out), and prints both.
# Usage (device tool): bash bench/device-cpu.sh [engine|e2e|all]
set -uo pipefail
out="${OUT:-out}"
mkdir -p "$out"
export LD_LIBRARY_PATH="$PWD/carry/lib"
what="${1:-all}"
{ date -u; nproc; lscpu | grep -E "Model name|Thread|Core|Socket|MHz"; nvidia-smi -L 2>/dev/null; } \
  | tee "$out/machine.txt"
if [ "$what" = engine ] || [ "$what" = all ]; then
  threads=1,2,4,8,16
  carry/bin/cpu_engine_bench --rounds "${ROUNDS:-3}" --threads "$threads" \
    --ops sha256,sha256d,keccak256,merkle_bitcoin,merkle_rfc6962,merkle_oz | tee "$out/engine.jsonl"
  carry/bin/cpu_engine_bench --rounds "${ROUNDS:-3}" --threads "$threads" --items 16384 \
    --ops ed25519,ecdsa,schnorr,recover | tee -a "$out/engine.jsonl"
fi
if [ "$what" = e2e ] || [ "$what" = all ]; then
  bash bench/run-e2e.sh --bin carry/bin --duration "${E2E_DURATION:-8}" \
    --ops "${E2E_OPS:-sha256 keccak256 ed25519 ecdsa schnorr recover merkle-bitcoin}" \
    | tee "$out/e2e.jsonl"
fi
