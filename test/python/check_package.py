"""Exercises the Python package (python/mtc) on one model, against oracles:

  - compile() builds the shared library; info names the model's tables;
  - init(seed) gives the weights `<model> init --seed` writes (the
    executable built from the same file: --executable);
  - predict() on float64 / int64 arrays (converted) and on float32 / int32
    arrays (read in place) equals the executable's `predict` within 1e-6
    and the reference interpreter's predictions (--expected) within 1e-4;
  - state_dict() -> load_weights(dict) round-trips bit for bit;
  - fit() trains from the current weights: its log has a record per step,
    the loss falls, the model then holds the checkpoint's weights, and a
    second fit from a checkpoint with resume continues it;
  - evaluate() gives every task's metrics, as `eval --json` does;
  - a library rebuilt in place (inference only) is loaded anew, predicts
    the same and refuses fit;
  - every misuse raises MTCError with the runtime's message, and a refused
    load_weights keeps the weights.

    check_package.py --model MODEL.mlir --mtc MTC --executable EXE
                     --data D --weights W --expected P --work DIR
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import mtc  # noqa: E402
from mtc import _safetensors  # noqa: E402

failures = []


def check(condition, what):
    print("%s: %s" % (what, "ok" if condition else "FAILED"))
    if not condition:
        failures.append(what)


def raises(function, expected, what):
    try:
        function()
    except mtc.MTCError as e:
        check(expected in str(e), "%s (%s)" % (what, e))
        return
    check(False, what + " (no error)")


def main():
    parser = argparse.ArgumentParser()
    for name in ["model", "mtc", "executable", "data", "weights", "expected", "work"]:
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    m = mtc.compile(args.model, output=os.path.join(args.work, "libmodel.so"), mtc=args.mtc)
    info = json.loads(subprocess.check_output([args.executable, "info", "--json"]))
    check(m.info == info, "info equals the executable's info --json")
    check(not m.has_weights(), "weights start unset")
    raises(lambda: m.predict(_safetensors.read(args.data)), "weights",
           "predict before any weights")
    raises(lambda: m.state_dict(), "call init() or load_weights() first",
           "state_dict before any weights")

    m.init(seed=7)
    seeded = _safetensors.read(args.weights)
    state = m.state_dict()
    check(list(state) == [p["name"] for p in info["parameters"]] and
          all(np.array_equal(state[n], seeded[n]) for n in state),
          "init(7) equals `init --seed 7`")

    data = _safetensors.read(args.data)
    expected = _safetensors.read(args.expected)
    converted = {k: v.astype(np.float64 if v.dtype == np.float32 else np.int64)
                 for k, v in data.items()}
    cli_out = os.path.join(args.work, "cli.safetensors")
    subprocess.check_call([args.executable, "predict", "--data", args.data, "--weights",
                           args.weights, "--out", cli_out])
    cli = _safetensors.read(cli_out)
    for label, inputs in [("converted", converted), ("in place", data)]:
        predictions = m.predict(inputs)
        worst = max(float(np.max(np.abs(predictions[k] - expected[k]) /
                                 np.maximum(1.0, np.abs(expected[k])))) for k in expected)
        check(set(predictions) == set(expected) and worst <= 1e-4,
              "predict (%s inputs) matches the interpreter (worst %.2g)" % (label, worst))
        worst_cli = max(float(np.max(np.abs(predictions[k] - cli[k]))) for k in cli)
        check(set(predictions) == set(cli) and worst_cli <= 1e-6,
              "predict (%s inputs) matches the executable's predict (worst %.2g)" % (
                  label, worst_cli))

    m2 = mtc.load(m.path)
    m2.load_weights(state)
    check(all(np.array_equal(v, state[k]) for k, v in m2.state_dict().items()),
          "state_dict -> load_weights(dict) round-trips")

    n = next(iter(data.values())).shape[0]
    rng = np.random.default_rng(3)
    train = dict(data)
    for spec in info["training"]["labels"]:
        shape = (n,) + tuple(spec["shape"][1:])
        if spec["name"] == "mask":
            train["mask"] = np.ones(shape, dtype=bool)
        elif spec["dtype"] == "i32":
            classes = {"y." + t["name"]: t["classes"] for t in info["tasks"]}[spec["name"]]
            train[spec["name"]] = rng.integers(0, classes, shape)
        else:
            train[spec["name"]] = rng.uniform(-1, 1, shape)
    checkpoint = os.path.join(args.work, "ck.safetensors")
    before = m.state_dict()
    log = m.fit(train, epochs=20, batch_size=n, lr=3e-3, checkpoint=checkpoint,
                schedule="constant", clip_norm=5.0)
    steps = [r for r in log if r["kind"] == "step"]
    check(len(steps) == 20 and steps[-1]["loss"] < steps[0]["loss"],
          "fit: 20 step records, loss %.4f -> %.4f" % (steps[0]["loss"], steps[-1]["loss"]))
    saved = _safetensors.read(checkpoint)
    after = m.state_dict()
    check(all(np.array_equal(after[k], saved[k]) for k in after) and
          not all(np.array_equal(after[k], before[k]) for k in after),
          "fit leaves the checkpoint's (trained) weights in the model")
    more = m.fit(train, epochs=25, batch_size=n, lr=3e-3, checkpoint=checkpoint, resume=True,
                 schedule="constant", clip_norm=5.0)
    check([r["step"] for r in more if r["kind"] == "step"] == list(range(21, 26)),
          "fit(resume=True) continues at step 21")

    metrics = m.evaluate(train)
    check(set(metrics) == {t["name"] for t in info["tasks"]} and
          all(metrics[t]["count"] == n for t in metrics),
          "evaluate: every task, every example")
    weights = os.path.join(args.work, "trained.safetensors")
    m.save_weights(weights)
    dataset = os.path.join(args.work, "train.safetensors")
    _safetensors.write(dataset, {k: np.asarray(v, dtype={"f32": np.float32, "i32": np.int32,
                                                         "u8": np.uint8}[s["dtype"]])
                                 for s in info["inputs"] + info["training"]["labels"]
                                 for k, v in [(s["name"], train[s["name"]])]})
    cli = json.loads(subprocess.check_output([args.executable, "eval", "--json", "--data", dataset,
                                              "--weights", weights, "--batch-size", "32"]))
    check(cli["tasks"] == metrics, "evaluate equals the executable's eval --json")

    raises(lambda: m.fit(train, optimizer="bogus"), "unknown optimizer 'bogus'",
           "a bad option")
    raises(lambda: m.predict({k: v for k, v in data.items() if k != "task"}),
           "missing input 'task'", "a missing input")
    raises(lambda: m.predict({**data, "x": data["x"][:, :1]}), "has shape",
           "a mis-shaped input")
    name, shape = info["parameters"][0]["name"], info["parameters"][0]["shape"]
    before = m.state_dict()
    bad = dict(before)
    bad[name] = np.zeros((1, 1))
    del bad[info["parameters"][1]["name"]]
    bad["nope"] = np.zeros(1)
    raises(lambda: m.load_weights(bad),
           "load_weights: %s has shape [1, 1], the model's is %s; missing %s %s; not "
           "parameters of model '%s': nope" % (name, shape, info["parameters"][1]["name"],
                                               info["parameters"][1]["shape"],
                                               info["model"]),
           "a dict with a missing, a mis-shaped and an extra weight")
    check(all(np.array_equal(v, before[k]) for k, v in m.state_dict().items()),
          "a refused dict leaves the weights as they were")
    raises(lambda: m.predict({**data, "task": data["task"] + 0.5}), "holds ids",
           "float ids")
    raises(lambda: m.predict({**data, "task": data["task"].astype(np.int64) + 2**32}),
           "ids outside int32", "ids that would wrap")
    raises(lambda: m.fit(train, resume=True), "needs checkpoint=PATH", "resume without a checkpoint")
    raises(lambda: m.load_weights(os.path.join(args.work, "absent.safetensors")), "absent",
           "a missing weights file")

    # The same path rebuilt for inference only: loaded anew (not the copy
    # this process already has), and it has no train or eval.
    m3 = mtc.compile(args.model, output=os.path.join(args.work, "libmodel.so"), mtc=args.mtc,
                     inference_only=True)
    check(m3.info["training"] is None and m.info["training"] is not None,
          "a library rebuilt in place is loaded anew")
    m3.load_weights(m.state_dict())
    check(all(np.allclose(m3.predict(data)[k], v, rtol=1e-5, atol=1e-6)
              for k, v in m.predict(data).items()),
          "the inference-only build predicts what the full one does")
    raises(lambda: m3.fit(train), "compiled for inference only", "fit without training steps")

    print("FAIL: %d check(s)" % len(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
