"""
MMoE (Ma et al., KDD 2018), twin of src/engine/models/mmoe.ts:
  e_k = Expert_k(x);   g_u = softmax(W_u x + b_u);   logit_t = Tower_t(Σ_k g_{u(b,t)}[k] e_k)
The gate unit u is per task, per domain d(b), or per (domain, task) cell.
"""
from __future__ import annotations

from torch import Tensor

from .base import BuildContext, TwinModel
from .gates import SoftmaxGates, mix_experts
from .layers import EVAL, Batch, FeatureInput, Output, StackedMlp, select_by_domain
from .towers import TaskTowers


class Mmoe(TwinModel):
    OPTIONS = ("experts", "expertLayers", "gate", "towerLayers")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        self.gate = o["gate"]
        D, T, E = s.num_domains, s.num_tasks, o["experts"]
        self.input = FeatureInput(self.p, ctx)
        self.experts = StackedMlp(self.p, "experts", E, self.input.width, o["expertLayers"], True)
        gates = T if self.gate == "task" else D if self.gate == "domain" else D * T
        self.gates = SoftmaxGates(self.p, "gates", self.input.width, gates, E)
        self.towers = TaskTowers(self.p, "towers", T, self.experts.out_dim, o["towerLayers"], False)

    def _task_weights(self, g: Tensor, domain: Tensor) -> Tensor:
        """Each sample's gate weights for each task, [B, T, E]."""
        B, T, E = g.shape[0], self.shape.num_tasks, g.shape[2]
        if self.gate == "task":
            return g
        if self.gate == "domain":
            return select_by_domain(g, domain).unsqueeze(1).expand(B, T, E)
        return select_by_domain(g.reshape(B, self.shape.num_domains, T, E), domain)

    def forward(self, batch: Batch, mode: str) -> Output:
        x = self.input(batch)
        e = self.experts.forward_shared(x)
        w = self._task_weights(self.gates(x), batch.domain)
        logits = self.towers.forward_each(mix_experts(w, e))
        routing = {f"gate · {name}": w[:, t, :] for t, name in enumerate(self.shape.task_names)} if mode == EVAL else {}
        return Output(logits, routing, {})
