#!/usr/bin/env python3
"""Tables of two builds' benchmark runs side by side (scripts/device-compare.sh output).

Reads compare_<bench>.jsonl files whose lines carry "build": "before" | "after", groups
the measurements by what they measure (every string or integer field but the build, date,
seed and device name), and prints per group the median time of each build over its runs
and after / before (below 1: the new build is faster).

Usage: bench/compare_builds.py compare_gpu_hash_bench.jsonl [...]
"""
import collections
import json
import statistics
import sys

IGNORED = {"build", "date", "seed", "name", "mismatches", "match", "min_s"}


def measured_seconds(row):
    """The row's time: median_s or seconds, else its first *_s field that is not a rate."""
    for field in ("median_s", "seconds"):
        if field in row:
            return row[field]
    for field, value in row.items():
        if field.endswith("_s") and not field.endswith("per_s") and isinstance(value, float):
            return value
    return None


def what(row):
    return tuple((field, value) for field, value in sorted(row.items())
                 if field not in IGNORED and isinstance(value, (str, int))
                 and not isinstance(value, bool) and not field.endswith("_s") and field != "seconds")


def compare(path):
    groups = collections.defaultdict(lambda: collections.defaultdict(list))
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            seconds = measured_seconds(row)
            if seconds is not None and "build" in row:
                groups[what(row)][row["build"]].append(seconds)
    print(f"## {path}")
    print("| what | before (ms) | after (ms) | after / before | runs |")
    print("|---|---:|---:|---:|---:|")
    for key, builds in groups.items():
        if "before" not in builds or "after" not in builds:
            continue
        before = statistics.median(builds["before"])
        after = statistics.median(builds["after"])
        label = " ".join(f"{field}={value}" for field, value in key)
        print(f"| {label} | {before * 1e3:.3f} | {after * 1e3:.3f} | {after / before:.3f} | "
              f"{len(builds['before'])}/{len(builds['after'])} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    for argument in sys.argv[1:]:
        compare(argument)
