"""
Hard expert selection shared by the sparse models (src/engine/models/selection.ts): a constant top-k mask and the
masked softmax that gives unselected experts exactly zero weight.
"""
from __future__ import annotations

import torch
from torch import Tensor

# Added to the logits of unselected experts: exp(−1e9 − max) underflows to exactly 0 in float32.
MASKED = -1e9


def smallest_k_mask(values: Tensor, k: int) -> Tensor:
    """[B, N] → 1 at the k smallest entries of each row, 0 elsewhere, a constant (no gradient through the choice).
    Ties go to the lower index, as tfjs's TopK breaks them."""
    n = values.shape[1]
    if k <= 0:
        return torch.zeros_like(values)
    order = torch.sort(values.detach(), dim=1, stable=True).indices[:, : min(k, n)]
    return torch.zeros_like(values).scatter_(1, order, 1.0)


def masked_gate_weights(a_own: Tensor, sp: Tensor, sh: Tensor, masking: str) -> Tensor:
    """
    additive (ours): softmax(a + M), M = 0 on SP ∪ SH and −1e9 elsewhere, so unselected experts get exactly 0;
    multiplicative (released code): softmax(a · m), m = [n ∈ SP] + [n ∈ SH] on selected experts and −1e9 elsewhere.
    """
    union = torch.maximum(sp, sh)
    unselected_penalty = (1 - union) * MASKED
    if masking == "additive":
        return torch.softmax(a_own + unselected_penalty, -1)
    return torch.softmax(a_own * (sp + sh + unselected_penalty), -1)
