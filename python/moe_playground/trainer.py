"""
The training loop of src/engine/train/trainer.ts, under DistributedDataParallel: task BCE (the model's task loss,
default Σ_t mean BCE_t over labelled rows) plus its named auxiliary terms, Adam, the schedule hooks (MoME's phase
switch, M3oE's architecture steps), early stopping on mean valid AUC over (domain, task) cells with exact AUC and
the best epoch's weights restored, then the test pass. As on the page, every step's loss is read with a probe of the
update: a non-finite one ends the run ('diverged', the best epoch restored and tested; before any epoch finished, an
error), a RunMonitor flags what looks fine but is not, and the result says which weights the test metrics come from.

`train.batchSize` is the global batch, as on the page: every step takes the next batchSize rows of the epoch's
shuffled order (the page's seeded shuffle) and each of the N processes trains on its batchSize / N of them; DDP
averages the gradients.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from .data.encode import EncodedData
from .data.values import js_number_text
from .distributed import Dist
from .errors import DataError, TrainingError
from .evaluate import LabelledBatch, batch_of, evaluate
from .models.base import TwinModel
from .models.layers import TRAIN
from .monitor import RunMonitor
from .rng import Rng


def broken_step(values: List[float], step: int, epoch: int, learning_rate: float) -> Optional[str]:
    """What broke a step, if anything: a non-finite loss (values[0]), or an update that left a non-finite weight (the probe, last)."""
    where = f"at step {step} (epoch {epoch}): lower the learning rate (now {js_number_text(learning_rate)})"
    if not math.isfinite(values[0]):
        return f"the loss became {js_number_text(values[0])} {where}"
    if not math.isfinite(values[-1]):
        return f"an update made the weights non-finite (NaN or ±Infinity) {where}"
    return None


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-sample BCE on logits, 0 where the label is missing: max(z,0) − z·y + log(1 + e^−|z|)."""
    return (torch.relu(logits) - logits * labels + torch.log1p(torch.exp(-logits.abs()))) * mask


def task_means(bce: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-task mean of masked BCE over the rows whose label is known: [T]."""
    return bce.sum(0) / torch.clamp(mask.sum(0), min=1)


class Objective(nn.Module):
    """The loss of a batch as one module, so DistributedDataParallel wraps the whole forward pass."""

    def __init__(self, model: TwinModel) -> None:
        super().__init__()
        self.model = model
        self.aux_names: List[str] = []

    def forward(self, batch, labels, mask):
        out = self.model(batch, TRAIN)
        bce = masked_bce(out.logits, labels, mask)
        per_task = task_means(bce, mask)
        own = self.model.task_loss(bce, mask, batch)
        total = per_task.sum() if own is None else own
        self.aux_names = list(out.aux)
        for a in out.aux.values():
            total = total + a
        aux = torch.stack([out.aux[n] for n in self.aux_names]) if out.aux else per_task.new_zeros(0)
        return total, per_task, aux


@dataclass
class TrainResult:
    test: dict
    # The last full valid pass.
    valid: Optional[dict]
    epochs: int
    steps: int
    best_epoch: int
    reason: str
    # Which weights `test` scores: {"kind": "best", "epoch", "step"} (restored) or {"kind": "last", "step"}.
    weights_from: dict
    # The RunMonitor's flags, in order.
    flags: List[dict] = field(default_factory=list)
    # Why a diverged run ended.
    failure: Optional[str] = None
    valid_history: List[Optional[float]] = field(default_factory=list)
    samples_per_second: float = 0.0
    ms_per_step: float = 0.0

    def metrics(self) -> dict:
        """metrics.json as the page writes it (runMetricsOf)."""
        out = {"test": self.test}
        if self.valid is not None:
            out["valid"] = self.valid
        out.update(
            epochs=self.epochs,
            steps=self.steps,
            bestEpoch=self.best_epoch,
            reason=self.reason,
            weightsFrom=self.weights_from,
            flags=[f["message"] for f in self.flags],
        )
        if self.failure is not None:
            out["failure"] = self.failure
        return out


class Trainer:
    def __init__(self, model: TwinModel, data: EncodedData, cfg: dict, dist: Dist, log: Callable[[dict], None] = lambda e: None):
        self.model = model.to(dist.device)
        self.data = data
        self.cfg = cfg
        self.dist = dist
        self.log = log
        B = int(cfg["batchSize"])
        if B % dist.world != 0:
            raise DataError(f"train.batchSize ({B}) must be a multiple of the number of processes ({dist.world}): each trains on an equal share of every batch")
        self.local_batch = B // dist.world
        train_rows = len(data.splits["train"])
        if train_rows < B:
            raise DataError(f"the train split has {train_rows} rows, fewer than one batch of {B}: lower the batch size (train.batchSize) or use more data")
        if len(data.splits["valid"]) == 0:
            raise DataError("the valid split is empty: early stopping needs validation rows")
        if len(data.splits["test"]) == 0:
            raise DataError("the test split is empty: the final metrics need test rows")
        arch = model.architecture
        if arch is not None and len(data.splits[arch.split]) < B:
            raise DataError(f"the {arch.split} split has fewer rows than one batch of {B}: the architecture search needs a full batch of it")
        self.objective = Objective(self.model)
        self.ddp: nn.Module = self.objective
        self.optimizer: Optional[torch.optim.Optimizer] = None
        self._rebuild()
        self.arch_optimizer = (
            torch.optim.Adam([model.p[n] for n in arch.params], lr=arch.learning_rate) if arch is not None else None
        )
        self.arch_cursor = 0
        self.step = 0
        tasks = [t["name"] for t in data.schema["tasks"]]
        self.monitor = RunMonitor(data.schema["domains"], tasks, lambda flag: self.log({"event": "flag", **flag}))
        self.last_valid: Optional[dict] = None

    @property
    def steps_per_epoch(self) -> int:
        return len(self.data.splits["train"]) // int(self.cfg["batchSize"])

    def _weight_parameters(self) -> List[nn.Parameter]:
        """What the main optimizer updates: every trainable parameter but the architecture's (unless it asks for both)."""
        arch = self.model.architecture
        excluded = set() if arch is None or arch.also_trained_with_weights else {id(self.model.p[n]) for n in arch.params}
        return [t for t in self.model.p.trainable() if id(t) not in excluded]

    def _rebuild(self) -> None:
        """DDP over the current parameters and a fresh Adam (Adam keeps moments per parameter)."""
        if self.dist.world > 1:
            device_ids = [self.dist.local_rank] if self.dist.device.type == "cuda" else None
            self.ddp = DistributedDataParallel(self.objective, device_ids=device_ids)
        self.optimizer = torch.optim.Adam(self._weight_parameters(), lr=float(self.cfg["learningRate"]))

    def _rows(self, rows: np.ndarray, start: int) -> np.ndarray:
        """This process's share of the global batch rows[start : start + batchSize]."""
        r = self.dist.rank * self.local_batch
        return rows[start + r : start + r + self.local_batch]

    def _architecture_step(self) -> None:
        """First-order DARTS: the structure parameters alone, on a batch of their split, gradients averaged over processes."""
        arch = self.model.architecture
        rows = self.data.splits[arch.split]
        B = int(self.cfg["batchSize"])
        if self.arch_cursor + B > len(rows):
            self.arch_cursor = 0
        b = batch_of(self.data, self._rows(rows, self.arch_cursor), self.dist.device)
        self.arch_cursor += B
        self.model.train()
        total, _, _ = self.objective(b.batch, b.labels, b.mask)
        params = [self.model.p[n] for n in arch.params]
        grads = [g if g is not None else torch.zeros_like(p) for g, p in zip(torch.autograd.grad(total, params, allow_unused=True), params)]
        self.dist.all_reduce_mean(grads)
        for p, g in zip(params, grads):
            p.grad = g
        self.arch_optimizer.step()
        for p in params:
            p.grad = None

    def _update_probe(self) -> torch.Tensor:
        """
        0 when every weight the optimizer holds and its second moment are finite, NaN otherwise: read back with the loss,
        it tells a step that broke the weights (PackedAdam.apply's probe).
        """
        with torch.no_grad():
            tensors = [p for g in self.optimizer.param_groups for p in g["params"]]
            tensors += [s["exp_avg_sq"] for s in self.optimizer.state.values() if "exp_avg_sq" in s]
            finite = torch.stack([torch.isfinite(t).all() for t in tensors]).all()
            return torch.where(finite, 0.0, math.nan).reshape(1).to(torch.float32)

    def _train_step(self, b: LabelledBatch) -> List[float]:
        """One optimisation step; returns [total, task losses…, aux terms…, update probe] averaged over processes."""
        self.model.train()
        self.objective.zero_grad(set_to_none=True)
        total, per_task, aux = self.ddp(b.batch, b.labels, b.mask)
        total.backward()
        self.optimizer.step()
        values = torch.cat([total.detach().reshape(1), per_task.detach(), aux.detach(), self._update_probe()])
        return self.dist.sum_floats([v / self.dist.world for v in values.tolist()])

    def _snapshot(self) -> Dict[str, torch.Tensor]:
        """Copies of every stored parameter (a phase switch may change which are trainable)."""
        return {n: self.model.p[n].detach().clone() for n in self.model.p.names()}

    def _restore(self, saved: Dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for n, v in saved.items():
                self.model.p[n].copy_(v)

    def _check_in_sync(self) -> None:
        """Every process must hold the same weights (DDP keeps them equal); a difference means the run is not one model."""
        with torch.no_grad():
            sums = [float(self.model.p[n].double().sum()) for n in self.model.p.names()]
        if self.dist.gather_rows(np.array([sums]), self.dist.world).std(0).max() > 0:
            raise TrainingError("the processes' weights differ after training: DistributedDataParallel did not keep them in step")

    def _sync_buffers(self) -> None:
        """Moving averages as rank 0 holds them: each process updated its own from its share of the last batch."""
        self.dist.broadcast_tensors([t for _, t in self.model.named_buffers()])

    def _evaluate(self, split: str) -> dict:
        self._sync_buffers()
        return evaluate(self.model, self.data, self.data.splits[split], int(self.cfg["batchSize"]), self.dist, split)

    def _valid_pass(self, epoch: int) -> dict:
        """A full valid pass, shown to the monitor and kept as the run's last one."""
        report = self._evaluate("valid")
        self.monitor.on_eval(self.step, epoch, report, float(self.cfg["learningRate"]))
        self.last_valid = report
        return report

    def _choose_weights(self, reason: str, best: Optional[dict], epoch: int) -> dict:
        """
        Puts the weights the test pass scores in place and says which they are. A completed, early-stopped or diverged
        run restores its best epoch. A run capped mid-epoch has last weights no full validation pass has scored: they
        are scored now and kept only if they beat the best epoch.
        """
        if reason == "max-steps" and (best is None or best["step"] != self.step):
            last = self._valid_pass(epoch)
            score = last["meanCellAuc"] if last["meanCellAuc"] is not None else -math.inf
            if best is None or score > best["auc"]:
                return {"kind": "last", "step": self.step}
        if best is None:
            return {"kind": "last", "step": self.step}
        self._restore(best["weights"])
        return {"kind": "best", "epoch": best["epoch"], "step": best["step"]}

    def run(self) -> TrainResult:
        cfg, data = self.cfg, self.data
        B = int(cfg["batchSize"])
        lr = float(cfg["learningRate"])
        per_epoch = self.steps_per_epoch
        task_names = [t["name"] for t in data.schema["tasks"]]
        T = len(task_names)
        shuffle = Rng(int(cfg["seed"]))
        best: Optional[dict] = None
        since_best = 0
        reason = "completed"
        failure: Optional[str] = None
        epochs_run = 0
        window: List[float] = []
        history: List[Optional[float]] = []
        started = time.time()
        last_log = time.time()
        stop = False
        for epoch in range(int(cfg["epochs"])):
            order = shuffle.shuffle(np.array(data.splits["train"], dtype=np.int64))
            for s in range(per_epoch):
                changed, reset_best = self.model.before_step(self.step, epoch, per_epoch)
                if changed:
                    self._rebuild()
                if reset_best and best is not None:
                    best, since_best = None, 0
                # Timed from the batch's assembly, as the page's trainer times a step.
                t0 = time.perf_counter()
                b = batch_of(data, self._rows(order, s * B), self.dist.device)
                values = self._train_step(b)
                if self.dist.device.type == "cuda":
                    torch.cuda.synchronize()
                ms = (time.perf_counter() - t0) * 1000
                self.step += 1
                arch = self.model.architecture
                if arch is not None and self.step % arch.every_steps == 0:
                    self._architecture_step()
                broken = broken_step(values, self.step, epoch + 1, lr)
                if broken:
                    # The weights now hold NaN or ±Infinity: only a snapshot taken before can still be tested.
                    if best is None:
                        raise TrainingError(f"{broken}; no epoch had finished, so no weights are left to test")
                    reason, stop = "diverged", True
                    failure = f"{broken}; the test metrics are those of the best epoch ({best['epoch']}), restored"
                    break
                self.monitor.on_step(self.step, sum(values[1 : 1 + T]), lr)
                window = (window + [ms])[-20:]
                if time.time() - last_log > 10 or s == per_epoch - 1:
                    last_log = time.time()
                    aux = dict(zip(self.objective.aux_names, values[1 + T : -1]))
                    self.log({"event": "progress", "step": self.step, "epoch": epoch + 1, "loss": values[0], "taskLoss": dict(zip(task_names, values[1 : 1 + T])), "aux": aux, "msPerStep": round(sum(window) / len(window), 2)})
                if int(cfg["maxSteps"]) > 0 and self.step >= int(cfg["maxSteps"]):
                    reason, stop = "max-steps", True
                    break
            if stop:
                break
            epochs_run = epoch + 1
            valid = self._valid_pass(epoch + 1)
            score = valid["meanCellAuc"] if valid["meanCellAuc"] is not None else -math.inf
            improved = best is None or score > best["auc"]
            history.append(valid["meanTaskAuc"])
            self.log({"event": "epoch", "epoch": epoch + 1, "validMeanAuc": valid["meanTaskAuc"], "validMeanCellAuc": valid["meanCellAuc"], "best": improved, "samplesPerSecond": round(B * 1000 / (sum(window) / len(window))), "elapsedS": round(time.time() - started, 1)})
            if improved:
                best = {"auc": score, "epoch": epoch + 1, "step": self.step, "weights": self._snapshot()}
                since_best = 0
            else:
                since_best += 1
                if int(cfg["patience"]) > 0 and since_best >= int(cfg["patience"]):
                    reason = "early-stopped"
                    break
        weights_from = self._choose_weights(reason, best, epoch + 1)
        self._sync_buffers()
        self._check_in_sync()
        test = self._evaluate("test")
        ms_per_step = sum(window) / max(1, len(window))
        return TrainResult(
            test,
            self.last_valid,
            epochs_run,
            self.step,
            best["epoch"] if best is not None else 0,
            reason,
            weights_from,
            self.monitor.flags,
            failure,
            history,
            B * 1000 / ms_per_step if ms_per_step > 0 else 0.0,
            ms_per_step,
        )
