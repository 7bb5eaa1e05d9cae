#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of tests/fuzz with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on, in the fuzzers and every library they link). Needs
# clang++ and the project's libraries (scripts/install-deps.sh); no GPU. The build is
# CMake's `fuzz` preset (CMakePresets.json, tests/fuzz/CMakeLists.txt), in build-fuzz/ or
# $FUZZ_BUILD_DIR; a compiler launcher such as ccache is honoured through
# CMAKE_CXX_COMPILER_LAUNCHER in the environment. CHAINACCEL_JOBS: build jobs (nproc).
# The contract-VM and executor fuzzers also run the ahead-of-time tier where wasm2c and
# cc are present (tests/fuzz/aot_tier.h): compiled modules are cached by code hash in
# build-fuzz/aot-cache (CHAINACCEL_FUZZ_AOT_CACHE), and new ones built for at most
# CHAINACCEL_FUZZ_AOT_SHARE of each run's time (0.25; 0: the interpreter only).
# Usage: scripts/fuzz.sh [SECONDS]   (default 60 in all; the corpora grow in build-fuzz/corpus-*)
# Exit: 0 when no target found a difference or a crash, 1 when one did, 77 without clang.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
clang="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$clang" ]; then
  echo "fuzz.sh: no clang++: skipping"
  exit 77
fi
clang_c="$(command -v "${clang/clang++/clang}" || command -v clang || true)"
out="${FUZZ_BUILD_DIR:-$here/build-fuzz}"
mkdir -p "$out"
export CHAINACCEL_FUZZ_AOT_CACHE="${CHAINACCEL_FUZZ_AOT_CACHE:-$out/aot-cache}"
# Targets: the GPU's decoders and rules of each scheme, compiled for the host, against
# the CPU engine's library (libsecp256k1, libsodium); the contract VM; Block-STM against
# the sequential executor; the request decoders and the CPU engine. SECONDS shared
# between them.
cmake --preset fuzz -S "$here" -B "$out" -DCMAKE_CXX_COMPILER="$clang" \
  ${clang_c:+-DCMAKE_C_COMPILER="$clang_c"} >"$out/configure.log" ||
  { cat "$out/configure.log"; exit 1; }
cmake --build "$out" -j "${CHAINACCEL_JOBS:-$(nproc)}" --target fuzzers

# Seeds of the contract VM (input: entry-point byte, input-length byte, module) and of
# Block-STM against the sequential executor (input: u16 module length, module, calls;
# tests/fuzz/executor_fuzz.cc), from the example contracts.
mkdir -p "$out/corpus-contract_vm_fuzz" "$out/corpus-executor_fuzz"
for name in counter token swap; do
  wat2wasm "$here/examples/contracts/$name.wat" -o "$out/$name.wasm"
  for pick in 0 1 2 3; do
    { printf "\\x0$pick\\x10"; cat "$out/$name.wasm"; } > "$out/corpus-contract_vm_fuzz/seed-$name-$pick"
  done
  # The module, then calls of each entry point from each sender with 40 input bytes, the
  # last two with a wrong nonce (sender bit 4 and an odd gas byte): a repeat (gas bit 1
  # clear), then a gap (set).
  size=$(stat -c %s "$out/$name.wasm")
  for pick in 0 1 2 3; do
    {
      printf "\\x$(printf %02x $((size % 256)))\\x$(printf %02x $((size / 256)))"
      cat "$out/$name.wasm"
      for call in 0 1 2 3 4 5 6 7; do
        printf "\\x0$(( (call + pick) % 8 ))\\x$(printf %02x $(( call == 7 ? 0xcb : call == 6 ? 0xc9 : 0xc8 )))"
        printf "\\x$(printf %02x $(( call % 4 | (call >= 6 ? 0x10 : 0) )))\\x28"
        head -c 40 /dev/urandom
      done
    } > "$out/corpus-executor_fuzz/seed-$name-$pick"
  done
  # Calls with proofs (sender bits 6, 5, 2-3), registrations of test keys (entry 0xf8-0xfb)
  # and of the input (0xfc), and a registry entry point that does not exist (0xff).
  {
    printf "\\x$(printf %02x $((size % 256)))\\x$(printf %02x $((size / 256)))"
    cat "$out/$name.wasm"
    for call in 0 1 2 3; do
      printf "\\x0$call\\xc8\\x$(printf %02x $(( 0x40 | (call % 2) << 5 | call << 2 )))\\x60"
      head -c 96 /dev/urandom
      printf "\\x$(printf %02x $(( 0xf8 + call )))\\x10\\x0$call\\x00"
    done
    printf "\\xfc\\x10\\x01\\x20"
    head -c 32 /dev/urandom
    printf "\\xff\\x10\\x02\\x00"
  } > "$out/corpus-executor_fuzz/seed-$name-proofs"
done
# Seeds of the request decoders (tests/fuzz/request_fuzz.cc): one well-formed request of
# each kind (first byte: which request).
mkdir -p "$out/corpus-request_fuzz"
repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }
request_seed() {  # kind message proto text
  { printf "\\x0$1"; printf '%s' "$4" |
      protoc -I"$here/proto" --encode="chainaccel.v1.$2" "$here/proto/chainaccel/v1/$3.proto"; } \
    > "$out/corpus-request_fuzz/seed-$2"
}
request_seed 0 HashRequest hash 'algorithm: HASH_ALGORITHM_SHA256 messages { data: "abcdefgh" item_size: 4 }'
request_seed 1 BuildTreeRequest merkle "scheme: MERKLE_SCHEME_BITCOIN leaves: \"$(repeat l 96)\" proof_indices: 1"
request_seed 3 VerifyRequest signature "scheme: SIGNATURE_SCHEME_ED25519 messages { data: \"abcdabcd\" item_size: 4 } public_keys { data: \"$(repeat k 64)\" item_size: 32 } signatures { data: \"$(repeat s 128)\" item_size: 64 }"
request_seed 4 RecoverRequest signature "hashes: \"$(repeat h 64)\" signatures: \"$(repeat s 130)\""
for target in ecdsa_decoder_fuzz ed25519_decoder_fuzz contract_vm_fuzz executor_fuzz \
    request_fuzz; do
  mkdir -p "$out/corpus-$target"
  "$out/$target" -max_total_time=$(( (seconds + 4) / 5 )) -print_final_stats=1 \
    -artifact_prefix="$out/$target-" "$out/corpus-$target"
done
