"""PyTorch twins of Seesaw's default models, timed on the CPU (issue #11's native comparison).

Run by scripts/bench-native when `torch` imports; prints one JSON object on stdout. Usage:
    python3 tests/bench/torch_twins.py --batch 256,2048,8192 --threads 2,1 --steps 200

The models, as Seesaw builds them by default on the `correlated` dataset (d = 100, two
regression tasks, MSE per task summed as `equal` weighting, Adam lr 0.005, β 0.9/0.999,
ε 1e-8, U(±1/√fan_in) for weights and biases):
  mmoe:          8 experts 100→16 ReLU (one matmul), 2 linear softmax gates over the experts,
                 towers 16→8 ReLU →1 per task (batched, as GroupedMlp): 14 834 parameters
  shared-bottom: bottom 100→64 ReLU →32 ReLU, towers 32→16 ReLU →1 per task
Each step draws a new batch from a fixed device-resident table of 8 000 rows (as Seesaw draws
from its training split), then forward, backward and Adam. The loss is read every 10 steps (as
Seesaw's bench reads at the end only, this costs PyTorch a little more, not less).
"""

import argparse
import json
import time

import torch
from torch import nn

D, TASKS, ROWS = 100, 2, 8000


def uniform(shape, fan_in):
    bound = 1.0 / fan_in**0.5
    return nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


class Grouped(nn.Module):
    """`groups` independent MLPs (one per task), batched as one bmm per layer."""

    def __init__(self, groups, widths):
        super().__init__()
        self.weights = nn.ParameterList(
            uniform((groups, a, b), a) for a, b in zip(widths, widths[1:])
        )
        self.biases = nn.ParameterList(
            uniform((groups, 1, b), a) for a, b in zip(widths, widths[1:])
        )

    def forward(self, x):  # x: [groups, batch, in]
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i + 1 < len(self.weights):
                x = torch.relu(x)
        return x


class Mmoe(nn.Module):
    def __init__(self, experts=8, hidden=16, tower=8):
        super().__init__()
        self.experts, self.hidden = experts, hidden
        self.expert_w = uniform((D, experts * hidden), D)
        self.expert_b = uniform((experts * hidden,), D)
        self.gate_w = uniform((D, TASKS * experts), D)
        self.gate_b = uniform((TASKS * experts,), D)
        self.towers = Grouped(TASKS, [hidden, tower, 1])

    def forward(self, x):
        batch = x.shape[0]
        experts = torch.relu(x @ self.expert_w + self.expert_b).view(batch, self.experts, self.hidden)
        gates = torch.softmax((x @ self.gate_w + self.gate_b).view(batch, TASKS, self.experts), -1)
        mixed = torch.einsum("bte,beh->tbh", gates, experts)
        return self.towers(mixed)  # [tasks, batch, 1]


class SharedBottom(nn.Module):
    def __init__(self):
        super().__init__()
        self.bottom = nn.Sequential(nn.Linear(D, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.towers = Grouped(TASKS, [32, 16, 1])

    def forward(self, x):
        shared = self.bottom(x)
        return self.towers(shared.unsqueeze(0).expand(TASKS, -1, -1))


MODELS = {"mmoe": Mmoe, "shared-bottom": SharedBottom}


def time_model(name, batch, threads, steps, warmup):
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    model = MODELS[name]()
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005, betas=(0.9, 0.999), eps=1e-8)
    x_all = torch.randn(ROWS, D)
    y_all = torch.randn(TASKS, ROWS, 1)
    generator = torch.Generator().manual_seed(7)

    def step(index):
        rows = torch.randint(0, ROWS, (batch,), generator=generator)
        out = model(x_all[rows])
        loss = ((out - y_all[:, rows]) ** 2).mean(dim=(1, 2)).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if index % 10 == 9:
            loss.item()

    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    seconds = time.perf_counter() - start
    return {
        "arch": name,
        "batch_size": batch,
        "threads": threads,
        "parameters": params,
        "ms_per_step": 1000.0 * seconds / steps,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="mmoe,shared-bottom")
    parser.add_argument("--batch", default="256,2048,8192")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for name in args.arch.split(","):
        for batch in map(int, args.batch.split(",")):
            # Fewer steps for big batches, at least 20.
            steps = max(20, args.steps * 256 // batch)
            for threads in map(int, args.threads.split(",")):
                rows.append(time_model(name, batch, threads, steps, args.warmup))
    print(json.dumps({"torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
