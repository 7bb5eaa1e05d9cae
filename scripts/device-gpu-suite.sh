#!/usr/bin/env bash
# On the GPU machine (device tool): every GPU test and the GPU benchmarks, from a carry/
# bundle made here by
#   scripts/device-bundle.sh build/kernels/gpu_kernel_tests build/engines/gpu/gpu_engine_tests \
#     build/bench/gpu_merkle_bench build/bench/gpu_signature_bench
#   mkdir -p carry/vectors && cp -r ../shared/vectors/{wycheproof,keccak256,nist-cavp-sha256} carry/vectors/
# Outputs go to $OUT (the device tool's folder) or ./out: one file per step, and a summary
# on stdout. Usage: bash scripts/device-gpu-suite.sh [tests] [merkle] [signatures]
# (default: all three).
set -uo pipefail
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"
mkdir -p "$out"
steps="${*:-tests merkle signatures}"
# The vectors' path is compiled in (<checkout>/../shared/vectors = /work/shared/vectors).
if [ -d carry/vectors ]; then
  mkdir -p /work/shared && ln -sfn "$PWD/carry/vectors" /work/shared/vectors
fi
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
if [[ " $steps " == *" signatures "* ]]; then
  carry/bin/gpu_signature_bench --items 1048576 --runs 3 > "$out/signature_bench.txt" 2>&1
  grep '^#' "$out/signature_bench.txt"
fi
