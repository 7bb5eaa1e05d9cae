#!/usr/bin/env bash
# Runs the Node.js integration tests of chainacceld (see README.md).
#
# Installs the pinned dependencies with `npm ci` when node_modules is missing or older
# than package-lock.json, then runs `npm test`. The environment passes through:
# CHAINACCEL_ADDRESS, CHAINACCELD, CHAINACCEL_TEST_SEED, CHAINACCEL_PROTO_DIR.
# Arguments go to `node --test` (for example a test file to run alone).
# Exit status: that of the tests (or of npm ci when the install fails).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "run.sh: node and npm (Node.js 20 or newer) are required" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "run.sh: Node.js 20 or newer is required, found $(node --version)" >&2
  exit 1
fi

# npm keeps a copy of the lock file it installed from in node_modules/.package-lock.json.
installed_lock="node_modules/.package-lock.json"
if [[ ! -f "$installed_lock" || package-lock.json -nt "$installed_lock" || package.json -nt "$installed_lock" ]]; then
  echo "run.sh: installing dependencies (npm ci)"
  # No dependency needs an install script.
  npm ci --ignore-scripts --no-audit --no-fund
fi

# One seed for every test file of this run, so that the whole run can be replayed.
if [[ -z "${CHAINACCEL_TEST_SEED:-}" ]]; then
  CHAINACCEL_TEST_SEED="$(node -p 'require("node:crypto").randomBytes(8).toString("hex")')"
fi
export CHAINACCEL_TEST_SEED
echo "run.sh: CHAINACCEL_TEST_SEED=${CHAINACCEL_TEST_SEED}"

exec npm test --silent -- "$@"
