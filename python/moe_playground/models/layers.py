"""
Building blocks shared by the models (src/engine/models/layers.ts): named parameters with the engine's
initialisation, drawn from the same seeded generator in the same order (so a seed gives the page's initial
weights), dense layers, the feature input, stacked MLPs, per-domain selection, batch norm and dropout.

Parameters keep the engine's names (the export keys) and its layouts: a stack of N layers is [N, in, out], the first
layer of a stack reading one shared input is [in, N·out].
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..rng import Rng

if TYPE_CHECKING:
    from .base import BuildContext

TRAIN = "train"
EVAL = "eval"


@dataclass
class DataShape:
    """Dimensions a model is built for (src/engine/data/types.ts DataShape)."""

    num_cat: int
    num_num: int
    vocab_size: int
    num_domains: int
    num_tasks: int
    domain_names: List[str]
    task_names: List[str]

    @staticmethod
    def of(schema: dict) -> "DataShape":
        return DataShape(
            len(schema["categorical"]),
            len(schema["numeric"]),
            schema["vocabSize"],
            len(schema["domains"]),
            len(schema["tasks"]),
            list(schema["domains"]),
            [t["name"] for t in schema["tasks"]],
        )


@dataclass
class Batch:
    """One batch: categorical ids [B, numCat], numerics [B, numNum], domain ids [B] and their one-hot [B, D]."""

    cat: Tensor
    num: Tensor
    domain: Tensor
    domain_one_hot: Tensor

    @property
    def size(self) -> int:
        return int(self.domain.shape[0])


@dataclass
class Output:
    logits: Tensor
    routing: Dict[str, Tensor]
    aux: Dict[str, Tensor]


def _size(shape: Sequence[int]) -> int:
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


class Params:
    """
    A model's named tensors in creation order: trainable ones are nn.Parameters, the others buffers (moving
    averages, fixed masks). Values are read through the module (`params[name]`), which stays right after `.to()`.
    """

    def __init__(self, module: nn.Module, rng: Rng) -> None:
        self.module = module
        self.rng = rng
        self._attr: Dict[str, str] = {}

    def add(self, name: str, shape: Sequence[int], values: np.ndarray, trainable: bool = True) -> str:
        if name in self._attr:
            raise ValueError(f'parameter "{name}" defined twice')
        attr = f"{re.sub(r'[^0-9A-Za-z_]', '_', name)}__{len(self._attr)}"
        t = torch.from_numpy(np.asarray(values, dtype=np.float32).reshape(tuple(shape)).copy())
        device = next((p.device for p in self.module.parameters()), None)
        if device is not None:
            t = t.to(device)
        if trainable:
            self.module.register_parameter(attr, nn.Parameter(t))
        else:
            self.module.register_buffer(attr, t)
        self._attr[name] = attr
        return name

    def uniform(self, name: str, shape: Sequence[int], fan_in: int) -> str:
        """PyTorch's nn.Linear default: U(−1/√fan_in, 1/√fan_in) for weights and biases alike."""
        bound = 1 / math.sqrt(fan_in)
        return self.add(name, shape, self.rng.fill_uniform(_size(shape), -bound, bound))

    def embedding(self, name: str, shape: Sequence[int], ctx: "BuildContext") -> str:
        """An embedding table initialised as the run's settings say (train.embeddingInit, train.embeddingInitScale)."""
        n, s = _size(shape), ctx.embedding_init_scale
        values = self.rng.fill_uniform(n, -s, s) if ctx.embedding_init == "uniform" else self.rng.fill_normal(n, s)
        return self.add(name, shape, values)

    def constant(self, name: str, shape: Sequence[int], value: float, trainable: bool = True) -> str:
        return self.add(name, shape, np.full(_size(shape), value, dtype=np.float32), trainable)

    def __getitem__(self, name: str) -> Tensor:
        return getattr(self.module, self._attr[name])

    def __contains__(self, name: str) -> bool:
        return name in self._attr

    def names(self) -> List[str]:
        return list(self._attr)

    def is_trainable(self, name: str) -> bool:
        t = self[name]
        return isinstance(t, nn.Parameter) and t.requires_grad

    def trainable(self) -> List[nn.Parameter]:
        return [self[n] for n in self._attr if self.is_trainable(n)]

    def count(self) -> int:
        return sum(self[n].numel() for n in self._attr)


class Dense:
    def __init__(self, p: Params, name: str, in_dim: int, out_dim: int) -> None:
        self.p = p
        self.w = p.uniform(f"{name}.w", [in_dim, out_dim], in_dim)
        self.b = p.uniform(f"{name}.b", [out_dim], in_dim)

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.p[self.w] + self.p[self.b]


class Mlp:
    """ReLU layers (ReLU on the last one too unless `linear_last`)."""

    def __init__(self, p: Params, name: str, in_dim: int, sizes: Sequence[int], linear_last: bool = False) -> None:
        self.layers: List[Dense] = []
        d = in_dim
        for i, s in enumerate(sizes):
            self.layers.append(Dense(p, f"{name}.{i}", d, s))
            d = s
        self.out_dim = d
        self.linear_last = linear_last

    def __call__(self, x: Tensor) -> Tensor:
        h = x
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if not (self.linear_last and i == len(self.layers) - 1):
                h = torch.relu(h)
        return h


class FeatureInput:
    """
    Every categorical field from one shared embedding table, flattened, then the numerics, then (with domain input)
    the domain id's embedding: F = numCat·dim + numNum (+ dim).
    """

    def __init__(self, p: Params, ctx: "BuildContext") -> None:
        s, dim = ctx.shape, ctx.embedding_dim
        self.p = p
        self.table = p.embedding("embedding", [max(s.vocab_size, 1), dim], ctx)
        self.domain_table = p.embedding("domainEmbedding", [s.num_domains, dim], ctx) if ctx.domain_input else None
        self.num_cat = s.num_cat
        self.dim = dim
        self.width = s.num_cat * dim + s.num_num + (dim if self.domain_table is not None else 0)

    def __call__(self, batch: Batch) -> Tensor:
        parts = []
        if self.num_cat > 0:
            parts.append(F.embedding(batch.cat, self.p[self.table]).reshape(batch.size, self.num_cat * self.dim))
        if batch.num.shape[1] > 0:
            parts.append(batch.num)
        if self.domain_table is not None:
            # A one-hot matMul, as the engine computes it (the same sum of one product per row).
            parts.append(batch.domain_one_hot @ self.p[self.domain_table])
        return parts[0] if len(parts) == 1 else torch.cat(parts, 1)


class StackedMlp:
    """
    N parallel MLPs with the same layer sizes (experts, towers). With `shared_input` the first layer of all N reads
    one input as a single [in, N·out] matMul.
    """

    def __init__(
        self,
        p: Params,
        name: str,
        n: int,
        in_dim: int,
        sizes: Sequence[int],
        shared_input: bool,
        linear_last: bool = False,
    ) -> None:
        if len(sizes) == 0:
            raise ValueError(f"{name}: a stacked MLP needs at least one layer")
        self.p = p
        self.n = n
        self.sizes = list(sizes)
        self.shared_input = shared_input
        self.linear_last = linear_last
        h0 = sizes[0]
        if shared_input:
            self.first = (p.uniform(f"{name}.0.w", [in_dim, n * h0], in_dim), p.uniform(f"{name}.0.b", [n * h0], in_dim))
        else:
            self.first = (p.uniform(f"{name}.0.w", [n, in_dim, h0], in_dim), p.uniform(f"{name}.0.b", [n, 1, h0], in_dim))
        self.rest = []
        for i in range(1, len(sizes)):
            fan_in = sizes[i - 1]
            self.rest.append(
                (p.uniform(f"{name}.{i}.w", [n, fan_in, sizes[i]], fan_in), p.uniform(f"{name}.{i}.b", [n, 1, sizes[i]], fan_in))
            )
        self.out_dim = sizes[-1]

    def _act(self, h: Tensor, i: int) -> Tensor:
        return h if self.linear_last and i == len(self.sizes) - 1 else torch.relu(h)

    def forward_shared(self, x: Tensor) -> Tensor:
        """x [B, in] shared by all N → [B, N, out]."""
        w, b = self.first
        h0 = self._act(x @ self.p[w] + self.p[b], 0).reshape(x.shape[0], self.n, self.sizes[0])
        if not self.rest:
            return h0
        return self._forward_rest(h0.transpose(0, 1)).transpose(0, 1)

    def forward_each(self, xs: Tensor) -> Tensor:
        """xs [N, B, in], one input per member → [N, B, out]."""
        w, b = self.first
        return self._forward_rest(self._act(torch.bmm(xs, self.p[w]) + self.p[b], 0))

    def _forward_rest(self, h: Tensor) -> Tensor:
        for i, (w, b) in enumerate(self.rest):
            h = self._act(torch.bmm(h, self.p[w]) + self.p[b], i + 1)
        return h


def select_by_domain(values: Tensor, domain: Tensor) -> Tensor:
    """Each sample's row of a per-domain stack: values [B, D, ...] with domain ids [B] → [B, ...]."""
    return values[torch.arange(values.shape[0], device=values.device), domain]


# PyTorch BatchNorm1d defaults.
BN_MOMENTUM = 0.1
BN_EPS = 1e-5


@dataclass
class BatchNorm:
    gamma: str
    beta: str
    mean: str
    variance: str


def batch_norm_params(p: Params, name: str, param_shape: Sequence[int], stat_shape: Optional[Sequence[int]] = None) -> BatchNorm:
    stat_shape = param_shape if stat_shape is None else stat_shape
    return BatchNorm(
        p.constant(f"{name}.gamma", param_shape, 1),
        p.constant(f"{name}.beta", param_shape, 0),
        p.constant(f"{name}.movingMean", stat_shape, 0, False),
        p.constant(f"{name}.movingVar", stat_shape, 1, False),
    )


def batch_norm(p: Params, z: Tensor, bn: BatchNorm, axis: int, mode: str) -> Tensor:
    """Batch statistics over `axis` in training (moving averages updated: momentum 0.1, unbiased variance), moving averages in evaluation."""
    if mode == TRAIN:
        mean = z.mean(axis, keepdim=True)
        variance = ((z - mean) ** 2).mean(axis, keepdim=True)
        n = z.shape[axis]
        with torch.no_grad():
            m, v = p[bn.mean], p[bn.variance]
            m.copy_(m * (1 - BN_MOMENTUM) + mean.detach().reshape(m.shape) * BN_MOMENTUM)
            v.copy_(v * (1 - BN_MOMENTUM) + variance.detach().reshape(v.shape) * (BN_MOMENTUM * n / max(1, n - 1)))
    else:
        mean, variance = p[bn.mean], p[bn.variance]
    return (z - mean) * torch.rsqrt(variance + BN_EPS) * p[bn.gamma] + p[bn.beta]


def dropout(x: Tensor, rate: float, mode: str) -> Tensor:
    """Inverted dropout in training only."""
    if mode != TRAIN or rate <= 0:
        return x
    return F.dropout(x, rate, True)

