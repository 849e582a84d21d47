"""MTC against PyTorch, from the same weights on the same batches.

A PyTorch module with the state_dict names of Inputs/torch_parity.mlir
(written here from DESIGN.md's semantics) is seeded and saved with
torch.save; tools/torch_weights.py imports it; the compiled model trains
from it (`train --init`) with Adam for a few full-batch steps, and PyTorch
takes the same steps. Per-task losses of every step and the final weights
(exported back with torch_weights.py) must agree.

    torch_parity.py --model BINARY --work DIR [--steps N] [--tolerance T]
"""

import argparse
import json
import os
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools")
sys.path.insert(0, TOOLS)
import safetensors_io  # noqa: E402

FEATURES, SEQ, WIDTH, HEADS, FFN, LAYERS = 5, 6, 16, 2, 24, 2
TASKS = [("cls", "cross_entropy", 4), ("bin", "binary_cross_entropy", 1), ("reg", "mse", 2)]
WEIGHTS = [1.0, 0.5, 2.0]
BATCH = 12


def sinusoidal(seq, width):
    pe = torch.zeros(seq, width, dtype=torch.float64)
    pos = torch.arange(seq, dtype=torch.float64)[:, None]
    angle = pos / torch.pow(10000.0, torch.arange(0, width, 2, dtype=torch.float64) / width)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angle), torch.cos(angle)
    return pe.float()


class TaskAttention(nn.Module):
    """One learned token per task attends to the sequence, then the tasks
    attend to each other; post-LN residuals."""

    def __init__(self):
        super().__init__()
        T = len(TASKS)
        self.task_tokens = nn.Parameter(torch.randn(T, WIDTH))
        self.cross_attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.norm1 = nn.LayerNorm(WIDTH)
        self.self_attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.norm2 = nn.LayerNorm(WIDTH)

    def forward(self, h):
        z = self.task_tokens[None].expand(h.shape[0], -1, -1)
        z = self.norm1(z + self.cross_attn(z, h, h, need_weights=False)[0])
        return self.norm2(z + self.self_attn(z, z, z, need_weights=False)[0])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.input_proj = nn.Linear(FEATURES, WIDTH)
        self.task_encoder = nn.Linear(len(TASKS), WIDTH)
        layer = nn.TransformerEncoderLayer(WIDTH, HEADS, dim_feedforward=FFN, dropout=0.0,
                                           batch_first=True, norm_first=False)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.task_attention = TaskAttention()
        self.heads = nn.ModuleDict({name: nn.Linear(WIDTH, out) for name, _, out in TASKS})
        self.register_buffer("pe", sinusoidal(SEQ, WIDTH), persistent=False)

    def forward(self, x, task):
        h = F.relu(self.input_proj(x)) + self.pe
        h = h + self.task_encoder(F.one_hot(task, len(TASKS)).float())[:, None, :]
        z = self.task_attention(self.encoder(h))
        return [self.heads[name](z[:, j]) for j, (name, _, _) in enumerate(TASKS)]

    def task_losses(self, outputs, labels, mask):
        losses = []
        for j, (name, kind, _) in enumerate(TASKS):
            y, m = outputs[j], mask[:, j].float()
            if kind == "cross_entropy":
                per_example = F.cross_entropy(y, labels[name], reduction="none")
            elif kind == "binary_cross_entropy":
                per_example = F.binary_cross_entropy_with_logits(
                    y.reshape(-1), labels[name], reduction="none")
            else:
                per_example = ((y - labels[name]) ** 2).mean(dim=1)
            losses.append((per_example * m).sum() / torch.clamp(m.sum(), min=1.0))
        return losses


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(command), result.stdout, result.stderr))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    path = lambda name: os.path.join(args.work, name)  # noqa: E731
    torch_weights = [sys.executable, os.path.join(TOOLS, "torch_weights.py")]

    torch.manual_seed(0)
    model = Model()
    torch.save(model.state_dict(), path("start.pt"))
    run(torch_weights + ["import", "--model", args.model, "--strict", path("start.pt"),
                         path("start.safetensors")])

    g = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, SEQ, FEATURES, generator=g)
    task = torch.randint(0, len(TASKS), (BATCH,), generator=g)
    labels = {"cls": torch.randint(0, 4, (BATCH,), generator=g),
              "bin": torch.randint(0, 2, (BATCH,), generator=g).float(),
              "reg": torch.randn(BATCH, 2, generator=g)}
    mask = F.one_hot(task, len(TASKS)).bool() | (torch.rand(BATCH, len(TASKS), generator=g) < 0.4)
    flat = lambda t: t.reshape(-1).tolist()  # noqa: E731
    safetensors_io.write(path("data.safetensors"), {
        "x": ("F32", list(x.shape), flat(x)),
        "task": ("I32", [BATCH], flat(task)),
        "y.cls": ("I32", [BATCH], flat(labels["cls"])),
        "y.bin": ("F32", [BATCH], flat(labels["bin"])),
        "y.reg": ("F32", [BATCH, 2], flat(labels["reg"])),
        "mask": ("U8", [BATCH, len(TASKS)], [int(v) for v in flat(mask)]),
    })

    # One batch of every example, so both sides take the same steps whatever
    # MTC's shuffle; Adam's defaults are PyTorch's on both sides.
    run([args.model, "train", "--data", path("data.safetensors"), "--init",
         path("start.safetensors"), "--optimizer", "adam", "--lr", str(args.lr),
         "--batch-size", str(BATCH), "--epochs", str(args.steps), "--checkpoint",
         path("ck.safetensors"), "--log", path("log.jsonl")])
    mtc_losses = [json.loads(line)["losses"] for line in open(path("log.jsonl"))
                  if json.loads(line)["kind"] == "step"]
    if len(mtc_losses) != args.steps:
        print("FAIL: the log has %d steps, not %d" % (len(mtc_losses), args.steps))
        return 1
    # A NaN on either side counts as an infinite difference (max() would
    # drop it).
    finite_or_inf = lambda d: d if d == d else float("inf")  # noqa: E731

    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    worst_loss = 0.0
    for step in range(args.steps):
        losses = model.task_losses(model(x, task), labels, mask)
        loss = sum(w * l for w, l in zip(WEIGHTS, losses))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        line = []
        for (name, _, _), l in zip(TASKS, losses):
            ours = mtc_losses[step][name]
            ours = float("nan") if ours is None else ours
            worst_loss = max(worst_loss, finite_or_inf(
                abs(ours - l.item()) / max(1.0, abs(l.item()))))
            line.append("%s %.6f (torch %.6f)" % (name, ours, l.item()))
        print("step %d: %s" % (step + 1, ", ".join(line)))

    run(torch_weights + ["export", "--model", args.model, "--strict", path("ck.safetensors"),
                         path("end.pt")])
    # Attention's key bias gets a zero gradient in exact arithmetic (it adds
    # one constant to a query's scores, which softmax cancels), so both sides
    # hold rounding noise there, which Adam scales up to steps of about lr
    # with either sign: its slice of in_proj_bias is compared with lr *
    # steps as the bound, the rest with the tolerance.
    exported = torch.load(path("end.pt"))
    worst_weight, worst_name = 0.0, None
    for name, value in model.state_dict().items():
        if name not in exported:
            sys.exit("export lacks %s" % name)
        diff = (exported[name] - value).abs()
        diff[torch.isnan(diff)] = float("inf")
        if name.endswith("in_proj_bias"):
            key_bias = diff[WIDTH:2 * WIDTH].max().item()
            if not key_bias <= args.lr * args.steps * 1.01:
                print("key bias %s moved %.3g, more than lr * steps" % (name, key_bias))
                return 1
            diff[WIDTH:2 * WIDTH] = 0
        d = diff.max().item()
        if d > worst_weight:
            worst_weight, worst_name = d, name
    print("largest loss difference %.2e (relative above 1), largest weight difference "
          "%.2e (%s), tolerance %g" % (worst_loss, worst_weight, worst_name, args.tolerance))
    if not (worst_loss <= args.tolerance and worst_weight <= args.tolerance):
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
