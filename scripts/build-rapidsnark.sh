#!/usr/bin/env bash
# Builds iden3's rapidsnark `prover` OUTSIDE this repository, for side-by-side measurement
# only (issue 13; bench/RESULTS.md "rapidsnark, snarkjs and our CPU prover side by side").
# Nothing of rapidsnark is vendored into chainaccel: the sources are exported from bare git
# mirrors of the upstream repositories into PEER_DIR and built there.
#
# What is built (release v0.0.6 and exactly the submodule commits it pins):
#   iden3/rapidsnark  v0.0.6 = 3ea6c4d6 (2024-09-14)
#     depends/ffiasm  iden3/ffiasm   b9dce0a78a0ee172c23cee2465904383ea43f0ec
#     depends/json    nlohmann/json  350ff4f7ced7c4117eae2fb93df02823c8021fcb
#   (depends/pistache and depends/circom_runtime are for the proving server and the
#   witness calculator, not the standalone prover, and are not needed.)
# Later releases (v0.0.7 = af527f9, v0.0.8 = 2921b0e) pin ffiasm fe3772e8 and aa90166d,
# which the stored snapshot of iden3/ffiasm available to us does not hold; v0.0.6 is the
# newest release whose pinned submodules can all be checked out. The field code
# (build/fr.asm, fq.asm, fr.cpp, ...) is the ffiasm-generated code rapidsnark commits in
# its build/ folder; nasm assembles it.
# GMP: Debian's libgmp-dev (rapidsnark's build_gmp.sh downloads GMP 6.3.0 from the web,
# which this workplace cannot reach; its CMake falls back to the system libgmp when
# depends/gmp/package is absent). OpenMP: GCC's libgomp.
#
# Usage: scripts/build-rapidsnark.sh
# Environment (optional):
#   PEER_DIR        where to export and build (default /work/peers/rapidsnark; refused if
#                   inside this repository)
#   RAPIDSNARK_GIT  bare git dir of github.com/iden3/rapidsnark
#                   (default /work/.mirror/iden3+rapidsnark/repo)
#   FFIASM_GIT      bare git dir of iden3/ffiasm (default /work/.mirror/iden3+ffiasm/repo)
#   JSON_GIT        bare git dir of nlohmann/json (default /work/.mirror/nlohmann+json/repo)
#   RAPIDSNARK_REF  rapidsnark commit or tag (default v0.0.6)
#   JOBS            parallel compile jobs (default 2; compiles run under nice)
# Prints the prover's path last: $PEER_DIR/build/src/prover.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${PEER_DIR:-/work/peers/rapidsnark}"
rapidsnark_git="${RAPIDSNARK_GIT:-/work/.mirror/iden3+rapidsnark/repo}"
ffiasm_git="${FFIASM_GIT:-/work/.mirror/iden3+ffiasm/repo}"
json_git="${JSON_GIT:-/work/.mirror/nlohmann+json/repo}"
ref="${RAPIDSNARK_REF:-v0.0.6}"
jobs="${JOBS:-2}"

mkdir -p "$peer"
peer="$(cd "$peer" && pwd)"
case "$peer/" in
  "$here"/*) echo "build-rapidsnark.sh: PEER_DIR $peer is inside the repository; refused" >&2
    exit 2 ;;
esac

# Debian packages: nasm for the x86-64 field code, GMP, CMake and a C++ compiler.
missing=()
for pkg in nasm libgmp-dev cmake g++ make; do
  dpkg -s "$pkg" > /dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

for git_dir in "$rapidsnark_git" "$ffiasm_git" "$json_git"; do
  if ! git --git-dir="$git_dir" rev-parse --git-dir > /dev/null 2>&1; then
    echo "build-rapidsnark.sh: no git repository at $git_dir (fetch it first)" >&2
    exit 2
  fi
done
commit="$(git --git-dir="$rapidsnark_git" rev-parse "$ref^{commit}")"
# The submodule commits the rapidsnark commit pins (its gitlinks).
pin() { git --git-dir="$rapidsnark_git" ls-tree "$commit" "$1" | awk '$2 == "commit" {print $3}'; }
ffiasm_pin="$(pin depends/ffiasm)"
json_pin="$(pin depends/json)"
for pair in "$ffiasm_git:$ffiasm_pin" "$json_git:$json_pin"; do
  if ! git --git-dir="${pair%%:*}" cat-file -e "${pair##*:}^{commit}" 2> /dev/null; then
    echo "build-rapidsnark.sh: ${pair%%:*} lacks commit ${pair##*:}, which rapidsnark $ref pins" >&2
    exit 3
  fi
done

src="$peer/src"
rm -rf "$src"
mkdir -p "$src/depends/ffiasm" "$src/depends/json"
git --git-dir="$rapidsnark_git" archive "$commit" | tar -x -C "$src"
git --git-dir="$ffiasm_git" archive "$ffiasm_pin" | tar -x -C "$src/depends/ffiasm"
git --git-dir="$json_git" archive "$json_pin" | tar -x -C "$src/depends/json"
cat > "$peer/SOURCES" << EOF
rapidsnark $ref $commit
depends/ffiasm $ffiasm_pin
depends/json $json_pin
gmp $(dpkg-query -W -f='${Package} ${Version}' libgmp-dev)
nasm $(dpkg-query -W -f='${Version}' nasm)
compiler $(g++ --version | head -1)
EOF

build="$peer/build"
rm -rf "$build"
# Release, asm field code (USE_ASM), OpenMP: as the upstream `make host`, but with the
# system GMP and only the targets needed. (BUILD_TESTS stays ON: with OFF, v0.0.6's
# src/CMakeLists.txt fails on Linux with OpenMP, linking the absent test_public_size.)
nice cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DUSE_ASM=ON -DUSE_OPENMP=ON \
  > "$peer/cmake.log" 2>&1 || { tail -40 "$peer/cmake.log" >&2; exit 1; }
nice cmake --build "$build" -j "$jobs" --target prover verifier > "$peer/build.log" 2>&1 ||
  { tail -60 "$peer/build.log" >&2; exit 1; }
cat "$peer/SOURCES" >&2
echo "$build/src/prover"
