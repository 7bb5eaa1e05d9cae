#!/usr/bin/env bash
# Installs what chainaccel needs on Debian 12: build tools and libraries (apt-get),
# and the npm test peers (tests/node). Idempotent: packages already present are skipped.
#
# Usage: scripts/install-deps.sh [--no-npm]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev prometheus-cpp-dev catch2 nlohmann-json3-dev
  libsecp256k1-dev libsodium-dev libssl-dev libcrypto++-dev
  libyaml-cpp-dev libcli11-dev
  wabt librocksdb-dev
  nodejs npm
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs/npm may come from outside Debian (e.g. a preinstalled Node 20); accept a working npm.
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) filtered+=("$p") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

if [ "${1:-}" != "--no-npm" ] && [ -f "$here/tests/node/package.json" ]; then
  if [ ! -d "$here/tests/node/node_modules" ] || [ "$here/tests/node/package.json" -nt "$here/tests/node/node_modules" ]; then
    echo "install-deps: npm test peers"
    (cd "$here/tests/node" && npm install --no-audit --no-fund --loglevel=error && touch node_modules)
  fi
fi
