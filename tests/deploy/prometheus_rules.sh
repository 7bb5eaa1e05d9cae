#!/usr/bin/env bash
# The alerting rules (deploy/prometheus/alerts.yml): promtool's syntax check and its unit
# tests (alerts_test.yml). Exits 77 (ctest: skipped) without promtool, which comes with
# Debian's `prometheus` package (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../deploy/prometheus"
if ! command -v promtool >/dev/null; then
  echo "SKIP: no promtool (Debian's prometheus package; scripts/install-deps.sh installs it)"
  exit 77
fi
promtool check rules alerts.yml
promtool test rules alerts_test.yml
