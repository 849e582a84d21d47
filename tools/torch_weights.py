#!/usr/bin/env python3
"""Converts between a PyTorch state_dict file (torch.save) and MTC weights
(safetensors), by name: MTC names its parameters as PyTorch's modules do.

    torch_weights.py import STATE_DICT.pt OUT.safetensors [--model BINARY] [--strict]
    torch_weights.py export WEIGHTS.safetensors OUT.pt [--model BINARY] [--strict]

With --model (a compiled model executable), the conversion is checked
against the model's parameters (`BINARY info --json`): tensors that only one
side has are reported, and only the model's parameters are written; a shape
that differs is an error. --strict makes a tensor on one side only an error
too. `export` also takes a checkpoint and writes its parameters (without
--model: every tensor but the optimizer state).

`import` reads the torch.save zip format itself (the default since PyTorch
1.6), in plain Python: it needs neither torch nor numpy. `export` writes
with torch. Float tensors of other widths (f64, f16, bf16) are converted to
F32, which MTC computes in; integer and bool tensors (e.g. BatchNorm's
num_batches_tracked) are reported and not converted.
"""

import argparse
import array
import collections
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


class ConversionError(Exception):
    pass


# torch storage class -> (struct format, bytes per element, is float)
STORAGES = {
    "FloatStorage": ("f", 4, True),
    "DoubleStorage": ("d", 8, True),
    "HalfStorage": ("e", 2, True),
    "BFloat16Storage": ("H", 2, True),  # the high half of an f32
    "LongStorage": ("q", 8, False),
    "IntStorage": ("i", 4, False),
    "ShortStorage": ("h", 2, False),
    "CharStorage": ("b", 1, False),
    "ByteStorage": ("B", 1, False),
    "BoolStorage": ("?", 1, False),
}


class StorageType:
    def __init__(self, name):
        if name not in STORAGES:
            raise ConversionError("unsupported tensor storage torch.%s" % name)
        self.name = name
        self.format, self.size, self.is_float = STORAGES[name]


class Tensor:
    """A tensor read from a torch.save file: storage kind, shape, flat values
    (an array.array: 4 bytes per f32 element, not a Python float's 32)."""

    def __init__(self, storage_type, shape, values):
        self.storage_type, self.shape, self.values = storage_type, list(shape), values


def _rebuild_tensor(storage, offset, size, stride, *unused):
    storage_type, values = storage
    count = 1
    for d in size:
        count *= d
    contiguous, expected = True, 1
    for d, s in reversed(list(zip(size, stride))):
        if d != 1 and s != expected:
            contiguous = False
        expected *= d
    if contiguous:
        flat = values[offset:offset + count]
    else:  # a view: gather by strides, last dimension fastest
        flat = array.array(values.typecode)
        index = [0] * len(size)
        for _ in range(count):
            flat.append(values[offset + sum(i * s for i, s in zip(index, stride))])
            for axis in reversed(range(len(size))):
                index[axis] += 1
                if index[axis] < size[axis]:
                    break
                index[axis] = 0
    return Tensor(storage_type, size, flat)


def _rebuild_parameter(data, *unused):
    return data


class _Unpickler(pickle.Unpickler):
    """torch.save's pickle, with tensors rebuilt as Tensor objects."""

    def __init__(self, file, archive, prefix):
        super().__init__(file)
        self.archive, self.prefix, self.storages = archive, prefix, {}

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name.endswith("Storage"):
            return StorageType(name)
        raise ConversionError("the file holds %s.%s, which is not a tensor of a "
                              "state_dict" % (module, name))

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise ConversionError("unknown persistent id %r" % (pid,))
        storage_type, key = pid[1], pid[2]
        if key not in self.storages:
            raw = self.archive.read("%sdata/%s" % (self.prefix, key))
            n = len(raw) // storage_type.size
            if storage_type.name == "HalfStorage":  # array has no f16
                values = array.array("f", struct.unpack("<%de" % n, raw))
            elif storage_type.name == "BFloat16Storage":
                high = array.array("H", raw)
                values = array.array("f", array.array(
                    "I", (h << 16 for h in high)).tobytes())
            else:
                code = "B" if storage_type.format == "?" else storage_type.format
                values = array.array(code, raw)
            self.storages[key] = (storage_type, values)
        return self.storages[key]


def read_state_dict(path):
    """{name: Tensor} of a torch.save'd state_dict (or {"state_dict": ...})."""
    if not zipfile.is_zipfile(path):
        raise ConversionError("%s: not a torch.save zip file (the legacy format "
                              "of PyTorch < 1.6 is not read; re-save it with a "
                              "newer torch)" % path)
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if len(pickles) != 1:
            raise ConversionError("%s: expected one data.pkl in the archive" % path)
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = prefix + "byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder) != b"little":
            raise ConversionError("%s: big-endian tensors are not supported" % path)
        with archive.open(pickles[0]) as f:
            obj = _Unpickler(f, archive, prefix).load()
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ConversionError("%s: holds a %s, not a state_dict (save "
                              "module.state_dict())" % (path, type(obj).__name__))
    return obj


def model_parameters(binary):
    info = json.loads(subprocess.check_output([binary, "info", "--json"]))
    return collections.OrderedDict((p["name"], list(p["shape"])) for p in info["parameters"])


def shape_text(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


def match(ours, theirs, side, strict):
    """Reports names only one side has; raises on shapes that differ.
    ours / theirs: {name: shape}; theirs is the file being converted."""
    only_theirs = [n for n in theirs if n not in ours]
    only_ours = [n for n in ours if n not in theirs]
    misfits = ["%s is %s in %s, %s in the model" % (n, shape_text(theirs[n]), side,
                                                    shape_text(ours[n]))
               for n in theirs if n in ours and list(theirs[n]) != list(ours[n])]
    if only_theirs:
        print("only in %s (not written): %s" % (side, ", ".join(only_theirs)), file=sys.stderr)
    if only_ours:
        print("only in the model: %s" % ", ".join(only_ours), file=sys.stderr)
    if misfits:
        raise ConversionError("shapes differ: " + "; ".join(misfits))
    if strict and (only_theirs or only_ours):
        raise ConversionError("--strict: the tensors of the two sides differ (above)")


def import_state_dict(args):
    state = read_state_dict(args.input)
    tensors, skipped = collections.OrderedDict(), []
    for name, t in state.items():
        if not isinstance(t, Tensor):
            raise ConversionError("%s: entry %s is a %s, not a tensor" %
                                  (args.input, name, type(t).__name__))
        if t.storage_type.is_float:
            tensors[name] = t
        else:
            skipped.append("%s (%s)" % (name, t.storage_type.name))
    if skipped:
        print("not floating point (not written): %s" % ", ".join(skipped), file=sys.stderr)
    if args.model:
        params = model_parameters(args.model)
        match(params, {n: t.shape for n, t in tensors.items()}, "PyTorch", args.strict)
        tensors = collections.OrderedDict((n, tensors[n]) for n in params if n in tensors)
    converted = [n for n, t in tensors.items() if t.storage_type.name != "FloatStorage"]
    if converted:
        print("converted to F32: %s" % ", ".join(converted), file=sys.stderr)
    safetensors_io.write(args.output, collections.OrderedDict(
        (n, ("F32", t.shape, t.values if t.values.typecode == "f" else array.array("f", t.values)))
        for n, t in tensors.items()))
    print("wrote %d tensors to %s" % (len(tensors), args.output))


def export_weights(args):
    try:
        import torch
    except ImportError:
        raise ConversionError("export writes with PyTorch, which this Python "
                              "lacks (Debian: python3-torch)")
    tensors = safetensors_io.read(args.input)
    if args.model:
        params = model_parameters(args.model)
        states = [n for n in tensors if n.startswith("optimizer.")]
        weights = {n: v[1] for n, v in tensors.items() if n not in states}
        match(params, weights, args.input, args.strict)
        names = [n for n in params if n in tensors]
    else:
        names = [n for n in tensors if not n.startswith("optimizer.")]
    state = collections.OrderedDict()
    for name in names:
        dtype, shape, values = tensors[name]
        if dtype != "F32":
            raise ConversionError("%s: %s is %s, not F32" % (args.input, name, dtype))
        state[name] = torch.tensor(values, dtype=torch.float32).reshape(shape)
    torch.save(state, args.output)
    print("wrote %d tensors to %s" % (len(state), args.output))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("direction", choices=["import", "export"])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--model", help="a compiled model executable to check against")
    parser.add_argument("--strict", action="store_true",
                        help="a tensor on one side only is an error")
    args = parser.parse_args()
    try:
        (import_state_dict if args.direction == "import" else export_weights)(args)
    except (ConversionError, OSError, ValueError, pickle.UnpicklingError,
            zipfile.BadZipFile, subprocess.CalledProcessError) as e:
        print("torch_weights.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
