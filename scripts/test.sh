#!/usr/bin/env bash
# Installs what is missing (Debian packages and the npm test peers), builds everything and
# runs every test with ctest. GPU tests report "skipped" on machines without a GPU.
# Builds with scripts/build.sh, so its environment applies (CHAINACCEL_PRESET: dev, in
# build/; CHAINACCEL_BUILD_DIR, CHAINACCEL_BUILD_TYPE, CHAINACCEL_CMAKE_ARGS,
# CHAINACCEL_JOBS); CHAINACCEL_TEST_JOBS: tests at once (2). Arguments go to ctest
# (e.g. -R engine/). Without CHAINACCEL_BUILD_DIR the preset's test settings apply too
# (the sanitizer presets' options, no fuzzing under a sanitizer). With the dev preset it
# then runs the sanitizers' sample (scripts/sanitizers.sh --ci: the unit tests of core, the
# scheduler, the CPU engine and crypto wrappers, and execution, under ThreadSanitizer and
# under ASan+UBSan, in build-tsan/ and build-asan/; bench/SANITIZERS.md);
# CHAINACCEL_SKIP_SANITIZERS=1 skips it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${CHAINACCEL_PRESET:-dev}"
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$here"
if [ -n "${CHAINACCEL_BUILD_DIR:-}" ]; then
  ctest --test-dir "$CHAINACCEL_BUILD_DIR" --output-on-failure \
    -j "${CHAINACCEL_TEST_JOBS:-2}" "$@"
else
  ctest --preset "$preset" -j "${CHAINACCEL_TEST_JOBS:-2}" "$@"
fi
if [ "$preset" = dev ] && [ -z "${CHAINACCEL_BUILD_DIR:-}" ] && [ -z "${CHAINACCEL_SKIP_SANITIZERS:-}" ]; then
  "$here/scripts/sanitizers.sh" --ci
fi
