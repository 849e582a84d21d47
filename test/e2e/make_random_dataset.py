#!/usr/bin/env python3
"""Writes a random dataset for a compiled model, shaped by its `info --json`:
every input with N examples (ids within their bounds), seeded."""

import argparse
import json
import random
import subprocess
import sys

import safetensors_io

DTYPES = {"f32": "F32", "i32": "I32", "u8": "U8"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a compiled model executable")
    parser.add_argument("--examples", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
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
    safetensors_io.write(args.out, tensors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
