"""Tables of units from CSV: the published results file, or any file with the same columns.

A table keeps every column as text (so the CLI can pass unknown columns through untouched) and
turns the scoring columns into validated Units, naming the line and column of any bad value.
Numbers are parsed column-wise by numpy; only a bad column is searched cell by cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import InvalidInputError, Violation
from .numeric import FloatArray
from .units import COMPONENTS, CORRECTION_PARTS, Units, units_from_columns

if TYPE_CHECKING:
    from _csv import Reader

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


def numbers(table: Table, name: str, *, optional: bool = False) -> FloatArray:
    """Column ``name`` as float64; empty cells are NaN when ``optional``, errors otherwise."""
    cells = np.array(table.column(name), dtype=str).reshape(-1)
    stripped = np.char.strip(cells)
    empty = np.char.str_len(stripped) == 0
    if empty.any() and not optional:
        row = int(np.flatnonzero(empty)[0])
        raise _error(table.origin, table.where(row, name), "expected a number; got an empty value")
    try:
        return np.where(empty, "nan", stripped).astype(np.float64)
    except ValueError:
        for row, cell in enumerate(stripped.tolist()):
            try:
                float(cell or "nan")
            except ValueError:
                raise _error(
                    table.origin, table.where(row, name), f"expected a number; got {cell!r}"
                ) from None
        raise


def find_column(table: Table, candidates: Sequence[str]) -> str | None:
    return next((name for name in candidates if name in table.header), None)


def units_from_table(
    table: Table, *, id_column: str | None = None, group_column: str | None = None
) -> Units:
    """Validated Units from a table with internal, external, expert and the correction columns."""
    missing = [name for name in COMPONENTS if name not in table.header]
    if missing:
        raise _error(
            table.origin,
            "line 1",
            f"expected columns {', '.join(COMPONENTS)}; missing: {', '.join(missing)}",
        )
    corrections = _correction_columns(table)
    ids = _text_column(table, id_column, ID_COLUMNS)
    groups = _text_column(table, group_column, GROUP_COLUMNS)
    try:
        return units_from_columns(
            *(numbers(table, name) for name in COMPONENTS),
            **corrections,
            ids=ids,
            groups=groups,
            where=table.where,
        )
    except InvalidInputError as error:
        raise InvalidInputError(error.violations, context=table.origin) from None


def _correction_columns(table: Table) -> dict[str, FloatArray]:
    present = [name for name in (*CORRECTION_PARTS, "correction") if name in table.header]
    parts = [name for name in CORRECTION_PARTS if name in table.header]
    if len(parts) == 1 or not present:
        raise _error(
            table.origin,
            "line 1",
            "expected a 'correction' column, or both 'correction_integrity' and 'correction_prevalence'"
            f"; got {', '.join(present) or 'none of them'}",
        )
    return {name: numbers(table, name, optional=True) for name in present}


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
