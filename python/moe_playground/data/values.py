"""
How one raw cell is read (src/engine/data/values.ts): the page's decimal-number grammar, its one definition of a
missing cell, JavaScript's whitespace, its string order (UTF-16 code units) and the FNV-1a hash of UTF-8 bytes, so
that Python reads every cell as the page does.
"""
from __future__ import annotations

import math
import re
from typing import Tuple

# JavaScript's String.prototype.trim set: WhiteSpace (incl. U+FEFF and category Zs) and LineTerminator.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

# A decimal number as CSV exporters write one (values.ts DECIMAL). ASCII digits only: Python's \d and float() would
# also read other scripts' digits ("١٢" is 12 to float()), which the page does not.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def parse_number(cell: str) -> float:
    """
    The number a cell holds, or NaN when it does not hold a finite decimal number: blank, a missing-value marker,
    text, hex or binary literals, "inf", a decimal comma ("2,75"), digit separators ("1_000") or an overflow ("1e400").
    """
    t = js_trim(cell)
    if not _DECIMAL.fullmatch(t):
        return math.nan
    x = float(t)
    return x if math.isfinite(x) else math.nan


def utf16_key(text: str) -> bytes:
    """JavaScript compares strings by UTF-16 code units; big-endian UTF-16 bytes compare the same way."""
    return text.encode("utf-16-be", "surrogatepass")


def value_sort_key(text: str, x: float) -> Tuple[int, float, bytes]:
    """compareParsed as a key: numbers first in numeric order, then the rest by code units."""
    if math.isnan(x):
        return (1, 0.0, utf16_key(text))
    return (0, x, utf16_key(text))


def compare_key(text: str) -> Tuple[int, float, bytes]:
    return value_sort_key(text, parse_number(text))


# How exporters write "no value" (pandas NaN, R NA, SQL NULL, Python None, UCI "?"), besides a blank.
_MISSING_MARKERS = {"nan", "na", "n/a", "null", "none", "?"}
# How a column's cells are read: as category names, as numbers (a numeric feature) or as a task's label.
COLUMN_READINGS = ("category", "number", "label")
_MARKER_READINGS = ("number", "label")


def readings_missing(cell: str) -> Tuple[str, ...]:
    """
    The one definition of a missing cell (readingsMissing): the readings under which the cell holds no value. A blank
    cell is missing under every reading; a marker (NA, N/A, null, NaN, None, ?, in any case) is missing in a number or
    a label, but a value of a category ("none" is a MovieLens occupation, "NA" may be North America).
    """
    t = js_trim(cell)
    if t == "":
        return COLUMN_READINGS
    return _MARKER_READINGS if t.lower() in _MISSING_MARKERS else ()


def is_missing_cell(cell: str, reading: str) -> bool:
    return reading in readings_missing(cell)


_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv1a32(text: str) -> int:
    """FNV-1a 32-bit of the text's UTF-8 bytes (cells decoded from UTF-8 hold no lone surrogates)."""
    h = _FNV_OFFSET
    for b in text.encode("utf-8"):
        h = ((h ^ b) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def hash_bucket(value: str, buckets: int) -> int:
    """The hashed id of a non-blank value: 1..buckets (0 is the missing value's)."""
    return 1 + fnv1a32(value) % buckets


def js_number_text(x: float) -> str:
    """Number.prototype.toString: how the page writes a number into a name or a message (a bin edge, a learning rate)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if isinstance(x, int):
        x = float(x)
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")
    int_part, _, frac = mantissa.partition(".")
    digits = (int_part + frac.rstrip("0")).lstrip("0") if frac.rstrip("0") else int_part.lstrip("0")
    # Position of the decimal point after the first significant digit (n in ECMA-262 Number::toString).
    point = len(int_part.lstrip("0")) if int_part.strip("0") else -(len(frac) - len(frac.lstrip("0")))
    n = point + (int(exp) if exp else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    tail = ("." + digits[1:]) if k > 1 else ""
    return f"{sign}{digits[0]}{tail}e{'+' if e >= 0 else '-'}{abs(e)}"
