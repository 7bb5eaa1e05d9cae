#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of tests/fuzz with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on). Needs clang++ and the project's libraries (scripts/
# install-deps.sh); no GPU.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60; the corpus grows in build-fuzz/corpus-*)
# Exit: 0 when no target found a difference or a crash, 1 when one did, 77 without clang.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
clang="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$clang" ]; then
  echo "fuzz.sh: no clang++: skipping"
  exit 77
fi
out="${FUZZ_BUILD_DIR:-$here/build-fuzz}"
mkdir -p "$out"
# The ECDSA decoders and rules of the GPU path against the CPU engine's libsecp256k1.
"$clang" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$here" \
  "$here/tests/fuzz/ecdsa_decoder_fuzz.cc" "$here/kernels/ecdsa_records.cc" \
  "$here/engines/cpu/signatures.cc" "$here/engines/cpu/hashes.cc" \
  -lsecp256k1 -lsodium -lcrypto -lcryptopp -o "$out/ecdsa_decoder_fuzz"
mkdir -p "$out/corpus-ecdsa"
"$out/ecdsa_decoder_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus-ecdsa"
