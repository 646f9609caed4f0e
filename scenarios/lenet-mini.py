"""Writes scenarios/lenet-mini.yaml: a 28 × 28 image of a 7, eight 3 × 3 filters, ReLU,
2 × 2 max pool, flatten, dense softmax over 10 digits. Every number comes from a fixed
linear congruential generator, so the file is reproducible from this script; the weights
have three decimals, and a filter that would put a ReLU input at 0 is drawn again, so the
gradient check meets no kink."""
import json

state = 12345


def uniform(scale):
    """A number in [-scale, scale] with three decimals, from the fixed generator."""
    global state
    state = (state * 1103515245 + 12345) % 2**31
    return round((state / 2**31 * 2 - 1) * scale, 3)


rows = []
for r in range(28):
    row = []
    for c in range(28):
        top = 5 <= r <= 7 and 6 <= c <= 21
        stroke = 7 < r <= 23 and abs(c - (21 - (r - 7) * 0.6)) < 1.3
        row.append(1 if top or stroke else 0)
    rows.append(row)


def kinked(kernel, bias):
    """Whether a filter puts a ReLU input within 0.001 of 0 (where the gradient is a
    convention, and a finite difference straddles the kink)."""
    return any(
        abs(bias + sum(rows[i + u][j + v] * kernel[u][v] for u in range(3) for v in range(3)))
        < 0.001
        for i in range(26)
        for j in range(26)
    )


kernels, conv_bias = [], []
while len(kernels) < 8:
    kernel = [[uniform(0.5) for _ in range(3)] for _ in range(3)]
    bias = uniform(0.1)
    if not kinked(kernel, bias):
        kernels.append([kernel])
        conv_bias.append(bias)
dense = [[uniform(0.05) for _ in range(8 * 13 * 13)] for _ in range(10)]
dense_bias = [uniform(0.05) for _ in range(10)]


def flow(values):
    return json.dumps(values, separators=(", ", ": "))


out = [
    "# Written by scenarios/lenet-mini.py; edit that script, not this file.",
    "name: lenet-mini",
    "description: for scale — a 28 × 28 image of a 7, eight 3 × 3 filters, ReLU, 2 × 2 max"
    " pool, flatten, dense softmax over the 10 digits",
    "classes: [zero, one, two, three, four, five, six, seven, eight, nine]",
    "data:",
    "  - input:",
]
out += ["      - " + flow(r) for r in rows]
out += [
    "    target: 7",
    "learning_rate: 0.1",
    "loss: cross_entropy",
    "conventions: {relu_grad_at_zero: 0, maxpool_ties: first}",
    "layers:",
    "  - conv2d:",
    "      name: conv",
    "      kernels:",
]
out += ["        - " + flow(k) for k in kernels]
out += [
    "      bias: " + flow(conv_bias),
    "      prefix: f",
    "  - relu: {name: relu, prefix: r}",
    "  - maxpool2d: {name: pool, size: 2, prefix: p}",
    "  - flatten: {name: flat}",
    "  - dense:",
    "      name: out",
    "      activation: softmax",
    "      outputs: [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9]",
    "      weights:",
]
out += ["        - " + flow(row) for row in dense]
out += ["      bias: " + flow(dense_bias)]
with open("scenarios/lenet-mini.yaml", "w") as f:
    f.write("\n".join(out) + "\n")
