"""
The training loop of src/engine/train/trainer.ts, under DistributedDataParallel: task BCE (the model's task loss,
default Σ_t mean BCE_t over labelled rows) plus its named auxiliary terms, Adam, the schedule hooks (MoME's phase
switch, M3oE's architecture steps), early stopping on mean valid AUC over (domain, task) cells with exact AUC and
the best epoch's weights restored, then the test pass.

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
from .distributed import Dist
from .errors import DataError
from .evaluate import LabelledBatch, batch_of, evaluate
from .models.base import TwinModel
from .models.layers import TRAIN
from .rng import Rng


class TrainingError(Exception):
    pass


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
    valid: Optional[dict]
    epochs: int
    steps: int
    best_epoch: int
    reason: str
    valid_history: List[Optional[float]] = field(default_factory=list)
    samples_per_second: float = 0.0
    ms_per_step: float = 0.0

    def metrics(self) -> dict:
        """metrics.json as the page writes it."""
        out = {"test": self.test, "epochs": self.epochs, "steps": self.steps, "bestEpoch": self.best_epoch, "reason": self.reason}
        if self.valid is not None:
            out["valid"] = self.valid
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

    def _train_step(self, b: LabelledBatch) -> List[float]:
        """One optimisation step; returns [total, task losses…, aux terms…] averaged over processes."""
        self.model.train()
        self.objective.zero_grad(set_to_none=True)
        total, per_task, aux = self.ddp(b.batch, b.labels, b.mask)
        total.backward()
        self.optimizer.step()
        return self.dist.sum_floats([v / self.dist.world for v in torch.cat([total.detach().reshape(1), per_task.detach(), aux.detach()]).tolist()])

    def _snapshot(self) -> Dict[str, torch.Tensor]:
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

    def run(self) -> TrainResult:
        cfg, data = self.cfg, self.data
        B = int(cfg["batchSize"])
        per_epoch = self.steps_per_epoch
        task_names = [t["name"] for t in data.schema["tasks"]]
        T = len(task_names)
        shuffle = Rng(int(cfg["seed"]))
        best: Optional[dict] = None
        since_best = 0
        reason = "completed"
        epochs_run = 0
        window: List[float] = []
        step_times: List[float] = []
        history: List[Optional[float]] = []
        valid: Optional[dict] = None
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
                b = batch_of(data, self._rows(order, s * B), self.dist.device)
                t0 = time.perf_counter()
                values = self._train_step(b)
                if self.dist.device.type == "cuda":
                    torch.cuda.synchronize()
                ms = (time.perf_counter() - t0) * 1000
                self.step += 1
                arch = self.model.architecture
                if arch is not None and self.step % arch.every_steps == 0:
                    self._architecture_step()
                if not math.isfinite(values[0]):
                    raise TrainingError(
                        f"the loss became {values[0]} at step {self.step} (epoch {epoch + 1}): lower the learning rate (now {cfg['learningRate']})"
                    )
                window = (window + [ms])[-20:]
                step_times.append(ms)
                if time.time() - last_log > 10 or s == per_epoch - 1:
                    last_log = time.time()
                    aux = dict(zip(self.objective.aux_names, values[1 + T :]))
                    self.log({"event": "progress", "step": self.step, "epoch": epoch + 1, "loss": values[0], "taskLoss": dict(zip(task_names, values[1 : 1 + T])), "aux": aux, "msPerStep": round(sum(window) / len(window), 2)})
                if int(cfg["maxSteps"]) > 0 and self.step >= int(cfg["maxSteps"]):
                    reason, stop = "max-steps", True
                    break
            if stop:
                break
            epochs_run = epoch + 1
            valid = self._evaluate("valid")
            score = valid["meanCellAuc"] if valid["meanCellAuc"] is not None else -math.inf
            improved = best is None or score > best["auc"]
            history.append(valid["meanTaskAuc"])
            self.log({"event": "epoch", "epoch": epoch + 1, "validMeanAuc": valid["meanTaskAuc"], "validMeanCellAuc": valid["meanCellAuc"], "best": improved, "samplesPerSecond": round(B * 1000 / (sum(window) / len(window))), "elapsedS": round(time.time() - started, 1)})
            if improved:
                best = {"auc": score, "epoch": epoch + 1, "weights": self._snapshot()}
                since_best = 0
            else:
                since_best += 1
                if int(cfg["patience"]) > 0 and since_best >= int(cfg["patience"]):
                    reason = "early-stopped"
                    break
        if best is not None and reason != "max-steps":
            self._restore(best["weights"])
        self._sync_buffers()
        self._check_in_sync()
        test = self._evaluate("test")
        ms_per_step = sum(window) / max(1, len(window))
        return TrainResult(
            test,
            valid,
            epochs_run,
            self.step,
            best["epoch"] if best is not None else 0,
            reason,
            history,
            B * 1000 / ms_per_step if ms_per_step > 0 else 0.0,
            ms_per_step,
        )

