#!/usr/bin/env python3
"""Checks that Package.swift's target dependencies equal what each target's Swift files import.

Prints one line per target that imports a module it does not declare (it would build only because SwiftPM
makes transitive modules visible) or declares one it never imports; exits 1 if any. System modules are
ignored; a test target may declare an executable it runs (ObjtraceCLITests runs `objtrace`)."""
import glob
import re
import sys

SYSTEM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl", "Darwin", "Dispatch",
          "Testing", "XCTest", "Synchronization", "_Concurrency", "os"}
BUILD_ONLY = {("ObjtraceCLITests", "objtrace")}  # (target, dependency) pairs needed to build, not imported


def main() -> int:
    pkg = open("Package.swift").read()
    bad = 0
    for part in re.split(r"\n        \.(?=target\(|executableTarget\(|testTarget\()", pkg)[1:]:
        name = re.search(r'name:\s*"(\w+)"', part).group(1)
        kind = part.split("(")[0]
        deps = set()
        found = re.search(r"dependencies:\s*\[(.*?)\]\s*(,|\))", part, re.S)
        if found:
            text = found.group(1)
            deps |= set(re.findall(r'\.product\(name:\s*"(\w+)"', text))
            deps |= set(re.findall(r'"(\w+)"', re.sub(r"\.product\([^)]*\)", "", text)))
        path = re.search(r'path:\s*"([^"]+)"', part)
        folder = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name
        imports = set()
        for file in glob.glob(folder + "/**/*.swift", recursive=True):
            for line in open(file):
                m = re.match(r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:public |package |internal |private |fileprivate )?"
                             r"import (?:struct |class |enum |func |protocol |typealias |var |let )?(\w+)", line)
                if m:
                    imports.add(m.group(1))
        imports -= SYSTEM
        missing = sorted(imports - deps)
        unused = sorted(d for d in deps - imports if (name, d) not in BUILD_ONLY)
        if missing or unused:
            bad += 1
            print(f"{name}: imported but not declared {missing}; declared but not imported {unused}")
    if bad == 0:
        print("package graph equals import graph")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
