#!/usr/bin/env bash
# On the GPU machine (device tool), from a carry/ bundle made by
#   scripts/device-bundle.sh build/engines/gpu/gpu_engine_tests build/server/chainacceld \
#     build/client/chainaccel
# runs the GPU engine tests (when bundled), then the daemon with its GPU: devices, hash
# batches forced to the GPU and placed automatically (checked by the bench client), Merkle
# trees built on the GPU and on the CPU through the daemon and compared, and 1M-item
# Merkle, Ed25519, ECDSA and recovery batches on the GPU and on the CPU.
# Usage: bash scripts/device-gpu-check.sh [hash] [merkle] [signatures] (default: all three;
# the devices list and the metrics always). Signature benches: SIG_PLACEMENTS (default
# "gpu cpu") and SIG_CONCURRENCY (requests in flight, default 2; e.g. "2 4").
set -uo pipefail
steps="${*:-hash merkle signatures}"
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
nvidia-smi -L
if [ -x carry/bin/gpu_engine_tests ]; then carry/bin/gpu_engine_tests 2>&1 | tail -5; fi
work="$(mktemp -d)"
carry/bin/chainacceld --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir "$work/data" \
  --ready-file "$work/ready" --log-level info > "$out/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
address="$(sed -n 's/^grpc=//p' "$work/ready")"
metrics="$(sed -n 's/^metrics=//p' "$work/ready")"
carry/bin/chainaccel --address "$address" devices
if [[ " $steps " == *" hash "* ]]; then
for placement in gpu auto cpu; do
  carry/bin/chainaccel --address "$address" bench --op sha256 --batch 1048576 --concurrency 2 \
    --duration 4 --warmup 1 --placement "$placement" --json --quiet
done
carry/bin/chainaccel --address "$address" bench --op keccak256 --batch 1048576 --concurrency 2 \
  --duration 4 --warmup 1 --placement gpu --json --quiet
printf '616263\n' | carry/bin/chainaccel --address "$address" hash --algo sha256
fi
if [[ " $steps " == *" merkle "* ]]; then
# Merkle trees through the daemon: GPU and CPU placement must print the same root and
# proofs (300k random leaves, a non-power of two; raw entries of random length).
od -An -v -tx1 -w32 -N $((32 * 300001)) /dev/urandom | tr -d ' ' > "$work/leaves.txt"
od -An -v -tx1 -w7 -N $((7 * 50000)) /dev/urandom | tr -d ' ' > "$work/entries.txt"
for args in "--scheme bitcoin" "--scheme rfc6962" "--scheme oz" "--scheme oz --sort-leaves" \
            "--scheme rfc6962 --raw-entries"; do
  input="$work/leaves.txt"; [[ "$args" == *raw-entries* ]] && input="$work/entries.txt"
  for placement in gpu cpu; do
    # shellcheck disable=SC2086
    carry/bin/chainaccel --address "$address" merkle build $args --input "$input" \
      --proof 0 1 2 12345 49999 --placement "$placement" > "$work/tree.$placement"
  done
  if cmp -s "$work/tree.gpu" "$work/tree.cpu" && [ -s "$work/tree.gpu" ]; then
    echo "merkle build $args: GPU == CPU ($(head -c 80 "$work/tree.gpu" | head -1))"
  else
    echo "merkle build $args: GPU and CPU DIFFER"; diff "$work/tree.gpu" "$work/tree.cpu" | head -5
  fi
done
for placement in gpu cpu; do
  carry/bin/chainaccel --address "$address" bench --op merkle-bitcoin --batch 1048576 \
    --concurrency 2 --duration 4 --warmup 1 --placement "$placement" --json --quiet
done
fi
# Signatures: 1M-signature batches of Ed25519 and ECDSA verification and recovery (the
# signature sets are made once, on every core, and cached).
if [[ " $steps " == *" signatures "* ]]; then
for op in ed25519 ecdsa recover; do
  for placement in ${SIG_PLACEMENTS:-gpu cpu}; do
    for concurrency in ${SIG_CONCURRENCY:-2}; do
      carry/bin/chainaccel --address "$address" bench --op "$op" --batch 1048576 \
        --concurrency "$concurrency" --duration 6 --warmup 1 --placement "$placement" \
        --json --quiet
    done
  done
done
fi
curl -s "$metrics/metrics" | grep -E '^chainaccel_engine_(batches|faults|healthy|memory)' || true
kill -TERM "$pid"; wait "$pid"; echo "daemon exit $?"
grep -E "GPU|gpu" "$out/daemon.log" | head -5
