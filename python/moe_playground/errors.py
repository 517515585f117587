"""Errors that name what is wrong: the file, row, column or setting (as src/engine/data/types.ts DataError does)."""
from __future__ import annotations

from typing import Optional


class DataError(Exception):
    def __init__(self, message: str, column: Optional[str] = None, row: Optional[int] = None) -> None:
        super().__init__(message)
        self.column = column
        self.row = row


class ExperimentError(Exception):
    """An experiment JSON (or a model option in it) that cannot be used as written."""


class ImportError_(Exception):
    """A run zip that cannot be read or does not fit the model built (src/engine/io/errors.ts ImportError)."""


class TrainingError(Exception):
    """A run that cannot give results: its loss or weights became non-finite before any epoch finished."""


class MetricError(ValueError):
    """A metric asked of scores it cannot be computed from: NaN or infinite (auc.ts requireFinite)."""
