#!/usr/bin/env python3
"""Clang's thread-safety analysis over every translation unit that uses the annotations.

Reads the build's compile_commands.json, keeps the repository's C++ sources that include
core/thread_annotations.h (directly or through other headers of the repository, e.g.
core/mutex.h), and compiles each with clang++ -fsyntax-only -Wthread-safety
-Werror=thread-safety and the build's own flags (includes, defines, standard). Any
thread-safety warning fails the check; other warnings are switched off, since the build
itself reports those with its own compiler.

--checked-build DIR: a clang build (Ninja) that compiles with -Wthread-safety
-Werror=thread-safety, such as the fuzzers' (the `fuzz` preset, which ctest builds before
this check). A unit whose object that build has already compiled is brought up to date
there by ninja instead of being parsed again (nothing to do when it is current: its
compilation ran the analysis as an error); the others are compiled -fsyntax-only.

Usage: thread_safety.py --build-dir DIR [--source-dir DIR] [--checked-build DIR]
                        [--clang PATH] [--jobs N]
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


def arguments_of(entry):
    """The compiler's arguments of an entry of compile_commands.json."""
    return entry.get("arguments") or shlex.split(entry["command"])


def clang_command(entry, clang):
    args = arguments_of(entry)
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


def object_of(entry, args):
    """The object file (absolute) that an entry of compile_commands.json, with its
    arguments `args`, writes, or None."""
    for flag, value in zip(args, args[1:]):
        if flag == "-o":
            return os.path.join(entry["directory"], value)
    return None


def macros(args):
    """The macros a command defines, for comparing two builds' commands of one unit: NDEBUG
    left out (the builds' types differ, and assert() holds no annotations), and the value
    of a quoted string hidden (the paths of each build's own outputs)."""
    found = set()
    for a in args:
        if a.startswith("-D") and a != "-DNDEBUG":
            name, _, value = a[2:].partition("=")
            found.add((name, "<string>" if value.startswith('"') else value))
    return found


def checked_objects(checked_build, checked):
    """Of the units in `checked` ({source path: this build's entry}), those whose object
    `checked_build` has compiled with the analysis as an error and with the same macros as
    this build (e.g. not a GPU unit that one build compiles without CUDA): {source path:
    object path relative to that build}."""
    database = os.path.join(checked_build, "compile_commands.json")
    if not (os.path.isfile(database) and os.path.isfile(os.path.join(checked_build, "build.ninja"))):
        return {}
    with open(database) as f:
        entries = json.load(f)
    found = {}
    for entry in entries:
        path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        if path not in checked:
            continue
        args = arguments_of(entry)
        obj = object_of(entry, args)
        if (obj and os.path.isfile(obj) and "-Wthread-safety" in args
                and "-Werror=thread-safety" in args):
            if macros(args) == macros(arguments_of(checked[path])):
                found[path] = os.path.relpath(obj, checked_build)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir",
                        default=os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.realpath(__file__)))))
    parser.add_argument("--checked-build", default="")
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

    start = time.monotonic()
    failed = 0
    built = {}
    if args.checked_build and shutil.which("ninja"):
        checked_build = os.path.realpath(args.checked_build)
        built = checked_objects(checked_build, checked)
    if built:
        # -k 0: every stale unit is compiled, each failure reported.
        r = subprocess.run(["ninja", "-C", checked_build, "-k", "0", "-j", str(max(args.jobs, 1))]
                           + sorted(built.values()),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            failed += 1
            print(f"FAIL (ninja in {checked_build})\n{r.stdout}")

    def run(entry):
        r = subprocess.run(clang_command(entry, clang), cwd=entry["directory"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return r.returncode, r.stdout

    parsed = {path: entry for path, entry in checked.items() if path not in built}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        results = pool.map(run, parsed.values())
        for path, (code, output) in zip(parsed, results):
            if code != 0 or "warning:" in output:
                failed += 1
                print(f"FAIL {os.path.relpath(path, source_dir)}\n{output}")
    print(f"thread_safety: {len(checked)} translation units, {len(built)} of them compiled "
          f"in {args.checked_build or '-'}, {len(parsed)} parsed here; {failed} failed, "
          f"{time.monotonic() - start:.0f} s ({clang}, {args.jobs} jobs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
