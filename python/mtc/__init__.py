"""MTC from Python: compile a model file, then predict, train and evaluate
with numpy arrays.

    import mtc
    m = mtc.compile("model.mlir")             # runs mtc --emit=shared
    m.init(seed=0)                            # or m.load_weights("w.safetensors" | dict)
    y = m.predict({"x": x, "task": task})     # {"<output>": ndarray}
    log = m.fit({"x": x, "task": task, "y.cls": y, ...}, epochs=5, lr=1e-3)
    m.evaluate(test)                          # {"<task>": {"loss": ..., ...}}
    m.state_dict()                            # {"<parameter>": ndarray}, PyTorch's names

The binding is ctypes over the C API (mtc.h) of a library built by
`mtc --emit=shared`: no extension module to build per Python version, and
the C API is the one boundary that is already tested and exception-free.
`fit` and `evaluate` run the executable's own `train` and `eval` in-process
(mtc_command), so options, the progress line, the log and checkpoints are
exactly the CLI's. Errors are raised as MTCError carrying the runtime's
message.
"""

import json
import os
import shutil
import subprocess
import tempfile
from collections import OrderedDict

import ctypes

import numpy as np

from . import _capi, _safetensors

__all__ = ["compile", "load", "Model", "MTCError"]

DTYPES = {"f32": np.float32, "i32": np.int32, "u8": np.uint8}


class MTCError(RuntimeError):
    """A failure reported by mtc or by a compiled model's runtime."""


def _find_mtc(explicit):
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [explicit, os.environ.get("MTC"),
                  # installed: <prefix>/lib/python3/dist-packages/mtc
                  os.path.join(here, "..", "..", "..", "..", "bin", "mtc"),
                  shutil.which("mtc"),
                  # the source tree: python/mtc beside build/bin
                  os.path.join(here, "..", "..", "build", "bin", "mtc")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise MTCError("cannot find the mtc compiler: pass mtc=PATH, set MTC, or put it on PATH")


def compile(model_path, output=None, target="host", inference_only=False, mtc=None):
    """Compiles `model_path` (an mt model file) into a shared library
    (default: lib<stem>.so beside it) and loads it."""
    stem = os.path.splitext(os.path.basename(model_path))[0]
    if output is None:
        output = os.path.join(os.path.dirname(os.path.abspath(model_path)), "lib%s.so" % stem)
    command = [_find_mtc(mtc), model_path, "--emit=shared", "--target=" + target, "-o", output]
    if inference_only:
        command.append("--inference-only")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise MTCError((result.stderr or result.stdout).strip())
    return load(output)


# Libraries loaded by this process, by path: (mtime, size) when loaded.
# dlopen hands back an already loaded library for its path, so a library
# rebuilt in place (compile() of an edited model) is loaded from a private
# copy instead of silently reusing the old one.
_loaded = {}


def load(library_path):
    """Loads a model library built by `mtc --emit=shared`."""
    path = os.path.abspath(library_path)
    stat = os.stat(path)
    stamp = (stat.st_mtime_ns, stat.st_size)
    if _loaded.setdefault(path, stamp) != stamp:
        copy = tempfile.NamedTemporaryFile(prefix="mtc-", suffix=".so", delete=False)
        with open(path, "rb") as f:
            shutil.copyfileobj(f, copy)
        copy.close()
        try:
            model = Model(copy.name)
        finally:
            os.unlink(copy.name)  # a loaded library's mapping stays valid
        model.path = path
        return model
    return Model(path)


def _kebab(name):
    return "--" + name.replace("_", "-")


class Model:
    """A compiled model with its weights (unset until init or load_weights)."""

    def __init__(self, library_path):
        self.path = os.path.abspath(library_path)
        self._lib = _capi.load(self.path)
        self._session = self._lib.mtc_create()
        if not self._session:
            raise MemoryError("mtc_create: out of memory")
        error = self._error()
        if error:  # e.g. a CPU feature the kernels need is missing
            raise MTCError(error)
        self.info = json.loads(self._lib.mtc_info_json(self._session).decode())
        self._params = [(p["name"], tuple(p["shape"])) for p in self.info["parameters"]]

    def __del__(self):
        if getattr(self, "_session", None):
            self._lib.mtc_destroy(self._session)
            self._session = None

    def __repr__(self):
        return "<mtc.Model %s: %d parameters, tasks %s>" % (
            self.info["model"], self.info["num_parameters"],
            ", ".join(t["name"] for t in self.info["tasks"]))

    # -- errors ------------------------------------------------------------
    def _error(self):
        message = self._lib.mtc_error(self._session).decode(errors="replace")
        # The C API's advice, in this API's names.
        return message.replace("call mtc_init_weights or mtc_load_weights first",
                               "call init() or load_weights() first")

    def _check(self, status):
        if status != 0:
            raise MTCError(self._error())

    # -- weights -----------------------------------------------------------
    def init(self, seed=0):
        """Draws every parameter from its PyTorch init; the same seed gives
        the same weights as `<model> init --seed`."""
        self._check(self._lib.mtc_init_weights(self._session, seed))

    def load_weights(self, weights):
        """Loads a safetensors file (weights or a checkpoint), or a dict of
        arrays named as state_dict() names them. A missing, extra or
        mis-shaped tensor is an error naming it."""
        if isinstance(weights, (str, os.PathLike)):
            self._check(self._lib.mtc_load_weights(self._session, os.fsencode(weights)))
            return
        # Checked here, all at once: the runtime unsets the weights when a
        # load fails, and a dict with one bad entry must not cost the
        # model's current weights.
        problems, arrays = [], OrderedDict()
        for name, shape in self._params:
            if name not in weights:
                problems.append("missing %s %s" % (name, list(shape)))
                continue
            array = np.asarray(weights[name], dtype=np.float32)
            if array.shape != shape:
                problems.append("%s has shape %s, the model's is %s" % (
                    name, list(array.shape), list(shape)))
            elif not np.all(np.isfinite(array)):
                problems.append("%s holds non-finite values" % name)
            arrays[name] = array
        names = dict(self._params)
        extra = [n for n in weights if n not in names]
        if extra:
            problems.append("not parameters of model '%s': %s" % (self.info["model"],
                                                                  ", ".join(extra)))
        if problems:
            raise MTCError("load_weights: " + "; ".join(problems))
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "weights.safetensors")
            _safetensors.write(path, arrays)
            self._check(self._lib.mtc_load_weights(self._session, os.fsencode(path)))

    def save_weights(self, path):
        self._check(self._lib.mtc_save_weights(self._session, os.fsencode(path)))

    def has_weights(self):
        data = ctypes.POINTER(ctypes.c_float)()
        return bool(self._params) and self._lib.mtc_parameter(
            self._session, 0, ctypes.byref(data), None) == 0

    def state_dict(self):
        """{name: float32 ndarray} of the weights, in the parameter table's
        order (copies: the session's storage changes when weights do)."""
        result = OrderedDict()
        for i, (name, shape) in enumerate(self._params):
            data = ctypes.POINTER(ctypes.c_float)()
            count = ctypes.c_int64()
            self._check(self._lib.mtc_parameter(self._session, i, ctypes.byref(data),
                                                ctypes.byref(count)))
            result[name] = np.ctypeslib.as_array(data, shape=(count.value,)).reshape(shape).copy()
        return result

    # -- inference ---------------------------------------------------------
    def predict(self, inputs):
        """{output: ndarray} for {input: ndarray}; every input of the model,
        batch first. Arrays already C-contiguous of the input's dtype are
        read in place; others are converted first."""
        batch, bound = None, []
        for spec in self.info["inputs"]:
            name = spec["name"]
            if name not in inputs:
                raise MTCError("predict: missing input '%s' (the model's inputs: %s)" % (
                    name, ", ".join(s["name"] for s in self.info["inputs"])))
            array = self._input_array(name, inputs[name], DTYPES[spec["dtype"]])
            expected = tuple(spec["shape"][1:])
            if array.ndim != len(spec["shape"]) or array.shape[1:] != expected:
                raise MTCError("predict: input '%s' has shape %s, the model expects "
                               "[batch, %s]" % (name, list(array.shape),
                                                ", ".join(map(str, expected))))
            if batch is not None and array.shape[0] != batch:
                raise MTCError("predict: input '%s' has %d rows, '%s' has %d" % (
                    name, array.shape[0], self.info["inputs"][0]["name"], batch))
            batch = array.shape[0]
            bound.append(array)  # kept alive until the run returns
            self._check(self._lib.mtc_bind_input(self._session, name.encode(),
                                                 array.ctypes.data, batch))
        self._check(self._lib.mtc_run(self._session, batch))
        outputs = OrderedDict()
        for spec in self.info["outputs"]:
            count = ctypes.c_int64()
            pointer = self._lib.mtc_output(self._session, spec["name"].encode(),
                                           ctypes.byref(count))
            if not pointer and count.value:
                raise MTCError(self._error())
            dtype = DTYPES[spec["dtype"]]
            flat = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(
                np.ctypeslib.as_ctypes_type(dtype))), shape=(count.value,)) \
                if count.value else np.zeros(0, dtype)
            outputs[spec["name"]] = flat.reshape((batch,) + tuple(spec["shape"][1:])).copy()
        return outputs

    @staticmethod
    def _input_array(name, value, dtype):
        """`value` as a C-contiguous array of `dtype` (itself when it is
        one). Integer inputs (ids) take integers that fit, never a float or
        an id that would wrap."""
        value = np.asarray(value)
        if np.issubdtype(dtype, np.integer) and value.dtype != dtype:
            if value.dtype.kind not in "iub":
                raise MTCError("predict: input '%s' holds ids, not %s values" % (
                    name, value.dtype))
            info = np.iinfo(dtype)
            if value.size and (value.min() < info.min or value.max() > info.max):
                raise MTCError("predict: input '%s' has ids outside %s" % (name, dtype.__name__))
        return np.ascontiguousarray(value, dtype=dtype)

    def _training(self, what):
        if not self.info.get("training"):
            raise MTCError("%s: model '%s' was compiled for inference only (without "
                           "--inference-only it has train and eval)" % (what, self.info["model"]))
        return self.info["training"]

    # -- training and evaluation (the executable's commands, in-process) ---
    def _command(self, *args):
        argv = [self.info["model"].encode()] + [os.fsencode(str(a)) for a in args]
        array = (ctypes.c_char_p * len(argv))(*argv)
        self._check(self._lib.mtc_command(self._session, len(argv), array))

    def _dataset(self, data, work, name):
        """A safetensors path for `data` (a path, or a dict of arrays)."""
        if isinstance(data, (str, os.PathLike)):
            return os.fspath(data)
        specs = {s["name"]: s["dtype"] for s in self.info["inputs"]}
        specs.update({s["name"]: s["dtype"] for s in self._training("data")["labels"]})
        arrays = OrderedDict()
        for key, value in data.items():
            dtype = DTYPES.get(specs.get(key), None)
            arrays[key] = np.asarray(value, dtype=dtype) if dtype else np.asarray(value)
        path = os.path.join(work, name + ".safetensors")
        _safetensors.write(path, arrays)
        return path

    def fit(self, train, val=None, epochs=1, batch_size=32, optimizer="adam", lr=1e-3,
            checkpoint=None, log=None, seed=0, resume=False, init=None, init_partial=False,
            **options):
        """Trains as `<model> train` does, with the same options (other
        keyword options: their CLI names with '_' for '-', e.g.
        weight_decay=0.01, schedule="cosine", warmup_steps=50,
        clip_norm=1.0, every=100, max_steps=0, balance="dwa",
        plot="loss.svg"; True for a flag). Data: a safetensors path or a
        dict of arrays. Training starts from, in this order: the run in
        `checkpoint` with resume=True (then `epochs` counts the whole run,
        as --resume does); the weights file `init` (`init_partial`: a
        subset, as --init-partial); the model's current weights; else the
        weights `seed` draws. Afterwards the model holds the trained
        weights. Returns the log's records (one dict per step and per
        epoch)."""
        self._training("fit")
        if resume and checkpoint is None:
            raise MTCError("fit(resume=True) needs checkpoint=PATH")
        with tempfile.TemporaryDirectory() as work:
            checkpoint = os.fspath(checkpoint) if checkpoint else os.path.join(work, "ck.safetensors")
            log_path = os.fspath(log) if log else os.path.join(work, "log.jsonl")
            args = ["train", "--data", self._dataset(train, work, "train"),
                    "--epochs", epochs, "--batch-size", batch_size, "--optimizer", optimizer,
                    "--lr", repr(float(lr)), "--checkpoint", checkpoint, "--log", log_path,
                    "--seed", seed]
            if val is not None:
                args += ["--val", self._dataset(val, work, "val")]
            if resume:
                args.append("--resume")
            elif init is not None:
                args += ["--init", os.fspath(init)] + (["--init-partial"] if init_partial else [])
            elif self.has_weights():
                start = os.path.join(work, "start.safetensors")
                self.save_weights(start)
                args += ["--init", start]
            for key, value in options.items():
                if value is True:
                    args.append(_kebab(key))
                elif value is not False and value is not None:
                    args += [_kebab(key), value]
            self._command(*args)
            self.load_weights(checkpoint)
            with open(log_path) as f:
                records = [json.loads(line) for line in f if line.strip()]
        return records

    def evaluate(self, data, batch_size=32):
        """{task: metrics} on a labelled dataset (path or dict of arrays),
        with the current weights: what `<model> eval --json` reports."""
        self._training("evaluate")
        with tempfile.TemporaryDirectory() as work:
            weights = os.path.join(work, "weights.safetensors")
            self.save_weights(weights)
            metrics = os.path.join(work, "metrics.json")
            self._command("eval", "--data", self._dataset(data, work, "data"), "--weights",
                          weights, "--batch-size", batch_size, "--out", metrics)
            with open(metrics) as f:
                return json.load(f)["tasks"]
