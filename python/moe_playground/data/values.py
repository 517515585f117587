"""
How one raw cell is read (src/engine/data/values.ts): JavaScript's Number() grammar, its whitespace, its string
order (UTF-16 code units) and the FNV-1a hash of UTF-8 bytes, so that Python reads every cell as the page does.
"""
from __future__ import annotations

import math
import re
from typing import Tuple

# JavaScript's String.prototype.trim set: WhiteSpace (incl. U+FEFF and category Zs) and LineTerminator.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_RADIX = re.compile(r"0(?:[xX](?P<hex>[0-9a-fA-F]+)|[oO](?P<oct>[0-7]+)|[bB](?P<bin>[01]+))")


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def parse_number(cell: str) -> float:
    """The number a cell holds, or NaN when it is blank or not a finite number (JavaScript's Number(cell))."""
    t = js_trim(cell)
    if t == "":
        return math.nan
    try:
        if _DECIMAL.fullmatch(t):
            x = float(t)
        else:
            m = _RADIX.fullmatch(t)
            if not m:
                return math.nan
            digits, base = next((m.group(k), b) for k, b in (("hex", 16), ("oct", 8), ("bin", 2)) if m.group(k))
            x = float(int(digits, base))
    except OverflowError:
        return math.nan
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


_MISSING_MARKERS = {"", "nan", "na", "n/a", "null", "none", "?"}


def is_missing_marker(cell: str) -> bool:
    return js_trim(cell).lower() in _MISSING_MARKERS


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
    """Number.prototype.toString of a finite number: how the page writes a bin edge into a domain name."""
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
