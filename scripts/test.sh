#!/usr/bin/env bash
# Installs what is missing (Debian packages and the npm test peers), builds everything and
# runs every test with ctest. GPU tests report "skipped" on machines without a GPU.
# Builds with scripts/build.sh, so its environment applies (CHAINACCEL_PRESET: dev, in
# build/; CHAINACCEL_BUILD_DIR, CHAINACCEL_BUILD_TYPE, CHAINACCEL_CMAKE_ARGS,
# CHAINACCEL_JOBS); CHAINACCEL_TEST_JOBS: tests at once (2). Arguments go to ctest
# (e.g. -R engine/). Without CHAINACCEL_BUILD_DIR the preset's test settings apply too
# (the sanitizer presets' options, no fuzzing under a sanitizer). With the dev preset it
# then builds the scheduler's tests under ThreadSanitizer (the tsan preset, build-tsan/)
# and runs them: the 500-client integration test among them (CHAINACCEL_SKIP_TSAN=1 skips).
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
if [ "$preset" = dev ] && [ -z "${CHAINACCEL_BUILD_DIR:-}" ] && [ -z "${CHAINACCEL_SKIP_TSAN:-}" ]; then
  CHAINACCEL_PRESET=tsan "$here/scripts/build.sh" scheduler_tests
  ctest --preset tsan -R '^scheduler/'
fi
