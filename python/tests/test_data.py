"""Same data: the file read, split and encoded as the page does it (checked against the engine's own encoding)."""
from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pytest

from moe_playground.data.csvfile import CsvFile
from moe_playground.data.encode import apply_schema, fit_encode
from moe_playground.data.values import js_number_text, parse_number
from moe_playground.errors import DataError
from moe_playground.rng import Rng

ARRAYS = [("cat", "<i4"), ("num", "<f4"), ("domain", "<i4"), ("labels", "<f4"), ("label_mask", "u1"), ("split", "u1")]


def engine_encoding(engine_exports, name):
    d = os.path.join(engine_exports["dir"], "encoded", name)
    with open(os.path.join(d, "schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return d, schema, meta


def differences(ds, d, schema, meta):
    out = [] if ds.schema == schema else ["schema"]
    out += [] if ds.skipped.to_json() == meta["skipped"] else [f"skipped rows {ds.skipped.to_json()} vs {meta['skipped']}"]
    out += [] if ds.missing == meta["missing"] else [f"missing counts {ds.missing} vs {meta['missing']}"]
    for name, dtype in ARRAYS:
        ref = np.fromfile(os.path.join(d, f"{name}.bin"), dtype=dtype)
        if not np.array_equal(ref, np.asarray(getattr(ds, name)).reshape(-1)):
            out.append(name)
    return out


@pytest.mark.parametrize("name", ["models", "binned"])
def test_fitting_gives_the_pages_schema_and_rows(engine_exports, tmp_path, name):
    """Vocabularies, scaling (bit for bit), domains (merged or binned), the seeded split and every encoded row."""
    mapping = next(e["mapping"] for e in engine_exports["encodings"] if e["name"] == name)
    d, schema, meta = engine_encoding(engine_exports, name)
    ds = fit_encode(engine_exports["csv"], mapping, str(tmp_path), "data.csv")
    assert ds.num_rows == meta["rows"]
    assert differences(ds, d, schema, meta) == []


@pytest.mark.parametrize("name", ["models", "binned"])
def test_a_runs_schema_encodes_the_rows_as_the_page_does(engine_exports, tmp_path, name):
    mapping = next(e["mapping"] for e in engine_exports["encodings"] if e["name"] == name)
    d, schema, meta = engine_encoding(engine_exports, name)
    ds = apply_schema(engine_exports["csv"], mapping, schema, str(tmp_path), "data.csv")
    assert differences(ds, d, schema, meta) == []


def test_a_gzip_reads_like_the_plain_file(engine_exports, tmp_path):
    with open(engine_exports["csv"], "rb") as f, gzip.open(tmp_path / "data.csv.gz", "wb") as g:
        g.write(f.read())
    plain = [r for _, rows in CsvFile(engine_exports["csv"]).chunks() for r in rows]
    zipped = [r for _, rows in CsvFile(str(tmp_path / "data.csv.gz")).chunks() for r in rows]
    assert plain == zipped and len(plain) == 2400


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(p)


def test_a_quote_left_open_drops_its_record_and_says_where(tmp_path):
    f = CsvFile(write(tmp_path, "open.csv", 'a,b\n1,2\n3,"x\n4,5\n'))
    rows = [(fr, r) for frs, rs in f.chunks() for fr, r in zip(frs, rs)]
    assert rows == [(2, ["1", "2"])]
    assert f.skipped.to_json() == {"count": 1, "examples": [{"row": 3, "reason": "a quoted field opened in row 3 is never closed: the rest of the file was read into it"}]}


def test_bad_files_name_what_is_wrong(tmp_path):
    cases = {
        "empty.csv": ("", "is empty"),
        "header.csv": ("a,b\n", "has a header but no data rows"),
        "one.csv": ("abc\n1\n", "has a single column"),
        "dup.csv": ("a,a\n1,2\n", 'the header names "a" more than once'),
        "latin1.csv": ("a,b\ncafé,1\n".encode("latin-1"), "is not UTF-8 text (invalid byte at about row 2)"),
    }
    for name, (text, message) in cases.items():
        with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
            CsvFile(write(tmp_path, name, text))


def test_the_delimiter_is_guessed_and_a_misleading_name_noted(tmp_path):
    f = CsvFile(write(tmp_path, "semi.csv", "a;b;c\n1;2;3\n4;5;6\n"))
    assert f.delimiter == ";" and f.header == ["a", "b", "c"]
    assert "separated by semicolons" in f.notes[0]


def test_numbers_read_as_javascript_reads_them():
    assert [parse_number(s) for s in [" 0x1F ", "1e5", ".5", "5.", "-0b11", "+2"]] == [31, 100000, 0.5, 5, pytest.approx(float("nan"), nan_ok=True), 2]
    assert all(np.isnan(parse_number(s)) for s in ["inf", "Infinity", "1_0", "nan", "", "0x", "1e400"])
    assert [js_number_text(x) for x in [18, 0.5, 1e21, 1e-7, 0.00001, 40.5]] == ["18", "0.5", "1e+21", "1e-7", "0.00001", "40.5"]


def test_the_generator_draws_the_engines_sequence():
    """mulberry32 seeded 1, and a seeded shuffle, as src/engine/util/rng.ts gives them."""
    assert Rng(1).draw(3).tolist() == [0.18967728852294385, 0.31778763560578227, 0.7830808095168322]
    assert Rng(1).shuffle(np.arange(10)).tolist() == [9, 0, 8, 5, 7, 4, 3, 6, 2, 1]
    assert Rng(7).fill_normal(2).tolist() == [-1.4334239959716797, 1.0707846879959106]
