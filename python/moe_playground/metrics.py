"""Exact AUC, logloss and mutual information (src/engine/metrics/auc.ts, mutualInfo.ts)."""
from __future__ import annotations

import math
from typing import List, Optional

import numpy as np

from .data.values import js_number_text
from .errors import MetricError


def _require_finite(metric: str, scores: np.ndarray) -> None:
    """A metric of NaN or infinite scores is a number computed from nothing: refused, naming the first bad row."""
    bad = np.flatnonzero(~np.isfinite(scores))
    if bad.size:
        raise MetricError(f"{metric} needs finite scores: row {int(bad[0])} scored {js_number_text(float(scores[bad[0]]))}")


def auc(scores: np.ndarray, labels: np.ndarray) -> Optional[float]:
    """ROC AUC by sorting, ties counted as half (Mann–Whitney U); None when the rows hold a single class."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels) > 0.5
    n = s.size
    if n == 0:
        return None
    _require_finite("AUC", s)
    pos = int(y.sum())
    neg = n - pos
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    # Tied groups share their average rank (1-based).
    starts = np.flatnonzero(np.concatenate(([True], sorted_s[1:] != sorted_s[:-1])))
    ends = np.concatenate((starts[1:], [n])) - 1
    avg = (starts + ends) / 2 + 1
    rank = np.repeat(avg, ends - starts + 1)
    rank_sum = float(rank[y[order]].sum())
    return (rank_sum - (pos * (pos + 1)) / 2) / (pos * neg)


def logloss(probs: np.ndarray, labels: np.ndarray) -> Optional[float]:
    """Mean binary cross-entropy of probabilities clipped to [1e-7, 1 − 1e-7]; None on no rows."""
    if probs.size == 0:
        return None
    _require_finite("logloss", np.asarray(probs, dtype=np.float64))
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-7, 1 - 1e-7)
    y = np.asarray(labels) > 0.5
    return float(np.where(y, -np.log(p), -np.log(1 - p)).mean())


def mutual_information(joint: List[List[float]]) -> float:
    """Mutual information (nats) of a joint distribution given as non-negative counts [rows][cols]."""
    a = np.asarray(joint, dtype=np.float64)
    total = a.sum()
    if total <= 0:
        return 0.0
    p = a / total
    rows = p.sum(1, keepdims=True)
    cols = p.sum(0, keepdims=True)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / (rows * cols)[nz])).sum())
    return max(0.0, mi) if not math.isnan(mi) else 0.0
