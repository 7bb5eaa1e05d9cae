#!/usr/bin/env bash
# End-to-end gRPC throughput: starts chainacceld, runs `chainaccel bench` for each
# operation and batch size, and prints one JSON line per run (the CLI's --json output).
#
# Usage: bench/run-e2e.sh [--bin DIR] [--threads N] [--duration S] [--ops "ed25519 sha256"]
#                         [--batches "1024 65536 1048576"] [--concurrency C]
# DIR holds chainacceld and chainaccel (default build/server and build/client).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
daemon="$here/build/server/chainacceld"
cli="$here/build/client/chainaccel"
threads=0
duration=10
ops="sha256 keccak256 ed25519 ecdsa schnorr recover merkle-bitcoin"
batches="1024 65536 1048576"
concurrency=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --bin) daemon="$2/chainacceld"; cli="$2/chainaccel"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --ops) ops="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$daemon" --listen 127.0.0.1:0 --metrics-listen '' --threads "$threads" --data-dir "$work/data" \
  --ready-file "$work/ready" --log-level warn &
pid=$!
for _ in $(seq 1 200); do [ -s "$work/ready" ] && break; sleep 0.05; done
address="$(sed -n 's/^grpc=//p' "$work/ready")"
[ -n "$address" ] || { echo "chainacceld did not start" >&2; exit 1; }

for op in $ops; do
  for batch in $batches; do
    # Small batches need several requests in flight to keep every core busy; a large
    # batch already spreads over all of them.
    c="${concurrency:-$([ "$batch" -ge 1048576 ] && echo 1 || echo 8)}"
    "$cli" --address "$address" bench --op "$op" --batch "$batch" --concurrency "$c" \
      --duration "$duration" --warmup 1 --json --quiet
  done
done
