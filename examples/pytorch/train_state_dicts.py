"""Zero instrumentation: a plain PyTorch KD loop that saves state_dicts, watched by KD Lens as it trains.

The loop saves what training loops already write, `torch.save(student.state_dict(), "runs/kd/epoch_N.pt")`,
with no export per checkpoint. The architecture is exported ONCE, before training, as the template every
checkpoint is loaded into (dynamo=True, optimize=False keeps the state_dict's parameter names). Same data
set, teacher and student as train_kd.py. See README.md.

    python3 train_state_dicts.py --out sd-run --epochs 5
"""
import argparse
import json
import os

import numpy as np
import torch

from train_kd import CLASSES, Net, accuracy, export_onnx, make_shapes, train


def export_template(model, path, size):
    """The one-time architecture export. optimize=False: BatchNorm is not folded into the convolutions, so
    the ONNX initializers keep the names of model.state_dict() and any later state_dict fits them."""
    model.eval()
    torch.onnx.export(model, (torch.zeros(2, 3, size, size),), path, dynamo=True, optimize=False, external_data=False,
                      input_names=["input"], output_names=["logits", "stage1", "stage2", "stage3"],
                      dynamic_shapes=({0: torch.export.Dim("n")},))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="sd-run")
    p.add_argument("--epochs", type=int, default=5, help="student epochs (one state_dict each)")
    p.add_argument("--teacher-epochs", type=int, default=5)
    p.add_argument("--n-train", type=int, default=2000)
    p.add_argument("--n-probe", type=int, default=64)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--lr", type=float, default=3e-3)
    a = p.parse_args()
    torch.manual_seed(0)
    for d in ("data", "models", "runs/kd"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)
    # Written first, so KD Lens (opened on the folder) watches the series from the first epoch on.
    with open(os.path.join(a.out, "kdlens.json"), "w") as f:
        json.dump({"runs": [{"name": "pytorch-state-dicts", "teacher": "models/teacher.onnx", "base": "models/base.pt",
                             "student": "runs/kd/epoch_*.pt", "template": "models/student.onnx",
                             "probe": "data/probe.npz", "temperature": a.temperature, "alpha": a.alpha}]}, f, indent=2)

    x, y, _ = make_shapes(a.n_train, a.size, seed=1)
    px, py, pmask = make_shapes(a.n_probe, a.size, seed=2)
    np.savez(os.path.join(a.out, "data/probe.npz"), x=px.permute(0, 2, 3, 1).numpy(), y=py.numpy().astype(np.int32),
             mask=pmask, classes=np.array(CLASSES))

    teacher = Net((16, 32, 64), True, len(CLASSES))
    train(teacher, x, y, a.teacher_epochs, a.lr)
    export_onnx(teacher, os.path.join(a.out, "models/teacher.onnx"), a.size)  # a whole model: no template needed
    teacher.eval()

    torch.manual_seed(1)
    export_template(Net((8, 16, 32), False, len(CLASSES)), os.path.join(a.out, "models/student.onnx"), a.size)

    for name, kd in (("base", False), ("kd", True)):
        torch.manual_seed(1)  # same initial student weights for base and KD
        student = Net((8, 16, 32), False, len(CLASSES))

        def checkpoint(epoch, loss, name=name, student=student):
            if name == "kd":  # the line a training loop already has; nothing else is needed for KD Lens
                torch.save(student.state_dict(), os.path.join(a.out, f"runs/kd/epoch_{epoch:03d}.pt"))
            print(f"{name} epoch {epoch}: loss {loss:.3f} probe acc {accuracy(student, px, py):.3f}", flush=True)

        train(student, x, y, a.epochs, a.lr, teacher=teacher if kd else None, T=a.temperature, alpha=a.alpha,
              on_epoch=checkpoint, seed=1)
        if not kd:
            torch.save(student.state_dict(), os.path.join(a.out, "models/base.pt"))


if __name__ == "__main__":
    main()
