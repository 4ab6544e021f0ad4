"""A short, real PyTorch knowledge-distillation run laid out the way KD Lens watches it.

Trains a small ResNet-style teacher and a narrow CNN student (plain labels: the "base"; vanilla KD: the
watched run) on a synthetic shapes data set (no downloads), and exports an ONNX checkpoint after EVERY
epoch as runs/<name>/epoch_NNN.onnx, keeping the stage outputs as named graph outputs. Also writes the
probe set (data/probe.npz with object masks) and kdlens.json. See README.md.

    python3 train_kd.py --out my-kd-run --epochs 5
"""
import argparse
import inspect
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["circle", "square", "cross", "ring"]


def make_shapes(n, size, seed):
    """n images (N×3×H×W in [0,1]), labels and object masks: one coloured shape on a noisy gradient."""
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    x = np.empty((n, 3, size, size), np.float32)
    mask = np.zeros((n, size, size), np.uint8)
    y = np.arange(n) % len(CLASSES)
    g.shuffle(y)
    for i in range(n):
        a, b = g.uniform(0.1, 0.7, 3), g.uniform(0.1, 0.7, 3)
        t = np.clip((xx * math.cos(g.uniform(0, 6.3)) + yy * math.sin(g.uniform(0, 6.3))) / (1.4 * size) + 0.5, 0, 1)
        img = a[:, None, None] * (1 - t) + b[:, None, None] * t
        r = size * g.uniform(0.18, 0.3)
        cx, cy = g.uniform(r + 1, size - r - 1, 2)
        th = g.uniform(0, math.pi)
        u = ((xx - cx) * math.cos(th) + (yy - cy) * math.sin(th)) / r
        v = (-(xx - cx) * math.sin(th) + (yy - cy) * math.cos(th)) / r
        d = u * u + v * v
        inside = [d <= 1, (abs(u) <= 0.8) & (abs(v) <= 0.8),
                  ((abs(u) <= 1) & (abs(v) <= 0.3)) | ((abs(v) <= 1) & (abs(u) <= 0.3)), (d <= 1) & (d >= 0.36)][y[i]]
        colour = g.uniform(0.6, 1.0, 3) * (g.uniform(size=3) > 0.3)
        img[:, inside] = colour[:, None]
        mask[i] = inside
        x[i] = np.clip(img + 0.03 * g.standard_normal(img.shape), 0, 1)
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)), mask


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, stride)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.short(x))


class Net(nn.Module):
    """stage1/2/3 at H, H/2, H/4. forward() returns the logits first, then the three stage maps."""

    def __init__(self, widths, residual, classes):
        super().__init__()
        w1, w2, w3 = widths
        if residual:
            self.stem = conv_bn(3, w1)
            self.stage1, self.stage2, self.stage3 = Block(w1, w1, 1), Block(w1, w2, 2), Block(w2, w3, 2)
        else:
            self.stem = nn.Identity()
            self.stage1 = nn.Sequential(conv_bn(3, w1), conv_bn(w1, w1))
            self.stage2 = nn.Sequential(conv_bn(w1, w2, 2), conv_bn(w2, w2))
            self.stage3 = nn.Sequential(conv_bn(w2, w3, 2), conv_bn(w3, w3))
        self.fc = nn.Linear(w3, classes)

    def forward(self, x):
        s1 = self.stage1(self.stem(x))
        s2 = self.stage2(s1)
        s3 = self.stage3(s2)
        return self.fc(s3.mean((2, 3))), s1, s2, s3


def kd_loss(s, t, y, T, alpha):
    """alpha·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − alpha)·CE(s, y)."""
    kl = F.kl_div(F.log_softmax(s / T, 1), F.log_softmax(t / T, 1), reduction="batchmean", log_target=True)
    return alpha * T * T * kl + (1 - alpha) * F.cross_entropy(s, y)


# The dynamo exporter (PyTorch >= 2.5; the default of torch.onnx.export since 2.9) writes opset 18+. Asking it
# for an older opset runs a version converter that fails on opset-18 reduce axes, so it keeps its default.
DYNAMO = "dynamo" in inspect.signature(torch.onnx.export).parameters


def export_onnx(model, path, size):
    """Atomic ONNX export: the watcher sees the finished file appear (rename), never a half-written one."""
    model.eval()
    tmp = f"{path}.tmp"
    names = dict(input_names=["input"], output_names=["logits", "stage1", "stage2", "stage3"])
    if DYNAMO:
        # external_data=False: one self-contained file (weights inside), so there is no side file to
        # keep in step with the rename. Batch 2 so the batch dimension is not specialised to 1.
        torch.onnx.export(model, (torch.zeros(2, 3, size, size),), tmp, dynamo=True, external_data=False,
                          dynamic_shapes=({0: torch.export.Dim("n")},), **names)
    else:  # PyTorch 1.x: the TorchScript exporter (opsets <= 17)
        torch.onnx.export(model, torch.zeros(1, 3, size, size), tmp, opset_version=13,
                          dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}}, **names)
    os.replace(tmp, path)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x)[0].argmax(1) == y).float().mean().item()


def train(model, x, y, epochs, lr, teacher=None, T=4.0, alpha=0.9, on_epoch=None, seed=0):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        model.train()
        for idx in torch.randperm(len(y), generator=g).split(32):
            logits = model(x[idx])[0]
            if teacher is None:
                loss = F.cross_entropy(logits, y[idx])
            else:
                with torch.no_grad():
                    t = teacher(x[idx])[0]
                loss = kd_loss(logits, t, y[idx], T, alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if on_epoch:
            on_epoch(epoch, loss.item())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="kd-run")
    p.add_argument("--epochs", type=int, default=5, help="student epochs (one ONNX checkpoint each)")
    p.add_argument("--teacher-epochs", type=int, default=5)
    p.add_argument("--n-train", type=int, default=2000)
    p.add_argument("--n-probe", type=int, default=64)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--lr", type=float, default=3e-3)
    a = p.parse_args()
    torch.manual_seed(0)
    for d in ("data", "models", "runs/base", "runs/kd"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)

    x, y, _ = make_shapes(a.n_train, a.size, seed=1)
    px, py, pmask = make_shapes(a.n_probe, a.size, seed=2)
    # KD Lens reads the probe as NHWC in [0, 1] (uint8 or float32), labels, masks and class names.
    np.savez(os.path.join(a.out, "data/probe.npz"), x=px.permute(0, 2, 3, 1).numpy(), y=py.numpy().astype(np.int32),
             mask=pmask, classes=np.array(CLASSES))

    teacher = Net((16, 32, 64), True, len(CLASSES))
    train(teacher, x, y, a.teacher_epochs, a.lr,
          on_epoch=lambda e, l: print(f"teacher epoch {e}: loss {l:.3f} probe acc {accuracy(teacher, px, py):.3f}", flush=True))
    export_onnx(teacher, os.path.join(a.out, "models/teacher.onnx"), a.size)
    teacher.eval()

    for name, kd in (("base", False), ("kd", True)):
        torch.manual_seed(1)  # same initial student weights for base and KD
        student = Net((8, 16, 32), False, len(CLASSES))

        def checkpoint(epoch, loss, name=name, student=student):
            export_onnx(student, os.path.join(a.out, f"runs/{name}/epoch_{epoch:03d}.onnx"), a.size)
            print(f"{name} epoch {epoch}: loss {loss:.3f} probe acc {accuracy(student, px, py):.3f} -> runs/{name}/epoch_{epoch:03d}.onnx", flush=True)

        train(student, x, y, a.epochs, a.lr, teacher=teacher if kd else None, T=a.temperature, alpha=a.alpha, on_epoch=checkpoint, seed=1)
        if not kd:
            export_onnx(student, os.path.join(a.out, "models/base.onnx"), a.size)

    with open(os.path.join(a.out, "kdlens.json"), "w") as f:
        json.dump({"runs": [{"name": "pytorch-kd", "teacher": "models/teacher.onnx", "base": "models/base.onnx",
                             "student": "runs/kd/epoch_*.onnx", "probe": "data/probe.npz",
                             "temperature": a.temperature, "alpha": a.alpha}]}, f, indent=2)


if __name__ == "__main__":
    main()
