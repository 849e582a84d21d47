#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (test/fuzz/corpus):
small valid inputs each target's mutations start from.

    python3 test/fuzz/make_seed_corpus.py FAKE_TRAIN_MODEL

FAKE_TRAIN_MODEL is build/test/runtime/mtc-fake-train-model: it writes the
checkpoint seeds, so they are real checkpoints of the model the dataset and
checkpoint targets check against."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import safetensors_io  # noqa: E402


def corpus(target):
    path = os.path.join(HERE, "corpus", target)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def fake_dataset(path, n, masked):
    tensors = {
        "x": ("F32", [n, 3], [0.25 * i - 1 for i in range(3 * n)]),
        "y.kind": ("I32", [n], [i % 3 for i in range(n)]),
        "y.value": ("F32", [n, 1], [0.5 * i for i in range(n)]),
        "mask": ("U8", [n, 2], [0 if masked and i % 3 == 0 else 1 for i in range(2 * n)]),
    }
    safetensors_io.write(path, tensors)


def main():
    fake = sys.argv[1]
    out = corpus("safetensors")
    safetensors_io.write(os.path.join(out, "one-f32"), {"w": ("F32", [2, 2], [1, 2, 3, 4])})
    safetensors_io.write(os.path.join(out, "dtypes-metadata"),
                         {"a": ("I32", [3], [1, -2, 3]), "b": ("U8", [2, 2], [0, 1, 2, 3]),
                          "c": ("I64", [1], [7])}, {"step": "3", "note": "seed"})
    safetensors_io.write(os.path.join(out, "empty"), {})

    out = corpus("dataset")
    fake_dataset(os.path.join(out, "labelled"), 4, False)
    fake_dataset(os.path.join(out, "masked"), 5, True)

    out = corpus("checkpoint")
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "d.safetensors")
        fake_dataset(data, 4, True)
        for optimizer, epochs in (("adam", "1"), ("sgd", "2")):
            checkpoint = os.path.join(out, "%s-epoch%s" % (optimizer, epochs))
            subprocess.run([fake, "train", "--data", data, "--epochs", epochs, "--batch-size", "2",
                            "--optimizer", optimizer, "--checkpoint", checkpoint],
                           check=True, capture_output=True)

    out = corpus("model-ir")
    for name in ("digits", "multitask_small", "seed_transformer"):
        shutil.copy(os.path.join(ROOT, "examples", name + ".mlir"), os.path.join(out, name))
    # Every case of the verifier and shape-inference tests, one per file.
    for test in ("Dialect/ops.mlir", "Dialect/invalid.mlir", "Transforms/infer-shapes.mlir",
                 "Transforms/infer-shapes-invalid.mlir"):
        text = open(os.path.join(ROOT, "test", test)).read()
        for i, case in enumerate(re.split(r"^// -----$", text, flags=re.M)):
            body = "\n".join(l for l in case.splitlines() if not l.startswith("//")).strip()
            if body:
                stem = test.replace("/", "-").replace(".mlir", "")
                with open(os.path.join(out, "%s-%02d" % (stem, i)), "w") as f:
                    f.write(body + "\n")


if __name__ == "__main__":
    main()
