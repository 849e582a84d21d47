#!/usr/bin/env python3
"""Writes a synthetic multitask dataset for a compiled model, shaped by its
`info --json`, where the tasks share structure: each example has a latent
class c in [0, K); its continuous input is the fixed random prototype of c
plus Gaussian noise; every task's label is a function of c (classification:
c mod classes; binary: c mod 2; regression: c / (K - 1) everywhere). So one
shared representation (recognising c) serves every task. Task ids, when the
model takes them, are drawn uniformly within their bound.

The achievable accuracy is printed: that of the nearest-prototype classifier
(the Bayes rule here) on the generated inputs, a bar a trained model can
approach. The same --seed always gives the same prototypes and data.

    tools/make_synthetic.py --model ./small --examples 512 --seed 1 --out train.safetensors
"""

import argparse
import json
import random
import subprocess
import sys

import safetensors_io


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a compiled model executable")
    parser.add_argument("--examples", type=int, required=True)
    parser.add_argument("--latent", type=int, default=10, help="number of latent classes K")
    parser.add_argument("--noise", type=float, default=0.5, help="noise standard deviation")
    parser.add_argument("--seed", type=int, default=0, help="data seed")
    parser.add_argument("--prototype-seed", type=int, default=1234,
                        help="prototypes (keep it fixed across train and test sets)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    info = json.loads(subprocess.check_output([args.model, "info", "--json"]))
    if not info.get("training"):
        print("make_synthetic: the model was compiled for inference only", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    proto_rng = random.Random(args.prototype_seed)
    latent = [rng.randrange(args.latent) for _ in range(args.examples)]

    tensors, prototypes = {}, None
    for spec in info["inputs"]:
        shape = [args.examples] + spec["shape"][1:]
        per_example = 1
        for dim in shape[1:]:
            per_example *= dim
        if spec["dtype"] == "f32":
            prototypes = [[proto_rng.gauss(0.0, 1.0) for _ in range(per_example)]
                          for _ in range(args.latent)]
            values = [v + rng.gauss(0.0, args.noise)
                      for c in latent for v in prototypes[c]]
            tensors[spec["name"]] = ("F32", shape, values)
            inputs = values
        else:
            bound = spec.get("id_bound") or 2
            tensors[spec["name"]] = ("I32", shape,
                                     [rng.randrange(bound) for _ in range(args.examples * per_example)])

    tasks = {"y." + t["name"]: t for t in info["tasks"]}
    for spec in info["training"]["labels"]:
        shape = [args.examples] + spec["shape"][1:]
        per_example = 1
        for dim in shape[1:]:
            per_example *= dim
        if spec["name"] == "mask":
            tensors["mask"] = ("U8", shape, [1] * (args.examples * per_example))
            continue
        task = tasks[spec["name"]]
        if task["kind"] == "cross_entropy":
            values = [c % task["classes"] for c in latent for _ in range(per_example)]
        elif task["kind"] == "binary_cross_entropy":
            values = [float(c % 2) for c in latent for _ in range(per_example)]
        else:
            values = [c / (args.latent - 1) for c in latent for _ in range(per_example)]
        dtype = "I32" if spec["dtype"] == "i32" else "F32"
        tensors[spec["name"]] = (dtype, shape, values)
    safetensors_io.write(args.out, tensors, {"generator": "tools/make_synthetic.py",
                                             "seed": str(args.seed)})

    if prototypes:
        size = len(prototypes[0])
        correct = 0
        for i, c in enumerate(latent):
            x = inputs[i * size:(i + 1) * size]
            best = min(range(args.latent),
                       key=lambda k: sum((a - b) ** 2 for a, b in zip(x, prototypes[k])))
            correct += best == c
        print("make_synthetic: %d examples; achievable latent accuracy %.4f"
              % (args.examples, correct / args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
