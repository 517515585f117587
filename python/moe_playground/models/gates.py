"""Gates (src/engine/models/gates.ts): a bank of softmax gates over experts, and the weighted mixture of experts."""
from __future__ import annotations

import torch
from torch import Tensor

from .layers import Params


class SoftmaxGates:
    """G softmax gates over E experts, all read from one input with a single [in, G·E] matMul."""

    def __init__(self, p: Params, name: str, in_dim: int, gates: int, experts: int) -> None:
        self.p = p
        self.gates = gates
        self.experts = experts
        self.w = p.uniform(f"{name}.w", [in_dim, gates * experts], in_dim)
        self.b = p.uniform(f"{name}.b", [gates * experts], in_dim)

    def __call__(self, x: Tensor) -> Tensor:
        """x [B, in] → weights [B, G, E], each row summing to 1."""
        logits = x @ self.p[self.w] + self.p[self.b]
        return torch.softmax(logits.reshape(x.shape[0], self.gates, self.experts), -1)


def mix_experts(weights: Tensor, experts: Tensor) -> Tensor:
    """weights [B, G, E] · experts [B, E, H] → [B, G, H]."""
    return torch.bmm(weights, experts)
