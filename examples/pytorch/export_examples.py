"""The KD Lens exporter (kdlens_export.py) in three kinds of training code: a plain loop, PyTorch Lightning and
the Hugging Face Trainer, each distilling a small CNN student from a teacher (vanilla KD, T = 4, alpha = 0.9)
on train_kd.py's synthetic shapes. Each function trains for `steps` optimizer steps per epoch and returns the
student and the files written. check_exporters.py runs them for 2 steps and checks every file opens.

    python3 export_examples.py --out exports --steps 20 --epochs 3
"""
import argparse
import os

import torch
import torch.nn.functional as F

from kdlens_export import KDLensExporter
from train_kd import CLASSES, Net, kd_loss, make_shapes

T, ALPHA, SIZE, BATCH = 4.0, 0.9, 32, 8
STAGES = ["logits", "stage1", "stage2", "stage3"]


def _models():
    torch.manual_seed(0)
    teacher = Net((8, 16, 32), True, len(CLASSES)).eval()  # stands in for your trained teacher
    student = Net((4, 8, 16), False, len(CLASSES))
    return teacher, student


def _data(steps):
    x, y, _ = make_shapes(steps * BATCH, SIZE, seed=1)
    return x, y


def _exporter(out, formats):
    return KDLensExporter(out, example_input=torch.zeros(2, 3, SIZE, SIZE), formats=formats, output_names=STAGES)


def plain_loop(out, steps=2, epochs=1, formats=("onnx", "state_dict")):
    """A plain PyTorch loop: one exporter.export(student, epoch) call after each epoch."""
    teacher, student = _models()
    x, y = _data(steps)
    exporter = _exporter(out, formats)
    opt = torch.optim.Adam(student.parameters(), 1e-3)
    written = []
    for epoch in range(1, epochs + 1):
        student.train()
        for i in range(steps):
            xb, yb = x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]
            with torch.no_grad():
                t = teacher(xb)[0]
            loss = kd_loss(student(xb)[0], t, yb, T, ALPHA)
            opt.zero_grad()
            loss.backward()
            opt.step()
        written += exporter.export(student, epoch)  # <- the one line to add
    return student, written


def lightning_run(out, steps=2, epochs=1, formats=("onnx",)):
    """PyTorch Lightning: KDLensLightningCallback exports `module.student` after each training epoch."""
    import lightning as L
    from kdlens_export import KDLensLightningCallback

    class Distill(L.LightningModule):
        def __init__(self, teacher, student):
            super().__init__()
            self.teacher, self.student = teacher, student
            self.teacher.requires_grad_(False)

        def training_step(self, batch, _):
            xb, yb = batch
            with torch.no_grad():
                t = self.teacher(xb)[0]
            return kd_loss(self.student(xb)[0], t, yb, T, ALPHA)

        def configure_optimizers(self):
            return torch.optim.Adam(self.student.parameters(), 1e-3)

    teacher, student = _models()
    x, y = _data(steps)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    exporter = _exporter(out, formats)
    trainer = L.Trainer(max_epochs=epochs, callbacks=[KDLensLightningCallback(exporter)], accelerator="cpu",
                        logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Distill(teacher, student), loader)
    return student, sorted(os.path.join(out, f) for f in os.listdir(out))


def hf_run(out, steps=2, epochs=1, formats=("onnx",)):
    """Hugging Face Trainer: a distillation Trainer (compute_loss with the teacher) and KDLensTrainerCallback,
    which exports the plain network inside the model (`m.net`) at each epoch's end."""
    from transformers import Trainer, TrainingArguments
    from kdlens_export import KDLensTrainerCallback

    class Student(torch.nn.Module):
        """The Trainer's model: takes the batch's keys, returns the logits in a dict."""

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, pixel_values, labels=None):
            logits = self.net(pixel_values)[0]
            return {"logits": logits, **({"loss": F.cross_entropy(logits, labels)} if labels is not None else {})}

    class DistillationTrainer(Trainer):
        def __init__(self, *a, teacher=None, **kw):
            super().__init__(*a, **kw)
            self.teacher = teacher

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            s = model(pixel_values=inputs["pixel_values"])["logits"]
            with torch.no_grad():
                t = self.teacher(inputs["pixel_values"])[0]
            loss = kd_loss(s, t, inputs["labels"], T, ALPHA)
            return (loss, {"logits": s}) if return_outputs else loss

    teacher, net = _models()
    x, y = _data(steps)
    data = [{"pixel_values": x[i], "labels": y[i]} for i in range(len(y))]
    args = TrainingArguments(output_dir=os.path.join(out, "hf"), num_train_epochs=epochs, per_device_train_batch_size=BATCH,
                             learning_rate=1e-3, save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True,
                             logging_strategy="no", dataloader_num_workers=0)
    exporter = _exporter(out, formats)
    trainer = DistillationTrainer(model=Student(net), args=args, train_dataset=data, teacher=teacher,
                                  callbacks=[KDLensTrainerCallback(exporter, get_model=lambda m: m.net)])
    trainer.train()
    return net, sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".onnx"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="exports")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--only", choices=["loop", "lightning", "hf"])
    a = p.parse_args()
    runs = {"loop": plain_loop, "lightning": lightning_run, "hf": hf_run}
    for name, fn in runs.items():
        if a.only in (None, name):
            _, files = fn(os.path.join(a.out, name), a.steps, a.epochs)
            print(name + ":", ", ".join(os.path.relpath(f, a.out) for f in files))


if __name__ == "__main__":
    main()
