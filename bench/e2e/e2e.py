#!/usr/bin/env python3
"""bench/e2e: per-batch inference and train-step time of the benchmark configs,
MTC beside PyTorch, as ratios, over several processes.

For each config (bench/models/small.mlir, seed_size.mlir; the same model as
shared/anchors/pytorch/mt_model.py) and each given mtc build, compiles the
model, then times in separate processes:
  - inference: `predict` over 2 and over 2 + K batches of 32; the per-batch
    time is the difference / K, so start-up and file I/O cancel out;
  - train step: `train --max-steps` s1 and s2 (Adam, batch 32); likewise.
PyTorch (Debian's python3-torch, when installed) runs the anchor's
bench_torch.py through its run_bench.sh (OpenBLAS, malloc kept) in as many
processes. Each figure is the median over processes; the table gives the
speed ratio PyTorch time / MTC time (above 1: MTC is faster).

    python3 bench/e2e/e2e.py [--mtc LABEL=PATH ...] [--processes 3]
                             [--configs small,seed_size] [--no-torch]
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANCHOR = os.path.join(os.path.dirname(ROOT), "shared", "anchors", "pytorch")
BATCH = 32
# config -> (PyTorch config name, inference batches K, train steps s1, s2)
CONFIGS = {"small": ("small", 20, 2, 12), "seed_size": ("seed", 3, 1, 3)}


def run(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def timed(command, **kwargs):
    start = time.perf_counter()
    run(command, **kwargs)
    return time.perf_counter() - start


def machine():
    model = platform.processor()
    try:
        for line in run(["lscpu"]).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return "%s, %d CPUs, load %s" % (model, os.cpu_count(), " ".join(
        open("/proc/loadavg").read().split()[:3]))


def mtc_times(mtc, config, work, processes):
    """Median per-batch inference and train-step seconds of one mtc build."""
    _, batches, s1, s2 = CONFIGS[config]
    binary = os.path.join(work, config)
    start = time.perf_counter()
    run([mtc, os.path.join(ROOT, "bench", "models", config + ".mlir"), "-o", binary])
    compile_s = time.perf_counter() - start
    make = [sys.executable, os.path.join(ROOT, "test", "e2e", "make_random_dataset.py"),
            "--model", binary, "--labels"]
    few, many = os.path.join(work, "few.safetensors"), os.path.join(work, "many.safetensors")
    run(make + ["--examples", str(2 * BATCH), "--out", few])
    run(make + ["--examples", str((2 + batches) * BATCH), "--out", many])
    train_data = os.path.join(work, "train.safetensors")
    run(make + ["--examples", str(s2 * BATCH), "--out", train_data])
    weights = os.path.join(work, "w.safetensors")
    run([binary, "init", "--out", weights])
    out = os.path.join(work, "out.safetensors")
    predict = [binary, "predict", "--weights", weights, "--batch-size", str(BATCH), "--out", out]
    train = [binary, "train", "--data", train_data, "--batch-size", str(BATCH), "--epochs", "1000",
             "--optimizer", "adam", "--lr", "1e-4",
             "--checkpoint", os.path.join(work, "ck.safetensors")]
    infer, step = [], []
    for _ in range(processes):
        infer.append((timed(predict + ["--data", many]) - timed(predict + ["--data", few])) / batches)
        step.append((timed(train + ["--max-steps", str(s2)]) -
                     timed(train + ["--max-steps", str(s1)])) / (s2 - s1))
    return statistics.median(infer), statistics.median(step), compile_s


def openblas_coretype():
    """The anchor's default SkylakeX kernels need AVX-512; elsewhere
    OpenBLAS's Haswell (AVX2) kernels are the fast ones."""
    return "SkylakeX" if "avx512f" in open("/proc/cpuinfo").read() else "Haswell"


def torch_times(configs, processes, work):
    """Median per-batch seconds from the anchor's bench, or None without torch."""
    if subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True).returncode:
        return None
    names = ",".join(CONFIGS[c][0] for c in configs)
    results = {}
    env = dict(os.environ, MALLOC="keep", MAX_LOAD="9")
    env["OPENBLAS_CORETYPE"] = openblas_coretype()
    for p in range(processes):
        log = os.path.join(work, "torch%d.jsonl" % p)
        run([os.path.join(ANCHOR, "run_bench.sh"), "openblas-openmp", "--what", "model",
             "--configs", names, "--min-time", "2", "--json", log], env=env, cwd=ANCHOR)
        for line in open(log):
            r = json.loads(line)
            if "name" in r:  # the first line is a header describing the set-up
                results.setdefault(r["name"], []).append(r["median_s"])
    return {name: statistics.median(v) for name, v in results.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mtc", action="append", default=[],
                        help="LABEL=PATH of an mtc to time (default: this build's)")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--configs", default="small,seed_size")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    builds = [m.split("=", 1) for m in args.mtc] or [["MTC", os.path.join(ROOT, "build", "bin", "mtc")]]
    configs = args.configs.split(",")
    work = tempfile.mkdtemp(prefix="bench-e2e-")
    print("machine: " + machine(), flush=True)
    times = {}
    for label, mtc in builds:
        for config in configs:
            times[label, config] = mtc_times(mtc, config, work, args.processes)
            print("  %s %s: inference %.1f ms, train step %.1f ms, compile %.0f s" %
                  ((label, config) + tuple(1e3 * t for t in times[label, config][:2]) +
                   (times[label, config][2],)), flush=True)
    torch = None if args.no_torch else torch_times(configs, args.processes, work)
    print("load after: " + " ".join(open("/proc/loadavg").read().split()[:3]))
    header = "%-10s %-11s" % ("config", "per batch")
    for label, _ in builds:
        header += " %12s" % (label + " ms")
    if torch:
        header += " %12s" % "PyTorch ms"
        for label, _ in builds:
            header += " %14s" % (label + " speed")
    print("batch %d, %d processes each, medians; speed = PyTorch time / MTC time" %
          (BATCH, args.processes))
    print(header)
    for config in configs:
        torch_name = CONFIGS[config][0]
        for index, (what, key) in enumerate([("inference", "inference (eval, inference_mode)"),
                                             ("train step", "train step (fwd+bwd+Adam)")]):
            row = "%-10s %-11s" % (config, what)
            for label, _ in builds:
                row += " %12.1f" % (1e3 * times[label, config][index])
            if torch:
                reference = torch.get("%s/%s" % (torch_name, key))
                row += " %12.1f" % (1e3 * reference)
                for label, _ in builds:
                    row += " %13.2fx" % (reference / times[label, config][index])
            print(row)
    for label, _ in builds:
        print("%s compile time (with training steps): %s" % (label, ", ".join(
            "%s %.0f s" % (c, times[label, c][2]) for c in configs)))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
