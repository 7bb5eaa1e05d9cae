#!/usr/bin/env bash
# Writes the Groth16 benchmark circuits (issue 13) into a folder with the INSECURE setup
# tool (crypto/groth16/testing/insecure_groth16_setup.cc; docs/zk.md "Insecure setup"):
# for each domain power K of 16, 18, 20 and 22, a synthetic circuit of 2^K - 5
# constraints (snarkjs's domain is then exactly 2^K points) with
#   synthetic_<K>.zkey     the proving key, snarkjs's format (a PUBLIC trapdoor: the key
#                          must never secure anything)
#   synthetic_<K>.wtns     a satisfying witness
#   synthetic_<K>_vk.json  the verification key (snarkjs's verification_key.json)
#   synthetic_<K>.log      the tool's warning and timings
# Everything is deterministic in the seed (circuit seed K, trapdoor seed K + 1), so the
# GPU host, which has only the binary, makes the same files as a machine with snarkjs.
#
# Usage: scripts/zk-bench-circuits.sh OUT_DIR [POWER...]
# Environment (optional):
#   INSECURE_SETUP  the tool (default: build/crypto/groth16/chainaccel-insecure-groth16-setup,
#                   then carry/bin/chainaccel-insecure-groth16-setup)
#   THREADS         worker threads (default: nproc)
# Needs about 2^K × 1.6 KiB of memory and 2^K × 0.58 KiB of disk a circuit (2^22: 6.5 GiB
# of memory, a 2.3 GB .zkey, 40 s on the GPU host's 16 cores; bench/RESULTS.md).
set -euo pipefail
if [ "$#" -lt 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d'
  exit 64
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$1"
shift
powers=("$@")
if [ "${#powers[@]}" -eq 0 ]; then powers=(16 18 20 22); fi
tool="${INSECURE_SETUP:-}"
for candidate in "$here/build/crypto/groth16/chainaccel-insecure-groth16-setup" \
  "$here/carry/bin/chainaccel-insecure-groth16-setup"; do
  if [ -z "$tool" ] && [ -x "$candidate" ]; then tool="$candidate"; fi
done
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
  echo "zk-bench-circuits.sh: set INSECURE_SETUP to chainaccel-insecure-groth16-setup" >&2
  exit 2
fi
threads="${THREADS:-$(nproc)}"
mkdir -p "$out"
for k in "${powers[@]}"; do
  echo "synthetic_$k: domain 2^$k, $threads threads" >&2
  "$tool" --synthetic-power "$k" --seed "$k" --trapdoor-seed "$((k + 1))" \
    --threads "$threads" --zkey-out "$out/synthetic_$k.zkey" \
    --wtns-out "$out/synthetic_$k.wtns" --vkey-out "$out/synthetic_${k}_vk.json" \
    2> "$out/synthetic_$k.log"
  grep -E '^(setup|written):' "$out/synthetic_$k.log" >&2
done
