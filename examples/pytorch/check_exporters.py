"""Checks the KD Lens exporter examples (export_examples.py) end to end: each trains a tiny student for 2 steps
and exports; every .onnx passes onnx.checker and runs in onnxruntime at a batch other than the example's with
the student's own logits, and every .pt state_dict loads with weights_only=True and names only parameters
the ONNX template holds (what KD Lens binds by name). Not part of npm test (CI has no Python); see README.md.

    /work/venv/bin/python check_exporters.py            # exit 0 when all pass; skips what is not installed
"""
import importlib.util
import os
import subprocess
import sys
import tempfile


def hide_broken_torchvision(tmp):
    """Lightning (through torchmetrics) and the Hugging Face Trainer import torchvision whenever it is
    installed; a torchvision built for another torch fails at import ("operator torchvision::nms does not
    exist") and takes them down. When it does, sys.path's site-packages are replaced by a copy of links
    without torchvision, so both see it as not installed."""
    if not importlib.util.find_spec("torchvision"):
        return
    if subprocess.run([sys.executable, "-c", "import torchvision"], capture_output=True).returncode == 0:
        return
    print("note: torchvision does not load with this torch; hiding it from lightning and transformers")
    for i, entry in enumerate(list(sys.path)):
        if not os.path.isdir(os.path.join(entry, "torchvision")):
            continue
        farm = os.path.join(tmp, "site-packages-%d" % i)
        os.makedirs(farm)
        for name in os.listdir(entry):
            if not name.startswith("torchvision"):
                os.symlink(os.path.join(entry, name), os.path.join(farm, name))
        sys.path[i] = farm


import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402


def check_onnx(path, student):
    onnx.checker.check_model(path, full_check=True)
    model = onnx.load(path)
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    assert opset >= 18, f"{path}: opset {opset} (the dynamo exporter writes 18 or later)"
    x = torch.rand(5, 3, ex.SIZE, ex.SIZE)
    if importlib.util.find_spec("onnxruntime"):
        import onnxruntime as ort
        got = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x.numpy()})
        assert [o.name for o in model.graph.output] == ex.STAGES, [o.name for o in model.graph.output]
        if student is not None:
            with torch.no_grad():
                want = student.eval()(x)[0].numpy()
            assert np.allclose(got[0], want, atol=1e-4), f"{path}: logits differ by {np.abs(got[0] - want).max()}"
    return f"opset {opset}"


def check_state_dict(path, template):
    sd = torch.load(path, weights_only=True)
    names = {i.name for i in onnx.load(template).graph.initializer}
    missing = [k for k, v in sd.items() if v.is_floating_point() and v.numel() > 1 and k not in names]
    assert not missing, f"{path}: not in the template {template}: {missing[:5]}"
    return f"{len(sd)} tensors, names match the template"


def main():
    only = sys.argv[1:]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        hide_broken_torchvision(tmp)
        import export_examples as ex  # noqa: E402 (after the path fix)
        globals()["ex"] = ex
        runs = [("loop", ex.plain_loop, None), ("lightning", ex.lightning_run, "lightning"), ("hf", ex.hf_run, "transformers")]
        for name, fn, needs in runs:
            if only and name not in only:
                continue
            if needs and not importlib.util.find_spec(needs):
                print(f"SKIP {name}: {needs} is not installed")
                continue
            try:
                out = os.path.join(tmp, name)
                student, files = fn(out, steps=2, epochs=1)
                # The final checkpoint holds the returned student's weights; earlier ones are checked as files.
                last_onnx = [f for f in files if f.endswith(".onnx") and "template" not in f][-1:]
                template = next((f for f in files if f.endswith("student_template.onnx")), None)
                for f in files:
                    if f.endswith(".onnx"):
                        what = check_onnx(f, student if f in last_onnx else None)
                    elif f.endswith(".pt"):
                        what = check_state_dict(f, template)
                    else:
                        continue
                    print(f"ok   {name}: {os.path.relpath(f, tmp)} ({what})")
                assert last_onnx, f"{name}: no ONNX checkpoint written"
            except Exception as e:  # report every example, then fail
                failed += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
