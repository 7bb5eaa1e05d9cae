#!/usr/bin/env bash
# On the GPU machine (device tool): every GPU test and the GPU benchmarks, from a carry/
# bundle made here by
#   scripts/device-bundle.sh build/kernels/gpu_kernel_tests build/engines/gpu/gpu_engine_tests \
#     build/bench/gpu_merkle_bench build/bench/gpu_signature_bench
# Outputs go to $OUT (the device tool's folder) or ./out: one file per step, and a summary
# on stdout. Usage: bash scripts/device-gpu-suite.sh [tests] [merkle] [signatures] [soak]
# [layouts] [quad] (default: the first three). quad needs build/bench/gpu_field_bench in
# the bundle too. soak: the hidden 10^7-scale differential soaks of
# gpu_engine_tests (Ed25519, ECDSA verify, BIP-340, recovery against the CPU engine), each with
# SOAK_ITEMS items (default 2 x 10^7: about 10^7 valid and 10^7 with a bit flipped);
# minutes on a 16-core host.
set -uo pipefail
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
steps="${*:-tests merkle signatures}"
# The tests read the vectors of this copy of the repository (tests/vectors).
export CHAINACCEL_VECTORS_DIR="$PWD/tests/vectors"
nvidia-smi -L
if [[ " $steps " == *" tests "* ]]; then
  carry/bin/gpu_kernel_tests --require-gpu "[device]" > "$out/kernel_tests.txt" 2>&1
  echo "gpu_kernel_tests [device]: exit $? $(tail -2 "$out/kernel_tests.txt" | head -1)"
  carry/bin/gpu_engine_tests > "$out/engine_tests.txt" 2>&1
  echo "gpu_engine_tests: exit $? $(tail -2 "$out/engine_tests.txt" | head -1)"
fi
if [[ " $steps " == *" merkle "* ]]; then
  carry/bin/gpu_merkle_bench --runs 10 > "$out/merkle_bench.txt" 2>&1
  grep '^#' "$out/merkle_bench.txt"
fi
if [[ " $steps " == *" soak "* ]]; then
  for soak in "Ed25519 verifications" "ECDSA verifications" "BIP-340 verifications" \
      "Ethereum recoveries"; do
    CHAINACCEL_SOAK_ITEMS="${SOAK_ITEMS:-20000000}" carry/bin/gpu_engine_tests \
      "GpuEngine soak: 10^7 $soak with bit flips" > "$out/soak_${soak// /_}.txt" 2>&1
    echo "soak $soak: exit $? $(tail -2 "$out/soak_${soak// /_}.txt" | head -1)"
  done
fi
# layouts: the signature kernels in the layouts LAYOUTS (default thread split quad:
# kernels/signature_layout.h) over batch sizes LAYOUT_ITEMS (kernel-only, CUDA events,
# median of 5; the engine's "gpu:0" lines run kAuto), for kSplitLayoutMaxItems and the cost
# model's priors.
if [[ " $steps " == *" layouts "* ]]; then
  for items in ${LAYOUT_ITEMS:-1 1024 4096 16384 32768 65536}; do
    for layout in ${LAYOUTS:-thread split quad}; do
      carry/bin/gpu_signature_bench --no-cpu --runs 5 --items "$items" --layout "$layout" \
        >> "$out/layouts.txt" 2>&1 || echo "gpu_signature_bench --items $items --layout $layout failed"
    done
  done
  grep '^# .*kernel' "$out/layouts.txt"
fi
# quad: the point operations on a quad of lanes (kernels/ed25519_quad.cuh): their device
# tests, then Ed25519's ladder one thread and four lanes a point (gpu_field_bench --ladder).
if [[ " $steps " == *" quad "* ]]; then
  carry/bin/gpu_kernel_tests --require-gpu "[device][quad]" > "$out/quad_tests.txt" 2>&1
  echo "gpu_kernel_tests [device][quad]: exit $? $(tail -2 "$out/quad_tests.txt" | head -1)"
  carry/bin/gpu_field_bench --ladder --counts "${QUAD_COUNTS:-1,1024,4096,16384}" --runs 5 \
    > "$out/quad_ladder.jsonl" 2>&1
  grep ladder "$out/quad_ladder.jsonl"
fi
if [[ " $steps " == *" signatures "* ]]; then
  carry/bin/gpu_signature_bench --items 1048576 --runs 3 > "$out/signature_bench.txt" 2>&1
  grep '^#' "$out/signature_bench.txt"
fi
