#!/usr/bin/env python3
"""bench/data_parallel: data-parallel training (mpirun) on this machine, and
on paper for many.

Prints:
  1. train steps/s of bench/models/small.mlir (global batch 32, Adam) in one
     process (Halide's threads on every core) and on 2 ranks under mpirun
     (one thread each), medians over processes;
  2. the bytes one train step sums over the ranks for the seed-size config
     (bench/models/seed_size.mlir), as compiled and with PCGrad, from the
     models' `info --json` (all_reduce_floats_per_step);
  3. a cost model of the seed-size train step on C machines (weak scaling:
     32 examples per machine per step): the step's compute, measured here,
     plus a ring all-reduce of those bytes, 2 (C-1)/C bytes / bandwidth +
     2 (C-1) latency; MTC does not overlap the reduction with the backward
     pass, so the two add up.

    python3 bench/data_parallel/data_parallel.py [--mtc PATH] [--processes 3]
                                                 [--latency-us 20]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "e2e"))
import e2e  # noqa: E402  (machine(), run(), timed())

BATCH = 32
MACHINES = [1, 2, 4, 8, 16, 32, 64]
GBITS = [10, 100]


def compile_model(mtc, source, binary):
    e2e.run([mtc, source, "-o", binary])
    return json.loads(e2e.run([binary, "info", "--json"]).stdout)


def step_seconds(binary, work, processes, s1, s2, launcher=(), env=None):
    """Median seconds per train step: runs of s2 and s1 steps, differenced."""
    data = os.path.join(work, "train-%s.safetensors" % os.path.basename(binary))
    if not os.path.exists(data):
        e2e.run([sys.executable, os.path.join(ROOT, "test", "e2e", "make_random_dataset.py"),
                 "--model", binary, "--labels", "--examples", str(s2 * BATCH), "--out", data])
    train = list(launcher) + [binary, "train", "--data", data, "--batch-size", str(BATCH),
                              "--epochs", "1000", "--optimizer", "adam", "--lr", "1e-4",
                              "--checkpoint", os.path.join(work, "ck.safetensors")]

    def timed(steps):
        return e2e.timed(train + ["--max-steps", str(steps)], env=env)

    return statistics.median((timed(s2) - timed(s1)) / (s2 - s1) for _ in range(processes))


def ring_allreduce_seconds(nbytes, machines, gbits, latency):
    if machines == 1:
        return 0.0
    return (2 * (machines - 1) / machines * nbytes / (gbits * 1e9 / 8)
            + 2 * (machines - 1) * latency)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mtc", default=os.path.join(ROOT, "build", "bin", "mtc"))
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--latency-us", type=float, default=20.0,
                        help="per message, for the cost model")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-dp-")
    print("machine: " + e2e.machine(), flush=True)

    small = os.path.join(work, "small")
    compile_model(args.mtc, os.path.join(ROOT, "bench", "models", "small.mlir"), small)
    one = step_seconds(small, work, args.processes, 2, 12)
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2",
              "-x", "HL_NUM_THREADS=1"]
    two = step_seconds(small, work, args.processes, 2, 12, launcher=mpirun)
    print("\nsmall config, global batch %d, Adam (medians over %d processes):" %
          (BATCH, args.processes))
    print("  1 process, %d threads: %6.1f steps/s" % (os.cpu_count(), 1 / one))
    print("  2 ranks, 1 thread each: %6.1f steps/s (%.2fx)" % (1 / two, one / two))

    seed_source = os.path.join(ROOT, "bench", "models", "seed_size.mlir")
    seed = os.path.join(work, "seed")
    info = compile_model(args.mtc, seed_source, seed)
    text = open(seed_source).read()
    marker = "weights = [1.0, 1.0, 1.0]}"
    assert marker in text, "seed_size.mlir changed: update the PCGrad variant"
    pcgrad_source = os.path.join(work, "seed_pcgrad.mlir")
    with open(pcgrad_source, "w") as f:
        f.write(text.replace(marker, 'weights = [1.0, 1.0, 1.0], surgery = "pcgrad"}'))
    pcgrad = compile_model(args.mtc, pcgrad_source, os.path.join(work, "seed_pcgrad"))
    params = info["parameter_bytes"] // 4
    plain_bytes = 4 * info["training"]["all_reduce_floats_per_step"]
    pcgrad_bytes = 4 * pcgrad["training"]["all_reduce_floats_per_step"]
    print("\nseed-size config: %d parameters; bytes summed over the ranks per step:" % params)
    print("  as compiled (static weights): %6.1f MB" % (plain_bytes / 1e6))
    print("  with PCGrad:                  %6.1f MB (the shared parameters once per task)"
          % (pcgrad_bytes / 1e6))

    compute = step_seconds(seed, work, args.processes, 1, 3)
    latency = args.latency_us * 1e-6
    print("\ncost model, seed-size train step, %d examples per machine per step; "
          "compute %.2f s (measured here), ring all-reduce, %g us per message:" %
          (BATCH, compute, args.latency_us))
    header = "%9s" % "machines"
    for gbits in GBITS:
        for label in ("", " pcgrad"):
            header += " %26s" % ("%d Gbit/s%s ex/s (eff)" % (gbits, label))
    print(header)
    for machines in MACHINES:
        row = "%9d" % machines
        for gbits in GBITS:
            for nbytes in (plain_bytes, pcgrad_bytes):
                step = compute + ring_allreduce_seconds(nbytes, machines, gbits, latency)
                row += " %20.1f (%2.0f%%)" % (BATCH * machines / step, 100 * compute / step)
        print(row)
    print("load after: " + " ".join(open("/proc/loadavg").read().split()[:3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
