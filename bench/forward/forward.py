#!/usr/bin/env python3
"""bench/forward: inference throughput of compiled models.

Compiles each bundled example with mtc, writes a random dataset, and times
`predict` at batch sizes 1, 32 and 256 (best of --repeats runs, whole
process wall time, so start-up and file I/O are included), printing
examples/s as a table. --profile compiles with Halide's profiler and prints
its per-kernel breakdown for the last run of each model.

    python3 bench/forward/forward.py [--build build] [--examples 256] [--profile]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))

MODELS = ["multitask_small", "seed_transformer"]
BATCHES = [1, 32, 256]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--examples", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    mtc = os.path.join(args.build, "bin", "mtc")
    work = tempfile.mkdtemp(prefix="bench-forward-")
    rows, profiles = [], {}
    for name in MODELS:
        binary = os.path.join(work, name)
        command = [mtc, os.path.join(ROOT, "examples", name + ".mlir"), "-o", binary]
        if args.profile:
            command.append("--profile")
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
        data = os.path.join(work, name + "_data.safetensors")
        subprocess.run([sys.executable, os.path.join(ROOT, "test", "e2e", "make_random_dataset.py"),
                        "--model", binary, "--examples", str(args.examples), "--out", data],
                       check=True)
        weights = os.path.join(work, name + "_w.safetensors")
        subprocess.run([binary, "init", "--out", weights], check=True)
        row = [name]
        for batch in BATCHES:
            best = float("inf")
            for _ in range(args.repeats):
                start = time.perf_counter()
                run = subprocess.run([binary, "predict", "--data", data, "--weights", weights,
                                      "--batch-size", str(batch),
                                      "--out", os.path.join(work, "out.safetensors")],
                                     check=True, capture_output=True, text=True)
                best = min(best, time.perf_counter() - start)
            row.append(args.examples / best)
            if args.profile:
                profiles[name] = run.stdout + run.stderr
        rows.append(row)

    print("predict throughput, examples/s (%d examples, best of %d, wall time of the process)"
          % (args.examples, args.repeats))
    header = "%-20s" % "model" + "".join("%14s" % ("batch %d" % b) for b in BATCHES)
    print(header)
    print("-" * len(header))
    for row in rows:
        print("%-20s" % row[0] + "".join("%14.1f" % v for v in row[1:]))
    for name, report in profiles.items():
        print("\n== Halide profile: %s (batch %d) ==\n%s" % (name, BATCHES[-1], report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
