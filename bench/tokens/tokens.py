#!/usr/bin/env python3
"""bench/tokens: one training epoch of the short-sequence token model
(bench/models/tokens.mlir: embedding + task encoder, width 128, 2 layers,
S=16, mean-pooled heads) over 25k examples in batches of 64 with Adam, MTC
beside the same model in PyTorch (bench/tokens/torch_tokens.py), as a
ratio, medians over processes.

MTC's epoch is the difference of `train --epochs 2` and `--epochs 1` runs
(start-up, compilation of nothing, and the dataset load cancel out);
PyTorch's is its second epoch in each process. PyTorch runs as the anchor
(shared/anchors/pytorch/run_bench.sh) sets it up: Debian's OpenBLAS OpenMP
build, 2 threads, malloc kept, OPENBLAS_CORETYPE SkylakeX on AVX-512
machines and Haswell elsewhere.

    python3 bench/tokens/tokens.py [--mtc PATH] [--processes 3] [--examples 25000]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "e2e"))
import e2e  # noqa: E402  (machine(), run(), timed(), openblas_coretype())

BATCH = 64
OPENBLAS = "/tmp/oblas/root/usr/lib/x86_64-linux-gnu/openblas-openmp"


def torch_env():
    """The anchor's set-up, or None without Debian's python3-torch."""
    if subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                      capture_output=True).returncode:
        return None
    if not os.path.exists(os.path.join(OPENBLAS, "libblas.so.3")):
        os.makedirs("/tmp/oblas", exist_ok=True)
        e2e.run(["sh", "-c", "apt-get download libopenblas0-openmp && "
                 "dpkg -x libopenblas0-openmp_*.deb root"], cwd="/tmp/oblas")
    return dict(os.environ, OMP_NUM_THREADS="2", LD_LIBRARY_PATH=OPENBLAS,
                OPENBLAS_CORETYPE=e2e.openblas_coretype(),
                GLIBC_TUNABLES="glibc.malloc.mmap_max=0:"
                               "glibc.malloc.trim_threshold=4294967296")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mtc", default=os.path.join(ROOT, "build", "bin", "mtc"))
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--examples", type=int, default=25000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-tokens-")
    print("machine: " + e2e.machine(), flush=True)

    binary = os.path.join(work, "tokens")
    start = time.perf_counter()
    e2e.run([args.mtc, os.path.join(ROOT, "bench", "models", "tokens.mlir"), "-o", binary])
    compile_s = time.perf_counter() - start
    data = os.path.join(work, "train.safetensors")
    e2e.run([sys.executable, os.path.join(ROOT, "test", "e2e", "make_random_dataset.py"),
             "--model", binary, "--labels", "--examples", str(args.examples), "--out", data])

    def mtc_run(epochs):
        return e2e.timed([binary, "train", "--data", data, "--epochs", str(epochs),
                          "--batch-size", str(BATCH), "--optimizer", "adam", "--lr", "1e-4",
                          "--checkpoint", os.path.join(work, "ck.safetensors")])

    env = torch_env()
    mtc, torch = [], []
    for _ in range(args.processes):
        mtc.append(mtc_run(2) - mtc_run(1))
        if env:
            out = e2e.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "tokens", "torch_tokens.py"),
                           data, "--epochs", "2", "--batch-size", str(BATCH)], env=env).stdout
            torch.append(json.loads(out.strip().splitlines()[-1])["seconds"])
    print("load after: " + " ".join(open("/proc/loadavg").read().split()[:3]))
    print("epoch of %d examples, batch %d, Adam; medians over %d processes (compile %.0f s)"
          % (args.examples, BATCH, args.processes, compile_s))
    print("  MTC     %6.2f s  (runs: %s)" % (statistics.median(mtc),
                                              ", ".join("%.2f" % t for t in mtc)))
    if torch:
        print("  PyTorch %6.2f s  (runs: %s)" % (statistics.median(torch),
                                                ", ".join("%.2f" % t for t in torch)))
        print("  MTC speed: %.2fx PyTorch's" % (statistics.median(torch) / statistics.median(mtc)))
    else:
        print("  PyTorch: not installed (Debian's python3-torch), no ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
