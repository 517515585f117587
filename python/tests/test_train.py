"""Training at scale: torchrun with two processes (gloo), and the zip it writes imported by the page's engine."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, node_tool
from moe_playground.runzip import read_run_zip
from moe_playground.train import main as train_main

TRAIN = {"epochs": 2, "batchSize": 64, "learningRate": 0.01, "seed": 2, "embeddingDim": 4, "patience": 1}


def experiment(engine_exports, tmp_path, model: dict) -> str:
    mapping = next(e["mapping"] for e in engine_exports["encodings"] if e["name"] == "models")
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps({"data": {**mapping, "path": engine_exports["csv"]}, "model": model, "train": TRAIN}))
    return str(path)


def events(stdout: str) -> dict:
    lines = [json.loads(l) for l in stdout.splitlines() if l.startswith("{")]
    return {e["event"]: e for e in lines}


def test_torchrun_two_processes_train_a_zip_the_page_imports(engine_exports, tmp_path):
    """MoME switches phase mid-run (DDP is rebuilt on the new parameters); the page's engine then imports the zip and
    scores the test split as the twin did."""
    exp = experiment(engine_exports, tmp_path, {"id": "mome", "options": {"experts": 4, "expertLayers": [32, 16], "towerLayers": [8], "switchAt": 20, "switchUnit": "steps"}})
    out = str(tmp_path / "run.zip")
    # torch.distributed.run is torchrun; --redirects/--tee work around Debian's PyTorch 1.13 under Python 3.11 (see README).
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--redirects", "2", "--tee", "2", "--nproc_per_node", "2"]
    cmd += ["-m", "moe_playground.train", exp, "--out", out, "--cache", str(tmp_path / "cache")]
    env = {**os.environ, "PYTHONPATH": os.path.join(REPO, "python"), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = events(done.stdout)["summary"]
    assert summary["processes"] == 2 and summary["distributedBackend"] == "gloo"
    run = read_run_zip(out)
    assert "base.0.expertMasks" in run.weights, "the zip holds phase B's masks"
    assert "domainEmbedding" in run.weights, "the domain is a model input by default"
    # MoME's phase switch forgets the best epoch; the test metrics say which weights they come from.
    assert run.metrics["weightsFrom"]["kind"] in ("best", "last") and run.metrics["flags"] == summary["flags"]
    page = json.loads(node_tool("import-check.ts", "--zip", out, "--data", engine_exports["csv"]).splitlines()[-1])["test"]
    twin = run.metrics["test"]
    assert [g["name"] for g in page["gates"]] == [g["name"] for g in twin["gates"]]
    for d, tasks in enumerate(twin["byCell"]):
        for t, cell in enumerate(tasks):
            assert cell["rows"] == page["byCell"][d][t]["rows"]
            if cell["auc"] is not None:
                assert page["byCell"][d][t]["auc"] == pytest.approx(cell["auc"], abs=1e-4)


def test_m3oe_takes_its_architecture_steps_on_validation_batches(engine_exports, tmp_path, capsys):
    """One process, no torchrun: the structure weights move by their own optimizer (DARTS every 2 steps) only."""
    exp = experiment(engine_exports, tmp_path, {"id": "m3oe", "options": {"experts": 2, "slotDim": 16, "bottomDim": 8, "expertLayers": [8], "towerHidden": 8, "archEvery": 2, "archLr": 0.05}})
    out = str(tmp_path / "m3oe.zip")
    assert train_main([exp, "--out", out, "--cache", str(tmp_path / "cache")]) == 0
    run = read_run_zip(out)
    structure = [float(run.weights[f"structure.{k}"]) for k in ("alphaD", "alphaT", "betaD", "betaT")]
    assert all(abs(v - 1.0) > 1e-3 for v in structure), structure
    assert run.metrics["test"]["inspect"]["σ(α_D)"] == pytest.approx(1 / (1 + pow(2.718281828459045, -structure[0])), abs=1e-6)
