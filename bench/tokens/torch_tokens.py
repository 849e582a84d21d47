#!/usr/bin/env python3
"""The model of bench/models/tokens.mlir in PyTorch, for bench/tokens/tokens.py:
trains it for --epochs on a dataset written by test/e2e/make_random_dataset.py
(batch --batch-size, Adam, seeded shuffle each epoch) and prints one JSON
line per epoch with its seconds. Run with Debian's python3-torch."""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import safetensors_io  # noqa: E402

VOCAB, S, D, H, FF, L, T = 1000, 16, 128, 4, 512, 2, 3


def sinusoidal(S, D):
    position = torch.arange(S, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, D, 2, dtype=torch.float32) * (-math.log(10000.0) / D))
    pe = torch.zeros(S, D)
    pe[:, 0::2] = torch.sin(position * rate)
    pe[:, 1::2] = torch.cos(position * rate)
    return pe


class TokenModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.register_buffer("pe", sinusoidal(S, D))
        self.task_encoder = nn.Linear(T, D)
        layer = nn.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
        self.heads = nn.ModuleList([nn.Linear(D, 10), nn.Linear(D, 1), nn.Linear(D, 1)])

    def forward(self, tokens, task):
        h = self.embed(tokens) + self.pe
        h = h + self.task_encoder(F.one_hot(task, T).float())[:, None]
        pooled = self.encoder(h).mean(dim=1)
        return [head(pooled) for head in self.heads]


def masked_mean(per_example, labelled):
    return (per_example * labelled).sum() / labelled.sum().clamp(min=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    tensors = safetensors_io.read(args.data)
    value = lambda name, dtype: torch.tensor(tensors[name][2], dtype=dtype).reshape(tensors[name][1])
    tokens, task = value("tokens", torch.long), value("task", torch.long)
    cls, bin_, reg = value("y.cls", torch.long), value("y.bin", torch.float32), value("y.reg", torch.float32)
    mask = value("mask", torch.float32)
    n = tokens.shape[0]

    model = TokenModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for first in range(0, n, args.batch_size):
            rows = order[first:first + args.batch_size]
            out = model(tokens[rows], task[rows])
            m = mask[rows]
            loss = (masked_mean(F.cross_entropy(out[0], cls[rows], reduction="none"), m[:, 0])
                    + masked_mean(F.binary_cross_entropy_with_logits(
                        out[1][:, 0], bin_[rows], reduction="none"), m[:, 1])
                    + masked_mean(((out[2] - reg[rows]) ** 2)[:, 0], m[:, 2]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        print(json.dumps({"epoch": epoch + 1, "seconds": time.perf_counter() - start,
                          "loss": loss.item()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
