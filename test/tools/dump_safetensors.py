"""Prints each tensor of a safetensors file on one line, in file order:
name, dtype, shape, values (%g), for FileCheck."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402

for name, (dtype, shape, values) in safetensors_io.read(sys.argv[1]).items():
    print(name, dtype, "[" + ", ".join(map(str, shape)) + "]", " ".join("%g" % v for v in values))
