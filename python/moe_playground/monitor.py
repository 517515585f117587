"""
Watches a run for numbers that look fine but are not (src/engine/train/monitor.ts): a loss that grows by orders of
magnitude, evaluations where every cell sits exactly at chance (the network died: constant predictions), and cells
that pass 0.99 validation AUC within the first epoch (a feature may be derived from the label). Each kind is flagged
once (a leak once per cell), as it happens.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Set, Tuple

from .data.values import js_number_text

# "Orders of magnitude": the smoothed task loss at this multiple of its lowest value so far.
LOSS_GROWTH_FACTOR = 100
# Smoothing of the loss (exponential moving average weight of a new step).
LOSS_SMOOTHING = 0.1
# Validation AUC past which a first-epoch cell looks too easy.
LEAK_AUC = 0.99
# A cell's AUC is read only with this many positives and negatives: on a handful of rows 0.99 is luck.
LEAK_MIN_CLASS_ROWS = 20


def _js_exponent(text: str) -> str:
    """Python's 'e+05' as JavaScript writes it: 'e+5'."""
    mantissa, _, e = text.partition("e")
    return f"{mantissa}e{'-' if e.startswith('-') else '+'}{int(e.lstrip('+-'))}"


def js_to_precision(x: float, digits: int) -> str:
    """Number.prototype.toPrecision of a finite, non-zero number (ties rounded as Python rounds them)."""
    e = int(f"{x:.{digits - 1}e}".partition("e")[2])
    if e < -6 or e >= digits:
        return _js_exponent(f"{x:.{digits - 1}e}")
    return f"{x:.{digits - 1 - e}f}"


def _fmt(x: float) -> str:
    return _js_exponent(f"{x:.2e}") if x >= 1000 else js_to_precision(x, 3)


class RunMonitor:
    def __init__(self, domains: Sequence[str], tasks: Sequence[str], emit: Callable[[dict], None]) -> None:
        self.domains = domains
        self.tasks = tasks
        self.emit = emit
        self.flags: List[dict] = []
        self._leak_cells: Set[Tuple[int, int]] = set()
        self._smoothed: Optional[float] = None
        self._lowest = float("inf")

    def _raise(self, kind: str, step: int, message: str) -> None:
        flag = {"kind": kind, "step": step, "message": message}
        self.flags.append(flag)
        self.emit(flag)

    def _has(self, kind: str) -> bool:
        return any(f["kind"] == kind for f in self.flags)

    def on_step(self, step: int, task_loss: float, learning_rate: float) -> None:
        """`task_loss`: the sum of the task losses of the step (never the auxiliary terms, which may be negative)."""
        s = task_loss if self._smoothed is None else (1 - LOSS_SMOOTHING) * self._smoothed + LOSS_SMOOTHING * task_loss
        self._smoothed = s
        self._lowest = min(self._lowest, s)
        if not self._has("loss-growth") and s > LOSS_GROWTH_FACTOR * self._lowest:
            self._raise(
                "loss-growth",
                step,
                f"the task loss grew from {_fmt(self._lowest)} to {_fmt(s)} (smoothed) by step {step}: training is "
                f"diverging; lower the learning rate (now {js_number_text(learning_rate)})",
            )

    def on_eval(self, step: int, epoch: int, report: dict, learning_rate: float) -> None:
        """`step` 0 is the untrained model: chance there is no finding."""
        scored = [(d, t, c) for d, row in enumerate(report["byCell"]) for t, c in enumerate(row) if c["auc"] is not None]
        if step > 0 and not self._has("chance-level") and scored and all(c["auc"] == 0.5 for _, _, c in scored):
            self._raise(
                "chance-level",
                step,
                f"every cell's {report['split']} AUC is exactly 0.5 at step {step}: the model gives every row the same "
                f"score (a learning rate too high, now {js_number_text(learning_rate)}, can kill the network)",
            )
        if epoch != 1:
            return
        for d, t, c in scored:
            enough = c["positives"] >= LEAK_MIN_CLASS_ROWS and c["rows"] - c["positives"] >= LEAK_MIN_CLASS_ROWS
            if not enough or c["auc"] <= LEAK_AUC or (d, t) in self._leak_cells:
                continue
            self._leak_cells.add((d, t))
            self._raise(
                "possible-leak",
                step,
                f"possible label leak: {self.tasks[t]} in {self.domains[d]} reached {report['split']} AUC "
                f"{c['auc']:.4f} in the first epoch (step {step}); check that no feature is derived from its label, or "
                "accept that this cell is this easy",
            )
