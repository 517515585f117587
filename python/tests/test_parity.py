"""Same weights, same logits: every exported run of every model, scored by its PyTorch twin."""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from moe_playground.catalog import MODELS
from moe_playground.models import build_model
from moe_playground.models.base import build_context
from moe_playground.models.layers import DataShape
from moe_playground.parity import DEFAULT_TOLERANCE, compare, twin_of
from moe_playground.rng import Rng
from moe_playground.runzip import read_run_zip

INPUT_SETTINGS = [("domainInput", True), ("domainInput", False), ("embeddingInit", "normal"), ("embeddingInit", "uniform")]


def test_every_run_of_every_model_gives_the_engines_logits(engine_exports, tmp_path):
    results = []
    for r in engine_exports["runs"]:
        run = read_run_zip(os.path.join(engine_exports["dir"], r["zip"]))
        res = compare(run, engine_exports["csv"], str(tmp_path / os.path.basename(r["zip"])))
        results.append((r["zip"], res))
    failed = [f'{z}: inputs match {res.get("inputsMatch")}, max |Δ logit| {res.get("maxAbsLogitDiff")}, {res.get("error", "")}' for z, res in results if not res["ok"]]
    assert not failed, "runs whose twin differs:\n" + "\n".join(failed)
    assert all(res["maxAbsLogitDiff"] <= DEFAULT_TOLERANCE and res["rows"] > 200 for _, res in results)
    assert {run["id"] for run in engine_exports["runs"]} == set(MODELS)


def test_the_runs_cover_every_option_value_of_the_registry(engine_exports):
    """Each choice and switch of every model's catalog entry, and each model-input setting, appears in an exported run."""
    trains = [read_run_zip(os.path.join(engine_exports["dir"], r["zip"])).experiment["train"] for r in engine_exports["runs"]]
    missing = [f"train.{k} = {v}" for k, v in INPUT_SETTINGS if not any(t[k] == v for t in trains)]
    for model_id, info in MODELS.items():
        runs = [{**{o["key"]: o["default"] for o in info["options"]}, **r["options"]} for r in engine_exports["runs"] if r["id"] == model_id]
        for spec in info["options"]:
            values = [c["value"] for c in spec["choices"]] if spec["kind"] == "choice" else [True, False] if spec["kind"] == "bool" else []
            missing += [f'{model_id}.{spec["key"]} = {v}' for v in values if not any(run[spec["key"]] == v for run in runs)]
    assert not missing, f"option values no exported run has: {missing}"


def test_a_run_exported_before_domain_input_existed_is_read_without_the_domain_field(engine_exports, tmp_path):
    """config.json without train.domainInput: built with domainInput false, as the page's import reads it."""
    entry = next(e for e in engine_exports["inits"] if e["zip"].endswith("--other-input.zip"))
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(os.path.join(engine_exports["dir"], entry["zip"])) as z, zipfile.ZipFile(old, "w") as w:
        for name in z.namelist():
            data = z.read(name)
            if name == "config.json":
                config = json.loads(data)
                del config["train"]["domainInput"]
                data = json.dumps(config).encode()
            w.writestr(name, data)
    run = read_run_zip(str(old))
    assert run.experiment["train"]["domainInput"] is False
    assert "domainEmbedding" not in twin_of(run).p.names()


def test_a_seed_gives_the_pages_initial_weights(engine_exports):
    """
    Built with the run's seed, every twin holds the engine's initial weights exactly, under the same names in the same
    order, under each model-input setting (the domain field and its table, normal or uniform embedding tables).
    """
    for entry in engine_exports["inits"]:
        run = read_run_zip(os.path.join(engine_exports["dir"], entry["zip"]))
        train = run.experiment["train"]
        model, _ = build_model(entry["id"], run.experiment["model"]["options"], build_context(DataShape.of(run.schema), train, Rng(train["seed"])))
        assert model.p.names() == list(run.weights), entry["id"]
        differ = [n for n, w in run.weights.items() if not np.array_equal(model.p[n].detach().numpy(), w)]
        assert not differ, f'{entry["id"]}: initial weights differ: {differ}'
