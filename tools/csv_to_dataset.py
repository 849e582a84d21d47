#!/usr/bin/env python3
"""Converts a digits-style CSV (64 pixel columns 0..16, then the label) into
MTC safetensors datasets: `x` f32 [N, 8, 8] (pixels / 16; an image is 8 rows
of 8 features), `y.digit` i32 [N], `y.parity` i32 [N] (1 = odd),
`y.value` f32 [N, 1] (digit / 9). A fixed-seed shuffle splits it into train
and test files.

    tools/csv_to_dataset.py examples/data/digits.csv.gz --train train.safetensors \\
        --test test.safetensors [--test-fraction 0.2] [--seed 0]

Malformed input (a row with the wrong number of columns, a value that is not
an integer in range) stops with the file name, line number and reason.
"""

import argparse
import gzip
import random
import sys

import safetensors_io


def fail(message):
    print("csv_to_dataset: " + message, file=sys.stderr)
    sys.exit(1)


def read_rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    rows = []
    try:
        with opener(path, "rt") as f:
            for number, line in enumerate(f, start=1):
                line = line.strip()
                if not line:
                    continue
                fields = line.split(",")
                if len(fields) != 65:
                    fail("%s:%d: expected 65 comma-separated values (64 pixels and a label), got %d"
                         % (path, number, len(fields)))
                try:
                    values = [int(v) for v in fields]
                except ValueError:
                    fail("%s:%d: values must be integers" % (path, number))
                if any(not 0 <= v <= 16 for v in values[:64]):
                    fail("%s:%d: pixels must lie in [0, 16]" % (path, number))
                if not 0 <= values[64] <= 9:
                    fail("%s:%d: label %d is not a digit" % (path, number, values[64]))
                rows.append(values)
    except OSError as error:
        fail("%s: %s" % (path, error.strerror or error))
    if not rows:
        fail("%s: no rows" % path)
    return rows


def write_dataset(path, rows):
    n = len(rows)
    safetensors_io.write(path, {
        "x": ("F32", [n, 8, 8], [v / 16.0 for row in rows for v in row[:64]]),
        "y.digit": ("I32", [n], [row[64] for row in rows]),
        "y.parity": ("I32", [n], [row[64] % 2 for row in rows]),
        "y.value": ("F32", [n, 1], [row[64] / 9.0 for row in rows]),
    }, {"source": "UCI optical digits (CC BY 4.0)"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv")
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not 0.0 < args.test_fraction < 1.0:
        fail("--test-fraction must lie in (0, 1)")
    rows = read_rows(args.csv)
    random.Random(args.seed).shuffle(rows)
    split = int(round(len(rows) * args.test_fraction))
    write_dataset(args.test, rows[:split])
    write_dataset(args.train, rows[split:])
    print("csv_to_dataset: %d train and %d test examples" % (len(rows) - split, split))
    return 0


if __name__ == "__main__":
    sys.exit(main())
