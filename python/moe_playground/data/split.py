"""Train / valid / test (src/engine/data/split.ts): a split column's words, or the seeded shuffle with exact counts."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from ..errors import DataError
from ..rng import Rng
from .values import js_trim

DEFAULT_SPLIT_RATIOS = (0.8, 0.1, 0.1)
DEFAULT_SPLIT_SEED = 1
SPLITS = ("train", "valid", "test")

SPLIT_WORDS = {"train": 0, "valid": 1, "val": 1, "validation": 1, "test": 2}


def split_code(cell: str) -> Optional[int]:
    return SPLIT_WORDS.get(js_trim(cell).lower())


def split_counts(n: int, ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS):
    total = sum(ratios) if len(ratios) == 3 else math.nan
    if any(not (r >= 0) for r in ratios) or not (total > 0):
        raise DataError(
            f"split ratios must be three non-negative numbers with a positive sum, not [{', '.join(map(str, ratios))}]"
        )
    # The epsilon keeps 0.29 × 100 = 28.999999999999996 from flooring to 28.
    train = min(n, math.floor((ratios[0] / total) * n + 1e-9))
    valid = min(n - train, math.floor((ratios[1] / total) * n + 1e-9))
    return train, valid, n - train - valid


def random_split(n: int, ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS, seed: int = DEFAULT_SPLIT_SEED) -> np.ndarray:
    """Split code (0 train, 1 valid, 2 test) of table rows 0..n-1: the page's seeded shuffle, exactly."""
    train, valid, _ = split_counts(n, ratios)
    order = Rng(seed).shuffle(np.arange(n, dtype=np.int64))
    codes = np.full(n, 2, dtype=np.uint8)
    codes[order[:train]] = 0
    codes[order[train : train + valid]] = 1
    return codes
