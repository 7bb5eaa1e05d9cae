#!/usr/bin/env bash
# Installs what is missing (Debian packages and the npm test peers), builds everything and
# runs every test with ctest. GPU tests report "skipped" on machines without a GPU.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "${CHAINACCEL_BUILD_DIR:-$here/build}"
ctest --output-on-failure -j "${CHAINACCEL_TEST_JOBS:-2}" "$@"
