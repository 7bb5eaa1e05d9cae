#!/usr/bin/env bash
# Prepares carry/ for the GPU machine, which has neither gRPC, Protobuf, RocksDB nor npm:
# copies the given built binaries and every non-system shared library they load (ldd)
# into carry/bin and carry/lib. Pass carry/ to the device tool's `carry`, then run there:
#   LD_LIBRARY_PATH=carry/lib:/usr/local/cuda/lib64 carry/bin/<binary> ...
# Usage: scripts/device-bundle.sh [--xz | --xz-min] build/bench/cpu_engine_bench build/server/chainacceld ...
# --xz: when the binaries exceed the device tool's 64 MiB, pack everything into
# carry/bundle.tar.xz (the GPU test binaries compress ~4:1); unpack there first with
#   tar -xJf carry/bundle.tar.xz
# --xz-min: the same with every symbol stripped from the binaries (no function names in
# a crash's backtrace) and xz -9: three builds of gpu_signature_bench with
# gpu_kernel_tests, gpu_engine_tests and block_write_bench took 60 MiB with --xz, 29 MiB
# with this (2026-12-05).
set -euo pipefail
pack=0
level=-3
strip_mode=--strip-debug
if [ "${1:-}" = "--xz" ]; then pack=1; shift; fi
if [ "${1:-}" = "--xz-min" ]; then pack=1; level=-9; strip_mode=--strip-all; shift; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/carry"
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
# The C runtime and the kernel interface come from the target machine (glibc there is
# newer, so binaries built here run there).
# CUDA's own libraries (cuBLAS, the runtime) are installed there too, and far too large to
# carry: run with LD_LIBRARY_PATH=carry/lib:/usr/local/cuda/lib64.
system='^(linux-vdso|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|ld-linux|libgcc_s\.so|libstdc\+\+\.so|libresolv\.so|libcuda\.so|libcudart\.so|libcublas|libcublasLt)'
for bin in "$@"; do
  cp "$bin" "$out/bin/"
  strip "$strip_mode" "$out/bin/$(basename "$bin")"
  ldd "$bin" | awk '/=>/ {print $1, $3}' | while read -r name path; do
    if [[ ! "$name" =~ $system ]] && [ -f "$path" ]; then cp -L "$path" "$out/lib/$name"; fi
  done
done
# Debug info stays here: the device tool carries at most 64 MiB.
strip --strip-debug "$out"/lib/*
du -sh "$out"
if [ "$pack" = 1 ]; then
  tar -C "$here" -cf - carry/bin carry/lib | xz -T0 "$level" > "$here/bundle.tar.xz.tmp"
  rm -rf "${out:?}"/bin "${out:?}"/lib
  mv "$here/bundle.tar.xz.tmp" "$out/bundle.tar.xz"
  du -sh "$out"
fi
