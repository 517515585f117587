"""
M3oE (Zhang et al., SIGIR 2024), twin of src/engine/models/m3oe.ts:
  skip  = ReLU(LN(W_skip x));   z = x (W_slot[d] ⊙ W_shared) + b_slot[d] + b_shared;   emb = ReLU(LN(W_b z)) + skip
  S_k, Dm_j, Tk_j = ReLU(LN(W emb))                        shared (E), domain (D) and task (T) experts
  g_dt  = softmax(W_dt · stopGradient(emb));   s_dt = Σ_k g_dt[k] S_k
  dom_d = σ(β_D) Dm_d + (1 − σ(β_D))/(D − 1) Σ_{j≠d} Dm_j;   tsk_t likewise with β_T
  f_dt  = s_dt + σ(α_D) dom_d + σ(α_T) tsk_t;   logit_{d(b),t} = Tower_dt(f_dt)
  loss  = Σ over (d, t) groups of the group's mean BCE (empty groups skipped)
α_D, α_T, β_D, β_T are structure weights: first-order DARTS on validation batches every k steps, or the official
code's schedule (trained with the weights + one extra step per epoch on a train batch).
"""
from __future__ import annotations

import math
from typing import Tuple

import torch
from torch import Tensor

from .base import Architecture, BuildContext, TwinModel
from .gates import SoftmaxGates, mix_experts
from .layers import EVAL, Batch, Dense, FeatureInput, Output, Params, StackedMlp, select_by_domain


def _norm_params(p: Params, name: str, shape) -> Tuple[str, str]:
    """nn.LayerNorm defaults: γ = 1, β = 0."""
    return p.constant(f"{name}.gamma", shape, 1), p.constant(f"{name}.beta", shape, 0)


def layer_norm(p: Params, x: Tensor, norm: Tuple[str, str]) -> Tensor:
    """Over the last axis, biased variance, eps 1e-5."""
    mean = x.mean(-1, keepdim=True)
    variance = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) * torch.rsqrt(variance + 1e-5) * p[norm[0]] + p[norm[1]]


def group_loss(bce: Tensor, mask: Tensor, domain_one_hot: Tensor) -> Tensor:
    """Σ over (domain, task) groups of the group's mean BCE over its labelled rows; an empty group adds 0."""
    oh = domain_one_hot.unsqueeze(2)  # [B, D, 1]
    sums = (oh * bce.unsqueeze(1)).sum(0)  # [D, T]
    counts = (oh * mask.unsqueeze(1)).sum(0)
    return (sums / torch.clamp(counts, min=1)).sum()


class M3oe(TwinModel):
    OPTIONS = ("experts", "slotDim", "bottomDim", "expertLayers", "towerHidden", "gateStopGradient", "structureInit", "schedule", "archEvery", "archLr")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        p = self.p
        D, T, E = s.num_domains, s.num_tasks, o["experts"]
        self.E = E
        N = E + D + T
        self.input = FeatureInput(p, ctx)
        self.F = F = self.input.width
        self.slot_dim = S = o["slotDim"]
        self.skip = Dense(p, "skip", F, o["bottomDim"])
        self.skip_norm = _norm_params(p, "skip.ln", [o["bottomDim"]])
        # STAR-style slot layer: official init xavier_uniform for the weights, zeros for the biases.
        bound = math.sqrt(6 / (F + S))
        self.slot_shared = p.add("slot.shared.w", [F, S], ctx.rng.fill_uniform(F * S, -bound, bound))
        self.slot_shared_bias = p.constant("slot.shared.b", [S], 0)
        self.slot_domain = p.add("slot.domain.w", [D, F, S], ctx.rng.fill_uniform(D * F * S, -bound, bound))
        self.slot_domain_bias = p.constant("slot.domain.b", [D, S], 0)
        self.bottom = Dense(p, "bottom", S, o["bottomDim"])
        self.bottom_norm = _norm_params(p, "bottom.ln", [o["bottomDim"]])
        # All E + D + T experts as one stack (shared 0..E−1, domain E..E+D−1, task E+D..N−1), one layer per entry.
        self.expert_layers = []
        width = o["bottomDim"]
        for i, h in enumerate(o["expertLayers"]):
            stack = StackedMlp(p, f"experts.l{i}", N, width, [h], i == 0, True)
            self.expert_layers.append((stack, _norm_params(p, f"experts.l{i}.ln", [N, h])))
            width = h
        self.H = width
        self.gates = SoftmaxGates(p, "gates", o["bottomDim"], D * T, E)
        self.tower_hidden = StackedMlp(p, "towers.hidden", D * T, self.H, [o["towerHidden"]], False, True)
        self.tower_norm = _norm_params(p, "towers.hidden.ln", [D * T, 1, o["towerHidden"]])
        self.tower_out = StackedMlp(p, "towers.out", D * T, o["towerHidden"], [1], False, True)
        self.structure = [p.constant(f"structure.{k}", [], o["structureInit"]) for k in ("alphaD", "alphaT", "betaD", "betaT")]
        self.gate_stop_gradient = o["gateStopGradient"]
        self.schedule = o["schedule"]
        if o["schedule"] == "darts":
            self.architecture = Architecture(self.structure, o["archLr"], o["archEvery"], "valid")
        else:
            # every_steps becomes the epoch length at the first step (before_step).
            self.architecture = Architecture(self.structure, o["archLr"], 2**62, "train", also_trained_with_weights=True)

    def _slot(self, x: Tensor, batch: Batch) -> Tensor:
        """All D slots as one [F, D·S] matMul, each sample keeping its own domain's slot."""
        p, D, S = self.p, self.shape.num_domains, self.slot_dim
        w = (p[self.slot_domain] * p[self.slot_shared]).transpose(0, 1).reshape(self.F, D * S)
        per_domain = (x @ w).reshape(x.shape[0], D, S)
        bias = batch.domain_one_hot @ p[self.slot_domain_bias] + p[self.slot_shared_bias]
        return select_by_domain(per_domain, batch.domain) + bias

    def _experts(self, emb: Tensor) -> Tensor:
        """emb [B, in] → all experts [B, N, H]."""
        h = None
        for i, (stack, norm) in enumerate(self.expert_layers):
            y = stack.forward_shared(emb) if i == 0 else stack.forward_each(h.transpose(0, 1)).transpose(0, 1)
            h = torch.relu(layer_norm(self.p, y, norm))
        return h

    @staticmethod
    def _fuse(members: Tensor, beta: Tensor, n: int) -> Tensor:
        """Own member weighted σ(β), the others share 1 − σ(β) (nothing to share when n = 1)."""
        own = torch.sigmoid(beta)
        kept = members * own
        if n == 1:
            return kept
        others = members.sum(1, keepdim=True) - members
        return kept + others * ((1 - own) / (n - 1))

    def forward(self, batch: Batch, mode: str) -> Output:
        p = self.p
        D, T, E, H = self.shape.num_domains, self.shape.num_tasks, self.E, self.H
        B = batch.size
        alpha_d, alpha_t, beta_d, beta_t = (p[n] for n in self.structure)
        x = self.input(batch)
        skip_out = torch.relu(layer_norm(p, self.skip(x), self.skip_norm))
        emb = torch.relu(layer_norm(p, self.bottom(self._slot(x, batch)), self.bottom_norm)) + skip_out
        everything = self._experts(emb)
        shared, domain, task = everything[:, :E], everything[:, E : E + D], everything[:, E + D :]
        g = self.gates(emb.detach() if self.gate_stop_gradient else emb)  # [B, D·T, E], gate d·T + t
        s = mix_experts(g, shared).reshape(B, D, T, H)
        dom = self._fuse(domain, beta_d, D)
        tsk = self._fuse(task, beta_t, T)
        fused = s + dom.unsqueeze(2) * torch.sigmoid(alpha_d) + tsk.unsqueeze(1) * torch.sigmoid(alpha_t)
        # One tower per (d, t) on every sample, then each sample keeps its own domain's logits.
        xs = fused.reshape(B, D * T, H).transpose(0, 1)
        hidden = torch.relu(layer_norm(p, self.tower_hidden.forward_each(xs), self.tower_norm))
        cells = self.tower_out.forward_each(hidden).reshape(D, T, B).permute(2, 0, 1)
        logits = select_by_domain(cells, batch.domain)
        routing = {}
        if mode == EVAL:
            own = select_by_domain(g.reshape(B, D, T, E), batch.domain)
            routing = {f"gate · {name}": own[:, t, :] for t, name in enumerate(self.shape.task_names)}
        return Output(logits, routing, {})

    def task_loss(self, bce: Tensor, mask: Tensor, batch: Batch) -> Tensor:
        return group_loss(bce, mask, batch.domain_one_hot)

    def before_step(self, step: int, epoch: int, steps_per_epoch: int) -> Tuple[bool, bool]:
        if self.schedule == "published":
            # The official trainer's extra structure step comes once per epoch, after its last batch.
            self.architecture.every_steps = steps_per_epoch
        return False, False

    def inspect(self) -> dict:
        with torch.no_grad():
            v = [float(torch.sigmoid(self.p[n])) for n in self.structure]
        return {"σ(α_D)": v[0], "σ(α_T)": v[1], "σ(β_D)": v[2], "σ(β_T)": v[3]}
