#!/usr/bin/env python3
"""Checks a `mtc --target=cuda --emit=halide-stmt` directory without a GPU:
every kernel's lowered statement launches its work on the GPU (a
halide_cuda_run call) from PTX entry points compiled into it, and none
runs a loop on the host. Prints the kernel classes seen (the anchor op in
each kernel's name), so a test can require every class."""

import os
import re
import sys


def main():
    directory = sys.argv[1]
    stmts = sorted(f for f in os.listdir(directory) if f.endswith(".stmt"))
    classes, bad = set(), []
    for name in stmts:
        text = open(os.path.join(directory, name), errors="replace").read()
        host = text[text.rfind("external_plus_metadata func"):]
        if "halide_cuda_run(" not in host or ".entry _kernel_" not in text:
            bad.append(name + ": no GPU launch")
        elif re.search(r"^\s*for \(", host, re.MULTILINE):
            bad.append(name + ": a loop on the host")
        classes.add(re.sub(r"^mt_k\d+_", "", name[:-len(".stmt")]))
    for line in bad:
        print(line)
    print("%d kernels, %s" % (len(stmts), "every one launches on the GPU"
                              if stmts and not bad else "NOT all on the GPU"))
    print("classes: " + " ".join(sorted(classes)))
    return 1 if bad or not stmts else 0


if __name__ == "__main__":
    sys.exit(main())
