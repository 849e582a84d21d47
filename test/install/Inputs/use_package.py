"""install.test: the installed Python package compiles a model with the
installed compiler (found beside the package), trains it briefly, and
predicts and evaluates with it."""
import sys

import numpy as np

import mtc

model, library = sys.argv[1], sys.argv[2]
m = mtc.compile(model, output=library)
m.init(1)
rng = np.random.default_rng(0)
data = {"x": rng.random((64, 8, 8)), "y.digit": rng.integers(0, 10, 64),
        "y.parity": rng.integers(0, 2, 64), "y.value": rng.random((64, 1))}
log = m.fit(data, epochs=2, batch_size=32, lr=1e-3)
print(mtc.__file__)
print("steps", sum(r["kind"] == "step" for r in log))
print(sorted(m.evaluate(data)))
print(m.predict({"x": data["x"]})["digit"].shape)
