"""Model id → twin class (src/engine/models/registry.ts); options are checked against catalog.json first."""
from __future__ import annotations

from typing import Tuple

from ..catalog import resolve_options
from ..errors import ExperimentError
from .aesm2 import Aesm2
from .base import BuildContext, TwinModel
from .cesaa import Cesaa
from .m3oe import M3oe
from .mmoe import Mmoe
from .mome import Mome
from .ple import Ple
from .shared_bottom import SharedBottom
from .star import Star

MODELS = {
    "shared-bottom": SharedBottom,
    "mmoe": Mmoe,
    "ple": Ple,
    "aesm2": Aesm2,
    "cesaa": Cesaa,
    "star": Star,
    "m3oe": M3oe,
    "mome": Mome,
}


def build_model(model_id: str, options: dict, ctx: BuildContext) -> Tuple[TwinModel, dict]:
    """Validates the options (unknown keys and bad values name them) and builds the model."""
    resolved = resolve_options(model_id, options)
    if model_id not in MODELS:
        raise ExperimentError(f'model "{model_id}" has no PyTorch twin yet')
    twin = MODELS[model_id]
    unknown = [k for k in resolved if k not in twin.OPTIONS]
    if unknown:
        raise ExperimentError(f'the PyTorch twin of "{model_id}" does not implement the option(s) {", ".join(unknown)} yet')
    return twin(resolved, ctx), resolved
