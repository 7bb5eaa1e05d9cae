#!/usr/bin/env bash
# deploy/kubernetes/validate.mjs must reject each manifest of bad-manifests/ with the
# message its first line names (`# expect: TEXT`): enum values the schemas miss, probes
# on ports the container does not declare, misspelt fields, GPU requests without limits,
# and the Prometheus Operator's objects against their CRD schemas. One run of the
# validator checks them all (each is a file of its own to it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
manifests=("$root"/tests/deploy/bad-manifests/*.yaml)
set +e
output="$(node "$root/deploy/kubernetes/validate.mjs" "${manifests[@]}" 2>&1)"
rc=$?
set -e
failed=0
if [ "$rc" -ne 1 ]; then
  echo "FAIL validate.mjs exited $rc, not 1:"
  echo "$output"
  failed=1
fi
for manifest in "${manifests[@]}"; do
  name="$(basename "$manifest")"
  expect="$(sed -n '1s/^# expect: //p' "$manifest")"
  if [ -z "$expect" ]; then
    echo "FAIL $name: its first line is no '# expect: TEXT'"
    failed=$((failed + 1))
  elif ! grep "^$name#" <<<"$output" | grep -qF -- "$expect"; then
    echo "FAIL $name: no '$expect' among:"
    grep "^$name#" <<<"$output" || true
    failed=$((failed + 1))
  else
    echo "ok $name: $expect"
  fi
done
echo "$((${#manifests[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
