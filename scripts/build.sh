#!/usr/bin/env bash
# Configures and builds chainaccel with a CMake preset of CMakePresets.json: `dev`
# (RelWithDebInfo, Ninja, into build/) unless CHAINACCEL_PRESET names another: release,
# asan, tsan, clang-tsa (each into build-<preset>/), fuzz (scripts/fuzz.sh).
# dev, the sanitizer presets and fuzz compile with line tables only (-g1): backtraces,
# perf and sanitizer reports name functions, files and lines (inlined frames included) as
# with -g, and C++ compiles take ~30% less time (a 2-core VM: state_store.cc 7.4 -> 5.0 s,
# server.cc 11.5 -> 8.3 s); a debugger's variables need CHAINACCEL_BUILD_TYPE=Debug.
# Usage: scripts/build.sh [cmake targets...]
# Environment (all optional):
#   CHAINACCEL_PRESET      the configure preset (dev)
#   CHAINACCEL_BUILD_DIR   the build folder instead of the preset's
#   CHAINACCEL_BUILD_TYPE  CMAKE_BUILD_TYPE instead of the preset's
#   CHAINACCEL_CMAKE_ARGS  more configure arguments (e.g. -DCHAINACCEL_ENABLE_CUDA=OFF)
#   CHAINACCEL_JOBS        build jobs (nproc)
#   CMAKE_CXX_COMPILER_LAUNCHER, CMAKE_CUDA_COMPILER_LAUNCHER  e.g. ccache; CMake reads
#                          them when it first configures a build folder
# The presets use Ninja (scripts/install-deps.sh installs it); a build folder configured
# before with another generator must be removed first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${CHAINACCEL_PRESET:-dev}"
if [ "$preset" = dev ]; then build="$here/build"; else build="$here/build-$preset"; fi
build="${CHAINACCEL_BUILD_DIR:-$build}"
jobs="${CHAINACCEL_JOBS:-$(nproc)}"

cd "$here"
cmake --preset "$preset" -B "$build" \
  ${CHAINACCEL_BUILD_TYPE:+-DCMAKE_BUILD_TYPE="$CHAINACCEL_BUILD_TYPE"} ${CHAINACCEL_CMAKE_ARGS:-}
if [ "$#" -gt 0 ]; then
  cmake --build "$build" -j "$jobs" --target "$@"
else
  cmake --build "$build" -j "$jobs"
fi
