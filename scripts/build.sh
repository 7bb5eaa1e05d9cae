#!/usr/bin/env bash
# Configures and builds chainaccel into build/ (or $CHAINACCEL_BUILD_DIR).
# Usage: scripts/build.sh [cmake targets...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CHAINACCEL_BUILD_DIR:-$here/build}"
jobs="${CHAINACCEL_JOBS:-$(nproc)}"

generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$build/CMakeCache.txt" ]; then generator=(-G Ninja); fi
cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE="${CHAINACCEL_BUILD_TYPE:-RelWithDebInfo}" \
  ${CHAINACCEL_CMAKE_ARGS:-}
if [ "$#" -gt 0 ]; then
  cmake --build "$build" -j "$jobs" --target "$@"
else
  cmake --build "$build" -j "$jobs"
fi
