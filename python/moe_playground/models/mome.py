"""
MoME (Xu, Sun & Zhao, SIGIR 2024), twin of src/engine/models/mome.ts.
Masks are stochastic gates (STG): z(μ) = clamp(μ + ε, 0, 1), ε ~ N(0, σ²) once per forward in training,
z = clamp(μ, 0, 1) in evaluation (or its 0.5 threshold); L0 penalty λ · mean Φ(μ/σ).
  Phase A (before M):  h_l = Dropout(ReLU(BN(h_{l−1} (z(μ_l)[:, None] ⊙ W_l) + b_l)));  logit_t = Tower_t(h_L)
  Switch at M:         W_l ← z_l[:, None] ⊙ W_l, rows with z_l = 0 dropped (kept at 0); neuron masks frozen;
                       per-expert weight masks μ_{l,e} (init 0.5) and a softmax gate per task on x created
  Phase B (from M):    W_{l,e} = z(μ_{l,e}) ⊙ W_l;  logit_t = Tower_t(Σ_e softmax(W_t x)_e H_e)
"""
from __future__ import annotations

import math
from typing import Iterable, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .base import BuildContext, TwinModel
from .gates import SoftmaxGates, mix_experts
from .layers import EVAL, TRAIN, Batch, BatchNorm, FeatureInput, Output, Params, batch_norm, batch_norm_params, dropout


def normal_cdf(x: Tensor) -> Tensor:
    return (torch.erf(x * math.sqrt(0.5)) + 1) * 0.5


class BnTowers:
    """One tower per task: Linear → BN → ReLU → Dropout per hidden layer, then Linear(·, 1), stacked."""

    def __init__(self, p: Params, name: str, n: int, in_dim: int, sizes: List[int]) -> None:
        self.p, self.n = p, n
        self.hidden = []
        d = in_dim
        for i, h in enumerate(sizes):
            w = p.uniform(f"{name}.{i}.w", [n, d, h], d)
            b = p.uniform(f"{name}.{i}.b", [n, 1, h], d)
            self.hidden.append((w, b, batch_norm_params(p, f"{name}.{i}.bn", [n, 1, h], [n, 1, h])))
            d = h
        self.out = (p.uniform(f"{name}.out.w", [n, d, 1], d), p.uniform(f"{name}.out.b", [n, 1, 1], d))

    def forward_each(self, xs: Tensor, rate: float, mode: str) -> Tensor:
        """xs [T, B, in], one input per tower → logits [B, T]."""
        p = self.p
        h = xs
        for w, b, bn in self.hidden:
            h = dropout(torch.relu(batch_norm(p, torch.bmm(h, p[w]) + p[b], bn, 1, mode)), rate, mode)
        y = torch.bmm(h, p[self.out[0]]) + p[self.out[1]]
        return y.reshape(self.n, xs.shape[1]).transpose(0, 1)

    def forward_shared(self, x: Tensor, rate: float, mode: str) -> Tensor:
        return self.forward_each(x.unsqueeze(0).expand(self.n, *x.shape), rate, mode)


class _BaseLayer:
    def __init__(self, p: Params, l: int, in_dim: int, out_dim: int) -> None:
        self.in_dim, self.out_dim = in_dim, out_dim
        self.w = p.uniform(f"base.{l}.w", [in_dim, out_dim], in_dim)
        self.b = p.uniform(f"base.{l}.b", [out_dim], in_dim)
        # μ_l: phase A's neuron mask, frozen at the switch.
        self.neuron = p.constant(f"base.{l}.neuronMask", [in_dim], 0.5)
        self.bn = batch_norm_params(p, f"base.{l}.bn", [out_dim], [1, out_dim])
        # Phase B: kept rows (1/0), expert masks μ_{l,e} [E, in, out] and per-expert BN statistics.
        self.keep: Optional[str] = None
        self.masks: Optional[str] = None
        self.expert_bn: Optional[BatchNorm] = None


class Mome(TwinModel):
    OPTIONS = ("experts", "expertLayers", "towerLayers", "dropout", "switchAt", "switchUnit", "lambdaNeuron", "lambdaMask", "sigma", "thresholdMasks")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        p = self.p
        self.o = o
        self.E = o["experts"]
        self.input = FeatureInput(p, ctx)
        self.F = self.input.width
        self.layers: List[_BaseLayer] = []
        d = self.F
        for l, h in enumerate(o["expertLayers"]):
            self.layers.append(_BaseLayer(p, l, d, h))
            d = h
        self.towers = BnTowers(p, "towers", s.num_tasks, d, o["towerLayers"])
        self.gates: Optional[SoftmaxGates] = None
        self.phase = 0
        self.threshold_masks = bool(o["thresholdMasks"])

    def _gate(self, mu: Tensor, mode: str) -> Tensor:
        """Mask values: STG sample in training, clamp(μ) in evaluation (or its 0.5 threshold)."""
        if mode == TRAIN:
            return torch.clamp(mu + torch.randn_like(mu) * self.o["sigma"], 0, 1)
        z = torch.clamp(mu, 0, 1)
        return (z >= 0.5).float() if self.threshold_masks else z

    def _forward_a(self, x: Tensor, mode: str) -> Tuple[Tensor, Tensor]:
        p, o = self.p, self.o
        h = x
        penalty = x.new_zeros(())
        for l in self.layers:
            w = self._gate(p[l.neuron], mode).unsqueeze(1) * p[l.w]
            h = dropout(torch.relu(batch_norm(p, h @ w + p[l.b], l.bn, 0, mode)), o["dropout"], mode)
            penalty = penalty + normal_cdf(p[l.neuron] / o["sigma"]).mean()
        return h, penalty * o["lambdaNeuron"]

    def _forward_b(self, x: Tensor, mode: str) -> Tuple[Tensor, Tensor]:
        p, o, E = self.p, self.o, self.E
        B = x.shape[0]
        h = None
        penalty = x.new_zeros(())
        for i, l in enumerate(self.layers):
            keep = p[l.keep]
            mu = p[l.masks]
            keep_rows = keep.unsqueeze(1)
            # W_{l,e} = z(μ_{l,e}) ⊙ W_l, dropped rows held at exactly 0.
            w = self._gate(mu, mode) * (keep_rows * p[l.w])  # [E, in, out]
            if i == 0:
                wide = w.transpose(0, 1).reshape(l.in_dim, E * l.out_dim)
                y = (x @ wide).reshape(B, E, l.out_dim).transpose(0, 1)
            else:
                y = torch.bmm(h, w)
            h = dropout(torch.relu(batch_norm(p, y + p[l.b], l.expert_bn, 1, mode)), o["dropout"], mode)
            cdf = (normal_cdf(mu / o["sigma"]) * keep_rows).sum()
            penalty = penalty + cdf / (torch.clamp(keep.sum(), min=1) * l.out_dim)
        return h.transpose(0, 1), penalty * o["lambdaMask"]

    def switch_phase(self) -> None:
        if self.phase == 1:
            return
        p, E = self.p, self.E
        with torch.no_grad():
            for i, l in enumerate(self.layers):
                # Drop rows whose neuron mask is exactly 0; fold the kept rows' mask value into the base weights.
                z = torch.clamp(p[l.neuron], 0, 1)
                p[l.w].copy_(z.unsqueeze(1) * p[l.w])
                l.keep = p.constant(f"base.{i}.keep", [l.in_dim], 1, False)
                p[l.keep].copy_((z > 0).float())
                p[l.neuron].requires_grad_(False)
                l.masks = p.constant(f"base.{i}.expertMasks", [E, l.in_dim, l.out_dim], 0.5)
                # One BatchNorm (γ, β) shared by the experts as in the official code; batch statistics per expert.
                mean = p.constant(f"base.{i}.bn.expertMovingMean", [E, 1, l.out_dim], 0, False)
                variance = p.constant(f"base.{i}.bn.expertMovingVar", [E, 1, l.out_dim], 1, False)
                p[mean].copy_(p[l.bn.mean].reshape(1, 1, l.out_dim).expand(E, 1, l.out_dim))
                p[variance].copy_(p[l.bn.variance].reshape(1, 1, l.out_dim).expand(E, 1, l.out_dim))
                l.expert_bn = BatchNorm(l.bn.gamma, l.bn.beta, mean, variance)
        self.gates = SoftmaxGates(p, "gates", self.F, self.shape.num_tasks, E)
        self.phase = 1

    def forward(self, batch: Batch, mode: str) -> Output:
        x = self.input(batch)
        if self.phase == 0:
            h, penalty = self._forward_a(x, mode)
            return Output(self.towers.forward_shared(h, self.o["dropout"], mode), {}, {"L0 neuron": penalty})
        h, penalty = self._forward_b(x, mode)
        g = self.gates(x)  # [B, T, E]
        mixed = mix_experts(g, h).transpose(0, 1)
        logits = self.towers.forward_each(mixed, self.o["dropout"], mode)
        routing = {f"gate · {name}": g[:, t, :] for t, name in enumerate(self.shape.task_names)} if mode == EVAL else {}
        return Output(logits, routing, {"L0 mask": penalty})

    def before_step(self, step: int, epoch: int, steps_per_epoch: int) -> Tuple[bool, bool]:
        if self.phase == 1 or (step if self.o["switchUnit"] == "steps" else epoch) < self.o["switchAt"]:
            return False, False
        self.switch_phase()
        # New trainable variables and frozen neuron masks: a new optimizer; the phase-A best cannot be restored.
        return True, True

    def prepare_for(self, weight_names: Iterable[str]) -> None:
        if self.phase == 0 and any(n not in self.p for n in weight_names):
            self.switch_phase()

    def inspect(self) -> dict:
        """Fractions of mask entries at exactly 0 and 1 (of clamp(μ, 0, 1)), overlaps, storage against an MMoE."""
        p, E, T = self.p, self.E, self.shape.num_tasks
        with torch.no_grad():
            floats_outside_base = sum(p[n].numel() for n in p.names() if p.is_trainable(n) and not n.startswith("base."))
            bn_params = sum(2 * l.out_dim for l in self.layers)
            biases = sum(l.out_dim for l in self.layers)
            full_weights = sum(l.in_dim * l.out_dim for l in self.layers)
            gate_params = 0 if self.gates is not None else T * (self.F * E + E)
            mmoe = floats_outside_base + gate_params + E * (full_weights + biases + bn_params)
            if self.phase == 0:
                zs = [torch.clamp(p[l.neuron], 0, 1).cpu().numpy() for l in self.layers]
                stored = floats_outside_base + full_weights + biases + bn_params + sum(l.in_dim for l in self.layers) / 32
                return {
                    "phase": 0,
                    "neuron mask = 0 (fraction) [layer]": [float((z == 0).mean()) for z in zs],
                    "neuron mask = 1 (fraction) [layer]": [float((z == 1).mean()) for z in zs],
                    "params stored": stored,
                    "params of an MMoE of the same shape": mmoe,
                }
            zero, one, kept = [], [], []
            on_count = np.zeros(E)
            both = np.zeros((E, E))
            mask_bits = kept_weights = 0
            for l in self.layers:
                z = torch.clamp(p[l.masks], 0, 1).cpu().numpy()
                rows = np.flatnonzero(p[l.keep].cpu().numpy() > 0)
                kept.append(len(rows) / l.in_dim)
                per = len(rows) * l.out_dim
                mask_bits += E * per
                kept_weights += per
                zk = z[:, rows, :].reshape(E, per)
                zero.append([float((zk[e] == 0).sum() / max(1, per)) for e in range(E)])
                one.append([float((zk[e] == 1).sum() / max(1, per)) for e in range(E)])
                bits = (zk >= 0.5).astype(np.int64)
                on_count += bits.sum(1)
                both += bits @ bits.T
            # Jaccard overlap |A ∩ B| / |A ∪ B| of the experts' binary masks.
            union = on_count[:, None] + on_count[None, :] - both
            overlap = np.where(union > 0, both / np.maximum(union, 1), 1.0).tolist()
            stored = floats_outside_base + kept_weights + biases + bn_params + mask_bits / 32
            return {
                "phase": 1,
                "neuron rows kept (fraction) [layer]": kept,
                "mask = 0 (fraction) [layer][expert]": zero,
                "mask = 1 (fraction) [layer][expert]": one,
                "mask overlap, Jaccard of z ≥ 0.5 [expert][expert]": overlap,
                "params stored (floats + 1 bit per mask entry)": stored,
                "params of an MMoE of the same shape": mmoe,
                "storage vs MMoE": stored / mmoe,
            }
