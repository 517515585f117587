"""
PLE / CGC (Tang et al., RecSys 2020), twin of src/engine/models/ple.ts:
  level 1 reads x everywhere; level l > 1 reads, per unit u, h_u^{l−1} and, for the shared experts, h_s^{l−1}
  A_u^l = [Spec_{u,1..Ks}^l(h_u^{l−1}) ; Shared_{1..S}^l(h_s^{l−1})]
  h_u^l = Σ_k softmax(W_u^l h_u^{l−1} + b_u^l)[k] · A_u^l[k]                  unit gate: own + shared experts
  h_s^l = Σ_k softmax(W_s^l h_s^{l−1} + b_s^l)[k] · [all specific ; shared]   shared gate, levels l < L only
  logit_t = Tower_t(h_{u(b,t)}^L)
The unit u is per task, per domain d(b), or per (domain, task) cell; levels = 1 is CGC.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch
from torch import Tensor

from .base import BuildContext, TwinModel
from .gates import SoftmaxGates, mix_experts
from .layers import EVAL, Batch, FeatureInput, Output, StackedMlp, select_by_domain
from .towers import TaskTowers


class Ple(TwinModel):
    OPTIONS = ("levels", "specificExperts", "sharedExperts", "expertLayers", "specificPer", "towerLayers")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        p = self.p
        D, T = s.num_domains, s.num_tasks
        self.L, self.Ks, self.S = o["levels"], o["specificExperts"], o["sharedExperts"]
        self.per = o["specificPer"]
        self.U = T if self.per == "task" else D if self.per == "domain" else D * T
        self.K = self.Ks + self.S
        self.E = self.U * self.Ks + self.S
        if self.L < 1:
            raise ValueError("PLE needs at least one level")
        if self.Ks < 1:
            raise ValueError("PLE needs at least one specific expert per unit")
        self.input = FeatureInput(p, ctx)
        self.H = o["expertLayers"][-1]
        self.levels = []
        for l in range(1, self.L + 1):
            name = f"l{l}"
            in_dim = self.input.width if l == 1 else self.H
            if l == 1:
                experts = StackedMlp(p, f"{name}.experts", self.E, in_dim, o["expertLayers"], True)
                gates = SoftmaxGates(p, f"{name}.gates", in_dim, self.U, self.K)
                self.levels.append({"kind": "first", "experts": experts, "gates": gates, "sharedGate": self._shared_gate(name, in_dim, l)})
            else:
                specific = StackedMlp(p, f"{name}.specific", self.U * self.Ks, in_dim, o["expertLayers"], False)
                shared = StackedMlp(p, f"{name}.shared", self.S, in_dim, o["expertLayers"], True) if self.S > 0 else None
                gates = StackedMlp(p, f"{name}.gates", self.U, in_dim, [self.K], False, True)
                self.levels.append(
                    {"kind": "later", "specific": specific, "shared": shared, "gates": gates, "sharedGate": self._shared_gate(name, in_dim, l)}
                )
        # A domain unit gives every task of a sample the same input: one read of it by all towers.
        self.towers = TaskTowers(p, "towers", T, self.H, o["towerLayers"], self.per == "domain")

    def _shared_gate(self, name: str, in_dim: int, l: int) -> Optional[SoftmaxGates]:
        # The last level has no shared gate: nothing reads its shared output.
        return SoftmaxGates(self.p, f"{name}.sharedGate", in_dim, 1, self.E) if l < self.L and self.S > 0 else None

    def _mix_units(self, w: Tensor, own: Tensor, shared: Optional[Tensor]) -> Tensor:
        """Σ_k w[b,u,k] · own[b,u,k,:] + Σ_s w[b,u,Ks+s] · shared[b,s,:] → [B, U, H]."""
        out = (w[:, :, : self.Ks].unsqueeze(3) * own).sum(2)
        if shared is not None:
            out = out + mix_experts(w[:, :, self.Ks :], shared)
        return out

    def _spread(self, w: Tensor) -> Tensor:
        """Unit gate weights [B, U, Ks+S] over all E experts of the level: zeros on other units' experts."""
        B = w.shape[0]
        rows = []
        for u in range(self.U):
            parts = []
            if u > 0:
                parts.append(w.new_zeros(B, u * self.Ks))
            parts.append(w[:, u, : self.Ks])
            if u < self.U - 1:
                parts.append(w.new_zeros(B, (self.U - 1 - u) * self.Ks))
            if self.S > 0:
                parts.append(w[:, u, self.Ks :])
            rows.append(torch.cat(parts, 1))
        return torch.stack(rows, 1)

    def _pick_unit(self, v: Tensor, domain: Tensor) -> Tensor:
        """Per unit [B, U, ...] → per (sample, task) [B, T, ...], or [B, ...] for domain units."""
        if self.per == "task":
            return v
        if self.per == "domain":
            return select_by_domain(v, domain)
        B, _, W = v.shape
        return select_by_domain(v.reshape(B, self.shape.num_domains, self.shape.num_tasks, W), domain)

    def forward(self, batch: Batch, mode: str) -> Output:
        x = self.input(batch)
        B, U, Ks, S, H = x.shape[0], self.U, self.Ks, self.S, self.H
        units: Optional[Tensor] = None
        shared_in = x
        last_weights: Optional[Tensor] = None
        shared_routing: Dict[str, Tensor] = {}
        for i, level in enumerate(self.levels):
            shared: Optional[Tensor] = None
            if level["kind"] == "first":
                everything = level["experts"].forward_shared(x)
                own = everything[:, : U * Ks].reshape(B, U, Ks, H)
                if S > 0:
                    shared = everything[:, U * Ks :]
                w = level["gates"](x)
            else:
                per_unit = units.transpose(0, 1)  # [U, B, H]
                # Each unit's input repeated for its Ks experts: [U·Ks, B, H], unit-major like the experts.
                per_expert = per_unit.unsqueeze(1).expand(U, Ks, B, H).reshape(U * Ks, B, H)
                spec = level["specific"].forward_each(per_expert).transpose(0, 1)  # [B, U·Ks, H]
                own = spec.reshape(B, U, Ks, H)
                if level["shared"] is not None:
                    shared = level["shared"].forward_shared(shared_in)
                w = torch.softmax(level["gates"].forward_each(per_unit), -1).transpose(0, 1)
                everything = torch.cat([spec, shared], 1) if shared is not None else spec
            nxt = self._mix_units(w, own, shared)
            if level["sharedGate"] is not None:
                g = level["sharedGate"](shared_in)  # [B, 1, E]
                shared_in = mix_experts(g, everything).squeeze(1)
                if mode == EVAL:
                    shared_routing[f"shared gate · level {i + 1}"] = g.squeeze(1)
            units = nxt
            last_weights = w
        picked = self._pick_unit(units, batch.domain)
        logits = self.towers.forward_shared(picked) if self.per == "domain" else self.towers.forward_each(picked)
        routing: Dict[str, Tensor] = {}
        if mode == EVAL:
            spread = self._pick_unit(self._spread(last_weights), batch.domain)
            for t, name in enumerate(self.shape.task_names):
                routing[f"gate · {name}"] = spread if self.per == "domain" else spread[:, t, :]
            routing.update(shared_routing)
        return Output(logits, routing, {})
