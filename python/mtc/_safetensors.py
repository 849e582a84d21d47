"""safetensors files as dicts of numpy arrays: what the runtime reads and
writes (little-endian, dense row-major, an 8-byte aligned JSON header).
tools/safetensors_io.py is the same format on plain lists, for the tools
and tests that run without numpy."""

import json
import os
import struct
import tempfile

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
          "U8": np.uint8, "BOOL": np.bool_}
NAMES = {np.dtype(v).str: k for k, v in DTYPES.items()}


def write(path, arrays, metadata=None):
    """Writes {name: ndarray} (F32, F64, I32, I64, U8, BOOL) atomically."""
    header, blobs, offset = {}, [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        key = array.dtype.newbyteorder("<").str if array.dtype.byteorder == ">" else array.dtype.str
        if key not in NAMES:
            raise TypeError("tensor %r: dtype %s has no safetensors name here" % (name, array.dtype))
        blob = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": NAMES[key], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = dict(metadata)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def read(path):
    """{name: ndarray} of a safetensors file (the metadata is dropped)."""
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    arrays = {}
    for name, spec in header.items():
        begin, end = spec["data_offsets"]
        dtype = np.dtype(DTYPES[spec["dtype"]]).newbyteorder("<")
        arrays[name] = np.frombuffer(data, dtype, offset=8 + size + begin,
                                     count=(end - begin) // dtype.itemsize
                                     ).reshape(spec["shape"]).copy()
    return arrays
