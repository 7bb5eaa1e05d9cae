#!/usr/bin/env bash
# On the GPU machine (device tool): the engine benchmarks of two builds side by side in one
# lease, for "unchanged within noise" after a change that should not move performance.
# carry/bin holds this build's benchmarks, carry/before the other build's (same names);
# both share carry/lib. Made here with
#   scripts/device-bundle.sh --xz build/bench/{gpu_hash_bench,gpu_merkle_bench,gpu_signature_bench,cpu_engine_bench} ...
#   (then the other build's four benches into carry/before, stripped; see the bundle's log)
# Each benchmark runs ROUNDS times per build, the builds alternating (before, after, after,
# before, ...) so that drifts of the shared host hit both. JSON lines go to
# $OUT/compare_<bench>.jsonl with "build":"<name>" added to every line (standard error to
# $TMPDIR, shown when a run fails).
# Tables here: bench/compare_builds.py <files from $OUT>.
# Usage: [BUILDS="before after ..."] [ROUNDS=N] [SIGNATURE_ARGS=--no-cpu]
#   bash scripts/device-compare.sh [hash] [merkle] [signatures] [latency] [cpu]
set -uo pipefail
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
steps="${*:-hash merkle signatures cpu}"
rounds="${ROUNDS:-2}"
# BUILDS: the builds compared, each a folder carry/<name> of the same benchmarks ("after"
# is carry/bin); default "before after".
builds="${BUILDS:-before after}"

# run <bench> <build> <args...>: one run of one build, its JSON lines tagged.
run() {
  local bench="$1" build="$2"
  shift 2
  local dir="carry/$build"
  if [ "$build" = after ]; then dir=carry/bin; fi
  local log="${TMPDIR:-/tmp}/${bench}_${build}.stderr"
  "$dir/$bench" "$@" 2> "$log" |
    sed -e "s/^{/{\"build\":\"$build\",/" >> "$out/compare_${bench}.jsonl"
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    echo "$bench ($build) failed:"
    tail -n 5 "$log"
  fi
}

# alternate <bench> <args...>: ROUNDS runs of each build, in ABBA order (ABC CBA for three).
alternate() {
  local bench="$1"
  shift
  local forward backward=() b
  read -ra forward <<< "$builds"
  for b in "${forward[@]}"; do backward=("$b" "${backward[@]}"); done
  for ((r = 0; r < rounds; ++r)); do
    if ((r % 2 == 0)); then
      for b in "${forward[@]}"; do run "$bench" "$b" "$@"; done
    else
      for b in "${backward[@]}"; do run "$bench" "$b" "$@"; done
    fi
  done
  echo "$bench: $(wc -l < "$out/compare_${bench}.jsonl") lines"
}

{ date -u; nvidia-smi -L; nproc; lscpu | grep -E "Model name"; } | tee "$out/machine.txt"
if [[ " $steps " == *" hash "* ]]; then
  alternate gpu_hash_bench --runs 5 --e2e-runs 3
fi
if [[ " $steps " == *" merkle "* ]]; then
  alternate gpu_merkle_bench --runs 5
fi
if [[ " $steps " == *" signatures "* ]]; then
  read -ra signature_args <<< "${SIGNATURE_ARGS:-}"
  alternate gpu_signature_bench --items 1048576 --runs 3 "${signature_args[@]}"
fi
if [[ " $steps " == *" latency "* ]]; then  # small batches: the one-verification floor
  alternate gpu_signature_bench --items 1024 --runs 5 --no-cpu
fi
if [[ " $steps " == *" cpu "* ]]; then
  alternate cpu_engine_bench --rounds 3 --threads 16 \
    --ops sha256,sha256d,keccak256,merkle_bitcoin,merkle_rfc6962,merkle_oz
  alternate cpu_engine_bench --rounds 3 --threads 16 --items 16384 \
    --ops ed25519,ecdsa,schnorr,recover
fi
