#!/usr/bin/env python3
"""Writes malformed variants of a valid dataset into a directory, one file
per way of being wrong, for the compiled model's error tests."""

import os
import sys

import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402


def main():
    source, out = sys.argv[1], sys.argv[2]
    tensors = safetensors_io.read(source)
    dtype, shape, values = tensors["task"]

    def write(name, changed):
        safetensors_io.write(os.path.join(out, name), changed)

    write("task_out_of_range.safetensors",
          dict(tensors, task=(dtype, shape, values[:4] + [7] + values[5:])))
    write("missing_x.safetensors", {k: v for k, v in tensors.items() if k != "x"})
    xd, xs, xv = tensors["x"]
    write("wrong_shape.safetensors",
          dict(tensors, x=(xd, [xs[0], xs[1] - 1, xs[2] + 1], xv[:xs[0] * (xs[1] - 1) * (xs[2] + 1)])))
    write("wrong_dtype.safetensors",
          dict(tensors, task=("F32", shape, [float(v) for v in values])))
    with open(source, "rb") as f:
        data = f.read()
    with open(os.path.join(out, "truncated.safetensors"), "wb") as f:
        f.write(data[: len(data) // 2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
