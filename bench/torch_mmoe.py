"""PyTorch CPU throughput of the census MMoE of the reference shape, for `npm run bench -- --torch`.

The reference setup of ../shared/datasets/README.md: 32 categorical fields embedded at 16 in one table of 526 rows,
7 numeric features, 8 experts Linear(519, 64) + ReLU, a softmax gate per task, towers Linear(64, 32) - ReLU -
Linear(32, 1), the sum of the two tasks' BCE, Adam lr 1e-3, batch 1024. Speed depends on shapes only, so the rows
are random (79,809 of them, the census train split's size); each step gathers a shuffled batch from them, as the
project's trainer assembles its batches. Threads: one per core, like the project's WASM backend (the bench sets
OMP_WAIT_POLICY=PASSIVE, so idle OpenMP threads do not spin on a shared machine). Prints one JSON line: samples/s,
ms/step, torch version and threads.

Run with Debian's /usr/bin/python3 (PyTorch 1.13); Python only runs here, never in the page.
"""
import argparse
import json
import os
import time

import torch
from torch import nn

FIELDS, VOCAB, DIM, NUMERIC = 32, 526, 16, 7
EXPERTS, EXPERT_WIDTH, TASKS, TOWER = 8, 64, 2, 32
ROWS = 79_809


class Mmoe(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        width = FIELDS * DIM + NUMERIC
        self.embedding = nn.Embedding(VOCAB, DIM)
        self.experts = nn.ModuleList([nn.Sequential(nn.Linear(width, EXPERT_WIDTH), nn.ReLU()) for _ in range(EXPERTS)])
        self.gates = nn.ModuleList([nn.Linear(width, EXPERTS) for _ in range(TASKS)])
        self.towers = nn.ModuleList(
            [nn.Sequential(nn.Linear(EXPERT_WIDTH, TOWER), nn.ReLU(), nn.Linear(TOWER, 1)) for _ in range(TASKS)]
        )

    def forward(self, cat: torch.Tensor, num: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.embedding(cat).flatten(1), num], 1)
        experts = torch.stack([e(x) for e in self.experts], 1)  # [B, E, H]
        logits = []
        for gate, tower in zip(self.gates, self.towers):
            w = torch.softmax(gate(x), 1).unsqueeze(2)
            logits.append(tower((w * experts).sum(1)))
        return torch.cat(logits, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="default: one per core, as the WASM backend")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    cat = torch.randint(0, VOCAB, (ROWS, FIELDS))
    num = torch.randn(ROWS, NUMERIC)
    labels = torch.randint(0, 2, (ROWS, TASKS)).float()
    model = Mmoe()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    order = torch.randperm(ROWS)

    def step(i: int) -> None:
        start = (i * args.batch) % (ROWS - args.batch)
        idx = order[start : start + args.batch]
        logits = model(cat[idx], num[idx])
        y = labels[idx]
        loss = sum(loss_fn(logits[:, t], y[:, t]) for t in range(TASKS))
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(args.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "samplesPerSecond": round(args.steps * args.batch / seconds),
                "msPerStep": round(1000 * seconds / args.steps, 2),
                "steps": args.steps,
                "batch": args.batch,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
