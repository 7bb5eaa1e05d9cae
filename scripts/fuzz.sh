#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of tests/fuzz with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on). Needs clang++ and the project's libraries (scripts/
# install-deps.sh); no GPU.
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
out="${FUZZ_BUILD_DIR:-$here/build-fuzz}"
mkdir -p "$out"
# Targets: the GPU's decoders and rules of each scheme, compiled for the host, against
# the CPU engine's library (libsecp256k1, libsodium); the contract VM; Block-STM against
# the sequential executor; the request decoders. SECONDS shared between them.
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$here")
libs=(-lsecp256k1 -lsodium -lcrypto -lcryptopp)
common=("$here/engines/cpu/signatures.cc" "$here/engines/cpu/hashes.cc")
"$clang" "${flags[@]}" "$here/tests/fuzz/ecdsa_decoder_fuzz.cc" "$here/kernels/ecdsa_records.cc" \
  "${common[@]}" "${libs[@]}" -o "$out/ecdsa_decoder_fuzz"
"$clang" "${flags[@]}" "$here/tests/fuzz/ed25519_decoder_fuzz.cc" \
  "${common[@]}" "${libs[@]}" -o "$out/ed25519_decoder_fuzz"
# The contract VM (deploy rules, gas instrumentation, calls, determinism) on arbitrary
# modules, over Debian's libwabt.a. WABT 1.0.32's interp-inl.h needs the same C++20 fix
# as engines/exec/CMakeLists.txt makes; the corpus starts from the example contracts
# (input: entry-point byte, input-length byte, module).
mkdir -p "$out/wabt-cxx20/wabt/interp" "$out/corpus-contract_vm_fuzz"
sed -e 's/::~FreeList<Ref>()/::~FreeList()/' -e 's/::~FreeList<T>()/::~FreeList()/' \
  /usr/include/wabt/interp/interp-inl.h > "$out/wabt-cxx20/wabt/interp/interp-inl.h"
"$clang" "${flags[@]}" -I"$out/wabt-cxx20" "$here/tests/fuzz/contract_vm_fuzz.cc" \
  "$here/engines/exec/contract_vm.cc" "${common[@]}" -lwabt "${libs[@]}" \
  -o "$out/contract_vm_fuzz"
# Block-STM against the sequential executor on blocks of calls to arbitrary contracts
# (input: u16 module length, module, calls; tests/fuzz/executor_fuzz.cc).
exec_sources=()
for f in block block_stm_executor sequential_executor mv_memory worker_pool contract_vm; do
  exec_sources+=("$here/engines/exec/$f.cc")
done
"$clang" "${flags[@]}" -I"$out/wabt-cxx20" "$here/tests/fuzz/executor_fuzz.cc" \
  "${exec_sources[@]}" "${common[@]}" -lwabt "${libs[@]}" -o "$out/executor_fuzz"
mkdir -p "$out/corpus-executor_fuzz"
for name in counter token swap; do
  wat2wasm "$here/examples/contracts/$name.wat" -o "$out/$name.wasm"
  for pick in 0 1 2 3; do
    { printf "\\x0$pick\\x10"; cat "$out/$name.wasm"; } > "$out/corpus-contract_vm_fuzz/seed-$name-$pick"
  done
  # The module, then calls of each entry point from each sender with 40 input bytes.
  size=$(stat -c %s "$out/$name.wasm")
  for pick in 0 1 2 3; do
    {
      printf "\\x$(printf %02x $((size % 256)))\\x$(printf %02x $((size / 256)))"
      cat "$out/$name.wasm"
      for call in 0 1 2 3 4 5 6 7; do
        printf "\\x0$(( (call + pick) % 8 ))\\xc8\\x0$(( call % 4 ))\\x28"
        head -c 40 /dev/urandom
      done
    } > "$out/corpus-executor_fuzz/seed-$name-$pick"
  done
done
# The request decoders of the gRPC handlers, and the CPU engine on what they decode
# (tests/fuzz/request_fuzz.cc); the messages' C++ classes generated here with protoc.
mkdir -p "$out/gen"
protoc -I"$here/proto" --cpp_out="$out/gen" "$here"/proto/chainaccel/v1/{common,hash,merkle,signature}.proto
"$clang" "${flags[@]}" -I"$out/gen" "$here/tests/fuzz/request_fuzz.cc" "$here/server/decode.cc" \
  "$out"/gen/chainaccel/v1/{common,hash,merkle,signature}.pb.cc "$here"/engines/{status,task}.cc \
  "$here"/engines/cpu/{cpu_engine,merkle,thread_pool}.cc "${common[@]}" -lprotobuf "${libs[@]}" \
  -lpthread -o "$out/request_fuzz"
# Seeds: one well-formed request of each kind (first byte: which request).
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
