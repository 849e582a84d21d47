#!/usr/bin/env python3
"""Compares embed.c's printed outputs ("name[i] value" lines on stdin) with
a predictions file, within a relative tolerance."""

import sys

import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402


def main():
    predictions = safetensors_io.read(sys.argv[1])
    tolerance = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-5
    seen, worst = 0, 0.0
    for line in sys.stdin:
        key, value = line.split()
        name, index = key[:-1].split("[")
        expected = predictions[name][2][int(index)]
        worst = max(worst, abs(float(value) - expected) / max(1.0, abs(expected)))
        seen += 1
    total = sum(len(t[2]) for t in predictions.values())
    print("compared %d of %d values, worst relative error %.3g" % (seen, total, worst))
    ok = seen == total and worst <= tolerance
    print("embedded library matches" if ok else "embedded library differs")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
