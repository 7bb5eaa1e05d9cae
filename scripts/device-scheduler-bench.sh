#!/usr/bin/env bash
# On the GPU machine (device tool), from a carry/ bundle made by
#   scripts/device-bundle.sh --xz build/server/chainacceld build/client/chainaccel
# measures the hybrid scheduler through gRPC (`chainaccel bench`, 4 channels), each
# figure in the same lease:
#   1. batching on, then off (a daemon each): 1M-item requests 4 in flight (the large-batch
#      rate), 64 clients x 1,024 items and 256 clients x 64 items, for Ed25519, ECDSA and
#      recovery, placement AUTO;
#   2. AUTO against CPU and GPU placement over batch sizes 64 .. 262,144 (Ed25519 and
#      ECDSA, 8 in flight);
#   3. LOAD_BALANCE against CPU and GPU alone for 1M-item Ed25519 and ECDSA requests;
#   4. "knobs": 64 x 1,024 and 256 x 64 Ed25519 under other settings (GPU batches in
#      flight 2, the config's placement gpu, max_queue_delay_ms 1, two GPU engines over
#      the one device with AUTO and with GPU placement; or $KNOBS), a daemon each;
#   5. "diagnose": where the time of 64 x 1,024 and 256 x 64 goes: each run between two
#      scrapes of the daemon's metrics, printed as means and bucket p50 / p99 (queue wait,
#      batch seconds and items per engine, whole request; predicted against actual batch
#      seconds) by scripts/metrics-delta.py, beside a SHA-256 run
#      of the same bytes (the host path's own ceiling); for the knobs in $DIAG_KNOBS.
#   6. "channels": 64 x 1,024 and 256 x 64 over 4, 16 and 64 connections ($CHANNEL_COUNTS),
#      beside the 1M-item rate, one daemon (AUTO); each run also prints how many of the
#      host's CPUs were busy, and how many of them the daemon used (from /proc).
#   7. "large": 1M-item requests (the end-to-end rate of issue 14) with 4, 8 and 16 in
#      flight over as many connections ($LARGE_COUNTS), one daemon (AUTO), with the same
#      CPU figures as "channels".
# JSON lines (one per run, tagged with "batching" and "step") go to $OUT/scheduler.jsonl;
# the daemon's scheduler metrics after each daemon to $OUT/metrics_<batching>.txt.
# DAEMON: the daemon binary (carry/bin/chainacceld), e.g. another build's for a side-by-side
# run; DAEMON_CONFIG: a config file for every daemon that the step does not give one of its
# own; BUILD_TAG, when set, adds "build":"<tag>" to every JSON line.
# CHANNELS: the connections of every bench run that does not choose them (4).
# Usage: bash scripts/device-scheduler-bench.sh [batching] [sweep] [balance] [knobs] [diagnose]
#        [channels] [large]
# (BATCHING_MODES and OPS narrow the batching step; SWEEP_OPS, SWEEP_BATCHES and
# SWEEP_PLACEMENTS the sweep, which SWEEP_ROUNDS repeats, alternating placements.)
set -uo pipefail
steps="${*:-batching sweep balance}"
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
nvidia-smi -L
work="$(mktemp -d)"
pid=""
address=""
metrics=""

start_daemon() {  # start_daemon <batching true|false> [name] [config file]
  rm -f "$work/ready"
  local name="${2:-$1}" config="${3:-${DAEMON_CONFIG:-}}"
  "${DAEMON:-carry/bin/chainacceld}" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
    --data-dir "$work/data-$name" --ready-file "$work/ready" --batching "$1" \
    ${config:+--config "$config"} --log-level info > "$out/daemon_$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
  address="$(sed -n 's/^grpc=//p' "$work/ready")"
  metrics="$(sed -n 's/^metrics=//p' "$work/ready")"
  # The start-up calibration runs in the background for up to 3 s; let it finish.
  for _ in $(seq 1 100); do grep -q "calibrated" "$out/daemon_$name.log" && break; sleep 0.1; done
}

stop_daemon() {  # stop_daemon <batching>
  curl -s "$metrics/metrics" | grep -E '^chainaccel_(scheduler|engine_batches)' > "$out/metrics_$1.txt"
  kill -TERM "$pid"; wait "$pid"
}

write_knob_config() {  # write_knob_config <name> <scheduler-keys[|top-level-keys]>
  local spec="$2" top_keys=""
  [[ "$spec" == *"|"* ]] && top_keys="${spec#*|}"
  printf "${top_keys}\nscheduler:\n  calibration_seconds: 1\n${spec%%|*}\n" > "$work/$1.yaml"
}

bench() {  # bench <tags> <chainaccel bench args...>
  local tags="$1${BUILD_TAG:+,\"build\":\"$BUILD_TAG\"}"
  shift
  carry/bin/chainaccel --address "$address" bench --channels "${CHANNELS:-4}" --json --quiet "$@" |
    sed -e "s/^{/{$tags,/" | tee -a "$out/scheduler.jsonl"
}

if [[ " $steps " == *" batching "* ]]; then
  # BATCHING_MODES and OPS narrow the step (e.g. BATCHING_MODES=true OPS="ecdsa recover").
  for batching in ${BATCHING_MODES:-true false}; do
    start_daemon "$batching"
    for op in ${OPS:-ed25519 ecdsa recover}; do
      tags="\"step\":\"batching\",\"batching\":$batching"
      if [ "$batching" = true ]; then
        bench "$tags" --op "$op" --batch 1048576 --concurrency 4 --duration 6 --warmup 2
      fi
      bench "$tags" --op "$op" --batch 1024 --concurrency 64 --duration 6 --warmup 2
      bench "$tags" --op "$op" --batch 64 --concurrency 256 --duration 6 --warmup 2
    done
    stop_daemon "$batching"
  done
fi

if [[ " $steps " == *" sweep "* || " $steps " == *" balance "* ]]; then
  start_daemon true
  if [[ " $steps " == *" sweep "* ]]; then
    for round in $(seq 1 "${SWEEP_ROUNDS:-1}"); do
      for op in ${SWEEP_OPS:-ed25519 ecdsa}; do
        for batch in ${SWEEP_BATCHES:-64 512 2048 8192 65536 262144}; do
          for placement in ${SWEEP_PLACEMENTS:-auto cpu gpu}; do
            bench "\"step\":\"sweep\",\"batching\":true,\"round\":$round" --op "$op" \
              --batch "$batch" --concurrency 8 --duration 3 --warmup 1 --placement "$placement"
          done
        done
      done
    done
  fi
  if [[ " $steps " == *" balance "* ]]; then
    for op in ed25519 ecdsa; do
      for placement in cpu gpu load_balance; do
        bench "\"step\":\"balance\",\"batching\":true" --op "$op" --batch 1048576 \
          --concurrency 2 --duration 8 --warmup 2 --placement "$placement"
      done
    done
  fi
  stop_daemon sweep
fi
if [[ " $steps " == *" knobs "* ]]; then
  # name:scheduler-keys[|top-level-keys], "\n" between keys (printf expands it).
  knobs=("default:"
         "gpu_in_flight_2:  gpu_batches_in_flight: 2"
         "placement_gpu:  placement: gpu"
         "delay_1ms:  max_queue_delay_ms: 1"
         "two_engines_auto:|gpu_engines_per_device: 2"
         "two_engines_gpu:  placement: gpu|gpu_engines_per_device: 2")
  # KNOBS (one knob per line, as above) replaces the list.
  if [ -n "${KNOBS:-}" ]; then mapfile -t knobs <<< "$KNOBS"; fi
  for knob in "${knobs[@]}"; do
    name="${knob%%:*}"
    write_knob_config "$name" "${knob#*:}"
    start_daemon true "$name" "$work/$name.yaml"
    tags="\"step\":\"knobs\",\"knob\":\"$name\""
    if [ "$name" = default ]; then
      bench "$tags" --op ed25519 --batch 1048576 --concurrency 4 --duration 5 --warmup 1
    fi
    bench "$tags" --op ed25519 --batch 1024 --concurrency 64 --duration 5 --warmup 1
    bench "$tags" --op ed25519 --batch 64 --concurrency 256 --duration 5 --warmup 1
    stop_daemon "$name"
  done
fi
if [[ " $steps " == *" diagnose "* ]]; then
  diag_knobs=("default:" "placement_gpu:  placement: gpu")
  if [ -n "${DIAG_KNOBS:-}" ]; then mapfile -t diag_knobs <<< "$DIAG_KNOBS"; fi
  here="$(dirname "${BASH_SOURCE[0]}")"
  for knob in "${diag_knobs[@]}"; do
    name="${knob%%:*}"
    write_knob_config "$name" "${knob#*:}"
    start_daemon true "diag_$name" "$work/$name.yaml"
    runs=("ed25519 1024 64" "ed25519 64 256" "sha256 1024 64")
    # DIAG_RUNS: "op batch concurrency [placement]" per line, instead of the three above;
    # DIAG_SECONDS and DIAG_WARMUP: each run's measured and warm-up seconds (4, 0).
    if [ -n "${DIAG_RUNS:-}" ]; then mapfile -t runs <<< "$DIAG_RUNS"; fi
    for run in "${runs[@]}"; do
      read -r op batch concurrency placement <<< "$run"
      extra=()
      [ "$op" = sha256 ] && extra=(--msg-size 128)
      [ -n "$placement" ] && extra+=(--placement "$placement")
      [ "${DIAG_WARMUP:-0}" != 0 ] && bench "\"step\":\"diagnose_warmup\"" --op "$op" \
        --batch "$batch" --concurrency "$concurrency" --duration "$DIAG_WARMUP" --warmup 0 \
        "${extra[@]}" > /dev/null
      curl -s "$metrics/metrics" > "$work/before.txt"
      bench "\"step\":\"diagnose\",\"knob\":\"$name\"" --op "$op" --batch "$batch" \
        --concurrency "$concurrency" --duration "${DIAG_SECONDS:-4}" --warmup 0 "${extra[@]}"
      curl -s "$metrics/metrics" > "$work/after.txt"
      echo "== $name $op $batch x $concurrency ${placement:-auto}"
      python3 "$here/metrics-delta.py" "$work/before.txt" "$work/after.txt" "${DIAG_SECONDS:-4}" \
        chainaccel_scheduler_batch chainaccel_scheduler_queue_wait \
        chainaccel_request_duration chainaccel_engine_busy chainaccel_engine_items \
        chainaccel_scheduler_predicted chainaccel_scheduler_actual |
        grep -v 'le=' | tee -a "$out/diagnose.txt"
    done
    carry/bin/chainaccel --address "$address" scheduler | grep -E "engine|signature" | head -12
    stop_daemon "diag_$name"
  done
fi

busy_idle_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }
# user + system ticks: stat's fields 14 and 15, counted after the ")" closing the name
daemon_ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'; }

bench_with_cpu() {  # bench_with_cpu <tags> <file> <chainaccel bench args...>: bench, then CPU use
  local tags="$1" file="$2"
  shift 2
  read -r busy0 idle0 <<< "$(busy_idle_ticks)"
  d0="$(daemon_ticks)"
  bench "$tags" "$@"
  read -r busy1 idle1 <<< "$(busy_idle_ticks)"
  d1="$(daemon_ticks)"
  awk -v b=$((busy1 - busy0)) -v i=$((idle1 - idle0)) -v d=$((d1 - d0)) -v n="$(nproc)" \
    'BEGIN { printf "   host: %.1f of %d CPUs busy, the daemon %.1f of them\n", n * b / (b + i), n, n * d / (b + i) }' |
    tee -a "$out/$file"
}

if [[ " $steps " == *" channels "* ]]; then
  start_daemon true channels
  for op in ${OPS:-ed25519 ecdsa recover}; do
    bench "\"step\":\"channels\"" --op "$op" --batch 1048576 --concurrency 4 --duration 6 --warmup 2
    for channels in ${CHANNEL_COUNTS:-4 16 64}; do
      for shape in "1024 64" "64 256"; do
        read -r batch concurrency <<< "$shape"
        CHANNELS="$channels" bench_with_cpu "\"step\":\"channels\"" channels_cpu.txt \
          --op "$op" --batch "$batch" --concurrency "$concurrency" --duration 6 --warmup 2
      done
    done
  done
  stop_daemon channels
fi

if [[ " $steps " == *" large "* ]]; then
  start_daemon true large
  for op in ${OPS:-ed25519 ecdsa recover}; do
    for count in ${LARGE_COUNTS:-4 8 16}; do
      CHANNELS="$count" bench_with_cpu "\"step\":\"large\"" large_cpu.txt --op "$op" \
        --batch 1048576 --concurrency "$count" --duration 6 --warmup 2
    done
  done
  stop_daemon large
fi
grep -E "calibrated|GPU" "$out"/daemon_*.log | head -6
