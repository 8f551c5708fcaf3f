"""CSV files at reader speed: pyarrow's multithreaded reader when it is installed (the ``frames``
extra), the plain reader (:mod:`spi_engine.survey.csvio`) otherwise and for every file or column
the fast path does not read exactly as the plain one would.

The fast path takes a file only when its lines are all data: no quote character, no blank line
(pyarrow skips them; a file whose row count is not its line count goes to the plain reader),
line ends all ``\\n`` or all ``\\r\\n``. pyarrow splits it into fields, every kept column as raw
bytes, and the cells become the same arrays as the plain reader's through the same functions:
text cells as bytes (:func:`~spi_engine.survey.csvio.text_of`), numbers under the strict rule
(:func:`~spi_engine.survey.csvio.numbers_of`), answer codes from their digit (a column with any
other cell goes to :func:`~spi_engine.survey.csvio.codes_by_value`). A file pyarrow refuses (a
ragged row, say) is read again by the plain reader, whose message names the line. So both paths
give byte-identical results on a valid file and the same error on an invalid one.

>>> table = read_csv_bytes(b"id,q1,t\\r\\nr1,5,1.5\\r\\nr2,,\\r\\n", "demo.csv", codes=("q1",))
>>> type(table).__name__ in ("ArrowTable", "CsvTable"), table.text("id").tolist()
(True, [b'r1', b'r2'])
>>> table.code_columns(["q1"])["q1"].tolist(), table.numbers("t").tolist()
([5, -1], [1.5, nan])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from .csvio import (
    Bytes,
    ByteStrings,
    CsvTable,
    codes_by_value,
    gather_text,
    numbers_of,
    parse_csv,
    text_of,
)
from .csvio import _header as parse_header

READERS = ("auto", "plain", "arrow")
"""``auto``: pyarrow when importable, else plain; ``plain``: never pyarrow (tests compare the two);
``arrow``: pyarrow where it applies, an error when it is not installed"""
BOM = b"\xef\xbb\xbf"
BLOCK_BYTES = 1 << 20
"""pyarrow's block: one per thread at a time"""
PIECE_BYTES = 32 << 20
"""the body is read in pieces of about this size, each by pyarrow's multithreaded ``read_csv``
(its streaming reader parses on one thread: twice the time) and turned into numpy columns before
the next, so one piece's arrow arrays are alive at a time, whatever the file's size"""


def _error(origin: str, where: str, description: str) -> InvalidInputError:
    return InvalidInputError([Violation(where, description)], context=origin)


@dataclass(frozen=True)
class ArrowTable:
    """A CSV file split by pyarrow: text columns as fixed-width bytes, answer-code columns as
    int8. Same methods and messages as :class:`~spi_engine.survey.csvio.CsvTable`."""

    header: tuple[str, ...]
    lines: IntArray
    cells: dict[str, ByteStrings] = field(repr=False)
    """column -> its cells as bytes (every kept column that is not a code column)"""
    digits: dict[str, npt.NDArray[np.int8]] = field(repr=False)
    """code column -> its answer codes (-1: empty)"""
    origin: str = ""
    file_header: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.lines.size)

    def where(self, row: int, column: str) -> str:
        """``line 5, column 'q1'``."""
        return f"line {int(self.lines[row]) if 0 <= row < len(self) else '?'}, column {column!r}"

    def raw(self, column: str) -> ByteStrings:
        """The column as fixed-width bytes (no decoding)."""
        if column in self.cells:
            return self.cells[column]
        codes = self.digits[column]
        chars = np.where(codes < 0, 0, codes + 48).astype(np.uint8)
        result: ByteStrings = chars.view("S1")
        return result

    def text(self, column: str) -> ByteStrings:
        """The column as UTF-8 bytes, surrounding spaces removed (decode with ``as_strings``)."""
        return text_of(self.raw(column))

    def codes(self, column: str) -> IntArray:
        """Whole numbers from 0 to 999 as int64; an empty field is -1 (missing)."""
        result: IntArray = self.code_columns([column])[column].astype(np.int64)
        return result

    def code_columns(self, columns: Sequence[str]) -> dict[str, npt.NDArray[np.integer[Any]]]:
        """Answer codes of several columns: a column of single digits and empty cells as int8,
        any other column cell by cell, as the plain reader does."""
        return {
            name: self.digits[name]
            if name in self.digits
            else codes_by_value(self.raw(name), self.origin, self.where, name)
            for name in columns
        }

    def numbers(self, column: str) -> FloatArray:
        """The column as float64; an empty field is NaN."""
        return numbers_of(self.raw(column), self.origin, self.where, column)


Table = CsvTable | ArrowTable


def _buffers(array: Any) -> tuple[npt.NDArray[np.int32], Bytes]:
    """(offsets (rows + 1), data bytes) of a pyarrow binary array."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    bounds = offsets[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2] or b"", dtype=np.uint8)
    return bounds, data[int(bounds[0]) : int(bounds[-1])] if bounds.size else data[:0]


def _single_digits(offsets: npt.NDArray[np.int32], data: Bytes) -> npt.NDArray[np.int8] | None:
    """Cells of one digit or empty as int8 (empty: -1); None when any cell is something else.

    A column of such cells holds one byte per answered cell, in row order."""
    digits = (data - np.uint8(48)).view(np.int8)  # '0'..'9' -> 0..9; any other byte wraps
    if digits.size and int(digits.view(np.uint8).max()) > 9:
        return None
    length = np.diff(offsets)
    if int(length.max(initial=0)) > 1:
        return None
    if digits.size == length.size:
        return digits  # every cell one byte
    result = np.full(length.size, -1, dtype=np.int8)
    result[length.astype(bool)] = digits
    return result


def check_reader(reader: str) -> None:
    if reader not in READERS:
        raise _error("", "reader", f"expected one of {', '.join(READERS)}; got {reader!r}")


def read_csv_file(
    path: str | Path,
    columns: Sequence[str] | None = None,
    codes: Sequence[str] = (),
    *,
    reader: str = "auto",
) -> Table:
    """A table of a CSV file (UTF-8, with or without a byte-order mark); ``columns`` keeps only
    those (every column of the header is still checked); ``codes`` are columns of answer codes.
    ``reader``: one of :data:`READERS`."""
    check_reader(reader)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise _error(str(path), "", f"cannot read the file ({error.strerror or error})") from None
    return read_csv_bytes(data, str(path), columns, codes, reader=reader)


def read_csv_bytes(
    data: bytes,
    origin: str = "",
    columns: Sequence[str] | None = None,
    codes: Sequence[str] = (),
    *,
    reader: str = "auto",
) -> Table:
    """:func:`read_csv_file` of bytes."""
    check_reader(reader)
    csv = None if reader == "plain" else _pyarrow_csv(reader == "arrow")
    table = None if csv is None else _read_fast(csv, data, origin, columns, codes)
    return table if table is not None else parse_csv(data, origin, columns)


def _pyarrow_csv(required: bool) -> Any:
    try:
        import pyarrow.csv as csv  # type: ignore[import-untyped]  # pyarrow ships no type stubs
    except ImportError:
        if required:
            raise _error(
                "", "reader", "the arrow reader needs pyarrow: pip install 'spi-engine[frames]'"
            ) from None
        return None
    return csv


def _body_bounds(data: bytes) -> tuple[int, int, int] | None:
    """(start of the header, start of the body, end of the body) of a file the fast path reads
    as the plain reader would; None for any other file."""
    start = len(BOM) if data.startswith(BOM) else 0
    end = len(data)
    while end > start and data[end - 1] in b"\r\n":
        end -= 1
    if b'"' in data:
        return None
    carriage = data.count(b"\r", start, end) if b"\r" in data else 0
    if carriage and carriage != data.count(b"\r\n", start, end):
        return None  # a lone carriage return
    newline = data.find(b"\n", start, end)
    if newline < 0 or data.startswith((b"\n", b"\r\n"), start):
        return None
    return start, newline + 1, end


def _read_fast(
    csv: Any, data: bytes, origin: str, columns: Sequence[str] | None, codes: Sequence[str]
) -> ArrowTable | None:
    bounds = _body_bounds(data)
    if bounds is None:
        return None
    start, body, end = bounds
    head = data[start:body].rstrip(b"\r\n")
    if not head.strip() and not data[start:end].strip():  # (a copy of the file: only then)
        return None  # the plain reader says the file is empty
    header = parse_header(head, origin, 1)
    import pyarrow as pa
    import pyarrow.lib as lib  # type: ignore[import-untyped]  # as above

    kept = [name for name in header if columns is None or name in columns]
    try:
        options = {
            "read_options": csv.ReadOptions(column_names=list(header), block_size=BLOCK_BYTES),
            "parse_options": csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            "convert_options": csv.ConvertOptions(
                include_columns=kept,
                column_types=dict.fromkeys(kept, pa.binary()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        }
        whole = pa.py_buffer(data)
        tables = (
            csv.read_csv(pa.BufferReader(whole[first:last]), **options)
            for first, last in _pieces(data, body, end)
        )
        parts = _columns(tables, kept, set(codes))
    except lib.ArrowException:
        return None  # a ragged row, say: the plain reader names its line
    if parts is None:
        return None
    cells, digits, rows = parts
    if rows != data.count(b"\n", body, end) + 1:
        return None  # blank lines, which pyarrow skipped: the plain reader keeps their numbers
    lines = np.arange(2, rows + 2, dtype=np.int64)
    return ArrowTable(tuple(kept), lines, cells, digits, origin, header)


def _pieces(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(first, last) byte of each piece of about :data:`PIECE_BYTES` of the body, cut after a
    line end (the fast path reads only files without quotes, so a line end ends a row)."""
    while start < end:
        cut = data.find(b"\n", min(start + PIECE_BYTES, end), end)
        last = end if cut < 0 else cut + 1
        yield start, last
        start = last


def _columns(
    tables: Any, kept: list[str], codes: set[str]
) -> tuple[dict[str, ByteStrings], dict[str, npt.NDArray[np.int8]], int] | None:
    """Every kept column, one piece's table at a time (so that only one piece's arrow arrays
    are alive at once): code columns as int8, the others as bytes; None when a code
    column has any cell other than one digit or nothing (the plain reader then reads it)."""
    cells: dict[str, list[ByteStrings]] = {name: [] for name in kept if name not in codes}
    digits: dict[str, list[npt.NDArray[np.int8]]] = {name: [] for name in kept if name in codes}
    rows = 0
    for table in tables:
        rows += table.num_rows
        for name, parts in digits.items():
            values = _single_digits(*_buffers(table.column(name).combine_chunks()))
            if values is None:
                return None
            parts.append(values)
        for name, texts in cells.items():
            offsets, data = _buffers(table.column(name).combine_chunks())
            texts.append(gather_text(data, offsets[:-1] - offsets[0], offsets[1:] - offsets[0]))
    return (
        {name: _joined(parts, "S1") for name, parts in cells.items()},
        {name: _joined(parts, np.int8) for name, parts in digits.items()},
        rows,
    )


def _joined(parts: list[Any], dtype: Any) -> Any:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
