"""install.test: the installed Python package compiles a model with the
installed compiler (found beside the package) and predicts with it."""
import sys

import numpy as np

import mtc

model, library = sys.argv[1], sys.argv[2]
m = mtc.compile(model, output=library, inference_only=True)
m.init(1)
print(mtc.__file__)
print(m.predict({"x": np.ones((2, 8, 8))})["digit"].shape)
