#!/usr/bin/env bash
# Runs a zk test script of this folder (README.md): installs the pinned circom2, circomlib
# and snarkjs with `npm ci` when node_modules is missing or older than package-lock.json,
# then `node <script> <args>`.
#
# Exit status: the script's; 77 (ctest SKIP_RETURN_CODE) when Node.js 20+ or npm is not
# installed or the packages cannot be installed (no registry): the test is reported as
# skipped, never as passed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "run.sh: SKIP: node and npm (Node.js 20 or newer) are not installed" >&2
  exit 77
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "run.sh: SKIP: Node.js 20 or newer is required, found $(node --version)" >&2
  exit 77
fi

installed_lock="node_modules/.package-lock.json"
if [[ ! -f "$installed_lock" || package-lock.json -nt "$installed_lock" ||
      package.json -nt "$installed_lock" ]]; then
  echo "run.sh: installing circom2, circomlib and snarkjs (npm ci)"
  # No dependency needs an install script.
  if ! npm ci --ignore-scripts --no-audit --no-fund; then
    echo "run.sh: SKIP: npm ci failed (is the npm registry reachable?)" >&2
    exit 77
  fi
fi

exec node "$@"
