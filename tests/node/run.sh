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

# shellcheck source=SCRIPTDIR/../support/node_packages.sh
source ../support/node_packages.sh
prepare_node_packages 1 0 "dependencies"

# One seed for every test file of this run, so that the whole run can be replayed.
if [[ -z "${CHAINACCEL_TEST_SEED:-}" ]]; then
  CHAINACCEL_TEST_SEED="$(node -p 'require("node:crypto").randomBytes(8).toString("hex")')"
fi
export CHAINACCEL_TEST_SEED
echo "run.sh: CHAINACCEL_TEST_SEED=${CHAINACCEL_TEST_SEED}"

exec npm test --silent -- "$@"
