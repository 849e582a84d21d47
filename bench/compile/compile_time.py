#!/usr/bin/env python3
"""bench/compile: how long mtc takes to compile models with training steps.

For each model and each given mtc build, compiles `mtc MODEL -o BINARY` (the
default: an executable with every entry point) several times, the builds
interleaved so that both see the same load, and prints the best and the
median wall time of each, and the ratio of the first build's to the others'.
The issue's limits on 2 cores: small config < 10 s, examples/digits.mlir
< 10 s, seed-size config < 20 s.

    python3 bench/compile/compile_time.py [--mtc LABEL=PATH ...] [--runs 3]
                                          [--models small,digits,seed_size,tokens]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "e2e"))
import e2e  # noqa: E402  (machine(), timed())

MODELS = {
    "small": os.path.join(ROOT, "bench", "models", "small.mlir"),
    "seed_size": os.path.join(ROOT, "bench", "models", "seed_size.mlir"),
    "tokens": os.path.join(ROOT, "bench", "models", "tokens.mlir"),
    "digits": os.path.join(ROOT, "examples", "digits.mlir"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mtc", action="append", default=[],
                        help="LABEL=PATH of an mtc to time (default: this build's)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--models", default="small,digits,seed_size,tokens")
    args = parser.parse_args()
    builds = [m.split("=", 1) for m in args.mtc] or [["MTC", os.path.join(ROOT, "build", "bin", "mtc")]]
    models = args.models.split(",")
    for name in models:
        if name not in MODELS:
            sys.exit("unknown model %r (known: %s)" % (name, ", ".join(MODELS)))
    work = tempfile.mkdtemp(prefix="bench-compile-")
    print("machine: " + e2e.machine(), flush=True)
    times = {}
    for name in models:
        for _ in range(args.runs):
            for label, mtc in builds:
                seconds = e2e.timed([mtc, MODELS[name], "-o", os.path.join(work, name)])
                times.setdefault((label, name), []).append(seconds)
        print("  " + name + ": " + "; ".join(
            "%s %s" % (label, " ".join("%.1f" % t for t in times[label, name]))
            for label, _ in builds), flush=True)
    print("load after: " + " ".join(open("/proc/loadavg").read().split()[:3]))
    header = "%-10s" % "model"
    for label, _ in builds:
        header += " %16s" % (label + " best / median")
    if len(builds) > 1:
        header += " %8s" % "speedup"
    print("wall seconds, %d interleaved runs each, %d CPUs" % (args.runs, os.cpu_count()))
    print(header)
    for name in models:
        row = "%-10s" % name
        for label, _ in builds:
            row += " %16s" % ("%.1f / %.1f" % (min(times[label, name]),
                                              statistics.median(times[label, name])))
        if len(builds) > 1:
            first = statistics.median(times[builds[0][0], name])
            row += " " + " ".join("%7.2fx" % (first / statistics.median(times[label, name]))
                                  for label, _ in builds[1:])
        print(row)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
