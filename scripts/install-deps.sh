#!/usr/bin/env bash
# Installs what chainaccel needs on Debian 12: build tools and libraries (apt-get),
# and the npm test peers (tests/node). Idempotent: packages already present are skipped.
#
# Usage: scripts/install-deps.sh [--no-npm]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev prometheus-cpp-dev catch2 nlohmann-json3-dev
  libsecp256k1-dev libsodium-dev libssl-dev libcrypto++-dev
  libyaml-cpp-dev libcli11-dev
  wabt librocksdb-dev
  clang libclang-rt-14-dev
)
with_npm=1
if [ "${1:-}" = "--no-npm" ]; then with_npm=0; fi
# Node.js runs the test peers only; a working node/npm from elsewhere (Node 20) is kept.
if [ "$with_npm" = 1 ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

if [ "$with_npm" = 1 ]; then
  # The Node.js test peers (tests/node; its run.sh makes the same check) and the
  # Kubernetes manifest validator (deploy/kubernetes).
  for node_dir in "$here/tests/node" "$here/deploy/kubernetes"; do
    if [ ! -f "$node_dir/node_modules/.package-lock.json" ] ||
       [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
      echo "install-deps: npm packages in ${node_dir#"$here"/}"
      (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    fi
  done
fi
