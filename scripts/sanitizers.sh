#!/usr/bin/env bash
# The nightly sanitizer run: the unit and integration tests under AddressSanitizer +
# UndefinedBehaviorSanitizer (the asan preset, build-asan/) and under ThreadSanitizer (the
# tsan preset, build-tsan/). CUDA is off in both presets, so GPU tests are not built.
# The test command (scripts/test.sh, .ci/run) already runs the scheduler's tests under
# TSan on every change; this script covers the rest, which takes longer than CI allows
# on 2 cores. Results go in bench/SANITIZERS.md.
# Usage: scripts/sanitizers.sh [asan] [tsan]      (default both)
# Environment: SANITIZER_TARGETS (the cmake targets to build, default below),
# SANITIZER_TESTS (a ctest -R regex, default every test they hold).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${*:-asan tsan}"
# Thread pool, scheduler, CPU engine, Block-STM / MV memory / state store, server.
targets="${SANITIZER_TARGETS:-core_tests scheduler_tests engine_tests exec_tests server_tests}"
tests="${SANITIZER_TESTS:-^(core|scheduler|engine|exec|server)/}"
"$here/scripts/install-deps.sh"
for preset in $which; do
  echo "== $preset: $targets"
  # shellcheck disable=SC2086
  CHAINACCEL_PRESET="$preset" "$here/scripts/build.sh" $targets
  (cd "$here" && ctest --preset "$preset" -R "$tests")
done
