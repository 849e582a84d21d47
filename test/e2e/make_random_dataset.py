#!/usr/bin/env python3
"""Writes a random dataset for a compiled model, shaped by its `info --json`:
every input with N examples (ids within their bounds), seeded. With
--labels, also every training label (class ids within the task's classes,
a mask of ones). With --hyper, also a train step's `hyper` vector and
`seed`, for running a train step through `mtc --backend=interpreter`."""

import argparse
import json
import random
import subprocess
import sys

import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402

DTYPES = {"f32": "F32", "i32": "I32", "u8": "U8"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a compiled model executable")
    parser.add_argument("--examples", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--labels", action="store_true")
    parser.add_argument("--hyper", nargs="*", default=None, metavar="NAME=VALUE",
                        help="hyperparameters (others: 0; task weights: the model's)")
    args = parser.parse_args()

    info = json.loads(subprocess.check_output([args.model, "info", "--json"]))
    rng = random.Random(args.seed)
    tensors = {}
    for spec in info["inputs"]:
        shape = [args.examples] + spec["shape"][1:]
        count = 1
        for dim in shape:
            count *= dim
        if spec["dtype"] == "f32":
            values = [rng.uniform(-2.0, 2.0) for _ in range(count)]
        else:
            bound = spec.get("id_bound") or 2
            values = [rng.randrange(bound) for _ in range(count)]
        tensors[spec["name"]] = (DTYPES[spec["dtype"]], shape, values)
    if args.labels:
        classes = {"y." + t["name"]: t["classes"] for t in info["tasks"]}
        for spec in info["training"]["labels"]:
            shape = [args.examples] + spec["shape"][1:]
            count = 1
            for dim in shape:
                count *= dim
            if spec["dtype"] == "i32":
                values = [rng.randrange(classes[spec["name"]]) for _ in range(count)]
            elif spec["dtype"] == "u8":
                values = [1] * count
            else:
                values = [rng.uniform(-1.0, 1.0) for _ in range(count)]
            tensors[spec["name"]] = (DTYPES[spec["dtype"]], shape, values)
    if args.hyper is not None:
        given = dict(item.split("=") for item in args.hyper)
        weights = {"task_weight." + t["name"]: t["weight"] for t in info["tasks"]}
        names = info["training"]["hyperparameters"]
        values = [float(given.get(n, weights.get(n, 0.0))) for n in names]
        tensors["hyper"] = ("F32", [len(names)], values)
        tensors["seed"] = ("I64", [], [int(given.get("seed", 0))])
        tensors["first_row"] = ("I64", [], [int(given.get("first_row", 0))])
    safetensors_io.write(args.out, tensors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
