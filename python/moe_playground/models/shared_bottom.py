"""
Shared-Bottom (Caruana 1997), twin of src/engine/models/sharedBottom.ts:
  h = MLP_bottom(x);   logit_t = Tower_t(h)
"""
from __future__ import annotations

from .base import BuildContext, TwinModel
from .layers import Batch, FeatureInput, Mlp, Output
from .towers import TaskTowers


class SharedBottom(TwinModel):
    OPTIONS = ("bottomLayers", "towerLayers")

    def __init__(self, o: dict, ctx: BuildContext) -> None:
        super().__init__(ctx)
        s = ctx.shape
        self.input = FeatureInput(self.p, ctx)
        self.bottom = Mlp(self.p, "bottom", self.input.width, o["bottomLayers"])
        self.towers = TaskTowers(self.p, "towers", s.num_tasks, self.bottom.out_dim, o["towerLayers"], True)

    def forward(self, batch: Batch, mode: str) -> Output:
        h = self.bottom(self.input(batch))
        return Output(self.towers.forward_shared(h), {}, {})
