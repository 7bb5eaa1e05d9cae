#!/usr/bin/env bash
# Installs what chainaccel needs on Debian 12: build tools and libraries (apt-get),
# the test tools, and the npm test peers (tests/node, deploy/kubernetes, tests/deploy).
# Idempotent: packages already present are skipped. The container images run it too
# (docker/Dockerfile, docker/Dockerfile.cuda), so what CI installs with it is what the
# images install.
#
# Usage: scripts/install-deps.sh [--no-npm] [--runtime] [--cuda] [--list]
#   (none)      build tools and libraries, test tools (Debian's prometheus: promtool and
#               the server for tests/deploy), the npm packages of the tests, and kubectl
#               1.32 for rendering the Kubernetes overlays (scripts/install-kubectl.sh)
#   --no-npm    build tools and libraries only: no npm packages, no test tools
#   --runtime   only the shared libraries that chainacceld and chainaccel load (a
#               container's runtime stage): no compiler, no -dev packages, no npm
#   --cuda      also NVIDIA's CUDA 13.0 for Debian 12, from NVIDIA's apt repository
#               (added with its cuda-keyring package): nvcc, the runtime's headers, CCCL
#               and cuBLAS to build; with --runtime, cuBLAS alone (the GPU self-test
#               dlopens libcublas.so.13; the CUDA runtime is linked statically). The
#               driver comes from the host (NVIDIA Container Toolkit), never from here.
#   --list      print the Debian packages of the mode, one a line, and install nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

build_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev prometheus-cpp-dev catch2 nlohmann-json3-dev
  libsecp256k1-dev libsodium-dev libssl-dev libcrypto++-dev
  libgmp-dev  # the BN254 tests' reference arithmetic (crypto/bn254), tests only
  libyaml-cpp-dev libcli11-dev
  wabt librocksdb-dev
  clang libclang-rt-14-dev
)
# The shared libraries of chainacceld and chainaccel, and nothing else: libgrpc++1.51
# brings libgrpc29, libabsl and c-ares; libspdlog1.10 brings libfmt9. RocksDB is linked
# statically (CHAINACCEL_STATIC_ROCKSDB, CMakeLists.txt): what it loads is its compression
# libraries. The test deploy/runtime_libraries checks this list against the libraries the
# built binaries load.
runtime_packages=(
  ca-certificates
  libgrpc++1.51 libprotobuf32 libspdlog1.10
  libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0
  libsecp256k1-1 libsodium23 libssl3 libcrypto++8 libyaml-cpp0.7
  libsnappy1v5 liblz4-1 libzstd1 libbz2-1.0 zlib1g
)
# Tests only: promtool (deploy/prometheus_rules) and the Prometheus server that
# deploy/prometheus_live runs against a live daemon. Its package does not start it.
test_packages=(prometheus)
# NVIDIA's CUDA 13.0 packages for Debian 12 (https://developer.download.nvidia.com/
# compute/cuda/repos/debian12/x86_64/).
cuda_version=13-0
cuda_build_packages=(
  "cuda-nvcc-$cuda_version" "cuda-cudart-dev-$cuda_version" "cuda-cccl-$cuda_version"
  "libcublas-dev-$cuda_version"
)
cuda_runtime_packages=("libcublas-$cuda_version")
cuda_keyring_url="https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/cuda-keyring_1.1-1_all.deb"

with_npm=1
runtime=0
cuda=0
list=0
for arg in "$@"; do
  case "$arg" in
    --no-npm) with_npm=0 ;;
    --runtime) runtime=1; with_npm=0 ;;
    --cuda) cuda=1 ;;
    --list) list=1 ;;
    *) echo "install-deps: unknown option $arg (see the comment at the top)" >&2; exit 2 ;;
  esac
done

if [ "$runtime" = 1 ]; then
  packages=("${runtime_packages[@]}")
  if [ "$cuda" = 1 ]; then packages+=("${cuda_runtime_packages[@]}"); fi
else
  packages=("${build_packages[@]}")
  if [ "$cuda" = 1 ]; then packages+=("${cuda_build_packages[@]}"); fi
  if [ "$with_npm" = 1 ]; then packages+=("${test_packages[@]}"); fi
fi
# Node.js runs the test peers only; a working node/npm from elsewhere (Node 20) is kept.
if [ "$with_npm" = 1 ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

if [ "$list" = 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

# NVIDIA's repository, once: its keyring package installs the signing key and the source.
if [ "$cuda" = 1 ] && ! dpkg-query -W -f='${Status}' cuda-keyring 2>/dev/null | grep -q "install ok installed"; then
  echo "install-deps: adding NVIDIA's CUDA repository for Debian 12"
  had_wget=1
  command -v wget >/dev/null || had_wget=0
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends ca-certificates wget
  keyring="$(mktemp --suffix=.deb)"
  wget -q -O "$keyring" "$cuda_keyring_url"
  "${sudo_cmd[@]}" dpkg -i "$keyring"
  rm -f "$keyring"
  # wget was only the keyring's download: leave no more than was there (a runtime image).
  if [ "$had_wget" = 0 ]; then "${sudo_cmd[@]}" apt-get purge -y -qq --auto-remove wget; fi
  "${sudo_cmd[@]}" apt-get update -qq
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

# The GPU self-test dlopens libcublas.so.13 by name: make sure the loader's cache has it
# (NVIDIA's packages put it under /usr/local/cuda-13.0).
if [ "$cuda" = 1 ] && [ "$runtime" = 1 ] && ! ldconfig -p | grep -q 'libcublas\.so\.13 '; then
  echo "/usr/local/cuda-${cuda_version/-/.}/targets/x86_64-linux/lib" |
    "${sudo_cmd[@]}" tee /etc/ld.so.conf.d/chainaccel-cuda.conf >/dev/null
  "${sudo_cmd[@]}" ldconfig
  if ! ldconfig -p | grep -q 'libcublas\.so\.13 '; then
    echo "install-deps: libcublas.so.13 is not in the loader's cache after installing ${cuda_runtime_packages[*]}" >&2
    exit 1
  fi
fi

if [ "$with_npm" = 1 ]; then
  # The Node.js test peers (tests/node; its run.sh makes the same check), the Kubernetes
  # manifest validator (deploy/kubernetes) and the deployment tests (tests/deploy).
  for node_dir in "$here/tests/node" "$here/deploy/kubernetes" "$here/tests/deploy"; do
    if [ ! -f "$node_dir/node_modules/.package-lock.json" ] ||
       [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
      echo "install-deps: npm packages in ${node_dir#"$here"/}"
      (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    fi
  done
  "$here/scripts/install-kubectl.sh"
fi
