#!/usr/bin/env python3
"""Checks the balancing state a training run leaves in its checkpoint.

    check_balance_state.py same CHECKPOINT INTERPRETED NAME...
        each named tensor of the checkpoint equals the interpreter's
        (relative 1e-5);
    check_balance_state.py gradnorm CHECKPOINT LOG
        GradNorm's L_j(0) (`loss.initial_losses`) holds the per-task losses
        of the run's first step (kept over the later steps), and the task
        weights (`loss.task_weights`) sum to the number of tasks and moved
        away from 1."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402


def close(a, b):
    return all(abs(x - y) <= 1e-5 * max(1.0, abs(y)) for x, y in zip(a, b)) and len(a) == len(b)


def same(checkpoint, interpreted, names):
    ok = True
    for name in names:
        got, want = checkpoint[name][2], interpreted[name][2]
        good = close(got, want)
        ok &= good
        print("%s: %s (compiled %s, interpreted %s)" % (name, "ok" if good else "MISMATCH", got, want))
    return ok


def gradnorm(checkpoint, log):
    with open(log) as f:
        steps = [r for r in map(json.loads, f) if r.get("kind") == "step"]
    first = list(steps[0]["losses"].values())
    initial = checkpoint["loss.initial_losses"][2]
    weights = checkpoint["loss.task_weights"][2]
    kept = close(initial, first)
    print("initial losses after %d steps: %s (step 1 logged %s)" % (len(steps), "kept" if kept else "MISMATCH", first))
    sums = abs(sum(weights) - len(weights)) <= 1e-5 * len(weights)
    moved = any(abs(w - 1) > 1e-3 for w in weights)
    print("task weights %s: %s" % (weights, "sum to T and moved" if sums and moved else "WRONG"))
    return kept and sums and moved


def main():
    mode = sys.argv[1]
    checkpoint = safetensors_io.read(sys.argv[2])
    if mode == "same":
        ok = same(checkpoint, safetensors_io.read(sys.argv[3]), sys.argv[4:])
    else:
        ok = gradnorm(checkpoint, sys.argv[3])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
