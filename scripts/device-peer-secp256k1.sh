#!/usr/bin/env bash
# On the GPU machine (device tool): builds a peer's GPU secp256k1 benchmark there and runs
# it beside ours in the same lease, for issue 14's comparison. Measurement only: nothing
# of the peer enters this tree; its source is carried, built and run, then dropped.
# Carry, made here (PEER: a checkout of github.com/shrec/UltrafastSecp256k1; measured at
# bd39cfbc):
#   scripts/device-bundle.sh --xz build/bench/gpu_signature_bench   # (re)makes carry/
#   mkdir -p carry/peer && git -C "$PEER" archive HEAD src/cuda include | tar -x -C carry/peer
# The peer's bench_cuda.cu (UltrafastSecp256k1) verifies ECDSA and BIP-340 batches of at
# most 2^14 items (min(batch, 1 << 14)), pre-decoded public keys (Jacobian points), and
# does not read its verdicts back; a second build of a copy with that cap removed (sed)
# measures it at 2^20 items as well. Ours: gpu_signature_bench at the same two sizes
# (compressed keys decoded on the device, every verdict checked against the CPU engine).
# Outputs go to $OUT (or ./out).
set -uo pipefail
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
[ -d carry/bin ] || tar -xJf carry/bundle.tar.xz
peer=carry/peer
src="$peer/src/cuda/src"
nvidia-smi -L
flags=(-O3 --use_fast_math -Xptxas=-O3 --expt-relaxed-constexpr -std=c++17 -arch=sm_90 -rdc=true
       -DSECP256K1_GPU_HAS_FROST=1 -DSECP256K1_GPU_HAS_ECRECOVER=1
       -I "$peer/src/cuda/include" -I "$peer/include")
sed 's/std::min(cfg.batch_size, 1 << 14)/cfg.batch_size/' "$src/bench_cuda.cu" > "$src/bench_uncapped.cu"
start=$(date +%s)
for unit in secp256k1 bench_cuda bench_uncapped; do
  nvcc "${flags[@]}" -c "$src/$unit.cu" -o "$peer/$unit.o" > "$out/build_$unit.txt" 2>&1 &
done
wait
nvcc -arch=sm_90 -rdc=true "$peer/secp256k1.o" "$peer/bench_cuda.o" -o "$peer/bench" &&
  nvcc -arch=sm_90 -rdc=true "$peer/secp256k1.o" "$peer/bench_uncapped.o" -o "$peer/bench_uncapped" ||
  { tail -n 20 "$out"/build_*.txt; exit 1; }
echo "peer built in $(( $(date +%s) - start )) s"
"$peer/bench" > "$out/peer_verify_16k.txt" 2>&1
"$peer/bench_uncapped" --batch 1048576 > "$out/peer_verify_1m.txt" 2>&1
carry/bin/gpu_signature_bench --items 16384 --runs 5 --schemes ecdsa,schnorr > "$out/ours_16k.txt" 2>&1
carry/bin/gpu_signature_bench --items 1048576 --runs 3 --schemes ecdsa,schnorr > "$out/ours_1m.txt" 2>&1
grep -h -i "verify" "$out"/peer_verify_*.txt
grep -h '^#' "$out"/ours_*.txt
