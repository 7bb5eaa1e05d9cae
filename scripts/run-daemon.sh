#!/usr/bin/env bash
# Installs what is missing, builds chainacceld and runs it in the foreground with the
# default CPU-only config (deploy/chainacceld.yaml): gRPC on 127.0.0.1:50051, metrics on
# 127.0.0.1:9464/metrics, state in ./data. Extra arguments go to chainacceld
# (e.g. --listen 0.0.0.0:50051). Ctrl-C stops it gracefully.
# Builds with scripts/build.sh (the `dev` preset, into build/), whose environment applies
# (CHAINACCEL_PRESET, CHAINACCEL_BUILD_DIR, CHAINACCEL_BUILD_TYPE, CHAINACCEL_CMAKE_ARGS,
# CHAINACCEL_JOBS).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${CHAINACCEL_PRESET:-dev}"
if [ "$preset" = dev ]; then build="$here/build"; else build="$here/build-$preset"; fi
"$here/scripts/install-deps.sh" --no-npm
"$here/scripts/build.sh" chainacceld chainaccel example_contracts
cd "$here"
exec "${CHAINACCEL_BUILD_DIR:-$build}/server/chainacceld" --config deploy/chainacceld.yaml "$@"
