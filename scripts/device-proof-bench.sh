#!/usr/bin/env bash
# On the GPU machine (device tool), from a carry/ bundle made by
#   scripts/device-bundle.sh --xz build/bench/gpu_proof_bench build/server/chainacceld \
#     build/client/chainaccel build/crypto/groth16/chainaccel-insecure-groth16-setup
# measures Groth16 proofs (issue 13) in one lease:
#   1. engines: gpu_proof_bench (GpuEngine and CpuEngine from a registered circuit, domain
#      powers $POWERS, the CPU up to $CPU_MAX_POWER) -> $OUT/proof_engines.jsonl;
#   2. through gRPC: a daemon, the synthetic circuit of each power in $DAEMON_POWERS made
#      by scripts/zk-bench-circuits.sh, registered (check_key_points off: a known key),
#      then `chainaccel zk prove` 1 + $RUNS times with placement gpu (the first uploads
#      the circuit) and, up to $CPU_MAX_POWER, once with cpu, wall
#      clock around the command (process start, reading the .wtns, gRPC, the proof, the
#      JSON) -> $OUT/proof_daemon.jsonl; after each power the daemon's Prove request and
#      proof batch time sums so far (its metrics) -> $OUT/daemon_metrics.txt.
# Usage: bash scripts/device-proof-bench.sh [engines] [daemon]
set -uo pipefail
steps="${*:-engines daemon}"
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
work="$(mktemp -d)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Seconds since a `date +%s%N` stamp, with millisecond digits (no bc on the GPU host).
seconds_since() {
  local ms=$(( ($(date +%s%N) - $1) / 1000000 ))
  printf "%d.%03d" $((ms / 1000)) $((ms % 1000))
}

if [[ " $steps " == *" engines "* ]]; then
  carry/bin/gpu_proof_bench --powers "${POWERS:-16,18,20}" --runs "${RUNS:-3}" \
    --cpu-max-power "${CPU_MAX_POWER:-18}" | tee "$out/proof_engines.jsonl"
fi

if [[ " $steps " == *" daemon "* ]]; then
  printf "proof:\n  check_key_points: false\n" > "$work/config.yaml"
  carry/bin/chainacceld --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
    --data-dir "$work/data" --ready-file "$work/ready" --config "$work/config.yaml" \
    --log-level info > "$out/daemon_proofs.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
  address="$(sed -n 's/^grpc=//p' "$work/ready")"
  cli=(carry/bin/chainaccel --address "$address" --timeout 600 zk)
  for power in ${DAEMON_POWERS:-16 20}; do
    INSECURE_SETUP=carry/bin/chainaccel-insecure-groth16-setup \
      bash "$here/scripts/zk-bench-circuits.sh" "$work/circuits" "$power" > /dev/null
    zkey="$work/circuits/synthetic_$power.zkey"
    wtns="$work/circuits/synthetic_$power.wtns"
    start=$(date +%s%N)
    id="$("${cli[@]}" register "$zkey" | sed -n 's/^circuit_id: //p')"
    register_s=$(seconds_since "$start")
    placements="gpu gpu $(seq 2 "${RUNS:-3}" | sed 's/.*/gpu/' | tr '\n' ' ')"
    if [ "$power" -le "${CPU_MAX_POWER:-18}" ]; then placements="$placements cpu"; fi
    for placement in $placements; do
      start=$(date +%s%N)
      "${cli[@]}" prove --circuit "$id" --wtns "$wtns" --proof "$work/p.json" \
        --public "$work/s.json" --placement "$placement" > "$work/prove.txt"
      seconds=$(seconds_since "$start")
      engine="$(sed -n 's/^engine: //p' "$work/prove.txt")"
      verdict="$("${cli[@]}" verify --vkey "$work/circuits/synthetic_${power}_vk.json" \
        --proof "$work/p.json" --public "$work/s.json")"
      echo "{\"bench\":\"groth16_prove_grpc\",\"power\":$power,\"placement\":\"$placement\",\"engine\":\"$engine\",\"seconds\":$seconds,\"register_s\":$register_s,\"verdict\":\"$verdict\"}" |
        tee -a "$out/proof_daemon.jsonl"
    done
    rm -f "$zkey"
    # Where the daemon's time went so far (request and batch histograms, cumulative over
    # the powers), without curl: bash's /dev/tcp.
    metrics="$(sed -n 's/^metrics=//p' "$work/ready")"
    exec 3<>"/dev/tcp/${metrics%:*}/${metrics##*:}"
    printf 'GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n' "$metrics" >&3
    grep -E '^chainaccel_(request_duration_seconds_(sum|count)\{method="Prove"|scheduler_(batch|queue_wait)_seconds_(sum|count)\{.*proof_generate)' <&3 |
      sed "s/^/after power $power: /" | tee -a "$out/daemon_metrics.txt"
    exec 3<&-
  done
  kill -TERM "$pid"
  wait "$pid"
fi
