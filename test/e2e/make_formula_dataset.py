#!/usr/bin/env python3
"""Writes the batch examples/embed/embed.c builds (x = sin(0.01 * flat
index) in float32, task ids b % 3) as a dataset, so the compiled
executable's predictions can be compared with the embedded library's."""

import math
import struct
import sys

import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402


def f32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def main():
    out, batch, seq, features = sys.argv[1], 3, 16, 16
    count = batch * seq * features
    # embed.c computes sinf(0.01f * (float)k) in float32.
    x = [f32(math.sin(f32(f32(0.01) * float(k)))) for k in range(count)]
    task = [b % 3 for b in range(batch)]
    safetensors_io.write(out, {"x": ("F32", [batch, seq, features], x),
                               "task": ("I32", [batch], task)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
