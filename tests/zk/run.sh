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

# shellcheck source=SCRIPTDIR/../support/node_packages.sh
source ../support/node_packages.sh
prepare_node_packages 77 77 "circom2, circomlib and snarkjs"

exec node "$@"
