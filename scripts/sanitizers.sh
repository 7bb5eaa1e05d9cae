#!/usr/bin/env bash
# The test suites under AddressSanitizer + UndefinedBehaviorSanitizer (the asan preset,
# build-asan/) and under ThreadSanitizer (the tsan preset, build-tsan/). CUDA is off in
# both presets, so GPU tests are not built. Results go in bench/SANITIZERS.md.
#
# Usage: scripts/sanitizers.sh [--ci] [asan] [tsan]      (default both)
#   --ci   the sample the test command (scripts/test.sh, so CI) runs on every change: the
#          unit tests of core (thread pool), the scheduler (the 500-client integration
#          test among them), the CPU engine with the crypto wrappers and their vectors,
#          and execution (VM, MV memory, Block-STM at 1-8 threads, state store, storage
#          faults) under both sanitizers; about 8 minutes on 2 cores, builds included.
#          Under TSan the sample leaves out the 2^24-leaf Merkle build (about a minute
#          under TSan, same threads and code as the smaller parallel trees it keeps) and
#          adds the ahead-of-time tier's tests (exec_aot_tests: its background compiler,
#          cache and sandbox run threads and child processes; ~4 s under TSan, the build
#          ~1 minute). Block-STM's property tests run 500 random blocks instead of 2,000
#          (CHAINACCEL_EXEC_PROPERTY_BLOCKS; the main ctest runs all 2,000): at 2,000 they
#          took 189 s of the TSan sample's 236 s in CI of fe8466b; a sanitizer reports
#          on the paths the blocks take, and 500 blocks at 1-8 threads take the executors'
#          paths (conflicts, re-executions, failed receipts) many times over. The nightly
#          run keeps 2,000.
#   (none) the nightly run: the sample and the ahead-of-time tier's tests
#          (exec_aot_tests: the tiers compared, the build sandbox; the compiled modules
#          themselves are built by cc without sanitizers) under both sanitizers, and
#          under ASan+UBSan also the tests that go
#          through gRPC: the server (in-process daemon, call frame, decoders, TLS,
#          security, the daemon as a process), the CLI and client against the daemon,
#          ExecutionService against the daemon process and under storage faults, and
#          BN254 / Groth16. Under TSan the gRPC suites are left out: Debian's gRPC,
#          Abseil and OpenSSL are not built with -fsanitize=thread, so TSan cannot see
#          their synchronization and reports races inside gRPC on every call
#          (bench/SANITIZERS.md has the count); a gRPC built with TSan would be needed.
# TSan's options (the tsan test preset, CMakePresets.json) include
# ignore_noninstrumented_modules=1: the memcpy/memcmp that RocksDB (not instrumented)
# makes inside its memtable look racy to TSan's interceptors, which cannot see RocksDB's
# own atomics; each such access went through TSan's race handling and its search of the
# addresses seen before (perf: 78 % of the time in FindRacyAddress), and the state
# tree's threaded-levels test took 213-387 s in CI, 307 s on the 2-core VM, 5.6 s with
# the option (2.5 s without TSan). Accesses made by our own (instrumented) code are
# checked as before; interceptors called from Debian's libraries no longer are.
# Environment: SANITIZER_TARGETS (the cmake targets to build) and SANITIZER_TESTS (a
# ctest -R regex) replace the chosen set for both presets. The tests run one at a time:
# two at once on 2 cores took longer (CI of 55d9621: TSan 328 s against 197 s serial the
# run before, ASan 139 s against 105 s; many of them run threads of their own).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sample=0
presets=()
for arg in "$@"; do
  case "$arg" in
    --ci) sample=1 ;;
    asan|tsan) presets+=("$arg") ;;
    *) echo "sanitizers: unknown argument $arg (see the comment at the top)" >&2; exit 2 ;;
  esac
done
[ "${#presets[@]}" -gt 0 ] || presets=(asan tsan)

sample_targets="core_tests scheduler_tests engine_tests exec_tests"
nightly_targets="exec_aot_tests"
sample_tests="^(core|scheduler|engine|exec)/"
grpc_targets="server_tests client_tests exec_daemon_tests exec_server_fault_tests bn254_tests bn254_tool groth16_tests"
grpc_tests="^(core|scheduler|engine|exec|server|client|bn254|groth16)/"

if [ "$sample" = 1 ]; then
  export CHAINACCEL_EXEC_PROPERTY_BLOCKS="${CHAINACCEL_EXEC_PROPERTY_BLOCKS:-500}"
fi
"$here/scripts/install-deps.sh"
for preset in "${presets[@]}"; do
  targets="$sample_targets"
  tests="$sample_tests"
  if [ "$sample" = 0 ] || [ "$preset" = tsan ]; then
    targets="$sample_targets $nightly_targets"
  fi
  if [ "$sample" = 0 ] && [ "$preset" = asan ]; then
    targets="$targets $grpc_targets"
    tests="$grpc_tests"
  fi
  targets="${SANITIZER_TARGETS:-$targets}"
  tests="${SANITIZER_TESTS:-$tests}"
  exclude=()
  if [ "$sample" = 1 ] && [ "$preset" = tsan ] && [ -z "${SANITIZER_TESTS:-}" ]; then
    exclude=(-E '2\^24 leaves')
  fi
  echo "== $preset: $targets"
  # shellcheck disable=SC2086
  CHAINACCEL_PRESET="$preset" "$here/scripts/build.sh" $targets
  (cd "$here" && ctest --preset "$preset" -R "$tests" ${exclude[@]+"${exclude[@]}"})
done
