"""
The twin trainer's integrity mechanisms, as src/engine/train/integrity.test.ts checks the page's: on a scripted model
whose weights a schedule sets per epoch (the learning rate is too small to move them), early stopping with the best
epoch restored, the weights a run capped mid-epoch is tested on, runs whose loss or weights break, and the flags.
"""
from __future__ import annotations

import json
import math
from typing import List, Optional, Tuple

import numpy as np
import pytest
import torch

from moe_playground import trainer as trainer_module
from moe_playground.catalog import DEFAULT_TRAIN
from moe_playground.data.encode import fit_encode
from moe_playground.distributed import Dist
from moe_playground.errors import MetricError, TrainingError
from moe_playground.metrics import auc, logloss
from moe_playground.models.base import TwinModel, build_context
from moe_playground.models.layers import TRAIN, Batch, DataShape, Output
from moe_playground.monitor import RunMonitor
from moe_playground.rng import Rng
from moe_playground.runzip import read_run_zip
from moe_playground.train import main as train_main
from moe_playground.trainer import Trainer

GOOD = (1.0, 0.0)
BAD = (-1.0, 0.0)
# Scores by the noise column alone: about chance, better than BAD, worse than GOOD.
NOISE = (0.0, 1.0)
# Every row the same score: every cell's AUC exactly 0.5.
DEAD = (0.0, 0.0)


def linear_csv(tmp_path, rows: int = 2000, noise: float = 0.8) -> str:
    """y = 1 when x1 + noise > 0; x2 is noise. Two domains, one task; the default seeded 80/10/10 split."""
    rng = Rng(11)
    lines = ["d,x1,x2,y"]
    for i in range(rows):
        x1 = rng.normal()
        lines.append(f"{'ab'[i % 2]},{x1:.4f},{rng.normal():.4f},{1 if x1 + noise * rng.normal() > 0 else 0}")
    path = tmp_path / "linear.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


MAPPING = {"domain": "d", "tasks": [{"name": "y", "column": "y", "rule": "== 1"}], "numeric": ["x1", "x2"]}


def config(**over) -> dict:
    return {**DEFAULT_TRAIN, "batchSize": 100, "learningRate": 1e-12, "epochs": 10, "patience": 2, "domainInput": False, **over}


class Scripted(TwinModel):
    """
    logit = x · w, w set to schedule[epoch] before every step of that epoch (the last entry repeats). From
    `break_epoch` on, training breaks: NaN logits (the loss goes non-finite), or with `break_update` an infinite
    gradient (the loss stays finite, the update does not).
    """

    OPTIONS = ()

    def __init__(self, data, schedule: List[Tuple[float, float]], break_epoch: Optional[int] = None, break_update: bool = False) -> None:
        super().__init__(build_context(DataShape.of(data.schema), config(), Rng(1)))
        self.w = self.p.constant("w", [2, 1], 0)
        self.schedule = schedule
        self.break_epoch = break_epoch
        self.break_update = break_update
        self.broken = False

    def forward(self, batch: Batch, mode: str) -> Output:
        logits = batch.num @ self.p[self.w]
        if self.broken and mode == TRAIN:
            if not self.break_update:
                return Output(logits * math.nan, {}, {})
            logits.register_hook(lambda g: torch.full_like(g, math.inf))
        return Output(logits, {}, {})

    def before_step(self, step: int, epoch: int, steps_per_epoch: int):
        self.broken = self.break_epoch is not None and epoch + 1 >= self.break_epoch
        with torch.no_grad():
            self.p[self.w].copy_(torch.tensor(self.schedule[min(epoch, len(self.schedule) - 1)]).reshape(2, 1))
        return False, False


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("linear")
    return fit_encode(linear_csv(d), MAPPING, str(d / "encoded"))


def train(model: TwinModel, data, **over):
    events: List[dict] = []
    result = Trainer(model, data, config(**over), Dist(), events.append).run()
    return result, events


def w_of(model: TwinModel) -> List[float]:
    return model.p[model.w].detach().reshape(-1).tolist()


def test_early_stops_after_patience_and_tests_the_best_epoch_restored(data):
    model = Scripted(data, [GOOD, BAD])
    result, _ = train(model, data, patience=2)
    assert (result.reason, result.epochs, result.best_epoch) == ("early-stopped", 3, 1)
    assert result.weights_from == {"kind": "best", "epoch": 1, "step": 16}
    assert w_of(model) == pytest.approx([1, 0], abs=1e-6) and result.test["meanCellAuc"] > 0.75


def test_a_run_capped_mid_epoch_keeps_its_last_weights_when_they_score_better(data):
    model = Scripted(data, [NOISE, GOOD])
    result, _ = train(model, data, maxSteps=21)
    assert result.reason == "max-steps"
    assert result.weights_from == {"kind": "last", "step": 21}
    assert w_of(model) == pytest.approx([1, 0], abs=1e-6)
    # The last weights were scored on the whole valid split, and that pass is the run's last valid report.
    assert result.valid["rows"] == len(data.splits["valid"]) and result.valid["meanCellAuc"] > 0.75


def test_a_run_capped_mid_epoch_restores_its_best_epoch_when_the_last_weights_score_worse(data):
    model = Scripted(data, [GOOD, BAD])
    result, _ = train(model, data, maxSteps=20)
    assert result.weights_from == {"kind": "best", "epoch": 1, "step": 16}
    assert w_of(model) == pytest.approx([1, 0], abs=1e-6)


def test_a_run_capped_before_its_first_epoch_ends_tests_its_last_weights(data):
    result, _ = train(Scripted(data, [GOOD]), data, maxSteps=7)
    assert (result.reason, result.epochs, result.weights_from) == ("max-steps", 0, {"kind": "last", "step": 7})


def test_a_loss_turning_nan_after_a_good_epoch_ends_the_run_diverged_on_the_best_epoch(data):
    model = Scripted(data, [GOOD, GOOD], break_epoch=2)
    result, _ = train(model, data)
    assert result.reason == "diverged"
    assert result.failure == (
        "the loss became NaN at step 17 (epoch 2): lower the learning rate (now 1e-12); the test metrics are those of "
        "the best epoch (1), restored"
    )
    assert result.weights_from == {"kind": "best", "epoch": 1, "step": 16}
    assert all(math.isfinite(x) for x in w_of(model)) and result.test["meanCellAuc"] > 0.75
    assert result.metrics()["failure"] == result.failure and result.metrics()["reason"] == "diverged"


def test_an_update_that_breaks_the_weights_after_a_good_epoch_ends_the_run_diverged(data):
    """The loss of the step is finite; the weights and Adam's moments it leaves are not (the update probe)."""
    model = Scripted(data, [GOOD, GOOD], break_epoch=2, break_update=True)
    result, _ = train(model, data)
    assert result.reason == "diverged" and result.weights_from == {"kind": "best", "epoch": 1, "step": 16}
    assert result.failure.startswith("an update made the weights non-finite (NaN or ±Infinity) at step 17 (epoch 2)")
    assert all(math.isfinite(x) for x in w_of(model))


def test_a_first_update_that_breaks_the_weights_is_an_error_naming_the_step(data):
    with pytest.raises(TrainingError, match=r"an update made the weights non-finite .* at step 1 \(epoch 1\): lower the learning rate \(now 1e-12\); no epoch had finished"):
        train(Scripted(data, [GOOD], break_epoch=1, break_update=True), data)


def test_the_run_flags_a_dead_network_and_a_first_epoch_leak(tmp_path):
    """Every cell at exactly 0.5 (constant scores), then a cell whose label a feature gives away (AUC 1 in epoch 1)."""
    leaky = fit_encode(linear_csv(tmp_path, noise=0), MAPPING, str(tmp_path / "encoded"))
    dead, dead_events = train(Scripted(leaky, [DEAD]), leaky, epochs=1)
    assert [f["kind"] for f in dead.flags] == ["chance-level"]
    assert [e for e in dead_events if e["event"] == "flag"] == [{"event": "flag", **f} for f in dead.flags]
    leak, _ = train(Scripted(leaky, [GOOD]), leaky, epochs=2)
    assert [f["kind"] for f in leak.flags] == ["possible-leak", "possible-leak"]
    assert leak.flags[0]["message"].startswith("possible label leak: y in a reached valid AUC 1.0000 in the first epoch (step 16)")
    assert leak.metrics()["flags"] == [f["message"] for f in leak.flags]


def test_the_monitor_flags_a_loss_growing_a_hundredfold_once():
    flags: List[dict] = []
    m = RunMonitor(["feed", "mall"], ["click", "buy"], flags.append)
    for i, loss in enumerate([1.4, 1.2, 1.0, 2.0, 2.5, 2.0, 1200]):
        m.on_step(i + 1, loss, 0.001)
    assert flags == []
    m.on_step(8, 1200, 0.001)
    m.on_step(9, 1e6, 0.001)
    assert [(f["kind"], f["step"]) for f in flags] == [("loss-growth", 8)]
    assert flags[0]["message"].startswith("the task loss grew from 1.34 to 229 (smoothed) by step 8")
    assert flags[0]["message"].endswith("lower the learning rate (now 0.001)")


def test_metrics_refuse_scores_that_are_not_finite():
    with pytest.raises(MetricError, match="AUC needs finite scores: row 1 scored NaN"):
        auc(np.array([0.1, math.nan, 0.3]), np.array([0, 1, 1]))
    with pytest.raises(MetricError, match="logloss needs finite scores: row 0 scored Infinity"):
        logloss(np.array([math.inf]), np.array([1]))


def test_a_diverged_run_writes_its_zip_and_exits_1_with_the_message(data, tmp_path, monkeypatch, capsys):
    """The command line: the zip holds the best epoch's weights and says why the run ended; the exit status is 1."""
    real = trainer_module.broken_step
    monkeypatch.setattr(trainer_module, "broken_step", lambda v, step, *a: real([math.inf, *v[1:]], step, *a) if step == 20 else real(v, step, *a))
    experiment = tmp_path / "experiment.json"
    csv = linear_csv(tmp_path)
    experiment.write_text(json.dumps({"data": {**MAPPING, "path": csv}, "model": {"id": "shared-bottom", "options": {}}, "train": config(learningRate=0.01)}))
    out = tmp_path / "run.zip"
    assert train_main([str(experiment), "--out", str(out), "--cache", str(tmp_path / "cache")]) == 1
    error = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert error["event"] == "error" and error["message"].startswith("the run diverged: the loss became Infinity at step 20 (epoch 2)")
    metrics = read_run_zip(str(out)).metrics
    assert (metrics["reason"], metrics["weightsFrom"]) == ("diverged", {"kind": "best", "epoch": 1, "step": 16})
    assert metrics["failure"] in error["message"]
