"""Task rules (src/engine/data/rules.ts): `== v`, `!= v`, `> n`, `>= n`, `< n`, `<= n`, `in {a, b}` → 0/1 labels."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

from ..errors import DataError
from .values import is_missing_cell, js_trim, parse_number

LABEL_MISSING = -1
LABEL_INVALID = -2

_HELP = "use ==, !=, >, >=, <, <= followed by a value, or in {a, b, c}"
_IN = re.compile(r"in\s*\{(.*)\}", re.IGNORECASE | re.DOTALL)
_OP = re.compile(r"(==|!=|>=|<=|>|<)(.*)", re.DOTALL)


@dataclass
class LabelRule:
    text: str
    apply: Callable[[str], int]
    # The values `==`, `!=` and `in {…}` name; empty for a number comparison.
    values: List[str]


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
    """Labels 1 where the cell matches (or does not, with `positive` False); a missing label is missing under either."""

    def apply(cell: str) -> int:
        if is_missing_cell(cell, "label"):
            return LABEL_MISSING
        return 1 if matches(js_trim(cell)) == positive else 0

    return apply


def _check_values(rule: str, values: List[str]) -> List[str]:
    """A rule cannot name a missing-value marker: the cells holding one have no label under any rule."""
    marker = next((v for v in values if is_missing_cell(v, "label")), None)
    if marker is not None:
        raise _rule_error(
            rule,
            f'"{marker}" marks a missing label (as do blank, NA, N/A, null, NaN, None and ?): cells holding it are left '
            "out of the task under every rule",
        )
    return values


def parse_rule(rule: str) -> LabelRule:
    text = js_trim(rule)
    m = _IN.fullmatch(text)
    if m:
        values = _split_list(m.group(1))
        if any(v == "" for v in values):
            raise _rule_error(rule, "the set holds an empty value")
        return LabelRule(text, _text_rule(_matcher(_check_values(rule, values)), True), values)
    m = _OP.fullmatch(text)
    if not m:
        raise _rule_error(rule, _HELP)
    op, value = m.group(1), _unquote(m.group(2))
    if value == "":
        raise _rule_error(rule, f'"{op}" needs a value')
    if op in ("==", "!="):
        return LabelRule(text, _text_rule(_matcher(_check_values(rule, [value])), op == "=="), [value])
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
        if is_missing_cell(cell, "label"):
            return LABEL_MISSING
        x = parse_number(cell)
        if math.isnan(x):
            return LABEL_INVALID
        return 1 if test(x) else 0

    return LabelRule(text, apply, [])


@dataclass
class CaseOnlyMatch:
    """A value a rule names that some of the column's values equal only when case is ignored (CaseOnlyMatch)."""

    value: str
    # Rows whose value the rule matches as written.
    exact_rows: int
    # The values that differ from it only by case, with their rows: the rule does not match them.
    variants: List[Tuple[str, int]]


def case_only_matches(rule: LabelRule, counts: Sequence[Tuple[str, int]]) -> List[CaseOnlyMatch]:
    """The values the rule names that a column's values (trimmed, with their rows) miss only by case (caseOnlyMatches)."""
    out = []
    for value in rule.values:
        matches = _matcher([value])
        lower = value.lower()
        exact_rows = 0
        variants = []
        for v, n in counts:
            if matches(v):
                exact_rows += n
            elif v.lower() == lower:
                variants.append((v, n))
        if variants:
            out.append(CaseOnlyMatch(value, exact_rows, variants))
    return out


def case_candidates(rule: LabelRule) -> Callable[[str], bool]:
    """Whether a trimmed cell can take part in case_only_matches: it matches a rule value, or equals one but for case."""
    lowered = {v.lower() for v in rule.values}
    matchers = [_matcher([v]) for v in rule.values]
    return lambda v: v.lower() in lowered or any(m(v) for m in matchers)
