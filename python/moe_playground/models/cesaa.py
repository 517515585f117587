"""
CESAA (Dong et al., arXiv 2411.06826), twin of src/engine/models/cesaa.ts, OUR RECONSTRUCTION from the abstract:
  shared   = Σ_j softmax(G_sh(x))_j Shared_j(x)                 K_sh shared experts, always on
  z        = G_sp([x ; e_domain]) ∈ R^{B×N};  S = top-k(z);  w = softmax(z + M), M = 0 on S, −∞ elsewhere
  specific = Σ_{j∈S} w_j Expert_j(x)                              exactly k non-zero weights per instance
  logit_t  = Tower_t([shared ; specific])
  p(e|d) = mean_{b: d(b)=d} softmax(z_b)[e],  p(d) batch frequency,  p(e) = Σ_d p(d) p(e|d)
  MI = Σ_d p(d) Σ_e p(e|d) log(p(e|d)/p(e));   loss = Σ_t BCE_t − λ·MI
"""
from __future__ import annotations

import torch
from torch import Tensor

from .base import BuildContext, TwinModel
from .gates import SoftmaxGates, mix_experts
from .layers import EVAL, Batch, Dense, FeatureInput, Output, StackedMlp
from .selection import masked_gate_weights, smallest_k_mask
from .towers import TaskTowers

# Guards log(0) for experts with no mass in a domain; their term is weighted by that zero mass.
LOG_EPS = 1e-10


def batch_mutual_information(probs: Tensor, domain_one_hot: Tensor) -> Tensor:
    """The batch estimate of I(domain; expert) from gate probabilities [B, N] and domain one-hots [B, D]."""
    B = probs.shape[0]
    joint = (domain_one_hot.t() @ probs) / B  # [D, N] p(d, e)
    pd = domain_one_hot.sum(0) / B
    pe = joint.sum(0)
    cond = joint / torch.clamp(pd, min=1 / (2 * B)).unsqueeze(1)
    return (joint * (torch.log(cond + LOG_EPS) - torch.log(pe + LOG_EPS))).sum()


def top_k_softmax(z: Tensor, k: int) -> Tensor:
    """Softmax over the k largest logits of each row, exactly 0 elsewhere (the choice is a constant mask)."""
    selected = smallest_k_mask(-z, k)
    return masked_gate_weights(z, selected, torch.zeros_like(selected), "additive")


class Cesaa(TwinModel):
    OPTIONS = ("sharedExperts", "specificExperts", "topK", "expertLayers", "domainEmbeddingDim", "lambda", "towerLayers")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        p = self.p
        N = o["specificExperts"]
        if o["topK"] > N:
            raise ValueError(f'CESAA: option "topK" ({o["topK"]}) must not exceed "specificExperts" ({N})')
        self.o = o
        self.input = FeatureInput(p, ctx)
        self.shared = StackedMlp(p, "shared", o["sharedExperts"], self.input.width, o["expertLayers"], True)
        self.shared_gate = SoftmaxGates(p, "sharedGate", self.input.width, 1, o["sharedExperts"])
        self.specific = StackedMlp(p, "specific", N, self.input.width, o["expertLayers"], True)
        # The domain indicator the sparse gate reads: an embedding table, initialised like the features'.
        self.domain_emb = p.embedding("sparseGate.domainEmbedding", [s.num_domains, o["domainEmbeddingDim"]], ctx)
        self.sparse_gate = Dense(p, "sparseGate", self.input.width + o["domainEmbeddingDim"], N)
        self.towers = TaskTowers(p, "towers", s.num_tasks, self.shared.out_dim + self.specific.out_dim, o["towerLayers"], True)

    def forward(self, batch: Batch, mode: str) -> Output:
        B = batch.size
        x = self.input(batch)
        g_sh = self.shared_gate(x)  # [B, 1, K_sh]
        h_shared = mix_experts(g_sh, self.shared.forward_shared(x)).reshape(B, self.shared.out_dim)
        e_domain = batch.domain_one_hot @ self.p[self.domain_emb]
        z = self.sparse_gate(torch.cat([x, e_domain], 1))
        w = top_k_softmax(z, self.o["topK"])
        h_specific = mix_experts(w.unsqueeze(1), self.specific.forward_shared(x)).reshape(B, self.specific.out_dim)
        logits = self.towers.forward_shared(torch.cat([h_shared, h_specific], 1))
        mi = batch_mutual_information(torch.softmax(z, -1), batch.domain_one_hot)
        routing = {"specific": w, "shared": g_sh.reshape(B, self.o["sharedExperts"])} if mode == EVAL else {}
        return Output(logits, routing, {"−λ·MI": mi * -self.o["lambda"]})
