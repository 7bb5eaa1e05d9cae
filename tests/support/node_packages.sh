# shellcheck shell=bash
# Sourced by the Node.js test runners (tests/node/run.sh, tests/zk/run.sh) from the folder
# whose package.json they run:
#   prepare_node_packages MISSING_STATUS INSTALL_FAILED_STATUS WHAT
# checks for Node.js 20+ and npm (else exits MISSING_STATUS), and installs the pinned
# packages with `npm ci` when node_modules is missing or older than package.json or
# package-lock.json (exits INSTALL_FAILED_STATUS when that fails; 0 keeps npm's own
# status). A status of 77 is ctest's SKIP_RETURN_CODE: the test is reported as skipped.
prepare_node_packages() {
  local missing_status="$1" install_failed_status="$2" what="$3" skip=""
  [[ "$missing_status" == 77 ]] && skip="SKIP: "
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "run.sh: ${skip}node and npm (Node.js 20 or newer) are required" >&2
    exit "$missing_status"
  fi
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if (( node_major < 20 )); then
    echo "run.sh: ${skip}Node.js 20 or newer is required, found $(node --version)" >&2
    exit "$missing_status"
  fi
  # npm keeps a copy of the lock file it installed from in node_modules/.package-lock.json.
  local installed_lock="node_modules/.package-lock.json"
  if [[ ! -f "$installed_lock" || package-lock.json -nt "$installed_lock" ||
        package.json -nt "$installed_lock" ]]; then
    echo "run.sh: installing ${what} (npm ci)"
    # No dependency needs an install script.
    local status=0
    npm ci --ignore-scripts --no-audit --no-fund || status=$?
    if (( status != 0 )); then
      echo "run.sh: npm ci failed (is the npm registry reachable?)" >&2
      exit $(( install_failed_status != 0 ? install_failed_status : status ))
    fi
  fi
}
