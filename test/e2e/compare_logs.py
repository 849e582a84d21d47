#!/usr/bin/env python3
"""Compares the step records of two training logs (JSON lines): the same
steps, and per step the same total and per-task losses within a relative
tolerance (|a - b| <= tol * max(1, |b|)); a task without labelled examples
(null) must be null in both. Prints the worst error."""

import argparse
import json
import sys


def steps(path):
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if r.get("kind") == "step"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("actual")
    parser.add_argument("expected")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()

    actual, expected = steps(args.actual), steps(args.expected)
    if [r["step"] for r in actual] != [r["step"] for r in expected]:
        print("steps differ: %d vs %d records" % (len(actual), len(expected)))
        return 1
    worst, ok = 0.0, True
    for a, b in zip(actual, expected):
        pairs = [(a["loss"], b["loss"])]
        pairs += [(a["losses"][t], b["losses"][t]) for t in b["losses"]]
        for x, y in pairs:
            if x is None or y is None:
                ok = ok and x is None and y is None
                continue
            worst = max(worst, abs(x - y) / max(1.0, abs(y)))
    ok = ok and worst <= args.tolerance
    print("%d steps, worst relative loss error %.3g: %s"
          % (len(expected), worst, "ok" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
