#!/usr/bin/env python3
"""Feeds mt-opt many deterministic mutations of real model files and fails if
any run crashes or exits with anything but 0 (valid) or 1 (diagnosed).

Mutations: drop a token, duplicate or delete a line, replace a number with
an extreme or negative value, swap an element type, swap an enum string,
truncate the file. Each mutant runs through the front-end passes.
"""

import argparse
import concurrent.futures
import random
import re
import subprocess
import sys

EXTREMES = ["0", "-1", "1", "3", "9223372036854775807", "99999999999999999999", "1.5", "-0.0", "nan"]
TYPES = ["f32", "i32", "i1", "f64", "i64", "f16"]
WORDS = ['"relu"', '"token"', '"mse"', '"learned"', '"bogus"', '""', '"uncertainty"', '"none"']


def mutate(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(7)
    if kind == 0:  # drop one token
        tokens = re.split(r"(\s+)", text)
        i = rng.randrange(len(tokens))
        tokens[i] = ""
        return "".join(tokens)
    if kind == 1:  # duplicate a line
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines)
    if kind == 2:  # delete a line
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if kind == 3:  # an extreme number
        numbers = list(re.finditer(r"\b\d+(\.\d+)?\b", text))
        if numbers:
            m = rng.choice(numbers)
            return text[: m.start()] + rng.choice(EXTREMES) + text[m.end():]
    if kind == 4:  # another element type
        types = list(re.finditer(r"\b(f32|i32|i1)\b", text))
        if types:
            m = rng.choice(types)
            return text[: m.start()] + rng.choice(TYPES) + text[m.end():]
    if kind == 5:  # another enum string
        words = list(re.finditer(r'"[a-z_]+"', text))
        if words:
            m = rng.choice(words)
            return text[: m.start()] + rng.choice(WORDS) + text[m.end():]
    return text[: rng.randrange(len(text))]  # truncate


def run(mt_opt, mutant):
    proc = subprocess.run(
        [mt_opt, "--mt-infer-shapes", "--mt-materialize-params", "-"],
        input=mutant.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.decode(errors="replace")
    crashed = proc.returncode not in (0, 1) or "Stack dump" in stderr
    diagnosed = proc.returncode == 0 or "error:" in stderr
    return crashed or not diagnosed, proc.returncode, stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mt-opt", required=True)
    parser.add_argument("--count", type=int, default=150, help="mutants per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    mutants = []
    for path in args.files:
        with open(path) as f:
            text = f.read()
        mutants += [mutate(text, rng) for _ in range(args.count)]

    failures = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for mutant, (bad, code, stderr) in zip(mutants, pool.map(lambda m: run(args.mt_opt, m), mutants)):
            if bad:
                failures += 1
                if failures <= 3:
                    print(f"--- mutant (exit {code}):\n{mutant}\n--- stderr:\n{stderr}", file=sys.stderr)
    print(f"mutants: {len(mutants)}, crashes or undiagnosed failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
