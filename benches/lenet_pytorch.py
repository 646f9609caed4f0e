"""One untraced training step of lenet-mini in PyTorch, float64 on the CPU, for comparing
with `nntrace train` (README, Speed). Reads the built-in scenario file, builds the same
network with the same weights (conv2d 8 filters 3 × 3 → ReLU → max pool 2 → flatten →
dense 10 softmax, cross-entropy, SGD with the scenario's learning rate), and prints the
median time of one step (forward, backward, update) over 2,000 steps.

    pip install torch pyyaml   # from PyPI, in a virtual environment (README, Speed)
    python3 benches/lenet_pytorch.py scenarios/lenet-mini.yaml
"""
import statistics
import sys
import time

import torch
import yaml

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

with open(sys.argv[1] if len(sys.argv) > 1 else "scenarios/lenet-mini.yaml") as f:
    s = yaml.safe_load(f)
conv_cfg = s["layers"][0]["conv2d"]
dense_cfg = s["layers"][4]["dense"]
x = torch.tensor(s["data"][0]["input"], dtype=torch.float64).reshape(1, 1, 28, 28)
target = torch.tensor([s["data"][0]["target"]])

conv = torch.nn.Conv2d(1, 8, 3)
dense = torch.nn.Linear(8 * 13 * 13, 10)
with torch.no_grad():
    conv.weight.copy_(torch.tensor(conv_cfg["kernels"]))
    conv.bias.copy_(torch.tensor(conv_cfg["bias"]))
    dense.weight.copy_(torch.tensor(dense_cfg["weights"]))
    dense.bias.copy_(torch.tensor(dense_cfg["bias"]))
params = list(conv.parameters()) + list(dense.parameters())
opt = torch.optim.SGD(params, lr=s["learning_rate"])


def step():
    opt.zero_grad()
    y = dense(torch.flatten(torch.nn.functional.max_pool2d(torch.relu(conv(x)), 2), 1))
    torch.nn.functional.cross_entropy(y, target).backward()
    opt.step()


for _ in range(100):
    step()
times = []
for _ in range(2000):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
print(f"median step: {statistics.median(times) * 1e3:.3f} ms")
