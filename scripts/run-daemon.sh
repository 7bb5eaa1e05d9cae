#!/usr/bin/env bash
# Installs what is missing, builds chainacceld and runs it in the foreground with the
# default CPU-only config (deploy/chainacceld.yaml): gRPC on 127.0.0.1:50051, metrics on
# 127.0.0.1:9464/metrics, state in ./data. Extra arguments go to chainacceld
# (e.g. --listen 0.0.0.0:50051). Ctrl-C stops it gracefully.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-deps.sh" --no-npm
"$here/scripts/build.sh" chainacceld chainaccel
cd "$here"
exec "${CHAINACCEL_BUILD_DIR:-$here/build}/server/chainacceld" --config deploy/chainacceld.yaml "$@"
