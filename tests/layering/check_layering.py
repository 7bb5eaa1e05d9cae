#!/usr/bin/env python3
"""The layer rules of docs/architecture.md, checked over the source tree and the build.

Three checks, each failing the test with one line per violation:

1. Includes. Every `#include "..."` of a first-party file names a header its layer may
   use (RULES below). Test code (tests beside the code, `testing/` folders, tests/,
   bench/) may reach further, through test-only targets; production code never includes
   test code.
2. Target links. <build>/layering/targets.txt (cmake/LayeringManifest.cmake) lists every
   target's links: the same rules hold between targets (LINK_RULES), third-party
   libraries stay where they belong (the core has no crypto, CUDA or gRPC; the client
   no RocksDB or WABT), and no target exports the repository root as an include folder.
3. The repository is self-contained. No build, test or script file reaches outside it
   (`../shared`, `/work/...`): CI's checkout has a `../shared`, a user's clone has not.

Usage: check_layering.py <source-dir> [<build-dir>]; check_layering.py --self-test
(builds small trees that break each rule and checks that each is caught).
"""

import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# Layers by path prefix (longest match wins), each with the prefixes its production
# code may include. "chainaccel/v1/" is the generated API; "server/version.h" generated.
LAYERS = {
    "core/": ["core/"],
    "crypto/": ["core/", "crypto/"],
    "kernels/": ["core/", "kernels/"],
    "engines/engine.h": ["core/"],
    "engines/cpu/": ["core/", "crypto/", "engines/engine.h", "engines/cpu/"],
    "engines/gpu/": ["core/", "kernels/", "engines/engine.h", "engines/gpu/"],
    "engines/scheduler/": ["core/", "engines/engine.h", "engines/scheduler/"],
    "execution/tx/": ["core/", "crypto/", "execution/tx/"],
    "execution/": ["core/", "crypto/", "engines/engine.h", "engines/scheduler/scheduler.h",
                   "execution/"],
    "server/": ["core/", "crypto/", "engines/", "execution/", "server/", "chainaccel/v1/"],
    "client/": ["client/", "chainaccel/v1/", "execution/tx/"],
}

# Test code: may include test helpers and reach other layers, but never server/ from
# below the server, nor client/ from anything but the client and tests/.
TEST_PARTS = ("/testing/", "tests/", "bench/")
TEST_SUFFIXES = ("_test.cc", "_tests_main.cc", "gpu_test_engines.h", "gpu_test_engines.cc")
TEST_ONLY_PREFIXES = ("tests/", "bench/")

SOURCE_SUFFIXES = (".h", ".cc", ".cu", ".cuh")
SOURCE_ROOTS = ("core", "crypto", "kernels", "engines", "execution", "server", "client",
                "tests", "bench")

# Targets: (target, prefixes of first-party targets it must not link, directly or not).
OURS = "chainaccel_"
LINK_RULES = {
    "chainaccel_core": {"ours": ["chainaccel_core", "chainaccel_warnings"],
                        "foreign": ["OpenSSL", "SECP256K1", "SODIUM", "CRYPTOPP", "CUDA::",
                                    "gRPC", "protobuf", "wabt", "RocksDB", "spdlog"]},
    "chainaccel_crypto": {"ours": ["chainaccel_core", "chainaccel_crypto", "chainaccel_warnings"],
                          "foreign": ["CUDA::", "gRPC", "protobuf", "wabt", "RocksDB"]},
    # crypto/bn254: our own BN254 arithmetic, on no library (GMP is its tests' reference).
    "chainaccel_bn254": {"ours": ["chainaccel_core", "chainaccel_bn254", "chainaccel_warnings"],
                         "foreign": ["CUDA::", "gRPC", "protobuf", "wabt", "RocksDB", "OpenSSL",
                                     "SECP256K1", "SODIUM", "CRYPTOPP", "gmp"]},
    # crypto/groth16: snarkjs-compatible Groth16 on our BN254 arithmetic; nlohmann-json
    # (header-only) for snarkjs's JSON, no other library.
    "chainaccel_groth16": {"ours": ["chainaccel_core", "chainaccel_bn254", "chainaccel_groth16",
                                    "chainaccel_warnings"],
                           "foreign": ["CUDA::", "gRPC", "protobuf", "wabt", "RocksDB", "OpenSSL",
                                       "SECP256K1", "SODIUM", "CRYPTOPP", "gmp"]},
    "chainaccel_kernels": {"ours": ["chainaccel_core", "chainaccel_kernels", "chainaccel_warnings"],
                           "foreign": ["OpenSSL", "SODIUM", "CRYPTOPP", "gRPC", "protobuf",
                                       "wabt", "RocksDB"]},
    # kernels/zk: the Groth16 kernels, a library of their own beside chainaccel_kernels.
    "chainaccel_zk_kernels": {"ours": ["chainaccel_core", "chainaccel_kernels",
                                       "chainaccel_zk_kernels", "chainaccel_warnings"],
                              "foreign": ["OpenSSL", "SODIUM", "CRYPTOPP", "gRPC", "protobuf",
                                          "wabt", "RocksDB"]},
    "chainaccel_engine_api": {"ours": ["chainaccel_core", "chainaccel_engine_api"],
                              "foreign": ["CUDA::", "gRPC", "protobuf"]},
    "chainaccel_gpu_engine": {"not": ["chainaccel_cpu_engine", "chainaccel_crypto",
                                      "chainaccel_bn254", "chainaccel_groth16",
                                      "chainaccel_server", "chainaccel_execution",
                                      "chainaccel_client", "chainaccel_test_support"]},
    "chainaccel_cpu_engine": {"not": ["chainaccel_kernels", "chainaccel_zk_kernels",
                                      "chainaccel_gpu_engine",
                                      "chainaccel_server", "chainaccel_execution",
                                      "chainaccel_client", "chainaccel_test_support"],
                              "foreign": ["CUDA::", "gRPC", "protobuf"]},
    "chainaccel_scheduler": {"not": ["chainaccel_server", "chainaccel_execution",
                                     "chainaccel_client", "chainaccel_test_support",
                                     "chainaccel_cpu_engine", "chainaccel_gpu_engine",
                                     "chainaccel_kernels"],
                             "foreign": ["CUDA::", "gRPC", "protobuf", "OpenSSL", "SECP256K1",
                                         "SODIUM", "CRYPTOPP"]},
    # execution/tx: the transaction format and the verifying keys of proof-carrying
    # transactions (on crypto/groth16 and its BN254 arithmetic).
    "chainaccel_execution_tx": {"ours": ["chainaccel_core", "chainaccel_crypto",
                                         "chainaccel_bn254", "chainaccel_groth16",
                                         "chainaccel_execution_tx", "chainaccel_warnings"],
                                "foreign": ["wabt", "RocksDB", "CUDA::", "gRPC"]},
    "chainaccel_execution": {"not": ["chainaccel_cpu_engine", "chainaccel_gpu_engine",
                                     "chainaccel_kernels", "chainaccel_device_pool",
                                     "chainaccel_server", "chainaccel_client",
                                     "chainaccel_test_support"],
                             "foreign": ["gRPC", "protobuf", "CUDA::"]},
    "chainaccel_client": {"ours": ["chainaccel_client", "chainaccel_proto", "chainaccel_warnings"],
                          "foreign": ["wabt", "RocksDB", "CUDA::"]},
    "chainaccel_cli": {"ours": ["chainaccel_cli", "chainaccel_client", "chainaccel_proto",
                                "chainaccel_execution_tx", "chainaccel_crypto",
                                "chainaccel_bn254", "chainaccel_groth16",
                                "chainaccel_core", "chainaccel_warnings"],
                       "foreign": ["wabt", "RocksDB", "CUDA::"]},
    "chainaccel_server": {"not": ["chainaccel_client", "chainaccel_cli",
                                  "chainaccel_test_support", "chainaccel_execution_testing"]},
    "chainacceld": {"not": ["chainaccel_client", "chainaccel_cli", "chainaccel_test_support",
                            "chainaccel_execution_testing"]},
    "chainaccel": {"ours": ["chainaccel_cli", "chainaccel_client", "chainaccel_proto",
                            "chainaccel_execution_tx", "chainaccel_crypto", "chainaccel_bn254",
                            "chainaccel_groth16", "chainaccel_core", "chainaccel_warnings"],
                   "foreign": ["wabt", "RocksDB", "CUDA::"]},
}

# Files that build, test or run the project: none may reach outside the repository.
BUILD_FILE = re.compile(r'(CMakeLists\.txt|\.cmake|CMakePresets\.json|\.sh|\.mjs|\.py|'
                        r'Dockerfile|\.ya?ml|/run|\.cc|\.cu|\.h|\.json)$')
OUTSIDE = re.compile(r'\.\./shared|/work/shared|/work/main|CMAKE_SOURCE_DIR\}/\.\.|'
                     r'CMAKE_CURRENT_SOURCE_DIR\}/\.\./\.\./\.\.|\$here/\.\./')
SKIP_DIRS = {".git", "node_modules", "vectors", "carry", "out"}


def is_test(path):
    return path.startswith(TEST_ONLY_PREFIXES) or any(p in path for p in TEST_PARTS) or \
        path.endswith(TEST_SUFFIXES)


def layer_of(path):
    best = None
    for prefix in LAYERS:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            if best is None or len(prefix) > len(best):
                best = prefix
    return best


def allowed(path, include):
    layer = layer_of(path)
    if is_test(path):
        # Test code: anything first-party, except that production-below-server tests do not
        # reach the client, and nothing but tests and the client reach client/.
        if include.startswith("client/") and not (path.startswith(("client/", "tests/"))):
            return False
        return True
    if "/testing/" in include or include.startswith(TEST_ONLY_PREFIXES):
        return False  # production code never includes test code
    if layer is None:
        return True
    return any(include == p or (p.endswith("/") and include.startswith(p))
               for p in LAYERS[layer])


def source_files(root):
    for top in SOURCE_ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            for name in filenames:
                if name.endswith(SOURCE_SUFFIXES):
                    full = os.path.join(dirpath, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/"), full


def check_includes(root):
    errors = []
    for rel, full in source_files(root):
        with open(full, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for include in INCLUDE.findall(text):
            if "/" not in include:
                continue  # a file beside it
            if not allowed(rel, include):
                errors.append(f"{rel}: includes {include}, which its layer "
                              f"({layer_of(rel) or 'tests'}) may not use")
    return errors


def read_manifest(build):
    targets = {}
    with open(os.path.join(build, "layering", "targets.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            name, kind, folder, links, interface, includes = line.split("|")
            deps = [d for d in (links + ";" + interface).split(";") if d]
            targets[name] = {"kind": kind, "folder": folder, "deps": deps,
                             "includes": [i for i in includes.split(";") if i]}
    return targets


def closure(targets, name):
    """Every library `name` links, directly or through the targets it links."""
    seen, stack = [], [name]
    while stack:
        for dep in targets.get(stack.pop(), {}).get("deps", []):
            dep = re.sub(r"^\$<LINK_ONLY:(.*)>$", r"\1", dep)
            if dep not in seen:
                seen.append(dep)
                if dep in targets:
                    stack.append(dep)
    return seen


def check_links(targets, source_root):
    errors = []
    root = os.path.realpath(source_root)
    for name, info in targets.items():
        for folder in info["includes"]:
            if os.path.realpath(folder) == root:
                errors.append(f"{name}: exports the repository root as an include folder")
    for name, rule in LINK_RULES.items():
        if name not in targets:
            continue
        deps = closure(targets, name)
        for dep in deps:
            if dep == "chainaccel_warnings":
                continue  # compiler flags only (an INTERFACE target), allowed everywhere
            if dep.startswith(OURS):
                if "ours" in rule and dep not in rule["ours"]:
                    errors.append(f"{name}: links {dep}, outside its layer")
                if dep in rule.get("not", []):
                    errors.append(f"{name}: links {dep}, which its layer may not use")
            for foreign in rule.get("foreign", []):
                if foreign in dep:
                    errors.append(f"{name}: links {dep}")
    return errors


def check_self_contained(root):
    errors = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build")]
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel.startswith(("docs/", "tests/layering/")) or rel.endswith(".md"):
                continue  # prose may name the shared folder; this checker names it on purpose
            if not (BUILD_FILE.search(rel) or rel.startswith((".ci/", "scripts/"))):
                continue
            try:
                with open(full, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        if OUTSIDE.search(line):
                            errors.append(f"{rel}:{number}: reaches outside the repository: "
                                          f"{line.strip()}")
            except OSError:
                continue
    return errors


def run(source, build):
    errors = check_includes(source) + check_self_contained(source)
    if build is not None:
        errors += check_links(read_manifest(build), source)
    return errors


def self_test():
    """Small trees that break one rule each; every one must be caught."""
    cases = {
        "core/a.h": ('#include "engines/engine.h"\n', "core includes engines"),
        "kernels/k.h": ('#include "engines/cpu/cpu_engine.h"\n', "kernels include engines"),
        "engines/gpu/g.cc": ('#include "engines/cpu/merkle.h"\n', "GPU engine includes CPU"),
        "engines/cpu/c.cc": ('#include "server/server.h"\n', "engine includes server"),
        "execution/e.cc": ('#include "engines/cpu/cpu_engine.h"\n', "execution past engine.h"),
        "client/cli/x.cc": ('#include "execution/block.h"\n', "client includes execution"),
        "server/s.cc": ('#include "tests/support/random.h"\n', "production includes tests"),
        "scripts/x.sh": ('cp -r ../shared/vectors .\n', "script reaches ../shared"),
        "crypto/bn254/f.h": ('#include "kernels/launch_check.h"\n', "bn254 includes kernels"),
        "crypto/groth16/v.cc": ('#include "engines/engine.h"\n', "groth16 includes engines"),
    }
    failures = 0
    for path, (text, what) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
            if not run(root, None):
                print(f"self-test: not caught: {what} ({path})")
                failures += 1
    allowed_cases = {
        "engines/gpu/g_test.cc": '#include "engines/cpu/cpu_engine.h"\n',
        "execution/x.cc": '#include "engines/scheduler/scheduler.h"\n#include "core/task.h"\n',
        "client/c.cc": '#include "execution/tx/transaction.h"\n#include "chainaccel/v1/hash.pb.h"\n',
        "crypto/groth16/z.cc": '#include "core/status.h"\n#include "crypto/bn254/curve.h"\n',
    }
    for path, text in allowed_cases.items():
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
            if run(root, None):
                print(f"self-test: wrongly refused: {path}")
                failures += 1
    targets = {
        "chainaccel_core": {"deps": ["OpenSSL::Crypto"], "includes": []},
        "chainaccel_kernels": {"deps": ["chainaccel_core", "chainaccel_cpu_engine"],
                               "includes": []},
        "chainaccel_cpu_engine": {"deps": [], "includes": ["/"]},
        "chainaccel_cli": {"deps": ["chainaccel_execution"], "includes": []},
        "chainaccel_execution": {"deps": ["$<LINK_ONLY:RocksDB::rocksdb-shared>"],
                                 "includes": []},
        "chainaccel_bn254": {"deps": ["/usr/lib/x86_64-linux-gnu/libgmp.so"], "includes": []},
        "chainaccel_groth16": {"deps": ["chainaccel_bn254", "chainaccel_crypto"], "includes": []},
    }
    link_errors = check_links(targets, "/")
    for expected in ("chainaccel_core: links OpenSSL", "chainaccel_kernels: links chainaccel_cpu",
                     "chainaccel_cpu_engine: exports", "chainaccel_cli: links chainaccel_execution",
                     "chainaccel_cli: links RocksDB", "chainaccel_bn254: links /usr/lib",
                     "chainaccel_groth16: links chainaccel_crypto"):
        if not any(e.startswith(expected) for e in link_errors):
            print(f"self-test: link rule not caught: {expected}")
            failures += 1
    print(f"self-test: {len(cases) + len(allowed_cases) + 7 - failures} passed, "
          f"{failures} failed")
    return failures == 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--self-test":
        return 0 if self_test() else 1
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    source = argv[1]
    build = argv[2] if len(argv) == 3 else None
    errors = run(source, build)
    for e in errors:
        print(e)
    print(f"layering: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
