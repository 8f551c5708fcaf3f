"""CSV files column by column, without a Python loop over rows.

Reading: numpy's C tokenizer (``np.loadtxt`` with one fixed-width bytes field per column, quotes
understood) reads every field; widths are guessed from the first lines and widened when a value
fills its field. Answer codes (small integers) are parsed straight from their digits. A file with
blank lines or a ragged row is read by the standard library's csv reader instead, which names
the offending line. Messages name the line (1 is the header) and the column.

Writing: each column is turned into bytes once and scattered into one output buffer.

>>> table = parse_csv(b"id,q1,t\\nr1,5,1.5\\nr2,,\\n", "demo.csv")
>>> table.header, table.text("id").tolist(), table.codes("q1").tolist(), table.numbers("t").tolist()
(('id', 'q1', 't'), [b'r1', b'r2'], [5, -1], [1.5, nan])
>>> to_csv_bytes(["a", "b"], [np.array(["x", "y"]), np.array([1, -1], dtype=np.int8)])
b'a,b\\nx,1\\ny,\\n'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from ..tabular import DECIMAL_COMMA, NUMBER, not_a_number

Bytes = npt.NDArray[np.uint8]
ByteStrings = npt.NDArray[np.bytes_]
COMMA, NEWLINE = 44, 10
MAX_CODE_DIGITS = 3
SAMPLE_BYTES = 64 * 1024
EMPTY_DIGIT = -48
"""an empty field's NUL byte minus the code of '0'"""
MIN_WIDTH = 2
WIDEN = 4


def _error(origin: str, where: str, description: str) -> InvalidInputError:
    return InvalidInputError([Violation(where, description)], context=origin)


@dataclass(frozen=True)
class CsvTable:
    """A parsed CSV file: the header, the file line of each data row, and its fields as bytes."""

    header: tuple[str, ...]
    lines: IntArray
    """the file line (1-based) of each data row"""
    records: Bytes = field(repr=False)
    """(rows, record width) every row's fields side by side, each NUL-padded to its width"""
    offsets: tuple[int, ...] = field(repr=False)
    widths: tuple[int, ...] = field(repr=False)
    origin: str = ""
    file_header: tuple[str, ...] = ()
    """every column of the file's header (``header`` holds the columns read)"""

    def __len__(self) -> int:
        return int(self.lines.size)

    def where(self, row: int, column: str) -> str:
        """``line 5, column 'q1'``."""
        return f"line {int(self.lines[row]) if 0 <= row < len(self) else '?'}, column {column!r}"

    def _chars(self, column: str) -> Bytes:
        j = self.header.index(column)
        result: Bytes = self.records[:, self.offsets[j] : self.offsets[j] + self.widths[j]]
        return result

    def raw(self, column: str) -> ByteStrings:
        """The column as fixed-width bytes (no decoding)."""
        chars = np.ascontiguousarray(self._chars(column))
        result: ByteStrings = chars.view(f"S{chars.shape[1]}").reshape(-1)
        return result

    def text(self, column: str) -> ByteStrings:
        """The column as UTF-8 bytes, surrounding spaces removed (decode with ``as_strings``)."""
        return text_of(self.raw(column))

    def codes(self, column: str) -> IntArray:
        """Whole numbers from 0 to 999 as int64; an empty field is -1 (missing).

        Anything else (a sign, decimals, letters, spaces) is parsed value by value among the
        column's distinct values, so ``5.0`` is 5, ``-1`` is missing and ``x`` names its line.
        """
        result: IntArray = self.code_columns([column])[column].astype(np.int64)
        return result

    def code_columns(self, columns: Sequence[str]) -> dict[str, npt.NDArray[np.integer[Any]]]:
        """:meth:`codes` of several columns. Single-digit columns (the usual answer codes) are
        parsed from their first byte, as int8, a run of adjacent columns at a time."""
        result: dict[str, npt.NDArray[np.integer[Any]]] = {}
        for run in self._runs([self.header.index(name) for name in columns]):
            width = self.widths[run[0]]
            block = self.records[:, self.offsets[run[0]] : self.offsets[run[-1]] + width]
            block = block.reshape(len(self), len(run), width)
            value = np.ascontiguousarray(block[:, :, 0]).view(np.int8) - np.int8(48)
            single = (((value >= 0) & (value <= 9)) | (value == EMPTY_DIGIT)).all(axis=0)
            if width > 1:
                single &= ~block[:, :, 1].any(axis=0)
            np.maximum(value, np.int8(-1), out=value)
            for position, j in enumerate(run):
                name = self.header[j]
                result[name] = (
                    value[:, position] if single[position] else self._codes_by_value(name)
                )
        return result

    def _runs(self, positions: list[int]) -> list[list[int]]:
        """``positions`` split into runs of adjacent columns of equal width."""
        runs: list[list[int]] = []
        for j in positions:
            if runs and j == runs[-1][-1] + 1 and self.widths[j] == self.widths[runs[-1][-1]]:
                runs[-1].append(j)
            else:
                runs.append([j])
        return runs

    def _codes_by_value(self, column: str) -> IntArray:
        return codes_by_value(self.raw(column), self.origin, self.where, column)

    def numbers(self, column: str) -> FloatArray:
        """The column as float64; an empty field is NaN."""
        return numbers_of(self.raw(column), self.origin, self.where, column)


def text_of(raw: ByteStrings) -> ByteStrings:
    """Cells as UTF-8 bytes, surrounding white space removed when the column holds a space."""
    if bool((raw.view(np.uint8) == 32).any()):
        raw = np.char.strip(raw)
    return raw


def codes_by_value(
    raw: ByteStrings, origin: str, where: Callable[[int, str], str], column: str
) -> IntArray:
    """Answer codes (0 to 999; empty or -1: -1) parsed among the column's distinct cells; the
    first cell that is not one names its place."""
    values, inverse = np.unique(raw, return_inverse=True)
    parsed = np.array(
        [_code(v.decode("utf-8", "replace").strip()) for v in values.tolist()],
        dtype=np.float64,
    )
    bad = np.flatnonzero(np.isnan(parsed[inverse]))
    if bad.size:
        row = int(bad[0])
        got = raw[row].decode("utf-8", "replace")
        raise _error(origin, where(row, column), _not_a_code(got))
    result: IntArray = parsed[inverse.reshape(-1)].astype(np.int64)
    return result


def numbers_of(
    raw: ByteStrings, origin: str, where: Callable[[int, str], str], column: str
) -> FloatArray:
    """Cells as float64 (empty: NaN) under the strict number rule; the first bad cell names its
    place (a decimal comma is told so)."""
    raw = np.char.strip(raw)
    empty = np.char.str_len(raw) == 0
    if _plain_bytes(raw):
        try:
            result: FloatArray = np.where(empty, b"nan", raw).astype(np.float64)
            return result
        except ValueError:
            pass  # "1e", "+-": found below
    for row, cell in enumerate(raw.tolist()):
        text = cell.decode("utf-8", "replace")
        if text and not NUMBER.fullmatch(text):
            raise _error(origin, where(row, column), not_a_number(text))
    return np.where(empty, b"nan", raw).astype(np.float64)


def _not_a_code(got: str) -> str:
    message = f"expected a whole answer code or an empty value; got {got!r}"
    if DECIMAL_COMMA.fullmatch(got.strip()):
        message += " (the decimal separator must be a point, e.g. 75.61, not 75,61)"
    return message


def _plain_bytes(cells: ByteStrings) -> bool:
    """Whether the cells hold only digits, '.', signs and exponents (or nothing)."""
    data = np.ascontiguousarray(cells).view(np.uint8)
    return bool(np.isin(data, np.frombuffer(b"\x000123456789.+-eE", np.uint8)).all())


def gather_text(
    data: Bytes, start: npt.NDArray[np.integer[Any]], end: npt.NDArray[np.integer[Any]]
) -> ByteStrings:
    """The bytes ``data[start[i]:end[i]]`` of every row as one fixed-width bytes array.

    >>> gather_text(np.frombuffer(b"abcdef", np.uint8), np.array([0, 3]), np.array([2, 6])).tolist()
    [b'ab', b'def']
    """
    length = end - start
    width = max(int(length.max(initial=0)), 1)
    reach = int(start.max(initial=0)) + width
    padded = (
        data
        if reach <= data.size
        else np.concatenate((data, np.zeros(reach - data.size, np.uint8)))
    )
    chars = np.lib.stride_tricks.sliding_window_view(padded, width)[start]
    if int(length.min(initial=width)) < width:
        chars[np.arange(width) >= length[:, None]] = 0
    result: ByteStrings = np.ascontiguousarray(chars).view(f"S{width}").reshape(-1)
    return result


def _code(text: str) -> float:
    if text == "":
        return -1.0
    if not NUMBER.fullmatch(text):  # not nan, inf, 3_0 or 3,0, which float() would take
        return float("nan")
    value = float(text)
    return value if -1 <= value <= 999 and value == int(value) else float("nan")


def read_csv(path: str | Path, columns: Sequence[str] | None = None) -> CsvTable:
    """A CsvTable from a file (UTF-8, with or without a byte-order mark); ``columns`` keeps only
    those (every column of the header is still checked)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise _error(str(path), "", f"cannot read the file ({error.strerror or error})") from None
    return parse_csv(data, str(path), columns)


def parse_csv(data: bytes, origin: str = "", columns: Sequence[str] | None = None) -> CsvTable:
    """A CsvTable from CSV bytes; an empty file, a repeated column or a ragged row is an error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    data = data.rstrip(b"\n")
    if not data.strip():
        raise _error(origin, "line 1", "the file is empty; expected a header line of column names")
    if data.startswith(b"\n") or b"\n\n" in data:
        return _parse_slow(data, origin)
    head, _, body = data.partition(b"\n")
    header = _header(head, origin, 1)
    rows = body.count(b"\n") + 1 if body else 0
    keep = [j for j, name in enumerate(header) if columns is None or name in columns]
    if len(keep) < len(header) and (b'"' in body or body.count(b",") != rows * (len(header) - 1)):
        keep = list(range(len(header)))
    widths = _sample_widths(body, len(header), keep)
    for _ in range(6):
        try:
            records = _load(body, widths, rows, keep, len(header))
        except ValueError:
            return _parse_slow(data, origin)
        offsets = tuple(int(o) for o in np.cumsum([0, *widths[:-1]]))
        last = np.bitwise_or.reduce(records, axis=0) if rows else np.zeros(sum(widths), np.uint8)
        full = [i for i in range(len(keep)) if last[offsets[i] + widths[i] - 1] != 0]
        if not full:
            break
        for i in full:
            widths[i] *= WIDEN
    kept = tuple(header[j] for j in keep)
    lines = np.arange(2, rows + 2, dtype=np.int64)
    return CsvTable(kept, lines, records, offsets, tuple(widths), origin, header)


def _sample_widths(body: bytes, count: int, keep: list[int]) -> list[int]:
    """Field widths from the first lines: one more byte than the longest value (so that a value
    filling its field shows it may have been cut), at least 2."""
    cut = body.find(b"\n", SAMPLE_BYTES) if len(body) > SAMPLE_BYTES else -1
    sample = body[:cut] if cut > 0 else body
    longest = [0] * count
    for row in csv.reader(io.StringIO(sample.decode("utf-8", "replace"))):
        for j, cell in enumerate(row[:count]):
            longest[j] = max(longest[j], len(cell.encode("utf-8")))
    return [max(MIN_WIDTH, longest[j] + 1) for j in keep]


def _load(body: bytes, widths: list[int], rows: int, keep: list[int], count: int) -> Bytes:
    """(rows, sum(widths)) bytes: every kept field NUL-padded to its width, by numpy's tokenizer."""
    dtype = np.dtype([(f"f{j}", f"S{w}") for j, w in enumerate(widths)])
    if rows == 0:
        return np.zeros((0, dtype.itemsize), dtype=np.uint8)
    loaded = np.loadtxt(
        io.BytesIO(body),
        delimiter=",",
        dtype=dtype,
        comments=None,
        quotechar='"',
        ndmin=1,
        usecols=keep if len(keep) < count else None,
    )
    if loaded.size != rows:
        raise ValueError("quoted newlines")
    result: Bytes = loaded.view(np.uint8).reshape(rows, dtype.itemsize)
    return result


def _header(line: bytes, origin: str, number: int) -> tuple[str, ...]:
    try:
        names = tuple(cell.strip() for cell in next(csv.reader([line.decode("utf-8")])))
    except UnicodeDecodeError as error:
        raise _error(origin, f"line {number}", f"expected UTF-8 text ({error})") from None
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _error(
            origin,
            f"line {number}",
            f"expected unique column names; repeated: {', '.join(repeated)}",
        )
    return names


def _parse_slow(data: bytes, origin: str) -> CsvTable:
    """Files with blank lines, quoted newlines or ragged rows: the standard csv reader, which
    names the line of a ragged row."""
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline=""))
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for row in reader:
            if row and any(cell for cell in row):
                rows.append(row)
                numbers.append(reader.line_num)
    except csv.Error as error:
        raise _error(origin, f"line {reader.line_num}", f"not valid CSV ({error})") from None
    header = _header(",".join(rows[0]).encode("utf-8"), origin, numbers[0])
    for row, number in zip(rows[1:], numbers[1:], strict=True):
        if len(row) != len(header):
            raise _error(
                origin,
                f"line {number}",
                f"expected {len(header)} fields as in the header; got {len(row)}",
            )
    widths = [
        max([len(row[j].encode("utf-8")) for row in rows[1:]] + [1]) for j in range(len(header))
    ]
    dtype = np.dtype([(f"f{j}", f"S{w}") for j, w in enumerate(widths)])
    loaded = np.array(
        [tuple(cell.encode("utf-8") for cell in row) for row in rows[1:]], dtype=dtype
    )
    records = loaded.view(np.uint8).reshape(len(rows) - 1, dtype.itemsize)
    offsets = tuple(int(o) for o in np.cumsum([0, *widths[:-1]]))
    return CsvTable(
        header,
        np.array(numbers[1:], dtype=np.int64),
        records,
        offsets,
        tuple(widths),
        origin,
        header,
    )


def _digits(values: IntArray) -> tuple[Bytes, IntArray]:
    """(bytes matrix, lengths) of whole numbers >= 0, written digit by digit."""
    count = np.ones(values.size, dtype=np.int64)
    power = 10
    while bool((values >= power).any()):
        count += values >= power
        power *= 10
    width = int(count.max(initial=1))
    matrix = np.zeros((values.size, width), dtype=np.uint8)
    rest = values.copy()
    for k in range(width - 1, -1, -1):
        column = k - (width - count)
        inside = column >= 0
        matrix[np.flatnonzero(inside), column[inside]] = (48 + rest[inside] % 10).astype(np.uint8)
        rest = np.where(inside, rest // 10, rest)
    return matrix, count


def _numbers_bytes(array: npt.NDArray[Any]) -> tuple[Bytes, IntArray]:
    """Whole numbers (negative: empty) or floats >= 0 (NaN: empty; at most 3 decimals, trailing
    zeros dropped) as (bytes matrix, lengths)."""
    if array.dtype.kind in "iu":
        empty = array < 0
        matrix, lengths = _digits(np.where(empty, 0, array).astype(np.int64))
        return matrix, np.where(empty, 0, lengths)
    empty = np.isnan(array)
    clean = np.where(empty, 0.0, array)
    if bool((clean < 0).any()):
        raise ValueError("negative floats are not written")
    scaled = np.rint(clean * 1000).astype(np.int64)
    fraction = scaled % 1000
    matrix, lengths = _digits(scaled // 1000)
    places = np.where(fraction % 10, 3, np.where(fraction % 100, 2, np.where(fraction, 1, 0)))
    if bool(places.any()):
        out = np.zeros((array.size, matrix.shape[1] + 4), dtype=np.uint8)
        out[:, : matrix.shape[1]] = matrix
        rows = np.arange(array.size)
        has = places > 0
        out[rows[has], lengths[has]] = ord(".")
        for k, digit in enumerate((fraction // 100, fraction // 10 % 10, fraction % 10)):
            inside = places > k
            out[rows[inside], lengths[inside] + 1 + k] = (48 + digit[inside]).astype(np.uint8)
        matrix, lengths = out, lengths + np.where(has, places + 1, 0)
    return matrix, np.where(empty, 0, lengths)


def _column_bytes(values: Any) -> tuple[Bytes, IntArray]:
    """(bytes matrix (rows, width), length of each value) of one column, ready to scatter."""
    array = np.asarray(values)
    if array.dtype.kind in "iuf":
        return _numbers_bytes(array)
    if array.dtype.kind == "U" and bool((np.ascontiguousarray(array).view(np.uint32) < 128).all()):
        text = array.astype(f"S{max(array.dtype.itemsize // 4, 1)}")
    elif array.dtype.kind == "S":
        text = array
    else:
        text = np.char.encode(array.astype(str), "utf-8")
    width = max(text.dtype.itemsize, 1)
    matrix = np.ascontiguousarray(text.astype(f"S{width}")).view(np.uint8).reshape(text.size, width)
    return matrix, np.char.str_len(text).astype(np.int64)


def to_csv_bytes(header: Sequence[str], columns: Sequence[Any]) -> bytes:
    """CSV bytes of equal-length columns (text; whole numbers, negative ones written empty;
    floats with up to 3 decimals, NaN written empty). Text must not contain commas, quotes or
    newlines."""
    parts = [_column_bytes(column) for column in columns]
    rows = parts[0][1].size if parts else 0
    line_length = sum((lengths for _, lengths in parts), np.zeros(rows, dtype=np.int64)) + len(
        parts
    )
    head = (",".join(header) + "\n").encode("utf-8")
    out = np.zeros(len(head) + int(line_length.sum()), dtype=np.uint8)
    out[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    cursor = np.concatenate(([0], np.cumsum(line_length)[:-1])).astype(np.int64) + len(head)
    for position, (matrix, lengths) in enumerate(parts):
        fixed = bool((lengths == matrix.shape[1]).all())
        for k in range(int(lengths.max(initial=0))):
            if fixed:
                out[cursor + k] = matrix[:, k]
            else:
                inside = np.flatnonzero(lengths > k)
                out[cursor[inside] + k] = matrix[inside, k]
        cursor = cursor + lengths
        out[cursor] = NEWLINE if position == len(parts) - 1 else COMMA
        cursor = cursor + 1
    return out.tobytes()
