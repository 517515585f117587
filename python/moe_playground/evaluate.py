"""
Evaluation (src/engine/train/evaluate.ts): probabilities and gate weights for a set of rows, then AUC and logloss
per domain × task cell and per task, and the gate statistics per domain × expert, in the page's report format.
Under DistributedDataParallel each process scores a contiguous share of the rows and the shares are gathered, so
every process computes the same exact AUCs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .data.encode import EncodedData
from .distributed import Dist
from .metrics import auc, logloss, mutual_information
from .models.base import TwinModel
from .models.layers import EVAL, Batch


@dataclass
class LabelledBatch:
    batch: Batch
    labels: torch.Tensor
    mask: torch.Tensor


def batch_of(data: EncodedData, rows: np.ndarray, device: torch.device) -> LabelledBatch:
    """The given rows as one batch on the device."""
    domain = torch.from_numpy(np.asarray(data.domain[rows], dtype=np.int64)).to(device)
    batch = Batch(
        torch.from_numpy(np.asarray(data.cat[rows], dtype=np.int64)).to(device),
        torch.from_numpy(np.asarray(data.num[rows], dtype=np.float32)).to(device),
        domain,
        F.one_hot(domain, len(data.schema["domains"])).float(),
    )
    labels = torch.from_numpy(np.asarray(data.labels[rows], dtype=np.float32)).to(device)
    mask = torch.from_numpy(np.asarray(data.label_mask[rows], dtype=np.float32)).to(device)
    return LabelledBatch(batch, labels, mask)


def padded(rows: np.ndarray, start: int, batch_size: int) -> np.ndarray:
    """rows[start:start+B], a short last batch padded by repeating its own rows (the page's fixed batch shape)."""
    n = min(batch_size, len(rows) - start)
    return rows[start + np.arange(batch_size) % n]


@dataclass
class Predictions:
    logits: np.ndarray
    probs: np.ndarray
    routing: Dict[str, np.ndarray]
    aux: Dict[str, float]


@torch.no_grad()
def predict(model: TwinModel, data: EncodedData, rows: np.ndarray, batch_size: int, dist: Dist) -> Predictions:
    """Logits, probabilities [rows, T] and gate weights [rows, E] in the order of `rows`, gathered over processes."""
    model.eval()
    share = dist.share(len(rows))
    mine = rows[share]
    logits: List[np.ndarray] = []
    routing: Dict[str, List[np.ndarray]] = {}
    aux_sum: Dict[str, float] = {}
    batches = 0
    for start in range(0, len(mine), batch_size):
        real = min(batch_size, len(mine) - start)
        b = batch_of(data, padded(mine, start, batch_size), dist.device)
        out = model(b.batch, EVAL)
        logits.append(out.logits[:real].float().cpu().numpy())
        for name, w in out.routing.items():
            routing.setdefault(name, []).append(w[:real].float().cpu().numpy())
        for name, a in out.aux.items():
            aux_sum[name] = aux_sum.get(name, 0.0) + float(a)
        batches += 1
    T = len(data.schema["tasks"])
    mine_logits = np.concatenate(logits) if logits else np.zeros((0, T), np.float32)
    all_logits = dist.gather_rows(mine_logits, len(rows))
    gates = {}
    for name in dist.agree_names(list(routing)):
        parts = routing.get(name, [])
        mine_w = np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
        gates[name] = dist.gather_rows(mine_w, len(rows))
    names = dist.agree_names(list(aux_sum))
    sums = dist.sum_floats([aux_sum.get(n, 0.0) for n in names] + [float(batches)])
    aux = {n: sums[i] / max(1.0, sums[-1]) for i, n in enumerate(names)}
    probs = torch.sigmoid(torch.from_numpy(all_logits)).numpy()
    return Predictions(all_logits, probs, gates, aux)


def _slice(probs: np.ndarray, labels: np.ndarray, at: np.ndarray, t: int) -> dict:
    p = probs[at, t]
    y = labels[at, t]
    return {"auc": auc(p, y), "logloss": logloss(p, y), "rows": int(at.size), "positives": int(y.sum())}


def _mean(values: List[Optional[float]]) -> Optional[float]:
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def report(data: EncodedData, rows: np.ndarray, pred: Predictions, split: str, partial: bool = False) -> dict:
    """The page's EvalReport of these predictions."""
    T = len(data.schema["tasks"])
    D = len(data.schema["domains"])
    labels = np.asarray(data.labels[rows], dtype=np.float32)
    known = np.asarray(data.label_mask[rows]) > 0
    domain = np.asarray(data.domain[rows])
    by_cell = [[_slice(pred.probs, labels, np.flatnonzero(known[:, t] & (domain == d)), t) for t in range(T)] for d in range(D)]
    by_task = [_slice(pred.probs, labels, np.flatnonzero(known[:, t]), t) for t in range(T)]
    gates = []
    counts = np.bincount(domain, minlength=D).astype(np.float64)
    for name, w in pred.routing.items():
        E = w.shape[1]
        weight_sum = np.zeros((D, E))
        selected = np.zeros((D, E))
        np.add.at(weight_sum, domain, w.astype(np.float64))
        np.add.at(selected, domain, (w > 0).astype(np.float64))
        per = lambda sums: [(sums[d] / counts[d]).tolist() if counts[d] > 0 else [0.0] * E for d in range(D)]  # noqa: E731
        n = max(1, len(rows))
        gates.append(
            {
                "name": name,
                "byDomain": per(weight_sum),
                "overall": (weight_sum.sum(0) / n).tolist(),
                "selectedByDomain": per(selected),
                "activePerRow": float(selected.sum() / n),
                "selectionMi": mutual_information(selected.tolist()),
            }
        )
    return {
        "split": split,
        "partial": partial,
        "rows": int(len(rows)),
        "byCell": by_cell,
        "byTask": by_task,
        "meanCellAuc": _mean([c["auc"] for row in by_cell for c in row]),
        "meanTaskAuc": _mean([c["auc"] for c in by_task]),
        "aux": pred.aux,
        "gates": gates,
    }


def evaluate(model: TwinModel, data: EncodedData, rows: np.ndarray, batch_size: int, dist: Dist, split: str) -> dict:
    r = report(data, rows, predict(model, data, rows, batch_size, dist), split)
    inspection = model.inspect()
    if inspection is not None:
        r["inspect"] = inspection
    return r
