"""What the engine has and a twin lacks is refused, not ignored: the engine's catalog moves in parallel."""
from __future__ import annotations

import pytest

from moe_playground import catalog
from moe_playground.errors import ExperimentError
from moe_playground.experiment import check_twin_train, parse_data_mapping, parse_train_config
from moe_playground.models import MODELS, build_model
from moe_playground.models.base import build_context
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
        build_model("mmoe", {}, build_context(SHAPE, catalog.DEFAULT_TRAIN, Rng(1)))


def test_a_training_setting_the_twins_lack_is_refused_unless_at_its_default(monkeypatch):
    monkeypatch.setitem(catalog.DEFAULT_TRAIN, "gradientClip", 0)
    check_twin_train({**catalog.DEFAULT_TRAIN})
    with pytest.raises(ExperimentError, match="train.gradientClip"):
        check_twin_train({**catalog.DEFAULT_TRAIN, "gradientClip": 1})


def test_the_model_input_settings_are_implemented():
    check_twin_train({**catalog.DEFAULT_TRAIN, "domainInput": False, "embeddingInit": "uniform", "embeddingInitScale": 0.5})


def test_training_settings_past_the_engines_limits_are_refused():
    with pytest.raises(ExperimentError, match="train.embeddingInitScale is 1e\\+39, more than the 10 a run may use"):
        parse_train_config({"embeddingInitScale": 1e39})
    with pytest.raises(ExperimentError, match="train.batchSize is 1000000000, more than the 1048576"):
        parse_train_config({"batchSize": 1_000_000_000})
    assert parse_train_config({"embeddingInitScale": 10})["embeddingInitScale"] == 10


def test_the_pages_domain_names_are_carried_and_an_empty_one_refused():
    data = {"domain": "sex", "tasks": [{"name": "click", "column": "click", "rule": "== 1"}]}
    names = {"0": "Female", "1": "Male"}
    assert parse_data_mapping({**data, "domainNames": names})["domainNames"] == names
    with pytest.raises(ExperimentError, match='data.domainNames\\["0"\\]'):
        parse_data_mapping({**data, "domainNames": {"0": " "}})
