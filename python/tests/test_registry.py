"""What the engine has and a twin lacks is refused, not ignored: the engine's catalog moves in parallel."""
from __future__ import annotations

import pytest

from moe_playground import catalog
from moe_playground.errors import ExperimentError
from moe_playground.experiment import check_twin_train
from moe_playground.models import MODELS, build_model
from moe_playground.models.base import BuildContext
from moe_playground.models.layers import DataShape
from moe_playground.rng import Rng

SHAPE = DataShape(3, 2, 20, 3, 2, ["a", "b", "c"], ["click", "buy"])


def test_every_twin_implements_exactly_its_models_options():
    for model_id, info in catalog.MODELS.items():
        assert sorted(MODELS[model_id].OPTIONS) == sorted(o["key"] for o in info["options"]), model_id


def test_an_option_the_twin_lacks_is_refused(monkeypatch):
    spec = {"key": "newGate", "kind": "bool", "default": False}
    monkeypatch.setitem(catalog.MODELS["mmoe"], "options", catalog.MODELS["mmoe"]["options"] + [spec])
    with pytest.raises(ExperimentError, match='does not implement the option\\(s\\) newGate'):
        build_model("mmoe", {}, BuildContext(SHAPE, 4, Rng(1)))


def test_a_training_setting_the_twins_lack_is_refused_unless_at_its_default(monkeypatch):
    monkeypatch.setitem(catalog.DEFAULT_TRAIN, "domainInput", False)
    check_twin_train({**catalog.DEFAULT_TRAIN})
    with pytest.raises(ExperimentError, match="train.domainInput"):
        check_twin_train({**catalog.DEFAULT_TRAIN, "domainInput": True})
