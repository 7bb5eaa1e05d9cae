#!/usr/bin/env bash
# The container images' runtime stages install `scripts/install-deps.sh --runtime` and
# nothing else. This checks that those packages, with what they depend on, hold every
# shared library that the built binaries load, so that an image built from the same
# sources starts: a new library linked without its runtime package fails here, in CI,
# rather than at `docker run`.
#
#   tests/deploy/runtime_libraries.sh BINARY...
#
# Exits 0 when every library is covered, 1 otherwise, 77 (ctest: skipped) without
# dpkg/apt-cache (not a Debian system).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for tool in ldd dpkg-query apt-cache; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: no $tool"
    exit 77
  fi
done

mapfile -t runtime < <("$here/scripts/install-deps.sh" --runtime --list)
# The runtime packages and everything they depend on (Pre-Depends and Depends), among the
# installed packages: the build machine has them all, as the -dev packages depend on them.
mapfile -t closure < <(apt-cache depends --recurse --installed --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances "${runtime[@]}" |
  grep -v '^ ' | sed 's/:.*//' | sort -u)
declare -A in_closure=()
for p in "${closure[@]}"; do in_closure["$p"]=1; done

# The libraries the binaries load: soname and path, once each.
declare -A path_of=()
for binary in "$@"; do
  if [ ! -x "$binary" ]; then
    echo "FAIL no executable $binary"
    exit 1
  fi
  while read -r soname path; do
    path_of["$soname"]="$path"
  done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
done

# The Debian package of each file, with one dpkg-query for all of them: under merged /usr a
# library may be registered as /lib/... or /usr/lib/..., so both spellings (and the
# resolved link) are asked.
declare -A package_at=()
candidates=()
for path in "${path_of[@]}"; do
  case "$path" in
    /usr/*) candidates+=("$path" "${path#/usr}") ;;
    *) candidates+=("$path" "/usr$path") ;;
  esac
  candidates+=("$(readlink -f "$path")")
done
while IFS= read -r line; do
  package="${line%%: *}"            # "libfoo1:amd64: /path", or "a, b: /path"
  package_at["${line#*: }"]="${package%%[:,]*}"
done < <(dpkg-query -S "${candidates[@]}" 2>/dev/null || true)

failed=0
for soname in "${!path_of[@]}"; do
  path="${path_of[$soname]}"
  package=""
  for candidate in "$path" "${path#/usr}" "/usr$path" "$(readlink -f "$path")"; do
    package="${package_at[$candidate]:-}"
    if [ -n "$package" ]; then break; fi
  done
  if [ -z "$package" ]; then
    echo "FAIL $soname ($path) comes from no Debian package"
    failed=$((failed + 1))
  elif [ -z "${in_closure[$package]:-}" ]; then
    echo "FAIL $soname is in $package, which install-deps.sh --runtime does not install"
    failed=$((failed + 1))
  fi
done
echo "$((${#path_of[@]} - failed)) passed, $failed failed (the shared libraries of $# binaries against ${#runtime[@]} runtime packages)"
[ "$failed" -eq 0 ]
