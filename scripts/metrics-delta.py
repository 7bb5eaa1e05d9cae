#!/usr/bin/env python3
"""Prints what happened between two scrapes of the daemon's /metrics (Prometheus text).

For each histogram series (name + labels) that moved: observations, their mean, and the
mean per second of wall time; for each counter that moved: its increase and rate. Used by
scripts/device-scheduler-bench.sh to say where a run's time went (queue wait, batch
execution, whole request) without a profiler, which the GPU machine does not have.

Usage: metrics-delta.py BEFORE.txt AFTER.txt SECONDS [NAME_PREFIX ...]
"""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def read(path):
    values = {}
    with open(path) as f:
        for line in f:
            m = SAMPLE.match(line)
            if m:
                values[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return values


def main():
    before, after = read(sys.argv[1]), read(sys.argv[2])
    seconds = float(sys.argv[3])
    prefixes = sys.argv[4:] or ["chainaccel_"]
    rows = []
    for (name, labels), value in sorted(after.items()):
        if not any(name.startswith(p) for p in prefixes):
            continue
        delta = value - before.get((name, labels), 0.0)
        if name.endswith("_count") and delta > 0:
            base = name[: -len("_count")]
            total = after.get((base + "_sum", labels), 0.0) - before.get((base + "_sum", labels), 0.0)
            rows.append(f"{base}{labels} n={delta:.0f} mean={total / delta:.6g} "
                        f"per_s={total / seconds:.4g}")
        elif name.endswith("_total") and delta > 0:
            rows.append(f"{name}{labels} +{delta:.6g} rate={delta / seconds:.6g}/s")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
