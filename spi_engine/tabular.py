"""Tables of units from CSV: the published results file, or any file with the same columns.

A table keeps every column as text (so the CLI can pass unknown columns through untouched) and
turns the scoring columns into validated Units, naming the line and column of any bad value.
Numbers are parsed column-wise by numpy; only a bad column is searched cell by cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError, Violation
from .numeric import FloatArray
from .units import (
    COMPONENTS,
    CORRECTION_PARTS,
    GIVEN_COLUMNS,
    MAX_VIOLATIONS,
    BoolArray,
    Flagged,
    Units,
    units_from_given,
)

if TYPE_CHECKING:
    from _csv import Reader

RowArray = npt.NDArray[np.intp]
ID_COLUMNS = ("unit_id", "institution_id", "id")
GROUP_COLUMNS = ("group", "type")


@dataclass(frozen=True)
class Table:
    """A CSV file as text: its header and rows (each as long as the header)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    origin: str = ""
    from_options: bool = False
    """a one-row table made of command-line options: values are named ``--external``"""
    lines: tuple[int, ...] = ()
    """the file line each row starts on (blank lines and quoted line breaks move it); empty when
    the rows are lines 2, 3, ..."""

    def column(self, name: str) -> tuple[str, ...]:
        position = self.header.index(name)
        return tuple(row[position] for row in self.rows)

    def where(self, row: int, field: str) -> str:
        """How a value is named in messages: ``line 5, column 'external'`` (line 1 is the header)."""
        if self.from_options:
            return "--" + field.replace("_", "-")
        line = self.lines[row] if self.lines else row + 2
        return f"line {line}, column {field!r}"

    def take(self, rows: Sequence[int]) -> Table:
        lines = tuple(self.lines[i] for i in rows) if self.lines else tuple(i + 2 for i in rows)
        return Table(
            self.header, tuple(self.rows[i] for i in rows), self.origin, self.from_options, lines
        )


def _error(origin: str, where: str, description: str) -> InvalidInputError:
    return InvalidInputError([Violation(where, description)], context=origin)


def parse_csv(text: str, origin: str = "") -> Table:
    """A Table from CSV text; an empty file, a repeated column or a ragged row is an error."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise _error(
                origin, "line 1", "the file is empty; expected a header line of column names"
            )
        names = tuple(cell.strip() for cell in header)
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise _error(
                origin, "line 1", f"expected unique column names; repeated: {', '.join(repeated)}"
            )
        rows, lines = _records(reader, len(names), origin)
    except csv.Error as error:
        raise _error(origin, f"line {reader.line_num}", f"not valid CSV ({error})") from None
    return Table(names, rows, origin, lines=lines)


def _records(
    reader: Reader, width: int, origin: str
) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    """The non-blank records after the header, and the line each starts on."""
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    while True:
        line = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            return tuple(rows), tuple(lines)
        if not row:
            continue
        if len(row) != width:
            raise _error(
                origin, f"line {line}", f"expected {width} fields as in the header; got {len(row)}"
            )
        rows.append(tuple(row))
        lines.append(line)


def read_csv(path: str | Path) -> Table:
    """A Table from a CSV file (UTF-8, with or without a byte-order mark)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _error(str(path), "", f"cannot read the file ({error})") from None
    return parse_csv(text, str(path))


NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A number as a CSV cell may write it: digits with a decimal point, an optional exponent. Not
``nan``, ``inf``, ``7_5.61`` or ``0x1p3``, which Python's ``float`` would accept."""
DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+(?:\.[0-9]{3})*,[0-9]+")
_PLAIN = frozenset("0123456789.+-eE")


@dataclass(frozen=True)
class NumberColumn:
    """A column of numbers as read: values (NaN where a cell is empty or not a number), the
    empty cells, and the problems of the cells that are not numbers."""

    values: FloatArray
    empty: BoolArray
    bad: RowArray
    """rows whose cell is not a number (ascending)"""
    problems: tuple[Violation, ...]
    """the first :data:`MAX_VIOLATIONS` of those rows, described"""


def number_column(table: Table, name: str) -> NumberColumn:
    """Column ``name`` read strictly: a point as the decimal separator, nothing Python-specific.

    A column of plain numbers is converted by numpy in one call; a column with anything else
    (an empty cell, text) is read cell by cell to find and name each problem.
    """
    cells = np.char.strip(np.array(table.column(name), dtype=str).reshape(-1))
    if _plain(cells):
        try:
            values = cells.astype(np.float64)
            return NumberColumn(values, np.zeros(values.size, bool), np.zeros(0, np.intp), ())
        except ValueError:
            pass  # "1e", "+-": found below
    texts: list[str] = cells.tolist()
    empty = np.array([not cell for cell in texts], dtype=np.bool_).reshape(-1)
    good = np.array([bool(NUMBER.fullmatch(cell)) for cell in texts], dtype=np.bool_).reshape(-1)
    bad = np.flatnonzero(~empty & ~good)
    values = np.where(good, cells, "nan").astype(np.float64)
    problems = tuple(
        Violation(table.where(int(row), name), not_a_number(texts[int(row)]))
        for row in bad[:MAX_VIOLATIONS]
    )
    return NumberColumn(values, empty, bad, problems)


def _plain(cells: npt.NDArray[np.str_]) -> bool:
    """Whether every cell is non-empty and has only digits, '.', signs and exponents."""
    joined = "\n".join(cells.tolist())
    return (
        bool(cells.size)
        and joined.isascii()
        and not set(joined) - _PLAIN - {"\n"}
        and (not (np.char.str_len(cells) == 0).any())
    )


def not_a_number(cell: str) -> str:
    if DECIMAL_COMMA.fullmatch(cell):
        return (
            f"expected a number with a decimal point; got {cell!r} (the decimal separator must "
            "be a point, e.g. 75.61, not 75,61)"
        )
    return f"expected a number; got {cell!r}"


def numbers(table: Table, name: str, *, optional: bool = False) -> FloatArray:
    """Column ``name`` as float64; empty cells are NaN when ``optional``, errors otherwise.

    Every bad cell of the column is counted in the error; the first 20 are listed.
    """
    column = number_column(table, name)
    empty = np.zeros_like(column.empty) if optional else column.empty
    found = Flagged()
    found.add(0, np.flatnonzero(empty), lambda row: _empty(table, row, name))
    found.items.extend((int(r), 0, v) for r, v in zip(column.bad, column.problems, strict=False))
    found.count += int(column.bad.size)
    if found.count:
        raise found.error(table.origin)
    return column.values


def _empty(table: Table, row: int, name: str) -> Violation:
    return Violation(table.where(row, name), "expected a number; got an empty value")


def find_column(table: Table, candidates: Sequence[str]) -> str | None:
    return next((name for name in candidates if name in table.header), None)


def units_from_table(
    table: Table, *, id_column: str | None = None, group_column: str | None = None
) -> Units:
    """Validated Units from a table with internal, external, expert and the correction columns.

    An empty cell in a correction column means that form is absent for that row (each row still
    needs a total or both parts); every problem of every row is reported in one error.
    """
    missing = [name for name in COMPONENTS if name not in table.header]
    if missing:
        raise _error(
            table.origin,
            "line 1",
            f"expected columns {', '.join(COMPONENTS)}; missing: {', '.join(missing)}",
        )
    _check_correction_columns(table)
    ids = _text_column(table, id_column, ID_COLUMNS)
    groups = _text_column(table, group_column, GROUP_COLUMNS)
    size = len(table.rows)
    given = np.full((len(GIVEN_COLUMNS), size), np.nan)
    absent = np.ones_like(given, dtype=np.bool_)
    found = Flagged()
    for order, name in enumerate(GIVEN_COLUMNS):
        if name in table.header:
            _read_into(table, name, order, (given, absent, found))
    units = units_from_given(
        given,
        ids if ids is not None else ("",) * size,
        groups if groups is not None else ("",) * size,
        table.where,
        absent=absent,
        flagged=found,
        context=table.origin,
    )
    if "flag" not in table.header:
        return units
    return replace(units, flags=tuple(cell.strip() for cell in table.column("flag")))


def _read_into(
    table: Table, name: str, order: int, into: tuple[FloatArray, BoolArray, Flagged]
) -> None:
    """Column ``name`` into row ``order`` of the given matrix; its problems into ``found``.

    A cell that is not a number is flagged and stands as a valid 0 for the other checks; so does
    an empty component. An empty correction cell is absent.
    """
    given, absent, found = into
    column = number_column(table, name)
    given[order] = column.values
    given[order][column.bad] = 0.0
    absent[order] = column.empty
    if order < len(COMPONENTS):
        found.add(order, np.flatnonzero(column.empty), lambda row: _empty(table, row, name))
        given[order][column.empty] = 0.0
        absent[order] = False
    found.items.extend(
        (int(r), order, v) for r, v in zip(column.bad, column.problems, strict=False)
    )
    found.count += int(column.bad.size)


def _check_correction_columns(table: Table) -> None:
    present = [name for name in (*CORRECTION_PARTS, "correction") if name in table.header]
    parts = [name for name in CORRECTION_PARTS if name in table.header]
    if len(parts) == 1 or not present:
        raise _error(
            table.origin,
            "line 1",
            "expected a 'correction' column, or both 'correction_integrity' and 'correction_prevalence'"
            f"; got {', '.join(present) or 'none of them'}",
        )


def _text_column(
    table: Table, chosen: str | None, candidates: Sequence[str]
) -> tuple[str, ...] | None:
    if chosen is not None and chosen not in table.header:
        raise _error(
            table.origin,
            "line 1",
            f"expected a column {chosen!r}; the header has {', '.join(table.header)}",
        )
    name = chosen or find_column(table, candidates)
    return tuple(cell.strip() for cell in table.column(name)) if name else None
