"""The seesaw CNN trained as `nntrace train seesaw-cnn --l2 0` trains it, in PyTorch.

For comparison only: nntrace does not need Python. Run it where PyTorch is installed:

    python3 benches/train_pytorch.py

It prints the epochs to SSE < 0.005 (nntrace: 202) and the median time of 1000 epochs.
Same network, same initial weights, same order: pattern by pattern, SGD with lr 0.1,
the update applied after each pattern, SSE measured after each epoch. PyTorch's max-pool
sends a tied gradient to the first maximum and its ReLU blocks at 0, where the lecture's
conventions differ; on the seesaw data these ties carry no weight gradient, so the
numbers agree.
"""
import statistics
import time

import torch

torch.set_default_dtype(torch.float64)
DATA = [([1, 1, 0, 0, 0], 0), ([0, 1, 1, 0, 0], 0), ([0, 0, 1, 1, 0], 1), ([0, 0, 0, 1, 1], 1)]


class SeesawCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(1, 1, 2, bias=False)
        self.hidden = torch.nn.Linear(2, 2, bias=False)
        self.output = torch.nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.conv.weight[:] = torch.tensor([[[0.1, 0.1]]])
            self.hidden.weight[:] = torch.tensor([[-0.1, 0.2], [0.1, -0.1]])
            self.output.weight[:] = torch.tensor([[0.1, 0.3], [0.2, 0.1]])

    def forward(self, x):
        f = torch.relu(self.conv(x.view(1, 1, 5)))
        pooled = torch.nn.functional.max_pool1d(f, 2, 2).view(2)
        return self.output(torch.sigmoid(self.hidden(pooled)))


def sse(model):
    with torch.no_grad():
        total = 0.0
        for x, t in DATA:
            p = torch.softmax(model(torch.tensor(x, dtype=torch.float64)), 0)
            target = torch.nn.functional.one_hot(torch.tensor(t), 2).double()
            total += float(((target - p) ** 2).sum())
        return total


def train(epochs, stop):
    model = SeesawCNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(1, epochs + 1):
        for x, t in DATA:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(torch.tensor(x, dtype=torch.float64)).view(1, 2), torch.tensor([t]))
            loss.backward()
            opt.step()
        if sse(model) < stop:
            return epoch
    return epochs


if __name__ == "__main__":
    print("epochs to SSE < 0.005:", train(1000, 0.005))
    times = []
    for _ in range(5):
        start = time.perf_counter()
        train(1000, 0.0)
        times.append(time.perf_counter() - start)
    print(f"1000 epochs: median {statistics.median(times) * 1000:.1f} ms")
