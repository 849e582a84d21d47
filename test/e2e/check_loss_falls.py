#!/usr/bin/env python3
"""Checks from a JSON-lines training log that the total loss falls: the mean
over the first K steps against the mean over the last K steps."""

import json
import sys


def main():
    log, k = sys.argv[1], int(sys.argv[2])
    with open(log) as f:
        losses = [r["loss"] for r in map(json.loads, f) if r.get("kind") == "step"]
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    print("%d steps: mean loss of the first %d %.4f, of the last %d %.4f: %s"
          % (len(losses), k, first, k, last, "falls" if last < first else "DOES NOT FALL"))
    return 0 if last < first else 1


if __name__ == "__main__":
    sys.exit(main())
