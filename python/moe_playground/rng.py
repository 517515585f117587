"""
The engine's seeded PRNG (mulberry32, src/engine/util/rng.ts) bit for bit: the same seed gives the same split,
the same shuffles and the same initial weights as the page.

mulberry32's state is a counter (state += 0x6d2b79f5 per draw), so a run of k draws is computed at once in numpy.
"""
from __future__ import annotations

import math

import numpy as np

_INCREMENT = 0x6D2B79F5
_MASK = 0xFFFFFFFF


def _mix(t: np.ndarray) -> np.ndarray:
    """The output function of mulberry32 on uint64 arrays holding uint32 states: uniform doubles in [0, 1)."""
    t = ((t ^ (t >> 15)) * (t | 1)) & _MASK
    t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & _MASK)) & _MASK)) & _MASK
    return (t ^ (t >> 14)).astype(np.float64) / 4294967296.0


class Rng:
    def __init__(self, seed: int) -> None:
        self._state = (int(seed) & _MASK) ^ 0x9E3779B9

    def draw(self, k: int) -> np.ndarray:
        """The next k values of next(), as float64."""
        steps = np.arange(1, k + 1, dtype=np.uint64)
        states = (np.uint64(self._state) + steps * np.uint64(_INCREMENT)) & np.uint64(_MASK)
        self._state = (self._state + k * _INCREMENT) & _MASK
        return _mix(states)

    def next(self) -> float:
        return float(self.draw(1)[0])

    def int(self, n: int) -> int:
        return math.floor(self.next() * n)

    def normal(self) -> float:
        u = 1 - self.next()
        v = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)

    def seed(self) -> int:
        return math.floor(self.next() * 0x7FFFFFFF) + 1

    def shuffle(self, a: np.ndarray) -> np.ndarray:
        """Fisher–Yates in place, drawing exactly as the engine does (one draw per position from the end)."""
        n = len(a)
        if n < 2:
            return a
        u = self.draw(n - 1)
        js = np.floor(u * np.arange(n, 1, -1, dtype=np.float64)).astype(np.int64).tolist()
        items = a.tolist()
        for i, j in zip(range(n - 1, 0, -1), js):
            items[i], items[j] = items[j], items[i]
        a[:] = items
        return a

    def fill_uniform(self, count: int, lo: float, hi: float) -> np.ndarray:
        return (lo + (hi - lo) * self.draw(count)).astype(np.float32)

    def fill_normal(self, count: int, std: float = 1.0) -> np.ndarray:
        d = self.draw(2 * count)
        u = 1 - d[0::2]
        v = d[1::2]
        return (std * (np.sqrt(-2 * np.log(u)) * np.cos(2 * math.pi * v))).astype(np.float32)
