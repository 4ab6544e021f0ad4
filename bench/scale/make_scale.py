#!/usr/bin/python3
# Makes the 224-px benchmark trio of issue "Speed at real scale" in bench/scale/models/ (gitignored, ~185 MB,
# never committed): torchvision ResNet-50 teacher, ResNet-18 KD student and ResNet-18 base, 10 classes,
# random init (seeded; BatchNorm statistics measured on random images so activations keep their scale),
# exported by the TorchScript exporter at opset 13 with a dynamic batch axis; plus a 64-image 224-px probe
# (probe.npz: x N×H×W×3 float in [0,1], y labels). Nothing is downloaded.
#
# Then, unless --no-torch, it times torch on the same files' models (2 threads), as the reference the
# benchmark divides by, and writes bench/scale/models/torch_times.json:
#   forwards     the three models' forward passes over the probe (batch 16, no grad)
#   gradcam      forwards + Grad-CAM at layer4 for teacher and student for the predicted class, as a
#                pytorch-grad-cam user runs it (hooks + autograd, batch 16)
# Run with Debian's torch (its TorchScript exporter writes opset 13): /usr/bin/python3 bench/scale/make_scale.py
# Times only, with another torch (e.g. PyTorch 2.x with oneDNN): python bench/scale/make_scale.py --time-only
# --runs N: timed repetitions after the warm-up (default 3; the benchmark passes 1 to stay in its budget).
# --sizes: only the models of the forward and scaling benchmarks (bench/forward.bench.ts, bench/scaling.bench.ts),
# ~140 MB, seconds: three ResNet-18s (10 classes, random init, seeded, calibrated BatchNorm) exported once with
# dynamic batch, height and width (dyn_teacher.onnx, dyn_student.onnx, dyn_base.onnx), and probes probe_<S>.npz at
# S = 32, 64, 128, 224 px (512 images at 64 px for the probe-size sweep, 32 at the other sizes).
import json
import os
import sys
import time

import numpy as np
import torch
import torch.library

# A CUDA build of torchvision on a CPU-only torch cannot register its C++ ops; the models are pure Python.
# (torch < 2.4, e.g. Debian's 1.13, has no register_fake and needs no patch.)
_register_fake = getattr(torch.library, 'register_fake', None)
if _register_fake is not None:
    torch.library.register_fake = lambda op, *a, **k: (lambda f: f) if isinstance(op, str) and op.startswith('torchvision::') else _register_fake(op, *a, **k)
import torchvision  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'models')
N, K, S, BATCH = 64, 10, 224, 16


def calibrated(model, seed):
    torch.manual_seed(seed)
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.rand(8, 3, S, S))
    return model.eval()


def build():
    torch.manual_seed(0)
    return {
        'teacher': calibrated(torchvision.models.resnet50(num_classes=K), 1),
        'student': calibrated(torchvision.models.resnet18(num_classes=K), 2),
        'base': calibrated(torchvision.models.resnet18(num_classes=K), 3),
    }


def export(models):
    os.makedirs(OUT, exist_ok=True)
    for name, m in models.items():
        torch.onnx.export(m, torch.zeros(1, 3, S, S), os.path.join(OUT, f'{name}.onnx'), opset_version=13,
                          input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}})
    rs = np.random.RandomState(0)
    x = rs.rand(N, S, S, 3).astype(np.float32)
    y = (np.arange(N) % K).astype(np.int64)
    np.savez(os.path.join(OUT, 'probe.npz'), x=x, y=y)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()


SIZES = {32: 32, 64: 512, 128: 32, 224: 32}


def export_sizes():
    os.makedirs(OUT, exist_ok=True)
    for name, seed in (('dyn_teacher', 4), ('dyn_student', 5), ('dyn_base', 6)):
        torch.manual_seed(seed)
        m = calibrated(torchvision.models.resnet18(num_classes=K), seed)
        torch.onnx.export(m, torch.zeros(1, 3, 64, 64), os.path.join(OUT, f'{name}.onnx'), opset_version=13,
                          input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': {0: 'n', 2: 'h', 3: 'w'}, 'logits': {0: 'n'}})
    for size, n in SIZES.items():
        rs = np.random.RandomState(size)
        np.savez(os.path.join(OUT, f'probe_{size}.npz'), x=rs.rand(n, size, size, 3).astype(np.float32),
                 y=(np.arange(n) % K).astype(np.int64))


def forwards(models, x):
    with torch.no_grad():
        for m in models.values():
            for i in range(0, len(x), BATCH):
                m(x[i:i + BATCH])


def gradcam(model, x):
    acts = {}
    h = model.layer4.register_forward_hook(lambda mod, i, o: acts.__setitem__('a', o))
    try:
        for i in range(0, len(x), BATCH):
            out = model(x[i:i + BATCH])
            a = acts['a']
            score = out.gather(1, out.argmax(1, keepdim=True)).sum()
            g, = torch.autograd.grad(score, a)
            w = g.mean(dim=(2, 3), keepdim=True)
            torch.relu((w * a).sum(1)).detach()
    finally:
        h.remove()


def runs_arg():
    return int(sys.argv[sys.argv.index('--runs') + 1]) if '--runs' in sys.argv else 3


def best_of(fn, runs=3, warm=None):
    # Every batch has the same shape, so one batch warms up what the first call pays once.
    (warm or fn)()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def probe_tensor():
    with np.load(os.path.join(OUT, 'probe.npz')) as z:
        return torch.from_numpy(z['x']).permute(0, 3, 1, 2).contiguous()


def main():
    if '--sizes' in sys.argv:
        return export_sizes()
    models = build()
    x = probe_tensor() if '--time-only' in sys.argv else export(models)
    if '--no-torch' in sys.argv:
        return
    torch.set_num_threads(2)
    runs = runs_arg()
    one = x[:BATCH]
    fwd = best_of(lambda: forwards(models, x), runs, lambda: forwards(models, one))
    cam_of = lambda z: (forwards({'base': models['base']}, z), gradcam(models['teacher'], z), gradcam(models['student'], z))  # noqa: E731
    cam = best_of(lambda: cam_of(x), runs, lambda: cam_of(one))
    times = {'torch': torch.__version__, 'threads': 2, 'images': N, 'size': S, 'batch': BATCH, 'runs': runs, 'forwards_s': fwd, 'gradcam_s': cam}
    with open(os.path.join(OUT, 'torch_times.json'), 'w') as f:
        json.dump(times, f, indent=1)
    print(json.dumps(times))


if __name__ == '__main__':
    main()
