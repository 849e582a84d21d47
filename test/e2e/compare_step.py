#!/usr/bin/env python3
"""Checks a compiled training step against the interpreted one: every
parameter of the checkpoint equals the interpreter's updated value (and
most moved away from the initial weights), and the step's logged per-task
losses equal the interpreter's."""

import json
import sys

import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402


def main():
    checkpoint, interpreted, initial = (safetensors_io.read(p) for p in sys.argv[1:4])
    log = sys.argv[4]
    tolerance = 1e-5
    worst, count, changed = 0.0, 0, 0
    for name, (_, _, start) in initial.items():
        after, expected = checkpoint[name][2], interpreted[name][2]
        for a, e, s in zip(after, expected, start):
            worst = max(worst, abs(a - e) / max(1.0, abs(e)))
            count += 1
            changed += e != s
    ok = worst <= tolerance and changed > count // 2
    print("parameters: %d values, %d changed by the step, worst relative error %.3g: %s"
          % (count, changed, worst, "ok" if ok else "MISMATCH"))

    with open(log) as f:
        steps = [r for r in map(json.loads, f) if r.get("kind") == "step"]
    per_task = interpreted["losses"][2][1:]
    values = list(steps[0]["losses"].values())
    loss_ok = all(abs(a - b) <= 1e-5 * max(1.0, abs(b)) for a, b in zip(values, per_task))
    print("losses: %s (compiled %s, interpreted %s)" % ("ok" if loss_ok else "MISMATCH", values, per_task))
    return 0 if ok and loss_ok else 1


if __name__ == "__main__":
    sys.exit(main())
