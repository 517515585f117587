"""
STAR (Sheng et al., CIKM 2021), twin of src/engine/models/star.ts:
  PN (training):  z = (γ·γ_d) ⊙ (h − μ_d) / √(σ²_d + ε) + (β + β_d)     μ_d, σ²_d: moments of domain d's rows
  PN (inference): μ_d, σ²_d replaced by the domain's moving averages
  star layer:     h' = ReLU(h · (W ⊙ W_d) + b + b_d)
  aux network:    s_a = MLP_aux([e_domain(d) ; x]) ∈ R^T            (input x optional)
  logit_t = Tower_t(h_last) + s_a[t]
"""
from __future__ import annotations

import torch
from torch import Tensor

from .base import BuildContext, TwinModel
from .layers import TRAIN, Batch, FeatureInput, Mlp, Output, Params, select_by_domain
from .towers import TaskTowers

PN_EPS = 1e-5


class StarDense:
    """A fully connected layer whose weight for domain d is W ⊙ W_d and whose bias is b + b_d."""

    def __init__(self, p: Params, name: str, domains: int, in_dim: int, out_dim: int) -> None:
        self.p = p
        self.domains, self.in_dim, self.out_dim = domains, in_dim, out_dim
        self.w = p.uniform(f"{name}.w", [in_dim, out_dim], in_dim)
        self.b = p.uniform(f"{name}.b", [out_dim], in_dim)
        self.w_domain = p.constant(f"{name}.wDomain", [domains, in_dim, out_dim], 1)
        self.b_domain = p.constant(f"{name}.bDomain", [domains, out_dim], 0)

    def __call__(self, x: Tensor, domain: Tensor) -> Tensor:
        p, D, B = self.p, self.domains, x.shape[0]
        w_all = (p[self.w] * p[self.w_domain]).transpose(0, 1).reshape(self.in_dim, D * self.out_dim)
        y = (x @ w_all).reshape(B, D, self.out_dim) + p[self.b_domain]
        return select_by_domain(y, domain) + p[self.b]


class PartitionedNorm:
    """Batch moments per domain in training (one domain's rows never move another's statistics), per-domain moving
    averages at inference (a domain absent from the batch keeps its averages), scale γ·γ_d and shift β + β_d."""

    def __init__(self, p: Params, name: str, domains: int, dim: int, momentum: float) -> None:
        self.p = p
        self.momentum = momentum
        self.gamma = p.constant(f"{name}.gamma", [dim], 1)
        self.beta = p.constant(f"{name}.beta", [dim], 0)
        self.gamma_domain = p.constant(f"{name}.gammaDomain", [domains, dim], 1)
        self.beta_domain = p.constant(f"{name}.betaDomain", [domains, dim], 0)
        self.moving_mean = p.constant(f"{name}.movingMean", [domains, dim], 0, False)
        self.moving_var = p.constant(f"{name}.movingVar", [domains, dim], 1, False)

    def __call__(self, x: Tensor, one_hot: Tensor, mode: str) -> Tensor:
        p = self.p
        if mode == TRAIN:
            by_domain = one_hot.t()  # [D, B]
            counts = one_hot.sum(0).reshape(-1, 1)  # [D, 1]
            n = torch.clamp(counts, min=1)
            mean = (by_domain @ x) / n
            centred = x - one_hot @ mean
            variance = (by_domain @ (centred * centred)) / n  # biased, as BN normalises
            var_per_row = one_hot @ variance
            with torch.no_grad():
                # present_d = 1 when the domain has rows in the batch: m ← m + momentum · present_d · (batch − m).
                rate = counts / n * self.momentum
                unbiased = variance * (n / torch.clamp(n - 1, min=1))
                m, v = p[self.moving_mean], p[self.moving_var]
                m.copy_(m + rate * (mean - m))
                v.copy_(v + rate * (unbiased - v))
        else:
            centred = x - one_hot @ p[self.moving_mean]
            var_per_row = one_hot @ p[self.moving_var]
        normalised = centred / torch.sqrt(var_per_row + PN_EPS)
        scale = p[self.gamma] * (one_hot @ p[self.gamma_domain])
        shift = p[self.beta] + one_hot @ p[self.beta_domain]
        return normalised * scale + shift


class Star(TwinModel):
    OPTIONS = ("starLayers", "partitionedNorm", "pnMomentum", "auxNet", "auxLayers", "towerLayers")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        p = self.p
        D, T = s.num_domains, s.num_tasks
        if len(o["starLayers"]) == 0:
            raise ValueError("STAR needs at least one star layer")
        self.input = FeatureInput(p, ctx)
        self.layers = []
        d = self.input.width
        for i, size in enumerate(o["starLayers"]):
            normed = o["partitionedNorm"] == "all" or (o["partitionedNorm"] == "input" and i == 0)
            norm = PartitionedNorm(p, f"pn.{i}", D, d, o["pnMomentum"]) if normed else None
            self.layers.append((StarDense(p, f"star.{i}", D, d, size), norm))
            d = size
        self.towers = TaskTowers(p, "towers", T, d, o["towerLayers"], True)
        self.aux_with_features = o["auxNet"] == "domain+features"
        # An embedding table, initialised like the feature embeddings.
        self.domain_embedding = None if o["auxNet"] == "off" else p.embedding("aux.domainEmbedding", [D, ctx.embedding_dim], ctx)
        self.aux = (
            None
            if o["auxNet"] == "off"
            else Mlp(p, "aux", ctx.embedding_dim + (self.input.width if self.aux_with_features else 0), [*o["auxLayers"], T], True)
        )

    def forward(self, batch: Batch, mode: str) -> Output:
        x = self.input(batch)
        h = x
        for fc, norm in self.layers:
            if norm is not None:
                h = norm(h, batch.domain_one_hot, mode)
            h = torch.relu(fc(h, batch.domain))
        logits = self.towers.forward_shared(h)
        if self.aux is not None:
            e = batch.domain_one_hot @ self.p[self.domain_embedding]
            logits = logits + self.aux(torch.cat([e, x], 1) if self.aux_with_features else e)
        return Output(logits, {}, {})

    def inspect(self) -> dict:
        """How far each domain's multiplicative weights moved from the shared network: mean |W_d − 1| per layer."""
        with torch.no_grad():
            return {
                "mean |W_d − 1| [layer][domain]": [
                    (self.p[fc.w_domain] - 1).abs().mean((1, 2)).tolist() for fc, _ in self.layers
                ]
            }
