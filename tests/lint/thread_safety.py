#!/usr/bin/env python3
"""Clang's thread-safety analysis over every translation unit that uses the annotations.

Reads the build's compile_commands.json, keeps the repository's C++ sources that include
core/thread_annotations.h (directly or through other headers of the repository, e.g.
core/mutex.h), and compiles each with clang++ -fsyntax-only -Wthread-safety
-Werror=thread-safety and the build's own flags (includes, defines, standard). Any
thread-safety warning fails the check; other warnings are switched off, since the build
itself reports those with its own compiler.

Usage: thread_safety.py --build-dir DIR [--source-dir DIR] [--clang PATH] [--jobs N]
Exit: 0 clean, 1 a warning or an error, 77 (skipped) without clang++ or without
compile_commands.json (a generator that writes none).
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

ANNOTATIONS = "core/thread_annotations.h"
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
SOURCES = (".cc", ".cpp", ".cxx")
# Output and dependency-file options and their arguments; -fsyntax-only writes nothing.
DROP_WITH_ARGUMENT = {"-o", "-MF", "-MT", "-MQ"}
DROP = {"-c", "-MD", "-MMD"}


def includes_annotations(path, source_dir, memo):
    """Whether `path` reaches ANNOTATIONS through the repository's quoted includes."""
    if path in memo:
        return memo[path]
    memo[path] = False  # cycles: guarded by #pragma once, reach nothing new
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    found = False
    for name in INCLUDE.findall(text):
        if name == ANNOTATIONS:
            found = True
            break
        # Every include scope mirrors the repository's paths (cmake/IncludeScope.cmake).
        for candidate in (os.path.join(source_dir, name),
                          os.path.join(os.path.dirname(path), name)):
            if os.path.isfile(candidate):
                if includes_annotations(os.path.realpath(candidate), source_dir, memo):
                    found = True
                break
        if found:
            break
    memo[path] = found
    return found


def clang_command(entry, clang):
    args = entry.get("arguments") or shlex.split(entry["command"])
    source = entry["file"]
    out = [clang]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in DROP_WITH_ARGUMENT:
            skip = True
            continue
        if a in DROP or a == source or a.startswith("-W") or a.startswith("-o"):
            continue
        out.append(a)
    out += ["-fsyntax-only", "-Wno-everything", "-Wthread-safety", "-Werror=thread-safety",
            source]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir",
                        default=os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.realpath(__file__)))))
    parser.add_argument("--clang", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    clang = args.clang or shutil.which("clang++") or shutil.which("clang++-14")
    if not clang or not os.path.exists(clang):
        print("thread_safety: no clang++: skipping")
        return 77
    database = os.path.join(args.build_dir, "compile_commands.json")
    if not os.path.isfile(database):
        print(f"thread_safety: no {database}: skipping")
        return 77
    with open(database) as f:
        entries = json.load(f)

    source_dir = os.path.realpath(args.source_dir)
    build_dir = os.path.realpath(args.build_dir)
    memo = {}
    checked = {}
    for entry in entries:
        path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        if (not path.endswith(SOURCES) or not path.startswith(source_dir + os.sep)
                or path.startswith(build_dir + os.sep) or path in checked):
            continue
        if includes_annotations(path, source_dir, memo):
            checked[path] = entry
    if not checked:
        print("thread_safety: no translation unit includes " + ANNOTATIONS)
        return 1

    def run(entry):
        r = subprocess.run(clang_command(entry, clang), cwd=entry["directory"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return r.returncode, r.stdout

    start = time.monotonic()
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        results = pool.map(run, checked.values())
        for path, (code, output) in zip(checked, results):
            if code != 0 or "warning:" in output:
                failed += 1
                print(f"FAIL {os.path.relpath(path, source_dir)}\n{output}")
    print(f"thread_safety: {len(checked)} translation units, {failed} failed, "
          f"{time.monotonic() - start:.0f} s ({clang}, {args.jobs} jobs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
