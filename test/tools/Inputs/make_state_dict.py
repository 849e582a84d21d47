"""Writes state_dict.pt, the torch.save fixture of torch-weights-import.test
(committed, so that test runs without torch; rerun with Debian's
python3-torch to regenerate: /usr/bin/python3 make_state_dict.py). Values
are closed forms, so the test states them: every storage kind torch_weights
converts or skips, a transposed view, a slice of a larger storage, a scalar,
and the parameters of a module beside a buffer of a module."""

import collections
import os

import torch

state = collections.OrderedDict()
state["proj.weight"] = torch.arange(6, dtype=torch.float32).reshape(2, 3)
state["proj.weight_t"] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()
state["window"] = torch.arange(10, dtype=torch.float32)[3:7]
state["scale"] = torch.tensor(2.5)
state["f64"] = torch.tensor([0.5, -1.25], dtype=torch.float64)
state["f16"] = torch.tensor([1.5, -2.0], dtype=torch.float16)
state["bf16"] = torch.tensor([3.0, -0.5], dtype=torch.bfloat16)
norm = torch.nn.BatchNorm1d(2)  # weight ones, bias zeros, an i64 counter
state.update(("norm." + k, v) for k, v in norm.state_dict().items())
torch.save(state, os.path.join(os.path.dirname(os.path.abspath(__file__)), "state_dict.pt"))
