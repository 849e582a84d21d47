#!/usr/bin/env python3
"""bench/train: training throughput of compiled models.

Compiles each example model (digits, multitask_small, seed_transformer),
writes a training set (the digits split, or tools/make_synthetic.py data),
and times `train` for a fixed number of steps (best of --repeats, process
wall time, so start-up and data loading are included), printing training
examples/s per model and batch size as a table.

    python3 bench/train/train.py [--build build] [--steps 40] [--repeats 2]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")

# model, batch sizes, examples in the training set
CASES = [("digits", [32, 128]), ("multitask_small", [32, 128]), ("seed_transformer", [4, 16])]


def dataset(name, binary, work, examples):
    path = os.path.join(work, name + "_train.safetensors")
    if name == "digits":
        subprocess.run([sys.executable, os.path.join(TOOLS, "csv_to_dataset.py"),
                        os.path.join(ROOT, "examples", "data", "digits.csv.gz"),
                        "--train", path, "--test", os.path.join(work, "digits_test.safetensors")],
                       check=True, capture_output=True)
    else:
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_synthetic.py"), "--model", binary,
                        "--examples", str(examples), "--out", path], check=True, capture_output=True)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    mtc = os.path.join(args.build, "bin", "mtc")
    work = tempfile.mkdtemp(prefix="bench-train-")
    rows = []
    for name, batches in CASES:
        binary = os.path.join(work, name)
        subprocess.run([mtc, os.path.join(ROOT, "examples", name + ".mlir"), "-o", binary],
                       check=True, stderr=subprocess.DEVNULL)
        data = dataset(name, binary, work, args.steps * max(batches))
        for batch in batches:
            best = float("inf")
            for _ in range(args.repeats):
                checkpoint = os.path.join(work, name + ".ckpt.safetensors")
                start = time.perf_counter()
                subprocess.run([binary, "train", "--data", data, "--epochs", "1000",
                                "--max-steps", str(args.steps), "--batch-size", str(batch),
                                "--optimizer", "adam", "--checkpoint", checkpoint],
                               check=True, capture_output=True)
                best = min(best, time.perf_counter() - start)
            rows.append((name, batch, args.steps * batch / best))

    print("train throughput, examples/s (%d steps of Adam, best of %d, process wall time)"
          % (args.steps, args.repeats))
    print("%-20s %8s %14s" % ("model", "batch", "examples/s"))
    print("-" * 44)
    for name, batch, rate in rows:
        print("%-20s %8d %14.1f" % (name, batch, rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
