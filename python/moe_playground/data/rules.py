"""Task rules (src/engine/data/rules.ts): `== v`, `!= v`, `> n`, `>= n`, `< n`, `<= n`, `in {a, b}` → 0/1 labels."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, List

from ..errors import DataError
from .values import js_trim, parse_number

LABEL_MISSING = -1
LABEL_INVALID = -2

_HELP = "use ==, !=, >, >=, <, <= followed by a value, or in {a, b, c}"
_IN = re.compile(r"in\s*\{(.*)\}", re.IGNORECASE | re.DOTALL)
_OP = re.compile(r"(==|!=|>=|<=|>|<)(.*)", re.DOTALL)


@dataclass
class LabelRule:
    text: str
    apply: Callable[[str], int]


def _rule_error(rule: str, why: str) -> DataError:
    return DataError(f'cannot read the rule "{rule}": {why}')


def _unquote(v: str) -> str:
    t = js_trim(v)
    if len(t) >= 2 and t[0] in "\"'" and t[-1] == t[0]:
        return t[1:-1]
    return t


def _split_list(body: str) -> List[str]:
    items: List[str] = []
    quote = ""
    start = 0
    for i, ch in enumerate(body):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ",":
            items.append(body[start:i])
            start = i + 1
    items.append(body[start:])
    return [_unquote(x) for x in items]


def _matcher(values: List[str]) -> Callable[[str], bool]:
    texts = set(values)
    numbers = {x for x in map(parse_number, values) if not math.isnan(x)}

    def matches(cell: str) -> bool:
        if cell in texts:
            return True
        if not numbers:
            return False
        x = parse_number(cell)
        return not math.isnan(x) and x in numbers

    return matches


def _text_rule(matches: Callable[[str], bool], positive: bool) -> Callable[[str], int]:
    def apply(cell: str) -> int:
        t = js_trim(cell)
        if t == "":
            return LABEL_MISSING
        return 1 if matches(t) == positive else 0

    return apply


def parse_rule(rule: str) -> LabelRule:
    text = js_trim(rule)
    m = _IN.fullmatch(text)
    if m:
        values = _split_list(m.group(1))
        if any(v == "" for v in values):
            raise _rule_error(rule, "the set holds an empty value")
        return LabelRule(text, _text_rule(_matcher(values), True))
    m = _OP.fullmatch(text)
    if not m:
        raise _rule_error(rule, _HELP)
    op, value = m.group(1), _unquote(m.group(2))
    if value == "":
        raise _rule_error(rule, f'"{op}" needs a value')
    if op in ("==", "!="):
        return LabelRule(text, _text_rule(_matcher([value]), op == "=="))
    threshold = parse_number(value)
    if math.isnan(threshold):
        raise _rule_error(rule, f'"{op}" compares numbers, and "{value}" is not one')
    test = {
        ">": lambda x: x > threshold,
        ">=": lambda x: x >= threshold,
        "<": lambda x: x < threshold,
        "<=": lambda x: x <= threshold,
    }[op]

    def apply(cell: str) -> int:
        if js_trim(cell) == "":
            return LABEL_MISSING
        x = parse_number(cell)
        if math.isnan(x):
            return LABEL_INVALID
        return 1 if test(x) else 0

    return LabelRule(text, apply)
