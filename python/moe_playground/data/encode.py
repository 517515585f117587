"""
CSV + mapping → encoded arrays, as src/engine/data/encode.ts does it, streamed in chunks into files on disk.

Two ways in:
- `fit_encode`: fits the schema on the train split like the page (vocabularies ranked by train count, then value
  order; mean and population std by the same sequential sums, so they come out bit-identical) and encodes. Passes
  over the file: one to count rows (only for a seeded split, whose shuffle needs the count), one to fit, one to
  encode.
- `apply_schema`: encodes with a run's `schema.json` (one pass, plus the count for a seeded split).

Memory: a chunk of rows, one cached lookup per distinct cell of each column (cleared past a bound), and while
fitting one count per distinct train value of each categorical column. The encoded rows go to files in `out_dir`
and come back as memory maps.
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ..errors import DataError
from .csvfile import CsvFile, Skipped
from .rules import LABEL_INVALID, LABEL_MISSING, LabelRule, case_candidates, case_only_matches, parse_rule
from .split import DEFAULT_SPLIT_RATIOS, DEFAULT_SPLIT_SEED, SPLITS, random_split, split_code
from .values import hash_bucket, is_missing_cell, js_number_text, js_trim, parse_number, value_sort_key

DEFAULT_MAX_VOCAB_PER_FIELD = 100_000
MAX_DOMAINS = 1000
MAX_HASH_BUCKETS = 1 << 24
DEFAULT_OTHER_DOMAIN = "other"
CHUNK_ROWS = 16384
# Past this many distinct cells a column's lookup cache starts over: memory stays bounded on id-like columns.
CACHE_LIMIT = 1 << 20
# /2: strict decimal numbers, missing-value markers as missing labels, unparseable cells and case mismatches kept.
FORMAT = "moe-playground-encoded/2"
# Distinct unparseable cells quoted in the report.
UNPARSEABLE_EXAMPLES = 3


@dataclass
class Roles:
    domain: str
    tasks: List[str]
    numeric: List[str]
    categorical: List[str]
    hashed: List[dict]
    ignore: List[str]
    split: Optional[str]


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i]
        for j in range(1, len(b) + 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if a[i - 1] == b[j - 1] else 1)))
        prev = cur
    return prev[len(b)]


def _missing_column(column: str, where: str, header: List[str]) -> DataError:
    def key(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch.isascii() and ch.isalnum())

    scored = [(h, 0 if key(h) == key(column) else _edit_distance(h.lower(), column.lower())) for h in header]
    near = [f'"{h}"' for h, d in sorted((x for x in scored if x[1] <= max(1, len(column) // 3)), key=lambda x: x[1])[:3]]
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    listed = ", ".join(header[:30])
    more = f" and {len(header) - 30} more" if len(header) > 30 else ""
    return DataError(f'{where}: column "{column}" is not in the file{hint} (columns: {listed}{more})', column)


def infer_columns(header: List[str], mapping: dict) -> Roles:
    """Every column's role, each named column checked to exist and to have one role only (inferColumns)."""
    present = set(header)
    role_of: Dict[str, str] = {}

    def claim(column: str, role: str, where: str) -> None:
        if column not in present:
            raise _missing_column(column, where, header)
        had = role_of.get(column)
        shared = (had == "task" and role == "task") or (had == "domain" and role == "categorical")
        if had is not None and not shared:
            why = f"is listed twice as {role}" if had == role else f"cannot be both {had} and {role}"
            raise DataError(f'{where}: column "{column}" {why}', column)
        role_of[column] = role

    tasks = mapping["tasks"]
    if not tasks:
        raise DataError("the mapping names no task")
    claim(mapping["domain"], "domain", "data.domain")
    for i, t in enumerate(tasks):
        claim(t["column"], "task", f"data.tasks[{i}].column")
    if mapping.get("split") is not None:
        claim(mapping["split"], "split", "data.split")
    numeric = list(mapping.get("numeric") or [])
    listed = list(mapping.get("categorical") or [])
    hashed = [dict(h) for h in mapping.get("hashed") or []]
    ignore = list(mapping.get("ignore") or [])
    for c in numeric:
        claim(c, "numeric", "data.numeric")
    for c in listed:
        claim(c, "categorical", "data.categorical")
    for i, h in enumerate(hashed):
        claim(h["column"], "hashed", f"data.hashed[{i}]")
    for c in ignore:
        claim(c, "ignored", "data.ignore")
    categorical = listed if listed else [h for h in header if h not in role_of]
    if len(numeric) + len(categorical) + len(hashed) == 0:
        raise DataError("no feature columns: every column is the domain, a task source, the split or ignored")
    return Roles(mapping["domain"], [t["column"] for t in tasks], numeric, categorical, hashed, ignore, mapping.get("split"))


def bin_name(bins: List[float], i: int) -> str:
    """The name of range i (0..len(bins)) of ascending cut points (binName)."""
    if i == 0:
        return f"<{js_number_text(bins[0])}"
    if i == len(bins):
        return f"≥{js_number_text(bins[i - 1])}"
    lo, hi = bins[i - 1], bins[i]
    if not (float(lo).is_integer() and float(hi).is_integer()):
        return f"{js_number_text(lo)}–{js_number_text(hi)}"
    return js_number_text(lo) if hi - 1 == lo else f"{js_number_text(lo)}–{js_number_text(hi - 1)}"


def _check_grouping(g: dict) -> None:
    bins = g.get("bins")
    if bins is not None:
        ascending = all(math.isfinite(b) and (i == 0 or b > bins[i - 1]) for i, b in enumerate(bins))
        if not bins or not ascending:
            raise DataError(f"data.domainGroups.bins must be ascending numbers, not [{', '.join(map(str, bins))}]")
    min_rows = g.get("minRows")
    if min_rows is not None and not (isinstance(min_rows, int) and min_rows >= 1):
        raise DataError(f"data.domainGroups.minRows must be a whole number ≥ 1, not {min_rows}")
    other = g.get("other")
    if other is not None and js_trim(other) == "":
        raise DataError("data.domainGroups.other must be a name")


class _Cache(dict):
    """Raw cell → its reading, computed once per distinct cell; starts over past CACHE_LIMIT entries."""

    def __init__(self, compute: Callable[[str], object]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, cell: str) -> object:
        if len(self) >= CACHE_LIMIT:
            self.clear()
        v = self[cell] = self.compute(cell)
        return v


def _domain_group(column: str, grouping: dict) -> Callable[[str], Tuple[Optional[str], str]]:
    """A cell's domain group name, or None and why its row is unusable."""
    bins = grouping.get("bins")
    names = [bin_name(bins, i) for i in range(len(bins) + 1)] if bins else []

    def group(cell: str) -> Tuple[Optional[str], str]:
        v = js_trim(cell)
        if v == "":
            return None, f'no value in the domain column "{column}"'
        if bins:
            x = parse_number(v)
            if math.isnan(x):
                return None, f'the domain column "{column}" holds "{v}", not a number to place in domainGroups.bins'
            i = 0
            while i < len(bins) and x >= bins[i]:
                i += 1
            return names[i], ""
        return v, ""

    return group


def domain_list(counts: Counter, grouping: dict, column: str) -> List[str]:
    """The domains from the rows per group over the whole file: rare groups merged into `other` (encodeDomains)."""
    bins = grouping.get("bins")
    min_rows = grouping.get("minRows") or 0
    other = js_trim(grouping.get("other") or "") or DEFAULT_OTHER_DOMAIN
    order = [bin_name(bins, i) for i in range(len(bins) + 1)] if bins else list(counts)
    present = [g for g in order if counts.get(g, 0) > 0]
    large = [g for g in present if counts[g] >= min_rows]
    merged = len(large) < len(present)
    if len(large) + (1 if merged else 0) > MAX_DOMAINS:
        what = f"{len(large)} values with {min_rows} rows or more" if min_rows > 0 else f"{len(large)} distinct values"
        raise DataError(
            f'the domain column "{column}" has {what}; a model takes {MAX_DOMAINS} domains at most: merge rare '
            f"values with domainGroups.minRows, or cut numbers into ranges with domainGroups.bins",
            column,
        )
    if not bins:
        large.sort(key=lambda v: value_sort_key(v, parse_number(v)))
    if merged and other not in large:
        large.append(other)
    return large


def _domain_lookup(schema_domains: List[str], grouping: dict) -> Callable[[str], Optional[int]]:
    """Group name → domain id; names the domains do not hold go to the merged `other` domain when rare values are merged."""
    ids = {d: i for i, d in enumerate(schema_domains)}
    other = js_trim(grouping.get("other") or "") or DEFAULT_OTHER_DOMAIN
    fallback = ids.get(other) if grouping.get("minRows") else None
    return lambda name: ids.get(name, fallback)


# What a distinct numeric cell holds.
_NUMBER, _NO_VALUE, _TEXT = 0, 1, 2


def _numeric_reading(cell: str) -> Tuple[float, int]:
    x = parse_number(cell)
    if not math.isnan(x):
        return x, _NUMBER
    return x, (_NO_VALUE if is_missing_cell(cell, "number") else _TEXT)


class _NumericCells:
    """A numeric column's filled cells and the unparseable ones (neither a decimal number nor missing), in file order."""

    def __init__(self) -> None:
        self.filled = 0
        self.bad = 0
        self.first_bad: Optional[Tuple[int, str]] = None
        self.examples: List[str] = []

    def add(self, kinds: np.ndarray, cells: List[str], file_rows: np.ndarray) -> None:
        self.filled += int((kinds != _NO_VALUE).sum())
        bad = np.flatnonzero(kinds == _TEXT)
        self.bad += int(bad.size)
        if bad.size and self.first_bad is None:
            self.first_bad = (int(file_rows[bad[0]]), cells[bad[0]])
        for i in bad:
            if len(self.examples) >= UNPARSEABLE_EXAMPLES:
                break
            v = js_trim(cells[i])
            if v not in self.examples:
                self.examples.append(v)

    def check(self, column: str) -> None:
        """A column mostly of text is no numeric column: refused, naming its first such cell."""
        if self.bad > 0 and self.bad * 2 >= self.filled:
            row, cell = self.first_bad
            raise DataError(
                f'numeric column "{column}" mostly does not hold numbers: {self.bad} of {self.filled} filled cells are not '
                f'decimal numbers, the first in row {row} ("{cell}"); map it as categorical?',
                column,
                row,
            )

    def unparseable(self) -> Optional[dict]:
        """The page's UnparseableCells: imputed with the train mean, counted and quoted."""
        return None if self.bad == 0 else {"cells": self.bad, "firstRow": self.first_bad[0], "examples": list(self.examples)}


class _TaskValues:
    """
    The train values of a task column that a case-only rule mismatch is judged on (trainValueCounts), in the page's
    order (a raw cell's first appearance in the file). Only cells that match a rule value or equal one but for case
    are kept: no other value changes the outcome, and a comparison rule keeps none.
    """

    def __init__(self, rule: LabelRule) -> None:
        self.rule = rule
        is_candidate = case_candidates(rule)
        self.candidate = _Cache(lambda cell: not is_missing_cell(cell, "label") and is_candidate(js_trim(cell)))
        self.order: Dict[str, None] = {}
        self.train: Counter = Counter()

    def add(self, all_cells, kept_cells: List[str], train: np.ndarray) -> None:
        if not self.rule.values:
            return
        for cell in dict.fromkeys(all_cells):
            if cell not in self.order and self.candidate[cell]:
                self.order[cell] = None
        self.train.update(kept_cells[i] for i in np.flatnonzero(train) if self.candidate[kept_cells[i]])

    def mismatches(self, task: dict) -> List[dict]:
        """Case-only matches beside exact ones, as the page reports them; with no exact match the rule is refused."""
        counts: Dict[str, int] = {}
        for cell in self.order:
            if self.train[cell]:
                v = js_trim(cell)
                counts[v] = counts.get(v, 0) + self.train[cell]
        out = []
        for m in case_only_matches(self.rule, list(counts.items())):
            variants = ", ".join(f'"{v}" ({n:,} rows)' for v, n in m.variants)
            if m.exact_rows == 0:
                raise DataError(
                    f'task "{task["name"]}": rule "{self.rule.text}" matches no train value of column "{task["column"]}", '
                    f'but {variants} differ from "{m.value}" only by case: rules compare text exactly, so write the value '
                    "as the column spells it",
                    task["column"],
                )
            label = 1 if self.rule.apply(m.variants[0][0]) == 1 else 0
            out.append(
                {
                    "value": m.value,
                    "exactRows": m.exact_rows,
                    "variants": [{"value": v, "count": n} for v, n in m.variants],
                    "task": task["name"],
                    "column": task["column"],
                    "rule": self.rule.text,
                    "label": label,
                }
            )
        return out


def _seq_sum(start: float, values: np.ndarray) -> float:
    """start + v0 + v1 + … added one by one, left to right, as the page's loop adds them (bit-identical)."""
    if values.size == 0:
        return start
    return float(np.add.accumulate(np.concatenate(([start], values)))[-1])


@dataclass
class EncodedData:
    """The encoded rows (src/engine/data/types.ts EncodedDataset) as arrays, memory-mapped from `directory`."""

    schema: dict
    cat: np.ndarray
    num: np.ndarray
    domain: np.ndarray
    labels: np.ndarray
    label_mask: np.ndarray
    split: np.ndarray
    file_rows: np.ndarray
    skipped: Skipped
    missing: Dict[str, int]
    # Per numeric column that has them: cells neither a decimal number nor missing, imputed with the train mean.
    unparseable: Dict[str, dict]
    # Task rule values that some train values of the column meet only when case is ignored.
    case_mismatches: List[dict]
    notes: List[str]
    directory: str
    splits: Dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return int(self.domain.shape[0])

    def __post_init__(self) -> None:
        self.splits = {name: np.flatnonzero(self.split == code) for code, name in enumerate(SPLITS)}


_ARRAYS = {
    # name: (dtype, width from the schema)
    "cat": (np.int32, lambda s: len(s["categorical"])),
    "num": (np.float32, lambda s: len(s["numeric"])),
    "domain": (np.int32, None),
    "labels": (np.float32, lambda s: len(s["tasks"])),
    "label_mask": (np.uint8, lambda s: len(s["tasks"])),
    "split": (np.uint8, None),
    "file_rows": (np.int32, None),
}


def _array_path(directory: str, name: str) -> str:
    return os.path.join(directory, f"{name}.bin")


def load_encoded(directory: str) -> EncodedData:
    with open(os.path.join(directory, "encoded.json"), encoding="utf-8") as f:
        meta = json.load(f)
    if meta.get("format") != FORMAT:
        raise DataError(f"{directory} holds no encoded data of format {FORMAT}")
    n = meta["rows"]
    arrays = {}
    for name, (dtype, width) in _ARRAYS.items():
        shape = (n,) if width is None else (n, width(meta["schema"]))
        if n == 0 or (len(shape) == 2 and shape[1] == 0):
            arrays[name] = np.zeros(shape, dtype=dtype)
        else:
            arrays[name] = np.memmap(_array_path(directory, name), dtype=dtype, mode="r", shape=shape)
    skipped = Skipped(meta["skipped"]["count"], meta["skipped"]["examples"])
    return EncodedData(
        meta["schema"],
        skipped=skipped,
        missing=meta["missing"],
        unparseable=meta["unparseable"],
        case_mismatches=meta["caseMismatches"],
        notes=meta["notes"],
        directory=directory,
        **arrays,
    )


def domain_coder(column: str, grouping: dict, domains: List[str]) -> Callable[[str], Tuple[int, str]]:
    """A domain cell → its domain id, or −1 and why its row is unusable."""
    group = _domain_group(column, grouping)
    lookup = _domain_lookup(domains, grouping)
    shown = ", ".join(domains[:5]) + (", …" if len(domains) > 5 else "")

    def domain_id(cell: str) -> Tuple[int, str]:
        name, why = group(cell)
        if name is None:
            return -1, why
        d = lookup(name)
        if d is None:
            return -1, f'the domain "{name}" is not one of the model\'s ({shown})'
        return d, ""

    return domain_id


class _Plan:
    """How each column of a chunk becomes its part of the encoded rows."""

    def __init__(
        self,
        header: List[str],
        roles: Roles,
        schema: dict,
        domain_id: Callable[[str], Tuple[int, str]],
        split_codes: Optional[np.ndarray],
    ):
        col = {h: i for i, h in enumerate(header)}
        self.schema = schema
        self.domain_col = col[roles.domain]
        self.domain = _Cache(domain_id)
        self.split_col = col[roles.split] if roles.split is not None else None
        self.split_name = roles.split
        self.split_codes = split_codes
        self.split_word = _Cache(split_code)
        # Per field: column index, cell → id, cell → missing (each read once per distinct cell), column name.
        self.cat: List[Tuple[int, _Cache, _Cache, str]] = []
        for f in schema["categorical"]:
            offset = f["offset"]
            if f.get("hashBuckets") is not None:
                buckets = f["hashBuckets"]

                def hashed(cell: str, offset: int = offset, buckets: int = buckets) -> int:
                    v = js_trim(cell)
                    return offset + (0 if v == "" else hash_bucket(v, buckets))

                id_of = _Cache(hashed)
            else:
                ids = {v: offset + 1 + i for i, v in enumerate(f["vocab"])}
                id_of = _Cache(lambda cell, ids=ids, offset=offset: ids.get(js_trim(cell), offset))
            self.cat.append((col[f["column"]], id_of, _Cache(lambda cell: is_missing_cell(cell, "category")), f["column"]))
        self.num = [(col[f["column"]], _Cache(_numeric_reading), f["column"]) for f in schema["numeric"]]
        self.tasks = []
        for t in schema["tasks"]:
            rule = _compile_rule(t)
            self.tasks.append((col[t["column"]], _Cache(rule.apply), t, rule))


def _compile_rule(task: dict):
    try:
        return parse_rule(task["rule"])
    except DataError as e:
        raise DataError(f'task "{task["name"]}": {e}', task["column"]) from None


class _Chunk:
    """One chunk's usable rows: the ones with a domain, their ids, file rows and split codes."""

    def __init__(self, plan: _Plan, file_rows: List[int], rows: List[List[str]], first_table_row: int, skipped: Skipped):
        cols = list(zip(*rows))
        self.cols = cols
        dom = [plan.domain[c] for c in cols[plan.domain_col]]
        keep = [i for i, (d, _) in enumerate(dom) if d >= 0]
        for i, (d, why) in enumerate(dom):
            if d < 0:
                skipped.note(file_rows[i], why)
        self.keep = keep
        self.all_kept = len(keep) == len(rows)
        self.domain = np.array([dom[i][0] for i in keep], dtype=np.int32)
        self.file_rows = np.array([file_rows[i] for i in keep], dtype=np.int32)
        if plan.split_col is not None:
            words = cols[plan.split_col]
            codes = []
            for i in keep:
                code = plan.split_word[words[i]]
                if code is None:
                    row = file_rows[i]
                    raise DataError(
                        f'row {row}: the split column "{plan.split_name}" holds "{words[i]}"; it may hold train, valid '
                        f"(val, validation) or test",
                        plan.split_name,
                        row,
                    )
                codes.append(code)
            self.split = np.array(codes, dtype=np.uint8)
        else:
            table_rows = np.array(keep, dtype=np.int64) + first_table_row
            self.split = plan.split_codes[table_rows].astype(np.uint8)

    def column(self, index: int) -> list:
        c = self.cols[index]
        return list(c) if self.all_kept else [c[i] for i in self.keep]


def _seeded_split(csvf: CsvFile, mapping: dict) -> Optional[np.ndarray]:
    if mapping.get("split") is not None:
        return None
    ratios = mapping.get("splitRatios") or DEFAULT_SPLIT_RATIOS
    seed = mapping.get("splitSeed", DEFAULT_SPLIT_SEED)
    return random_split(csvf.count_rows(), ratios, seed)


def _labels(plan: _Plan, chunk: _Chunk, t: int) -> Tuple[List[int], int, Optional[DataError]]:
    """Task t's outcomes for the chunk's rows, its missing labels, and the error of the first cell the rule cannot read."""
    index, outcome, task, rule = plan.tasks[t]
    cells = chunk.column(index)
    ys = [outcome[c] for c in cells]
    invalid = None
    if LABEL_INVALID in ys:
        k = ys.index(LABEL_INVALID)
        row = int(chunk.file_rows[k])
        invalid = DataError(
            f'task "{task["name"]}": row {row} of column "{task["column"]}" holds "{cells[k]}", which is not a decimal '
            f'number for the rule "{rule.text}"',
            task["column"],
            row,
        )
    return ys, ys.count(LABEL_MISSING), invalid


class _Writer:
    """Appends the encoded chunks to one file per array; `raw_numeric` keeps numeric values unscaled, in float64."""

    def __init__(self, directory: str, raw_numeric: bool = False) -> None:
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.dtypes = {name: dtype for name, (dtype, _) in _ARRAYS.items()}
        self.paths = {name: _array_path(directory, name) for name in _ARRAYS}
        if raw_numeric:
            self.dtypes["num"] = np.float64
            self.paths["num"] = os.path.join(directory, "num.f64")
        self.files = {name: open(path, "wb") for name, path in self.paths.items()}
        self.rows = 0

    def write(self, **arrays: np.ndarray) -> None:
        for name, a in arrays.items():
            self.files[name].write(np.ascontiguousarray(a, dtype=self.dtypes[name]).tobytes())
        self.rows += len(arrays["domain"])

    def flush(self) -> None:
        """Puts what is still buffered on disk, so that the files can be read back before they are closed."""
        for f in self.files.values():
            f.flush()

    def close(self, schema: dict, counts: "_PassCounts", case_mismatches: List[dict], notes: List[str]) -> EncodedData:
        for f in self.files.values():
            f.close()
        meta = {
            "format": FORMAT,
            "rows": self.rows,
            "schema": schema,
            "skipped": counts.skipped.to_json(),
            "missing": counts.missing,
            "unparseable": counts.unparseable,
            "caseMismatches": case_mismatches,
            "notes": notes,
        }
        with open(os.path.join(self.directory, "encoded.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f)
        return load_encoded(self.directory)


@dataclass
class _PassCounts:
    """What an encoding pass counts besides the rows: skipped rows, missing cells per column, unparseable numbers."""

    skipped: Skipped
    missing: Dict[str, int]
    unparseable: Dict[str, dict]


def _encode_pass(
    csvf: CsvFile,
    plan: _Plan,
    writer: _Writer,
    raw_num: Optional[Callable[[np.ndarray, np.ndarray], None]],
    task_values: Optional[List[_TaskValues]] = None,
) -> _PassCounts:
    """
    Writes every usable row. `raw_num`, when fitting, receives each chunk's numeric values (NaN where missing) and
    split codes, and the values are written unscaled (float64) for the caller to scale; otherwise they are scaled
    with the schema's mean and std. `task_values`, when given, count the task columns' train values.
    """
    schema = plan.schema
    skipped = Skipped()
    missing: Dict[str, int] = {}
    numeric_cells = [_NumericCells() for _ in plan.num]
    table_row = 0
    for file_rows, rows in csvf.chunks(CHUNK_ROWS):
        chunk = _Chunk(plan, file_rows, rows, table_row, skipped)
        table_row += len(rows)
        k = len(chunk.keep)
        cat = np.empty((k, len(plan.cat)), dtype=np.int32)
        for f, (index, id_of, blank, column) in enumerate(plan.cat):
            cells = chunk.column(index)
            cat[:, f] = list(map(id_of.__getitem__, cells))
            missing[column] = missing.get(column, 0) + sum(map(blank.__getitem__, cells))
        values = np.empty((k, len(plan.num)), dtype=np.float64)
        for j, (index, reading, column) in enumerate(plan.num):
            cells = chunk.column(index)
            read = [reading[c] for c in cells]
            values[:, j] = [x for x, _ in read]
            kinds = np.array([kind for _, kind in read], dtype=np.int8)
            numeric_cells[j].add(kinds, cells, chunk.file_rows)
            missing[column] = missing.get(column, 0) + int((kinds == _NO_VALUE).sum())
        labels = np.zeros((k, len(plan.tasks)), dtype=np.float32)
        mask = np.zeros((k, len(plan.tasks)), dtype=np.uint8)
        for t, (index, _outcome, task, _rule) in enumerate(plan.tasks):
            ys, blank, invalid = _labels(plan, chunk, t)
            if invalid is not None:
                raise invalid
            if task_values is not None:
                task_values[t].add(chunk.cols[index], chunk.column(index), chunk.split == 0)
            y = np.array(ys, dtype=np.int8)
            known = y >= 0
            labels[known, t] = y[known]
            mask[known, t] = 1
            missing[task["column"]] = missing.get(task["column"], 0) + blank
        if raw_num is not None:
            raw_num(values, chunk.split)
            num = values
        else:
            means = np.array([f["mean"] for f in schema["numeric"]], dtype=np.float64)
            stds = np.array([f["std"] for f in schema["numeric"]], dtype=np.float64)
            num = np.where(np.isnan(values), 0.0, (values - means) / stds).astype(np.float32)
        writer.write(cat=cat, num=num, domain=chunk.domain, labels=labels, label_mask=mask, split=chunk.split, file_rows=chunk.file_rows)
    unparseable = {column: u for (_, _, column), c in zip(plan.num, numeric_cells) if (u := c.unparseable()) is not None}
    return _PassCounts(csvf.skipped.merged(skipped), missing, unparseable)


def apply_schema(path: str, mapping: dict, schema: dict, out_dir: str, name: Optional[str] = None) -> EncodedData:
    """Encodes a file with a trained run's schema (its vocabularies, scaling, domains and task rules)."""
    csvf = CsvFile(path, name)
    roles = infer_columns(csvf.header, mapping)
    split_codes = _seeded_split(csvf, mapping)
    domain_id = domain_coder(roles.domain, mapping.get("domainGroups") or {}, schema["domains"])
    plan = _Plan(csvf.header, roles, schema, domain_id, split_codes)
    writer = _Writer(out_dir)
    task_values = [_TaskValues(rule) for *_, rule in plan.tasks]
    counts = _encode_pass(csvf, plan, writer, None, task_values)
    case_mismatches = [m for (_, _, task, _), v in zip(plan.tasks, task_values) for m in v.mismatches(task)]
    return writer.close(schema, counts, case_mismatches, csvf.notes)


@dataclass
class _Fit:
    """What the fitting pass counts."""

    domain_rows: Counter = field(default_factory=Counter)
    train_values: List[Counter] = field(default_factory=list)
    num_sum: List[float] = field(default_factory=list)
    num_count: List[int] = field(default_factory=list)
    num_cells: List[_NumericCells] = field(default_factory=list)
    task_known: List[int] = field(default_factory=list)
    task_positives: List[int] = field(default_factory=list)
    # The first few distinct train values of each task column, for a message.
    task_shown: List[List[str]] = field(default_factory=list)
    task_values: List[_TaskValues] = field(default_factory=list)
    # The first cell of each task column the rule cannot read, raised in the page's order of checks.
    task_invalid: List[Optional[DataError]] = field(default_factory=list)
    train_rows: int = 0


def _fit_pass(csvf: CsvFile, roles: Roles, mapping: dict, split_codes: Optional[np.ndarray]) -> _Fit:
    """Counts domains over all usable rows, and values, numeric sums and labels over the train rows, in file order."""
    grouping = mapping.get("domainGroups") or {}
    _check_grouping(grouping)
    group = _domain_group(roles.domain, grouping)

    def usable(cell: str) -> Tuple[int, str]:
        name, why = group(cell)
        return (-1, why) if name is None else (0, "")

    # Domain ids come after this pass; features are counted here, so the plan only reads domains, splits and labels.
    tasks_only = {"categorical": [], "numeric": [], "tasks": mapping["tasks"]}
    plan = _Plan(csvf.header, roles, tasks_only, usable, split_codes)
    col = {h: i for i, h in enumerate(csvf.header)}
    cat_cols = [col[c] for c in roles.categorical]
    num_cols = [col[c] for c in roles.numeric]
    fit = _Fit(
        train_values=[Counter() for _ in cat_cols],
        num_sum=[0.0] * len(num_cols),
        num_count=[0] * len(num_cols),
        num_cells=[_NumericCells() for _ in num_cols],
        task_known=[0] * len(plan.tasks),
        task_positives=[0] * len(plan.tasks),
        task_shown=[[] for _ in plan.tasks],
        task_values=[_TaskValues(rule) for *_, rule in plan.tasks],
        task_invalid=[None] * len(plan.tasks),
    )
    readings = [_Cache(_numeric_reading) for _ in num_cols]
    table_row = 0
    for file_rows, rows in csvf.chunks(CHUNK_ROWS):
        chunk = _Chunk(plan, file_rows, rows, table_row, Skipped())
        table_row += len(rows)
        groups = Counter(chunk.column(plan.domain_col))
        for cell, n in groups.items():
            fit.domain_rows[group(cell)[0]] += n
        train = chunk.split == 0
        fit.train_rows += int(train.sum())
        train_at = np.flatnonzero(train).tolist()
        for f, index in enumerate(cat_cols):
            cells = chunk.column(index)
            fit.train_values[f].update(cells[i] for i in train_at)
        for j, index in enumerate(num_cols):
            cells = chunk.column(index)
            read = [readings[j][c] for c in cells]
            fit.num_cells[j].add(np.array([kind for _, kind in read], dtype=np.int8), cells, chunk.file_rows)
            x = np.array([read[i][0] for i in train_at], dtype=np.float64)
            x = x[~np.isnan(x)]
            fit.num_sum[j] = _seq_sum(fit.num_sum[j], x)
            fit.num_count[j] += int(x.size)
        for t, (index, *_) in enumerate(plan.tasks):
            ys, _, invalid = _labels(plan, chunk, t)
            if fit.task_invalid[t] is None:
                fit.task_invalid[t] = invalid
            cells = chunk.column(index)
            fit.task_values[t].add(chunk.cols[index], cells, train)
            for i in train_at:
                if ys[i] >= 0:
                    fit.task_known[t] += 1
                    fit.task_positives[t] += ys[i]
                shown = fit.task_shown[t]
                if len(shown) < 6 and js_trim(cells[i]) != "" and js_trim(cells[i]) not in shown:
                    shown.append(js_trim(cells[i]))
    return fit


def _fit_schema(csvf: CsvFile, roles: Roles, mapping: dict, fit: _Fit, max_vocab: int) -> Tuple[dict, List[dict]]:
    """
    Domains, vocabularies, means (std comes with the encoding pass), the label checks and the rules' case mismatches,
    as encodeDataset does them and in its order.
    """
    grouping = mapping.get("domainGroups") or {}
    if sum(fit.domain_rows.values()) == 0:
        raise DataError(
            f'no row of the domain column "{roles.domain}" holds a number to place in domainGroups.bins'
            if grouping.get("bins")
            else f'the domain column "{roles.domain}" is blank in every row',
            roles.domain,
        )
    domains = domain_list(fit.domain_rows, grouping, roles.domain)
    if fit.train_rows == 0:
        raise DataError("the train split is empty: nothing to fit the encoding or the model on")
    categorical = []
    offset = 0
    for f, column in enumerate(roles.categorical):
        counts: Counter = Counter()
        for cell, n in fit.train_values[f].items():
            v = js_trim(cell)
            if v != "":
                counts[v] += n
        ranked = sorted(counts.items(), key=lambda vn: (-vn[1],) + value_sort_key(vn[0], parse_number(vn[0])))
        vocab = [v for v, _ in ranked[:max_vocab]]
        categorical.append({"column": column, "vocab": vocab, "offset": offset, "size": len(vocab) + 1})
        offset += len(vocab) + 1
    for h in roles.hashed:
        buckets = h["buckets"]
        if not (isinstance(buckets, int) and 1 <= buckets <= MAX_HASH_BUCKETS):
            raise DataError(
                f'data.hashed: column "{h["column"]}" needs a whole number of buckets from 1 to {MAX_HASH_BUCKETS}, not {buckets}',
                h["column"],
            )
        categorical.append({"column": h["column"], "vocab": [], "offset": offset, "size": buckets + 1, "hashBuckets": buckets})
        offset += buckets + 1
    numeric = []
    for j, column in enumerate(roles.numeric):
        fit.num_cells[j].check(column)
        n = fit.num_count[j]
        numeric.append({"column": column, "mean": fit.num_sum[j] / n if n > 0 else 0.0, "std": None})
    tasks = [{"name": t["name"], "column": t["column"], "rule": t["rule"]} for t in mapping["tasks"]]
    case_mismatches = []
    for t, task in enumerate(tasks):
        case_mismatches += fit.task_values[t].mismatches(task)
        if fit.task_invalid[t] is not None:
            raise fit.task_invalid[t]
        known, positives = fit.task_known[t], fit.task_positives[t]
        if known == 0:
            raise DataError(
                f'task "{task["name"]}": column "{task["column"]}" has no label in any train row (blank, NA, null, …)', task["column"]
            )
        if positives in (0, known):
            shown = ", ".join(f'"{v}"' for v in fit.task_shown[t][:5]) + (", …" if len(fit.task_shown[t]) > 5 else "")
            raise DataError(
                f'task "{task["name"]}": column "{task["column"]}" is always {0 if positives == 0 else 1} under rule '
                f'"{js_trim(task["rule"])}" in the train split (it holds {shown}), so there is nothing to learn',
                task["column"],
            )
    schema = {"domainColumn": roles.domain, "domains": domains, "tasks": tasks, "categorical": categorical, "numeric": numeric, "vocabSize": offset}
    return schema, case_mismatches


def fit_encode(path: str, mapping: dict, out_dir: str, name: Optional[str] = None, max_vocab: int = DEFAULT_MAX_VOCAB_PER_FIELD) -> EncodedData:
    """Fits the schema on the train split as the page does and encodes every usable row."""
    csvf = CsvFile(path, name)
    roles = infer_columns(csvf.header, mapping)
    split_codes = _seeded_split(csvf, mapping)
    fit = _fit_pass(csvf, roles, mapping, split_codes)
    schema, case_mismatches = _fit_schema(csvf, roles, mapping, fit, max_vocab)
    means = np.array([f["mean"] for f in schema["numeric"]], dtype=np.float64)
    squares = [0.0] * len(means)

    def deviations(values: np.ndarray, split: np.ndarray) -> None:
        train = values[split == 0]
        for j in range(len(means)):
            x = train[:, j]
            d = x[~np.isnan(x)] - means[j]
            squares[j] = _seq_sum(squares[j], d * d)

    domain_id = domain_coder(roles.domain, mapping.get("domainGroups") or {}, schema["domains"])
    plan = _Plan(csvf.header, roles, schema, domain_id, split_codes)
    # Unscaled values first (float64), scaled below once the std is known.
    writer = _Writer(out_dir, raw_numeric=True)
    counts = _encode_pass(csvf, plan, writer, deviations)
    for j, f in enumerate(schema["numeric"]):
        n = fit.num_count[j]
        sd = math.sqrt(squares[j] / n) if n > 0 else 0.0
        # A constant column would divide by zero; it carries no signal, so it just becomes 0.
        f["std"] = sd if sd > 0 else 1.0
    # A file's last chunk (a whole small file) may still sit in the write buffer.
    writer.flush()
    _scale_numeric(writer.paths["num"], _array_path(out_dir, "num"), schema, writer.rows)
    return writer.close(schema, counts, case_mismatches, csvf.notes)


def _scale_numeric(raw_path: str, out_path: str, schema: dict, rows: int) -> None:
    """(x − mean) / std in float64, stored as float32; missing values become 0 (the train mean), chunk by chunk."""
    width = len(schema["numeric"])
    means = np.array([f["mean"] for f in schema["numeric"]], dtype=np.float64)
    stds = np.array([f["std"] for f in schema["numeric"]], dtype=np.float64)
    with open(raw_path, "rb") as src, open(out_path, "wb") as dst:
        step = CHUNK_ROWS * 16
        done = 0
        while done < rows and width > 0:
            n = min(step, rows - done)
            x = np.frombuffer(src.read(n * width * 8), dtype=np.float64).reshape(n, width)
            dst.write(np.where(np.isnan(x), 0.0, (x - means) / stds).astype(np.float32).tobytes())
            done += n
    os.remove(raw_path)


def encoding_notes(data: EncodedData) -> List[str]:
    """
    What the encoding read differently from the file's cells, as the page's Check data words it (checks.ts
    encodingIssues, the bench's data notes): rule values matched but for case, labels left out, numbers imputed.
    """
    notes = []
    for m in data.case_mismatches:
        variants = ", ".join(f'"{v["value"]}" ({v["count"]:,} rows)' for v in m["variants"])
        notes.append(
            f'warning: task "{m["task"]}": rule "{m["rule"]}" matches {m["exactRows"]:,} train rows of column "{m["column"]}" '
            f'holding "{m["value"]}", but {variants} differ from it only by case and are labelled {m["label"]}; list every '
            "spelling (in {…}) if they mean the same"
        )
    for task in data.schema["tasks"]:
        missing = data.missing[task["column"]]
        if missing > 0:
            notes.append(
                f'warning: task "{task["name"]}": {missing:,} rows have no label in column "{task["column"]}" (blank, NA, N/A, '
                "null, NaN, None or ?): they are left out of its loss and metrics"
            )
    for f in data.schema["numeric"]:
        missing, bad = data.missing[f["column"]], data.unparseable.get(f["column"])
        parts = []
        if missing > 0:
            parts.append(f"{missing:,} missing cells (blank, NA, null, …)")
        if bad is not None:
            first, *more = [f'"{v}"' for v in bad["examples"]]
            also = f", {', '.join(more)}" if more else ""
            etc = ", …" if bad["cells"] > len(bad["examples"]) else ""
            parts.append(f'{bad["cells"]:,} cells that are not decimal numbers ({first} in row {bad["firstRow"]}{also}{etc})')
        if parts:
            mean = js_number_text(float(f"{f['mean']:.6g}"))
            notes.append(f'warning: numeric column "{f["column"]}": {" and ".join(parts)} were imputed with the train mean ({mean})')
    return notes
