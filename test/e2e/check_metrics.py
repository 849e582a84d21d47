#!/usr/bin/env python3
"""Checks `eval --json` output (stdin) against bars given as arguments,
e.g. `digit.accuracy>=0.95 value.mse<=0.02`; prints one line per bar."""

import json
import re
import sys


def main():
    metrics = json.load(sys.stdin)["tasks"]
    ok = True
    for bar in sys.argv[1:]:
        task, metric, op, bound = re.fullmatch(r"(\w+)\.(\w+)(>=|<=)([0-9.eE+-]+)", bar).groups()
        value = metrics[task][metric]
        passed = value >= float(bound) if op == ">=" else value <= float(bound)
        ok = ok and passed
        print("%s.%s = %.4f %s %s: %s" % (task, metric, value, op, bound, "pass" if passed else "FAIL"))
    print("all bars met" if ok else "bars missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
