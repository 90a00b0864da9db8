#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make coverage: per library, the functions NVIDIA exports, how many the
shim implements, and the not-supported ones by name with the reason.

usage: coverage.py BUILD_DIR
  libcudart.so.13: exports from guest-lib/cudart_exports.txt; the stubs
                   generated into BUILD_DIR/guest-lib/unsupported_stubs.c
                   are the not-supported ones (reasons: gen/annot_cudart.py)
  libcuda.so.1, libcublas.so.13, libcublasLt.so.13, libcufft.so.12, libcurand.so.10, libcusparse.so.12,
  libcusolver.so.12, libcudnn.so.9:
                   gen/out/<lib>_classes.txt (written by gen/gvgen.py)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def report(lib, exported, unsupported, classes=None):
    impl = len(exported) - len(unsupported)
    print("%s: %d exported, %d implemented, %d not supported" %
          (lib, len(exported), impl, len(unsupported)))
    if classes:
        print("  implemented: " + ", ".join("%s %d" % (c, n) for c, n in sorted(classes.items())))
    by_reason = {}
    for name, why in sorted(unsupported.items()):
        by_reason.setdefault(why or "not implemented yet", []).append(name)
    for why, names in sorted(by_reason.items(), key=lambda x: -len(x[1])):
        print("  not supported (%d), %s:" % (len(names), why))
        print("    " + " ".join(names))


def main(build):
    exported = [l.strip() for l in open(os.path.join(ROOT, "guest-lib", "cudart_exports.txt"))
                if l.strip()]
    stubs = os.path.join(build, "guest-lib", "unsupported_stubs.c")
    if not os.path.exists(stubs):
        sys.exit("coverage: %s is missing: run make guest-lib first" % stubs)
    sys.path.insert(0, os.path.join(ROOT, "gen"))
    rules = __import__("annot_cudart").NOT_SUPPORTED_WHY

    def why(name):
        return next((w for pat, w in rules if re.search(pat, name)), "not implemented yet")

    uns = {m.group(1): why(m.group(1)) for m in
           re.finditer(r"^GV_UNSUPPORTED\((\w+)\)", open(stubs).read(), re.M)}
    report("libcudart.so.13", exported, uns)
    # The generated libraries: gen/out/<lib>_classes.txt (gen/gvgen.py).
    for lib, soname in (("cuda", "libcuda.so.1"), ("cublas", "libcublas.so.13"),
                        ("cublasLt", "libcublasLt.so.13"),
                        ("cufft", "libcufft.so.12"), ("curand", "libcurand.so.10"),
                        ("cusparse", "libcusparse.so.12"), ("cusolver", "libcusolver.so.12"),
                        ("cudnn", "libcudnn.so.9")):
        classes, uns, names = {}, {}, []
        for line in open(os.path.join(ROOT, "gen", "out", lib + "_classes.txt")):
            name, cls, *rest = line.rstrip("\n").split(" ", 2)
            names.append(name)
            if cls == "unsupported":
                uns[name] = rest[0] if rest else ""
            else:
                classes[cls] = classes.get(cls, 0) + 1
        report(soname, names, uns, classes)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
