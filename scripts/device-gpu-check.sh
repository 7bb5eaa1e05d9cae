#!/usr/bin/env bash
# On the GPU machine (device tool), from a carry/ bundle made by
#   scripts/device-bundle.sh build/engines/gpu/gpu_engine_tests build/server/chainacceld \
#     build/client/chainaccel
# runs the GPU engine tests, then the daemon with its GPU: devices, and hash batches
# forced to the GPU and placed automatically, checked by the bench client.
set -uo pipefail
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
nvidia-smi -L
carry/bin/gpu_engine_tests 2>&1 | tail -5
work="$(mktemp -d)"
carry/bin/chainacceld --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir "$work/data" \
  --ready-file "$work/ready" --log-level info > "$out/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
address="$(sed -n 's/^grpc=//p' "$work/ready")"
metrics="$(sed -n 's/^metrics=//p' "$work/ready")"
carry/bin/chainaccel --address "$address" devices
for placement in gpu auto cpu; do
  carry/bin/chainaccel --address "$address" bench --op sha256 --batch 1048576 --concurrency 2 \
    --duration 4 --warmup 1 --placement "$placement" --json --quiet
done
carry/bin/chainaccel --address "$address" bench --op keccak256 --batch 1048576 --concurrency 2 \
  --duration 4 --warmup 1 --placement gpu --json --quiet
printf '616263\n' | carry/bin/chainaccel --address "$address" hash --algo sha256
curl -s "$metrics/metrics" | grep -E '^chainaccel_engine_(batches|faults|healthy)' || true
kill -TERM "$pid"; wait "$pid"; echo "daemon exit $?"
grep -E "GPU|gpu" "$out/daemon.log" | head -5
