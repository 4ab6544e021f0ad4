"""Drop-in checkpoint export for KD Lens: a plain loop, a PyTorch Lightning callback, a Hugging Face TrainerCallback.

Copy this file next to your training script. Each export writes what KD Lens watches (see README.md):

- "onnx": a whole model per checkpoint, `<out>/epoch_007.onnx`, with the current exporter
  (`torch.onnx.export(..., dynamo=True)`, its default opset 18 or later, weights inside the file, a free
  batch axis);
- "state_dict": `<out>/epoch_007.pt` (what `torch.save(model.state_dict())` writes), plus once the
  architecture template `<out>/student_template.onnx` every checkpoint is loaded into by parameter name
  (`optimize=False` keeps BatchNorm separate, so the names match the state_dict).

Files appear atomically (written under a temporary name or folder, then renamed), so the watcher never
sees half a file. Export runs in eval mode under no_grad and restores the model's mode.

    exporter = KDLensExporter("runs/kd", example_input=torch.zeros(2, 3, 32, 32))
    exporter.export(student, epoch)                      # plain loop, after each epoch
    trainer = L.Trainer(callbacks=[KDLensLightningCallback(exporter)])           # Lightning
    trainer = Trainer(..., callbacks=[KDLensTrainerCallback(exporter)])           # Hugging Face
"""
import os
import shutil
import tempfile

import torch


def _export_onnx(model, example_input, path, output_names):
    """The current (dynamo) exporter into a temporary folder under the final name, then moved: the .onnx last,
    after any side file it references."""
    final_dir = os.path.dirname(os.path.abspath(path))
    tmp = tempfile.mkdtemp(prefix=".kdlens-export-", dir=final_dir)  # a dot folder: watchers skip it
    try:
        out = os.path.join(tmp, os.path.basename(path))
        torch.onnx.export(model, (example_input,), out, dynamo=True, optimize=False, external_data=False,
                          input_names=["input"], output_names=output_names,
                          dynamic_shapes=({0: torch.export.Dim("batch")},))
        for name in sorted(os.listdir(tmp), key=lambda n: n.endswith(".onnx")):
            os.replace(os.path.join(tmp, name), os.path.join(final_dir, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _save_state_dict(model, path):
    tmp = path + ".tmp"
    torch.save(model.state_dict(), tmp)
    os.replace(tmp, path)


class KDLensExporter:
    """Writes checkpoints of one model series into `out_dir` as `<prefix><step:03d>.onnx` and/or `.pt`.

    formats: ("onnx",), ("state_dict",) or both. output_names: ONNX names of the model's outputs, the logits
    first (defaults to "logits"; name extra stage outputs if your forward returns them).
    """

    def __init__(self, out_dir, example_input, formats=("onnx",), prefix="epoch_", output_names=None):
        unknown = set(formats) - {"onnx", "state_dict"}
        if unknown:
            raise ValueError(f"unknown export format(s) {sorted(unknown)}: use 'onnx' and/or 'state_dict'")
        self.out_dir = out_dir
        self.example_input = example_input
        self.formats = tuple(formats)
        self.prefix = prefix
        self.output_names = output_names
        self.template = os.path.join(out_dir, "student_template.onnx") if "state_dict" in self.formats else None

    def export(self, model, step):
        """Exports `model` as checkpoint `step`; returns the paths written."""
        os.makedirs(self.out_dir, exist_ok=True)
        was_training = model.training
        model.eval()
        written = []
        try:
            with torch.no_grad():
                x = self.example_input.to(next(model.parameters()).device)
                names = self.output_names or ["logits"]
                base = os.path.join(self.out_dir, f"{self.prefix}{int(step):03d}")
                if "onnx" in self.formats:
                    _export_onnx(model, x, base + ".onnx", names)
                    written.append(base + ".onnx")
                if "state_dict" in self.formats:
                    if not os.path.exists(self.template):
                        _export_onnx(model, x, self.template, names)
                        written.append(self.template)
                    _save_state_dict(model, base + ".pt")
                    written.append(base + ".pt")
        finally:
            model.train(was_training)
        return written


def _unwrap(model):
    """The module itself under DataParallel/DistributedDataParallel/compile wrappers."""
    model = getattr(model, "module", model)
    return getattr(model, "_orig_mod", model)


try:  # Lightning 2.x is `lightning`; the older package name is `pytorch_lightning`.
    try:
        from lightning.pytorch import Callback as _LightningCallback
    except ImportError:
        from pytorch_lightning import Callback as _LightningCallback

    class KDLensLightningCallback(_LightningCallback):
        """Exports the student after every `every_n_epochs` training epochs, on the global-zero process.

        get_model picks the student out of the LightningModule (default: its `student` attribute, else the
        module itself)."""

        def __init__(self, exporter, get_model=None, every_n_epochs=1):
            super().__init__()
            self.exporter = exporter
            self.get_model = get_model or (lambda m: getattr(m, "student", m))
            self.every_n_epochs = every_n_epochs

        def on_train_epoch_end(self, trainer, pl_module):
            epoch = trainer.current_epoch + 1
            if trainer.is_global_zero and epoch % self.every_n_epochs == 0:
                self.exporter.export(_unwrap(self.get_model(pl_module)), epoch)
except (ImportError, RuntimeError):  # not installed, or installed but failing to import (a mismatched torchvision)
    pass

try:
    from transformers import TrainerCallback as _TrainerCallback

    class KDLensTrainerCallback(_TrainerCallback):
        """Exports the student at the end of every epoch, or at every checkpoint save with on="save" (numbered by
        the global step: give the exporter prefix="step_"), on the main process.

        get_model picks the module to export from the Trainer's model (default: the model itself; a model
        whose forward returns a dict with the loss usually wraps a plain network: `lambda m: m.net`)."""

        def __init__(self, exporter, get_model=None, on="epoch"):
            if on not in ("epoch", "save"):
                raise ValueError(f"on={on!r}: use 'epoch' or 'save'")
            self.exporter = exporter
            self.get_model = get_model or (lambda m: m)
            self.on = on

        def _export(self, state, model, step):
            if state.is_world_process_zero and model is not None:
                self.exporter.export(self.get_model(_unwrap(model)), step)

        def on_epoch_end(self, args, state, control, model=None, **kwargs):
            if self.on == "epoch":
                self._export(state, model, round(state.epoch or 0))

        def on_save(self, args, state, control, model=None, **kwargs):
            if self.on == "save":
                self._export(state, model, state.global_step)
except (ImportError, RuntimeError):  # not installed, or installed but failing to import (a mismatched torchvision)
    pass
