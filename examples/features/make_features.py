# Generates the bundled example for `kdlens dcor`: teacher features (256-d) with class structure, and
# student features (64-d) that are a noisy random projection of them. Seeded; run with any numpy.
import numpy as np

rng = np.random.default_rng(0)
n_per, k = 12, 4
labels = np.repeat(np.arange(k), n_per).astype(np.int64)
protos = rng.normal(size=(k, 256))
teacher = protos[labels] + 0.8 * rng.normal(size=(len(labels), 256))
teacher = np.maximum(teacher, 0)  # ReLU-like, as real CNN features
proj = rng.normal(size=(256, 64)) / 16
student = teacher @ proj + 0.5 * rng.normal(size=(len(labels), 64))
np.save('teacher.npy', teacher.astype(np.float32))
np.save('student.npy', student.astype(np.float32))
np.save('labels.npy', labels)
