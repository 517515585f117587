"""
AESM² (Zou et al., SIGIR 2022), twin of src/engine/models/aesm2.ts: L_s scenario layers under L_t task layers,
each N experts with per-instance expert selection.
  X = stack_n Expert_n(h)                       [B, N, H]   Linear → BatchNorm → ReLU → dropout per layer
  A = stack_g Gate_g([h ; e_scenario])          [B, G, N]   G = D gates (scenario layers); task layers: G = T, input also e_task
  P = softmax_G(A + noise·N·ε)                  per expert a distribution over the G gates (ε in training only)
  KL_sp[n] = KL(onehot(own) ‖ P[:, n]),  KL_sh[n] = KL(uniform(1/G) ‖ P[:, n])
  SP = k_sp smallest KL_sp,  SH = k_sh smallest KL_sh              (a constant mask: no gradient through the choice)
  W = softmax_N(A_own + M),  M = 0 on SP ∪ SH, −1e9 elsewhere;  h' = Σ_n W_n X_n     (additive masking)
  loss = Σ_t BCE_t + α Σ_layers mean_SP KL_sp + β Σ_layers mean_SH KL_sh
`masking: multiplicative` restores the released code's ×−1e9.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .base import BuildContext, TwinModel
from .gates import mix_experts
from .layers import (
    EVAL,
    TRAIN,
    Batch,
    Dense,
    FeatureInput,
    Output,
    Params,
    batch_norm,
    batch_norm_params,
    dropout,
)
from .selection import masked_gate_weights, smallest_k_mask
from .towers import TaskTowers


class ExpertStack:
    """N expert MLPs reading one input, every layer Linear → [BatchNorm] → ReLU → [dropout]."""

    def __init__(self, p: Params, name: str, n: int, in_dim: int, sizes: List[int], use_bn: bool, rate: float) -> None:
        if not sizes:
            raise ValueError(f"{name}: an expert needs at least one layer")
        self.p, self.n, self.sizes, self.rate = p, n, sizes, rate
        self.layers = []
        for i, s in enumerate(sizes):
            fan_in = in_dim if i == 0 else sizes[i - 1]
            shape = [n * s] if i == 0 else [n, 1, s]
            w = p.uniform(f"{name}.{i}.w", [in_dim, n * s] if i == 0 else [n, fan_in, s], fan_in)
            b = p.uniform(f"{name}.{i}.b", shape, fan_in)
            bn = batch_norm_params(p, f"{name}.{i}.bn", shape) if use_bn else None
            self.layers.append((w, b, bn))
        self.out_dim = sizes[-1]

    def __call__(self, x: Tensor, mode: str) -> Tensor:
        """x [B, in] → [B, N, out]."""
        p, B = self.p, x.shape[0]
        w, b, bn = self.layers[0]
        z = x @ p[w] + p[b]
        if bn is not None:
            z = batch_norm(p, z, bn, 0, mode)
        h0 = dropout(torch.relu(z), self.rate, mode)
        if len(self.layers) == 1:
            return h0.reshape(B, self.n, self.sizes[0])
        h = h0.reshape(B, self.n, self.sizes[0]).transpose(0, 1)
        for w, b, bn in self.layers[1:]:
            z = torch.bmm(h, p[w]) + p[b]
            if bn is not None:
                z = batch_norm(p, z, bn, 1, mode)
            h = dropout(torch.relu(z), self.rate, mode)
        return h.transpose(0, 1)


@dataclass
class SelectionConfig:
    k_sp: int
    k_sh: int
    noise_scale: float
    masking: str


@dataclass
class Selection:
    out: Tensor
    weights: Tensor
    loss_sp: Tensor
    loss_sh: Tensor


def select_experts(A: Tensor, own: Tensor, c: SelectionConfig, mode: str):
    """Per-instance selection of specific and shared experts from G gate logits (official `select_experts`)."""
    B, G, N = A.shape
    noisy = A + torch.randn_like(A) * (c.noise_scale * N) if mode == TRAIN and c.noise_scale > 0 else A
    # log P over the gates, per expert: KL(onehot ‖ P) = −log P_own, KL(uniform ‖ P) = −log G − mean_g log P_g.
    log_p = F.log_softmax(noisy.transpose(1, 2), -1)  # [B, N, G]
    kl_sp = -(log_p * own.unsqueeze(1)).sum(2)
    kl_sh = -log_p.mean(2) - math.log(G)
    sp = smallest_k_mask(kl_sp, c.k_sp)
    sh = smallest_k_mask(kl_sh, c.k_sh)
    loss_sp = (kl_sp * sp).sum() / (B * c.k_sp) if c.k_sp > 0 else A.new_zeros(())
    loss_sh = (kl_sh * sh).sum() / (B * c.k_sh) if c.k_sh > 0 else A.new_zeros(())
    a_own = (A * own.unsqueeze(2)).sum(1)
    return masked_gate_weights(a_own, sp, sh, c.masking), loss_sp, loss_sh


class SelectionLayer:
    """One AESM² layer: N experts and G gates over them, read from [h ; context]."""

    def __init__(self, p: Params, name: str, in_dim: int, context_dim: int, gates: int, experts: int, sizes: List[int], use_bn: bool, rate: float):
        self.experts = ExpertStack(p, f"{name}.experts", experts, in_dim, sizes, use_bn, rate)
        self.gates = Dense(p, f"{name}.gates", in_dim + context_dim, gates * experts)
        self.num_gates = gates
        self.out_dim = self.experts.out_dim

    def __call__(self, h: Tensor, context: Tensor, own: Tensor, c: SelectionConfig, mode: str, X: Optional[Tensor] = None) -> Selection:
        experts = X if X is not None else self.experts(h, mode)
        A = self.gates(torch.cat([h, context], 1)).reshape(h.shape[0], self.num_gates, self.experts.n)
        weights, loss_sp, loss_sh = select_experts(A, own, c, mode)
        out = mix_experts(weights.unsqueeze(1), experts).squeeze(1)
        return Selection(out, weights, loss_sp, loss_sh)


class Aesm2(TwinModel):
    OPTIONS = ("scenarioLayers", "taskLayers", "experts", "kSp", "kSh", "scenarioExpertLayers", "taskExpertLayers", "indicatorDim", "noiseScale", "alpha", "beta", "batchNorm", "dropout", "shareTaskLayers", "masking", "towerLayers")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        p = self.p
        D, T, N = s.num_domains, s.num_tasks, o["experts"]
        problems = []
        if o["kSp"] > N:
            problems.append(f'option "kSp" ({o["kSp"]}) must not exceed "experts" ({N})')
        if o["kSh"] > N:
            problems.append(f'option "kSh" ({o["kSh"]}) must not exceed "experts" ({N})')
        if o["kSp"] + o["kSh"] < 1:
            problems.append('options "kSp" and "kSh" select no expert: at least one must be ≥ 1')
        if o["scenarioLayers"] + o["taskLayers"] < 1:
            problems.append('options "scenarioLayers" and "taskLayers" are both 0: at least one layer is needed')
        if problems:
            raise ValueError(f"AESM²: {'; '.join(problems)}")
        self.o = o
        self.input = FeatureInput(p, ctx)
        # Scenario and task indicators (the paper's e_scenario, e_task): embedding tables, initialised like the features'.
        self.scenario_emb = p.embedding("scenarioEmbedding", [D, o["indicatorDim"]], ctx)
        self.task_emb = p.embedding("taskEmbedding", [T, o["indicatorDim"]], ctx) if o["taskLayers"] > 0 else None
        self.sel = SelectionConfig(o["kSp"], o["kSh"], o["noiseScale"], o["masking"])
        self.scenario: List[SelectionLayer] = []
        width = self.input.width
        for i in range(o["scenarioLayers"]):
            layer = SelectionLayer(p, f"scenario{i + 1}", width, o["indicatorDim"], D, N, o["scenarioExpertLayers"], o["batchNorm"], o["dropout"])
            self.scenario.append(layer)
            width = layer.out_dim
        # Task layers: one bank per layer shared by every task path (the released code), or one per task path.
        self.task: List[List[SelectionLayer]] = []
        for i in range(o["taskLayers"]):

            def make(name: str) -> SelectionLayer:
                return SelectionLayer(p, name, width, 2 * o["indicatorDim"], T, N, o["taskExpertLayers"], o["batchNorm"], o["dropout"])

            if o["shareTaskLayers"]:
                shared = make(f"task{i + 1}")
                self.task.append([shared] * T)
            else:
                self.task.append([make(f"task{i + 1}.{s.task_names[t]}") for t in range(T)])
            width = self.task[i][0].out_dim
        self.towers = TaskTowers(p, "towers", T, width, o["towerLayers"], o["taskLayers"] == 0)

    def forward(self, batch: Batch, mode: str) -> Output:
        p, o = self.p, self.o
        B, T = batch.size, self.shape.num_tasks
        routing: Dict[str, Tensor] = {}
        sp: List[Tensor] = []
        sh: List[Tensor] = []
        e_scenario = batch.domain_one_hot @ p[self.scenario_emb]
        h = self.input(batch)
        for i, layer in enumerate(self.scenario):
            s = layer(h, e_scenario, batch.domain_one_hot, self.sel, mode)
            h = s.out
            sp.append(s.loss_sp)
            sh.append(s.loss_sh)
            if mode == EVAL:
                routing[f"scenario L{i + 1}"] = s.weights
        if not self.task:
            logits = self.towers.forward_shared(h)
        else:
            owns = [F.one_hot(torch.full((B,), t, dtype=torch.long, device=h.device), T).float() for t in range(T)]
            contexts = [torch.cat([e_scenario, own @ p[self.task_emb]], 1) for own in owns]
            outs = [h] * T
            for i, layers in enumerate(self.task):
                # Every path reads the same h in the first task layer: shared experts then run once for all tasks.
                shared_x = layers[0].experts(h, mode) if o["shareTaskLayers"] and i == 0 else None
                new_outs = []
                for t, layer in enumerate(layers):
                    s = layer(outs[t], contexts[t], owns[t], self.sel, mode, shared_x)
                    sp.append(s.loss_sp)
                    sh.append(s.loss_sh)
                    if mode == EVAL:
                        routing[f"task L{i + 1} · {self.shape.task_names[t]}"] = s.weights
                    new_outs.append(s.out)
                outs = new_outs
            logits = self.towers.forward_each(torch.stack(outs, 1))
        aux = {"L_sp": torch.stack(sp).sum() * o["alpha"], "L_sh": torch.stack(sh).sum() * o["beta"]}
        return Output(logits, routing, aux)
