"""Minimal safetensors reading and writing in plain Python (no numpy), for
the data tools and the tests: an independent view of the files the runtime
reads and writes."""

import array
import json
import struct
import sys

FORMATS = {"F32": "f", "I32": "i", "U8": "B", "I64": "q"}


def write(path, tensors, metadata=None):
    """tensors: {name: (dtype, shape, flat list, or an array.array of the
    dtype's typecode, written as it is: large tensors stay compact)}."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, values) in tensors.items():
        if isinstance(values, array.array) and values.typecode == FORMATS[dtype] and \
                sys.byteorder == "little":
            blob = values.tobytes()
        else:
            blob = struct.pack("<%d%s" % (len(values), FORMATS[dtype]), *values)
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read(path):
    """Returns {name: (dtype, shape, flat list)}."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        fmt = FORMATS[entry["dtype"]]
        count = (end - begin) // struct.calcsize(fmt)
        values = list(struct.unpack("<%d%s" % (count, fmt), data[base + begin:base + end]))
        tensors[name] = (entry["dtype"], entry["shape"], values)
    return tensors
