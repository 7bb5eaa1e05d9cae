#!/usr/bin/env bash
# Groth16 provers side by side on this machine's CPU (issue 13): snarkjs's
# `groth16 prove`, iden3's rapidsnark `prover` and ours, on the same .zkey and .wtns (the
# synthetic circuits of scripts/zk-bench-circuits.sh, keys from the INSECURE test setup).
# Every prover is timed as a whole command (process start, reading the .zkey and .wtns,
# proving, writing snarkjs's proof.json and public.json):
#   snarkjs     node tests/zk/node_modules/snarkjs/build/cli.cjs groth16 prove Z W P S
#   rapidsnark  prover Z W P S  (built outside the repository by scripts/build-rapidsnark.sh)
#   ours        groth16_tool prove Z W P S --threads N  (crypto/groth16's CPU prover, the
#               one the CPU engine runs)
# Each run calls the provers in a rotated order (S R O, R O S, O S R, ...) so that a change
# of the machine's load falls on all of them; every proof is then checked by
# `snarkjs groth16 verify` and by our verifier (`groth16_tool verify`). Then, once per
# power, ours in process (`groth16_prove_bench --ops prove`: reading excluded, median of
# RUNS proofs in one process).
#
# Output: JSON lines on stdout and appended to $OUT:
#   {"bench":"groth16_prove_cli","prover":...,"power":K,"run":R,"rc":..,"wall_s":..,
#    "user_s":..,"sys_s":..,"max_rss_mib":..,"load1":..,"verify_snarkjs":"OK",
#    "verify_ours":"valid"}  (ours also "prove_ms": the proving step, reading excluded)
#   {"bench":"groth16_prove_in_process",...}: groth16_prove_bench's own line, with "power"
#   {"bench":"groth16_prove_summary","power":K,"runs":R,"snarkjs_s":median,
#    "rapidsnark_s":median,"ours_s":median, the same medians of user + sys CPU seconds
#    ("*_cpu_s"), "ours_in_process_s":..,"snarkjs_over_ours":..,"rapidsnark_over_ours":..,
#    "snarkjs_over_rapidsnark":.., the CPU-time ratios ("*_cpu"),"all_verified":true,
#    "load1_min":..,"load1_max":..}   (wall-clock medians; ratios > 1: ours is faster)
#
# Usage: scripts/rapidsnark-bench.sh [POWER...]      (default: 16 18)
# Environment (optional):
#   CIRCUITS      folder of synthetic_K.{zkey,wtns} and synthetic_K_vk.json (default
#                 /work/peers/zk-circuits; missing ones are made with zk-bench-circuits.sh)
#   RAPIDSNARK    the prover (default /work/peers/rapidsnark/build/src/prover)
#   BUILD         our CPU build folder (default build-proof): its
#                 crypto/groth16/groth16_tool, crypto/groth16/chainaccel-insecure-groth16-setup
#                 and bench/groth16_prove_bench
#   NODE          node (default: node on PATH; snarkjs 0.7.6 needs 20+)
#   SNARKJS       snarkjs's CLI (default tests/zk/node_modules/snarkjs/build/cli.cjs)
#   RUNS          runs per prover and power (default 3)
#   PROVERS       which of snarkjs, rapidsnark, ours to run (default "snarkjs rapidsnark ours")
#   THREADS       our threads (default nproc; rapidsnark and snarkjs use every core)
#   OUT           JSON lines file (default $TMPDIR/rapidsnark-bench.jsonl, /tmp without TMPDIR)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
powers=("$@")
if [ "${#powers[@]}" -eq 0 ]; then powers=(16 18); fi
circuits="${CIRCUITS:-/work/peers/zk-circuits}"
rapidsnark="${RAPIDSNARK:-/work/peers/rapidsnark/build/src/prover}"
build="${BUILD:-$here/build-proof}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
tool="$build/crypto/groth16/groth16_tool"
setup="$build/crypto/groth16/chainaccel-insecure-groth16-setup"
prove_bench="$build/bench/groth16_prove_bench"
node="${NODE:-node}"
snarkjs="${SNARKJS:-$here/tests/zk/node_modules/snarkjs/build/cli.cjs}"
runs="${RUNS:-3}"
threads="${THREADS:-$(nproc)}"
out="${OUT:-${TMPDIR:-/tmp}/rapidsnark-bench.jsonl}"

for f in "$rapidsnark" "$tool" "$prove_bench"; do
  if [ ! -x "$f" ]; then
    echo "rapidsnark-bench.sh: $f missing (scripts/build-rapidsnark.sh; cmake --build $build" \
      "--target groth16_tool groth16_prove_bench chainaccel-insecure-groth16-setup)" >&2
    exit 2
  fi
done
if [ ! -f "$snarkjs" ]; then
  echo "rapidsnark-bench.sh: $snarkjs missing (cd tests/zk && npm ci)" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

emit() { echo "$1" | tee -a "$out"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# run_prover NAME POWER RUN: times one whole proving command, verifies its proof, emits a line.
run_prover() {
  local name="$1" power="$2" run="$3" base="$circuits/synthetic_$2"
  local proof="$work/$1_proof.json" public="$work/$1_public.json"
  rm -f "$proof" "$public"
  local cmd=()
  case "$name" in
    snarkjs) cmd=("$node" "$snarkjs" groth16 prove "$base.zkey" "$base.wtns" "$proof" "$public") ;;
    rapidsnark) cmd=("$rapidsnark" "$base.zkey" "$base.wtns" "$proof" "$public") ;;
    ours) cmd=("$tool" prove "$base.zkey" "$base.wtns" "$proof" "$public" --threads "$threads") ;;
  esac
  local load
  load="$(load1)"
  /usr/bin/time -o "$work/time" -f "%e %U %S %M" "${cmd[@]}" > "$work/$name.log" 2>&1
  local rc=$?
  local wall user sys rss
  read -r wall user sys rss < <(tail -1 "$work/time")
  local v_snarkjs v_ours
  v_snarkjs="$("$node" "$snarkjs" groth16 verify "${base}_vk.json" "$public" "$proof" 2>&1 |
    tail -1 | sed 's/\x1b\[[0-9;]*m//g; s/.*snarkJS: //; s/"//g')"
  v_ours="$("$tool" verify "${base}_vk.json" "$proof" "$public" 2>&1 | tail -1 | sed 's/"//g')"
  local extra="" used_threads
  used_threads="$(nproc)"
  if [ "$name" = ours ]; then
    used_threads="$threads"  # groth16_tool prints the proving step's own time
    extra="$(awk '$1 == "prove_ms" {printf ",\"prove_ms\":%s", $2}' "$work/ours.log")"
  fi
  emit "{\"bench\":\"groth16_prove_cli\",\"prover\":\"$name\",\"power\":$power,\"run\":$run,\"rc\":$rc,\"wall_s\":$wall,\"user_s\":$user,\"sys_s\":$sys,\"max_rss_mib\":$((rss / 1024)),\"load1\":$load,\"threads\":$used_threads,\"verify_snarkjs\":\"$v_snarkjs\",\"verify_ours\":\"$v_ours\"$extra}"
}

{
  echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs"
  echo "# rapidsnark: $(head -1 "$(dirname "$rapidsnark")/../../SOURCES" 2> /dev/null)"
  echo "# snarkjs $("$node" -e "console.log(require('$(dirname "$snarkjs")/../package.json').version)"), node $("$node" --version)"
} >&2

read -r -a provers <<< "${PROVERS:-snarkjs rapidsnark ours}"
for name in "${provers[@]}"; do
  case "$name" in snarkjs | rapidsnark | ours) ;; *)
    echo "rapidsnark-bench.sh: unknown prover $name in PROVERS" >&2
    exit 64 ;;
  esac
done
for power in "${powers[@]}"; do
  base="$circuits/synthetic_$power"
  if [ ! -f "$base.zkey" ] || [ ! -f "$base.wtns" ] || [ ! -f "${base}_vk.json" ]; then
    INSECURE_SETUP="$setup" THREADS="$threads" \
      bash "$here/scripts/zk-bench-circuits.sh" "$circuits" "$power" > /dev/null
  fi
  first_line=1
  if [ -f "$out" ]; then first_line=$(($(wc -l < "$out") + 1)); fi
  for run in $(seq 1 "$runs"); do
    # Rotated order: run R starts with prover (R - 1) mod the number of provers.
    for i in "${!provers[@]}"; do
      name="${provers[$(((run - 1 + i) % ${#provers[@]}))]}"
      run_prover "$name" "$power" "$run"
    done
  done
  in_process="$("$prove_bench" --ops prove --threads "$threads" --rounds "$runs" \
    --zkey "$base.zkey" --wtns "$base.wtns" 2> /dev/null | grep '"op":"prove"' | tail -1)"
  if [ -n "$in_process" ]; then
    emit "{\"bench\":\"groth16_prove_in_process\",\"power\":$power,\"load1\":$(load1),${in_process#\{}"
  fi
  # Medians of this power's lines.
  tail -n "+$first_line" "$out" | python3 -c '
import json, statistics, sys
power, runs = int(sys.argv[1]), int(sys.argv[2])
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
cli = [r for r in rows if r["bench"] == "groth16_prove_cli" and r["power"] == power and r["rc"] == 0]
provers = ("snarkjs", "rapidsnark", "ours")
def median(key, p):
    values = [key(r) for r in cli if r["prover"] == p]
    return round(statistics.median(values), 3) if values else None
def ratio(a, b):
    return round(a / b, 2) if a and b else None
med = {p: median(lambda r: r["wall_s"], p) for p in provers}
cpu = {p: median(lambda r: r["user_s"] + r["sys_s"], p) for p in provers}
inp = [r for r in rows if r["bench"] == "groth16_prove_in_process" and r["power"] == power]
s = {"bench": "groth16_prove_summary", "power": power, "runs": runs,
     "snarkjs_s": med["snarkjs"], "rapidsnark_s": med["rapidsnark"], "ours_s": med["ours"],
     "snarkjs_cpu_s": cpu["snarkjs"], "rapidsnark_cpu_s": cpu["rapidsnark"],
     "ours_cpu_s": cpu["ours"],
     "rapidsnark_over_ours_cpu": ratio(cpu["rapidsnark"], cpu["ours"]),
     "snarkjs_over_ours_cpu": ratio(cpu["snarkjs"], cpu["ours"]),
     "ours_in_process_s": round(inp[-1]["ms"] / 1000, 3) if inp else None,
     "snarkjs_over_ours": ratio(med["snarkjs"], med["ours"]),
     "rapidsnark_over_ours": ratio(med["rapidsnark"], med["ours"]),
     "snarkjs_over_rapidsnark": ratio(med["snarkjs"], med["rapidsnark"]),
     "all_verified": all(r["verify_snarkjs"] == "OK!" and r["verify_ours"] == "valid" for r in cli),
     "load1_min": min(r["load1"] for r in cli), "load1_max": max(r["load1"] for r in cli)}
print(json.dumps(s, separators=(",", ":")))
' "$power" "$runs" | tee -a "$out"
done
