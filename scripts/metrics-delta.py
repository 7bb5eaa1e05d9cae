#!/usr/bin/env python3
"""Prints what happened between two scrapes of the daemon's /metrics (Prometheus text).

For each histogram series (name + labels) that moved: observations, their mean, the
mean per second of wall time, and p50 / p99 as the upper bounds of the buckets that hold
them (so "p99<=0.01" reads: 99 % of the observations took at most 10 ms); for each
counter that moved: its increase and rate. Used by
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


def bucket_quantile(before, after, base, labels, count, q):
    """Upper bound of the bucket holding the q-quantile of the observations between the
    scrapes (`labels` without `le`), or None when the series has no buckets."""
    inner = labels[1:-1] if labels else ""
    bounds = []
    for (name, lab), value in after.items():
        if name != base + "_bucket":
            continue
        m = re.search(r'(?:^|,)le="([^"]*)"', lab[1:-1])
        rest = re.sub(r'(?:^|,)le="[^"]*"', "", lab[1:-1]).lstrip(",")
        if m and rest == inner:
            bound = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            bounds.append((bound, value - before.get((name, lab), 0.0)))
    for bound, cumulative in sorted(bounds):
        if cumulative >= q * count:
            return bound
    return None


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
            quantiles = ""
            for q, tag in ((0.5, "p50"), (0.99, "p99")):
                bound = bucket_quantile(before, after, base, labels, delta, q)
                if bound is not None:
                    quantiles += f" {tag}<={bound:.6g}"
            rows.append(f"{base}{labels} n={delta:.0f} mean={total / delta:.6g} "
                        f"per_s={total / seconds:.4g}{quantiles}")
        elif name.endswith("_total") and delta > 0:
            rows.append(f"{name}{labels} +{delta:.6g} rate={delta / seconds:.6g}/s")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
