#!/usr/bin/env python3
"""Compares two prediction files tensor by tensor: same names, shapes, and
values within a relative tolerance (|a - b| <= tol * max(1, |b|)). Prints
the worst error per tensor."""

import argparse
import math
import sys

import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("actual")
    parser.add_argument("expected")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    actual = safetensors_io.read(args.actual)
    expected = safetensors_io.read(args.expected)
    ok = sorted(actual) == sorted(expected)
    if not ok:
        print("tensor names differ: %s vs %s" % (sorted(actual), sorted(expected)))
    for name in sorted(expected):
        if name not in actual:
            continue
        _, shape_a, a = actual[name]
        _, shape_b, b = expected[name]
        if shape_a != shape_b:
            print("%s: shape %s vs %s" % (name, shape_a, shape_b))
            ok = False
            continue
        worst = max((abs(x - y) / max(1.0, abs(y)) if math.isfinite(x) else math.inf
                     for x, y in zip(a, b)), default=0.0)
        verdict = "ok" if worst <= args.tolerance else "MISMATCH"
        ok = ok and worst <= args.tolerance
        print("%s: %d values, worst relative error %.3g: %s" % (name, len(a), worst, verdict))
    print("all match" if ok else "predictions differ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
