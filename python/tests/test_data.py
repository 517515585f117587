"""Same data: the file read, split and encoded as the page does it (checked against the engine's own encoding)."""
from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pytest

from moe_playground.data.csvfile import CsvFile
from moe_playground.data.encode import apply_schema, encoding_notes, fit_encode
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
    out += [] if ds.unparseable == meta["unparseable"] else [f"unparseable cells {ds.unparseable} vs {meta['unparseable']}"]
    out += [] if ds.case_mismatches == meta["caseMismatches"] else [f"case mismatches {ds.case_mismatches} vs {meta['caseMismatches']}"]
    for name, dtype in ARRAYS:
        ref = np.fromfile(os.path.join(d, f"{name}.bin"), dtype=dtype)
        if not np.array_equal(ref, np.asarray(getattr(ds, name)).reshape(-1)):
            out.append(name)
    return out


@pytest.mark.parametrize("name", ["models", "binned"])
def test_fitting_gives_the_pages_schema_and_rows(engine_exports, tmp_path, name):
    """
    Vocabularies, scaling (bit for bit), domains (merged or binned), the seeded split, every encoded row, and what the
    page counts on the way: missing cells per column's reading, unparseable numbers, rule values matched but for case.
    """
    mapping = next(e["mapping"] for e in engine_exports["encodings"] if e["name"] == name)
    d, schema, meta = engine_encoding(engine_exports, name)
    ds = fit_encode(engine_exports["csv"], mapping, str(tmp_path), "data.csv")
    assert ds.num_rows == meta["rows"]
    assert differences(ds, d, schema, meta) == []
    if name == "models":
        # The fixture holds each case, so that the comparison above compares something.
        assert meta["unparseable"]["price"]["cells"] > 0 and meta["caseMismatches"] and meta["missing"]["click"] > 0


@pytest.mark.parametrize("name", ["models", "binned"])
def test_the_data_notes_are_check_datas(engine_exports, tmp_path, name):
    """Labels left out, numbers imputed, rule values matched but for case: worded as the page's Check data words them."""
    mapping = next(e["mapping"] for e in engine_exports["encodings"] if e["name"] == name)
    _, _, meta = engine_encoding(engine_exports, name)
    kinds = ("have no label in column", "were imputed with the train mean", "only by case and are labelled")
    page = [n for n in meta["notes"] if any(k in n for k in kinds)]
    assert page, "the fixture gives the page such notes"
    assert encoding_notes(fit_encode(engine_exports["csv"], mapping, str(tmp_path), "data.csv")) == page


def test_files_the_page_refuses_are_refused_naming_the_same_row_and_column(engine_exports, tmp_path):
    """Unclosed quote, a rule value only in another case, a rule naming a marker, a label or numbers not decimal, no label."""
    for r in engine_exports["refusals"]:
        with pytest.raises(DataError) as e:
            fit_encode(os.path.join(engine_exports["dir"], r["file"]), r["mapping"], str(tmp_path / r["name"]), f'{r["name"]}.csv')
        assert (str(e.value), e.value.column, e.value.row) == (r["error"]["message"], r["error"]["column"], r["error"]["row"]), r["name"]


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


def test_a_quote_left_open_is_an_error_naming_where_it_opened(tmp_path):
    """The row the quote opened on (after a quoted line end in an earlier field), its column, and the rows it swallowed."""
    f = CsvFile(write(tmp_path, "open.csv", 'a,b,c\n1,2,3\n"x\ny",4,"z\n5,6,7\n'))
    with pytest.raises(DataError) as e:
        list(f.chunks())
    assert (e.value.row, e.value.column) == (4, "c")
    assert str(e.value) == 'File "open.csv": a quoted field opened in row 4 (column "c") is never closed, so rows 4–5 were read into that one field; close the quote or double it ("") inside the field'
    with pytest.raises(DataError, match=r'opened in row 1 is never closed; close'):
        CsvFile(write(tmp_path, "header.csv", 'a,"b'))


def test_a_file_smaller_than_the_write_buffer_is_scaled_whole(tmp_path):
    """A few hundred bytes of unscaled numbers, still in the write buffer when the scaling pass reads them back."""
    path = write(tmp_path, "small.csv", "d,x,y\n" + "".join(f"{'ab'[i % 2]},{i},{i % 2}\n" for i in range(40)))
    mapping = {"domain": "d", "tasks": [{"name": "y", "column": "y", "rule": "== 1"}], "numeric": ["x"]}
    ds = fit_encode(path, mapping, str(tmp_path / "encoded"))
    f = ds.schema["numeric"][0]
    expected = ((np.arange(40, dtype=np.float64) - f["mean"]) / f["std"]).astype(np.float32)
    assert np.array_equal(np.asarray(ds.num).reshape(-1), expected)


def test_file_rows_count_lines_as_the_page_does(tmp_path):
    """A lone CR inside a quoted field is no line end to the page (Python's line reader would count one)."""
    f = CsvFile(write(tmp_path, "cr.csv", 'a,b\n"x\ry",1\n"p\r\nq",2\n3,4\n'))
    assert [fr for frs, _ in f.chunks() for fr in frs] == [2, 3, 5]


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


def test_numbers_are_decimal_numbers_only():
    assert [parse_number(s) for s in ["1e5", ".5", "5.", "+2", " -3.25e-1 ", "1.e2"]] == [100000, 0.5, 5, 2, -0.325, 100]
    not_decimal = [" 0x1F ", "-0b11", "0o7", "inf", "Infinity", "1_0", "nan", "", "0x", "1e400", "2,75", "١٢", "１"]
    assert all(np.isnan(parse_number(s)) for s in not_decimal)
    assert [js_number_text(x) for x in [18, 0.5, 1e21, 1e-7, 0.00001, 40.5]] == ["18", "0.5", "1e+21", "1e-7", "0.00001", "40.5"]


def test_the_generator_draws_the_engines_sequence():
    """mulberry32 seeded 1, and a seeded shuffle, as src/engine/util/rng.ts gives them."""
    assert Rng(1).draw(3).tolist() == [0.18967728852294385, 0.31778763560578227, 0.7830808095168322]
    assert Rng(1).shuffle(np.arange(10)).tolist() == [9, 0, 8, 5, 7, 4, 3, 6, 2, 1]
    assert Rng(7).fill_normal(2).tolist() == [-1.4334239959716797, 1.0707846879959106]
