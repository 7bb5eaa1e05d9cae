#!/usr/bin/env python3
"""Tables of builds' benchmark runs side by side (scripts/device-compare.sh output).

Reads compare_<bench>.jsonl files whose lines carry "build": "<name>" ("before", "after",
or any BUILDS name), groups the measurements by what they measure (every string or
integer field but the build, date, seed and device name), and prints per group the median
time of each build over its runs and each build's ratio to the first ("before" when there
is one; below 1: faster than it).

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
    names = []  # the builds in order of appearance; "before" first when present
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            seconds = measured_seconds(row)
            if seconds is not None and "build" in row:
                groups[what(row)][row["build"]].append(seconds)
                if row["build"] not in names:
                    names.append(row["build"])
    if "before" in names:
        names.remove("before")
        names.insert(0, "before")
    base, others = names[0], names[1:]
    print(f"## {path}")
    print("| what | " + " | ".join(f"{n} (ms)" for n in names) + " | " +
          " | ".join(f"{n} / {base}" for n in others) + " | runs |")
    print("|---|" + "---:|" * (len(names) + len(others) + 1))
    for key, builds in groups.items():
        if any(n not in builds for n in names):
            continue
        medians = {n: statistics.median(builds[n]) for n in names}
        label = " ".join(f"{field}={value}" for field, value in key)
        print(f"| {label} | " + " | ".join(f"{medians[n] * 1e3:.3f}" for n in names) + " | " +
              " | ".join(f"{medians[n] / medians[base]:.3f}" for n in others) + " | " +
              "/".join(str(len(builds[n])) for n in names) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    for argument in sys.argv[1:]:
        compare(argument)
