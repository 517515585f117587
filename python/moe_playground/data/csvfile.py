"""
A CSV file (plain or gzip, UTF-8) read as the page reads it (src/engine/data/csv.ts), streamed in chunks of rows
so that a file of any size passes in bounded memory.

Python's C csv reader does the tokenizing: with `strict=False` and lines split at LF, CRLF and CR it reads quotes
as the page's tokenizer does (a quote opens a field only at its start; text after a closing quote is kept). Two
things it does differently are handled here: the delimiter is guessed by a port of the page's tokenizer on the
first 64 KiB, and a quoted field still open at the end of the file (an error on the page, naming where it opened)
is caught by a sentinel line read after the file. File rows are counted as the page counts them: one per record,
plus the LF line ends inside its quoted fields.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import sys
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple

from ..errors import DataError
from .values import js_trim

DELIMITERS = (",", "\t", ";", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_ROWS = 50
MAX_SKIPPED_EXAMPLES = 10
DELIMITER_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "pipes"}

# After the file: `"`, U+001E, `"`, newline. Read after a complete record it is the record ['\x1e']; read inside a
# quoted field left open, it closes that field with '\x1e"' at its end.
_SENTINEL = '"\x1e"\n'
_OPEN_QUOTE_TAIL = '\x1e"'

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Skipped:
    """Rows of the file that could not be used, counted, the first few kept for the message (src/engine/data/skipped.ts)."""

    count: int = 0
    examples: List[dict] = field(default_factory=list)

    def note(self, row: int, reason: str) -> None:
        self.count += 1
        if len(self.examples) < MAX_SKIPPED_EXAMPLES:
            self.examples.append({"row": row, "reason": reason})

    def merged(self, other: "Skipped") -> "Skipped":
        examples = sorted(self.examples + other.examples, key=lambda e: e["row"])[:MAX_SKIPPED_EXAMPLES]
        return Skipped(self.count + other.count, examples)

    def to_json(self) -> dict:
        return {"count": self.count, "examples": list(self.examples)}


_FIELD_START, _UNQUOTED, _QUOTED, _QUOTE_IN_QUOTED = 0, 1, 2, 3


def _record_widths(text: str, delim: str, limit: int) -> List[int]:
    """Field counts of the non-blank records a sample holds, as the page's tokenizer sees them (records ended by a
    newline; the unterminated last one only when there is no other)."""
    widths: List[int] = []
    row: List[str] = []
    fld = ""
    state = _FIELD_START
    i = start = 0
    n = len(text)

    def emit(fields: List[str]) -> None:
        if len(widths) <= limit and not (len(fields) == 1 and js_trim(fields[0]) == ""):
            widths.append(len(fields))

    def find(ch: str, at: int) -> int:
        k = text.find(ch, at)
        return n if k < 0 else k

    while i < n:
        if state == _QUOTED:
            q = text.find('"', i)
            if q < 0:
                break
            fld += text[start:q]
            state = _QUOTE_IN_QUOTED
            i = q + 1
            continue
        if state == _QUOTE_IN_QUOTED:
            if text[i] == '"':
                fld += '"'
                start = i + 1
                state = _QUOTED
                i += 1
                continue
            state = _UNQUOTED
            start = i
        elif state == _FIELD_START:
            if text[i] == '"':
                state = _QUOTED
                start = i + 1
                i += 1
                continue
            state = _UNQUOTED
            start = i
        end = min(find(delim, i), find("\n", i), find("\r", i))
        if end == n:
            break
        row.append(fld + text[start:end])
        fld = ""
        state = _FIELD_START
        i = end + 1
        if text[end] == delim:
            continue
        emit(row)
        row = []
        if text[end] == "\r" and i < n and text[i] == "\n":
            i += 1
    if state in (_UNQUOTED, _QUOTED):
        fld += text[start:]
    if not widths and state != _QUOTED and (state != _FIELD_START or row):
        emit(row + [fld])
    return widths


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the header into most fields while splitting the rows alike."""
    best, best_score = DELIMITERS[0], -1.0
    for delim in DELIMITERS:
        widths = _record_widths(sample, delim, SNIFF_ROWS)
        if not widths or widths[0] < 2:
            continue
        rows = len(widths) - 1
        consistent = 1.0 if rows == 0 else sum(1 for w in widths[1:] if w == widths[0]) / rows
        score = consistent * 1e6 + widths[0]
        if score > best_score:
            best, best_score = delim, score
    return best


def file_label(name: Optional[str]) -> str:
    return f'File "{name}"' if name else "The file"


def _delimiter_of_name(name: Optional[str]) -> Optional[Tuple[str, str]]:
    m = re.search(r"\.(csv|tsv|tab)(?:\.gz)?$", name or "", re.IGNORECASE)
    if not m:
        return None
    ext = m.group(1).lower()
    return ext, ("," if ext == "csv" else "\t")


def open_bytes(path: str):
    """The file's bytes, gunzipped when it starts with the gzip magic (as maybeGunzip does)."""
    raw = open(path, "rb")
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


class CsvFile:
    """
    Header, delimiter and notes on opening; `chunks()` streams the data rows that have the header's width, with their
    1-based file rows (header = row 1). Rows of another width are counted in `skipped`; a quoted field never closed is
    an error naming its row and column. A second `chunks()` reads the file again from its start.
    """

    def __init__(self, path: str, name: Optional[str] = None) -> None:
        self.path = path
        self.name = name or path.rsplit("/", 1)[-1]
        self.label = file_label(self.name)
        self.notes: List[str] = []
        sample, _ = self._sample()
        self.delimiter = sniff_delimiter(sample)
        named = _delimiter_of_name(self.name)
        self._name_hint = ""
        if named and named[1] != self.delimiter:
            ext, promised = named
            self._name_hint = f" (its .{ext} name promises {DELIMITER_NAMES[promised]})"
            shown = "\\t" if self.delimiter == "\t" else self.delimiter
            self.notes.append(
                f"{self.label} has a .{ext} name, but its fields are separated by {DELIMITER_NAMES[self.delimiter]} "
                f'("{shown}"): it was read with those'
            )
        self.header: List[str] = []
        self.skipped = Skipped()
        # The header (and the empty / header-only / no-usable-row errors) come with the first chunk.
        for _ in self.chunks(1):
            break

    def _text(self) -> io.TextIOWrapper:
        return io.TextIOWrapper(open_bytes(self.path), encoding="utf-8", errors="strict", newline="")

    def _sample(self) -> Tuple[str, int]:
        with self._text() as f:
            parts: List[str] = []
            size = 0
            try:
                for line in f:
                    parts.append(line)
                    size += len(line)
                    if size >= SNIFF_CHARS:
                        break
            except UnicodeDecodeError:
                raise self._not_utf8() from None
        text = "".join(parts)
        return (text[1:] if text.startswith("\ufeff") else text), len(parts)

    def _not_utf8(self) -> DataError:
        row = self._invalid_utf8_row()
        return DataError(f"{self.label} is not UTF-8 text (invalid byte at about row {row}); re-save it as UTF-8", None, row)

    def _invalid_utf8_row(self) -> int:
        """1 + the newlines before the first byte the strict decoder rejects (read again: this happens once, on error)."""
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        lines = 0
        with open_bytes(self.path) as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                # Error positions count from the bytes of a character begun in the previous block, held by the decoder.
                held = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as e:
                    return lines + block[: max(0, e.start - held)].count(b"\n") + 1
                lines += block.count(b"\n")
        return lines + 1

    def _records(self) -> Iterator[Tuple[int, List[str], bool]]:
        """(file row where the record starts, fields, whether a quote left open swallowed the rest of the file)."""
        with self._text() as f:
            def lines() -> Iterator[str]:
                first = True
                try:
                    for line in f:
                        if first:
                            first = False
                            if line.startswith("\ufeff"):
                                line = line[1:]
                        yield line
                except UnicodeDecodeError:
                    raise self._not_utf8() from None
                yield _SENTINEL

            reader = csv.reader(lines(), delimiter=self.delimiter, quotechar='"', doublequote=True, strict=False)
            row = 1
            for fields in reader:
                if fields == ["\x1e"]:
                    return
                if fields and fields[-1].endswith(_OPEN_QUOTE_TAIL):
                    yield row, fields, True
                    return
                yield row, fields, False
                # The page's tokenizer counts a line per record end and per LF inside a quoted field (not a lone CR,
                # which Python's line reader would count too); unquoted fields hold no line end.
                row += 1 + sum(f.count("\n") for f in fields)

    def chunks(self, size: int = 8192) -> Iterator[Tuple[List[int], List[Sequence[str]]]]:
        """Batches of (file rows, data rows) whose width is the header's; `skipped` is rebuilt on every pass."""
        header: Optional[List[str]] = None
        skipped = Skipped()
        rows: List[Sequence[str]] = []
        file_rows: List[int] = []
        data_rows = 0
        for start, fields, open_quote in self._records():
            if open_quote:
                raise self._unclosed_quote(start, fields, header)
            if not fields or (len(fields) == 1 and js_trim(fields[0]) == ""):
                continue
            if header is None:
                header = self._set_header(fields)
                continue
            if len(fields) != len(header):
                skipped.note(start, f"expected {len(header)} fields, found {len(fields)}")
                continue
            rows.append(fields)
            file_rows.append(start)
            data_rows += 1
            if len(rows) >= size:
                self.skipped = skipped
                yield file_rows, rows
                rows, file_rows = [], []
        if header is None:
            raise DataError(f"{self.label} is empty")
        if data_rows == 0:
            if skipped.count == 0:
                raise DataError(f"{self.label} has a header but no data rows")
            first = skipped.examples[0]
            raise DataError(
                f"{self.label}: none of its {skipped.count} data rows has the {len(header)} fields of the header "
                f"(row {first['row']}: {first['reason']})",
                None,
                first["row"],
            )
        self.skipped = skipped
        if rows:
            yield file_rows, rows

    def _unclosed_quote(self, start: int, fields: List[str], header: Optional[List[str]]) -> DataError:
        """The rest of the file read into one field is an error: it would silently lose every row after it."""
        row = start + sum(f.count("\n") for f in fields[:-1])
        content = fields[-1][: -len(_OPEN_QUOTE_TAIL)]
        # A final line end belongs to the last row; it does not start another.
        last_row = row + content.count("\n") - (1 if content.endswith("\n") else 0)
        field = len(fields) - 1
        column = header[field] if header is not None and field < len(header) else None
        where = "" if column is None else f' (column "{column}")'
        rest = f", so rows {row}–{last_row} were read into that one field" if last_row > row else ""
        return DataError(
            f'{self.label}: a quoted field opened in row {row}{where} is never closed{rest}; close the quote or double it ("") inside the field',
            column,
            row,
        )

    def _set_header(self, fields: List[str]) -> List[str]:
        header = [js_trim(f) for f in fields]
        if len(header) == 1:
            shown = header[0][:60] + "…" if len(header[0]) > 60 else header[0]
            raise DataError(
                f'{self.label} has a single column: no comma, tab, semicolon or pipe splits its header "{shown}"'
                f"{self._name_hint}; a mapping needs a domain, a task and a feature column",
                None,
                1,
            )
        seen, dup = set(), []
        for h in header:
            if h in seen and h not in dup:
                dup.append(h)
            seen.add(h)
        if dup:
            names = ", ".join(f'"{h}"' for h in dup)
            raise DataError(f"{self.label}: the header names {names} more than once", dup[0], 1)
        self.header = header
        return header

    def count_rows(self) -> int:
        """Data rows of the header's width: the rows the page's seeded split is drawn over."""
        return sum(len(r) for _, r in self.chunks())

