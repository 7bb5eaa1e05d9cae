#!/usr/bin/env python3
"""lint/test_names: no Catch2 test name holds a ';'.

catch_discover_tests registers each test case with ctest by its name, and CMake reads a
';' as a list separator: a name with one becomes two ctest entries that each match no
test case, so both fail (CI of a79b373: "exec/BucketFiles: a file cut short is INTERNAL
naming it" and "exec/ the folder is made afresh and removed"), while the test binary run
by hand passes. Exits 1 naming every such test case.

Usage: test_names.py SOURCE_DIR
"""
import pathlib
import re
import sys

# TEST_CASE / SCENARIO / TEMPLATE_TEST_CASE names, which may span adjacent string literals.
NAME = re.compile(r'\b(?:TEST_CASE|SCENARIO|TEMPLATE_TEST_CASE|TEST_CASE_METHOD)\s*\(\s*(?:\w+\s*,\s*)?((?:"(?:[^"\\]|\\.)*"\s*)+)')
SKIPPED = {"build", ".git", "node_modules"}


def main():
    root = pathlib.Path(sys.argv[1])
    bad = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".cc", ".cpp", ".cu", ".h", ".cuh"} or not path.is_file():
            continue
        if any(part in SKIPPED or part.startswith("build") for part in path.relative_to(root).parts):
            continue
        text = path.read_text(errors="replace")
        for match in NAME.finditer(text):
            name = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
            if ";" in name:
                line = text.count("\n", 0, match.start()) + 1
                bad.append(f"{path.relative_to(root)}:{line}: {name}")
    for line in bad:
        print(f"a test name with ';' (ctest splits it in two): {line}")
    print(f"lint/test_names: {len(bad)} test names with ';'")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
