"""One tower per task (src/engine/models/towers.ts): an MLP ending in one logit, stacked so all tasks' towers run together."""
from __future__ import annotations

from typing import Sequence

from torch import Tensor

from .layers import Params, StackedMlp


class TaskTowers:
    def __init__(self, p: Params, name: str, tasks: int, in_dim: int, hidden: Sequence[int], shared_input: bool) -> None:
        self.stack = StackedMlp(p, name, tasks, in_dim, [*hidden, 1], shared_input, True)

    def forward_shared(self, x: Tensor) -> Tensor:
        """One input for every tower: x [B, in] → logits [B, T]."""
        return self.stack.forward_shared(x).reshape(x.shape[0], self.stack.n)

    def forward_each(self, xs: Tensor) -> Tensor:
        """Its own input per tower: xs [B, T, in] → logits [B, T]."""
        out = self.stack.forward_each(xs.transpose(0, 1))
        return out.reshape(self.stack.n, xs.shape[0]).transpose(0, 1)
