"""Units: the validated, columnar inputs of a batch (one row per institution or internal unit).

Columns are read-only float64 arrays. Validation is vectorised and reports every bad value with
its place, named by a ``where(row, field)`` function so that each adapter names rows its own way
(``units[3].external`` for the API, ``line 5, column 'external'`` for a CSV file).

The six given columns are checked as one matrix in a few numpy calls; a single unit that is
plainly valid (:func:`units_from_rows`, what a service sees most) is checked in Python, and
everything else, every error included, goes through the vectorised checks.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError, Violation
from .numeric import FloatArray, as_float_array

COMPONENTS = ("internal", "external", "expert")
CORRECTION_PARTS = ("correction_integrity", "correction_prevalence")
SCORE_RANGE = (0.0, 100.0)
MAX_CORRECTION = 100.0
"""The most correction points a value may carry: more would take any index below 0 (and 1e308
would overflow the arithmetic)."""
TOTAL_TOLERANCE = 0.01 + 1e-9
"""How far a given correction total may differ from the sum of its parts (both are rounded)."""
MAX_VIOLATIONS = 20
"""Violations reported at most per error, so that messages and gRPC trailers stay small."""

Where = Callable[[int, str], str]
Row = tuple[float | None, float | None, float | None, float | None, float | None, float | None]
"""One unit's values in the order of ``GIVEN_COLUMNS``; None where the field is absent."""
BoolArray = npt.NDArray[np.bool_]


def api_where(row: int, field: str) -> str:
    """``units[3].external``: how the library and the API name a value."""
    return f"units[{row}].{field}"


@dataclass(frozen=True, eq=False)
class Units:
    """A validated batch. Build it with :func:`units_from_columns`, never directly."""

    ids: tuple[str, ...]
    groups: tuple[str, ...]
    internal: FloatArray
    external: FloatArray
    expert: FloatArray
    correction_integrity: FloatArray
    correction_prevalence: FloatArray
    correction_unsplit: FloatArray
    """a correction given only as a total (0 where the parts were given)"""
    flags: tuple[str, ...] = ()
    """each unit's data flag (e.g. ``extra_deduction_2022``) where the input has a flag column;
    empty when it has none. Only rulesets with a flagged rule read it."""

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.NDArray[np.intp] | Sequence[int]) -> Units:
        """The units at ``rows``, in that order."""
        index = np.asarray(rows, dtype=np.intp)
        return Units(
            ids=_pick(self.ids, index),
            groups=_pick(self.groups, index),
            **{name: as_float_array(getattr(self, name)[index]) for name in NUMERIC_COLUMNS},
            flags=_pick(self.flags, index) if self.flags else (),
        )


def _pick(texts: tuple[str, ...], index: npt.NDArray[np.intp]) -> tuple[str, ...]:
    """``texts`` at ``index``, picked by numpy rather than a Python loop over the rows."""
    picked: list[str] = np.asarray(texts, dtype=object)[index].tolist()
    return tuple(picked)


NUMERIC_COLUMNS = (*COMPONENTS, *CORRECTION_PARTS, "correction_unsplit")
GIVEN_COLUMNS = (*COMPONENTS, *CORRECTION_PARTS, "correction")
"""The columns a batch is given in: a correction as its parts, as a total, or both."""


def units_from_columns(
    internal: Any,
    external: Any,
    expert: Any,
    *,
    ids: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    correction_integrity: Any = None,
    correction_prevalence: Any = None,
    correction: Any = None,
    where: Where = api_where,
) -> Units:
    """Validate columns and return Units.

    Components must be finite numbers from 0 to 100, corrections finite and >= 0. A correction
    column may be None (absent for every row) or contain NaN (absent for that row, as a table
    leaves a cell empty). Each row needs its correction: the total ``correction`` (0 for none),
    both parts, or all three (then the parts' sum must agree with the total within 0.01). A row
    with no correction, or with one part only, is an error: nothing becomes 0 by default.
    """
    columns = {
        "internal": _column("internal", internal),
        "external": _column("external", external),
        "expert": _column("expert", expert),
    }
    size = columns["internal"].size
    optional = {
        "correction_integrity": _column("correction_integrity", correction_integrity, size),
        "correction_prevalence": _column("correction_prevalence", correction_prevalence, size),
        "correction": _column("correction", correction, size),
    }
    ids_tuple = tuple(str(i) for i in ids) if ids is not None else ("",) * size
    groups_tuple = tuple(str(g) for g in groups) if groups is not None else ("",) * size
    _check_lengths({**columns, **optional}, len(ids_tuple), len(groups_tuple), size)
    given = np.array([*columns.values(), *optional.values()], dtype=np.float64).reshape(6, size)
    absent = np.zeros_like(given, dtype=np.bool_)
    absent[3:] = np.isnan(given[3:])
    return units_from_given(given, ids_tuple, groups_tuple, where, absent=absent)


def units_from_rows(
    rows: Sequence[Row],
    ids: tuple[str, ...],
    groups: tuple[str, ...],
    where: Where = api_where,
    flagged: Flagged | None = None,
) -> Units:
    """Validate one tuple of ``GIVEN_COLUMNS`` values per unit (None: the field is absent; NaN
    is a bad value like any other) and return Units; ``ids`` and ``groups`` have one entry per row.

    A single plainly valid unit (what a service sees most) is converted in Python, without the
    fixed cost of the vectorised checks; anything else, and every error, goes through
    :func:`units_from_given`. ``flagged``: problems the caller found already (reported with
    the rest).
    """
    if flagged is None and len(rows) == 1 and _plainly_valid_row(rows[0]):
        return _one_unit(rows[0], ids, groups)
    shape = (len(rows), len(GIVEN_COLUMNS))
    absent = np.array([[v is None for v in row] for row in rows], dtype=np.bool_).reshape(shape)
    given = np.array(
        [[math.nan if v is None else v for v in row] for row in rows], dtype=np.float64
    ).reshape(shape)
    return units_from_given(
        np.ascontiguousarray(given.T),
        ids,
        groups,
        where,
        absent=np.ascontiguousarray(absent.T),
        flagged=flagged,
    )


@dataclass
class Flagged:
    """Violations found so far: the first :data:`MAX_VIOLATIONS` in (row, column) order as
    ``(row, column, violation)``, and how many there are in all."""

    items: list[tuple[int, int, Violation]] = dataclasses.field(default_factory=list)
    count: int = 0

    def add(
        self, column: int, rows: npt.NDArray[np.intp], describe: Callable[[int], Violation]
    ) -> None:
        """Flag ``rows`` (ascending) of ``column``; only the first few are described."""
        self.count += int(rows.size)
        self.items.extend((int(r), column, describe(int(r))) for r in rows[:MAX_VIOLATIONS])

    def error(self, context: str = "") -> InvalidInputError:
        ordered = sorted(self.items, key=lambda item: (item[0], item[1]))[:MAX_VIOLATIONS]
        return InvalidInputError([v for _, _, v in ordered], context=context, total=self.count)


def units_from_given(
    given: FloatArray,
    ids: tuple[str, ...],
    groups: tuple[str, ...],
    where: Where = api_where,
    *,
    absent: BoolArray | None = None,
    flagged: Flagged | None = None,
    context: str = "",
) -> Units:
    """Validate a float64 matrix of shape (6, units), one row per column of ``GIVEN_COLUMNS``,
    and return Units.

    ``absent`` (same shape) marks the values the caller did not give; None means every value
    was given (then a NaN anywhere is a bad value). ``flagged`` carries problems an adapter
    already found (a cell that is not a number), whose values it replaced by valid ones; they
    are reported in one error with every other problem. The caller has checked the shape and
    that ``ids`` and ``groups`` have one entry per unit. The matrix is not modified.
    """
    if absent is None:
        absent = np.zeros_like(given, dtype=np.bool_)
    both_parts = ~absent[3] & ~absent[4]
    if flagged is not None or not _plainly_valid(given, absent, both_parts):
        found = _check_values(given, absent, where, flagged or Flagged())
        if found.count:
            raise found.error(context)
    values = np.where(absent, 0.0, given)
    values[5] = np.where(both_parts, 0.0, values[5])
    values.flags.writeable = False
    return Units(ids=ids, groups=groups, **dict(zip(NUMERIC_COLUMNS, values, strict=True)))


def _column(name: str, values: Any, size: int | None = None) -> FloatArray:
    if values is None:
        return np.full(size or 0, np.nan)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError([Violation(name, f"expected numbers; {error}")]) from None
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise InvalidInputError(
            [
                Violation(
                    name, f"expected a column (1-D) of numbers; got an array of shape {array.shape}"
                )
            ]
        )
    return array


# Per row of the given matrix: the range of a value.
_LOW = np.array([[SCORE_RANGE[0]]] * 3 + [[0.0]] * 3)
_HIGH = np.array([[SCORE_RANGE[1]]] * 3 + [[MAX_CORRECTION]] * 3)


def _plainly_valid(given: FloatArray, absent: BoolArray, both_parts: BoolArray) -> bool:
    """True when no value needs a closer look: the fast path of every valid batch.

    Every component given and within its range (NaN and infinity are not); every correction
    value given within its range or absent; each unit with exactly one form of correction (its
    total or both parts; both forms are checked against each other on the slow path).
    """
    within = (given >= _LOW) & (given <= _HIGH)
    ok = within[:3].all() and (within[3:] | absent[3:]).all()
    one_form = both_parts ^ ~absent[5]
    one_part = absent[3] ^ absent[4]
    return bool(ok and one_form.all() and not one_part.any())


def _plainly_valid_row(row: Row) -> bool:
    """:func:`_plainly_valid` of one unit, in Python comparisons (NaN and None fail them)."""
    internal, external, expert, integrity, prevalence, total = row
    low, high = SCORE_RANGE
    components = (internal, external, expert)
    if not all(v is not None and low <= v <= high for v in components):
        return False
    corrections = (integrity, prevalence, total)
    if not all(v is None or 0.0 <= v <= MAX_CORRECTION for v in corrections):
        return False
    if (integrity is None) != (prevalence is None):
        return False  # one part only: an error, named on the vectorised path
    return (integrity is not None) != (total is not None)


def _one_unit(row: Row, ids: tuple[str, ...], groups: tuple[str, ...]) -> Units:
    """:func:`units_from_given` of one plainly valid unit, in Python (tested bit for bit)."""
    internal, external, expert = row[:3]
    columns = np.array(
        [internal, external, expert, *(0.0 if v is None else v for v in row[3:])],
        dtype=np.float64,
    ).reshape(len(NUMERIC_COLUMNS), 1)
    columns.flags.writeable = False
    return Units(ids, groups, *columns)  # rows in NUMERIC_COLUMNS order, the fields' order


def _check_lengths(columns: dict[str, FloatArray], n_ids: int, n_groups: int, size: int) -> None:
    lengths = {name: col.size for name, col in columns.items()} | {"ids": n_ids, "groups": n_groups}
    wrong = {name: n for name, n in lengths.items() if n != size}
    if wrong:
        listed = ", ".join(f"{name} has {n}" for name, n in wrong.items())
        raise InvalidInputError(
            [Violation("", f"expected {size} values in every column; {listed}")]
        )


def _check_values(given: FloatArray, absent: BoolArray, where: Where, found: Flagged) -> Flagged:
    """Every problem of the matrix added to ``found``: bad values, absent ones, incomplete or
    disagreeing corrections."""
    low, high = SCORE_RANGE
    with np.errstate(invalid="ignore"):
        for column, name in enumerate(COMPONENTS):
            values = given[column]
            found.add(column, np.flatnonzero(absent[column]), _absent(where, name))
            bad = ~absent[column] & ~(np.isfinite(values) & (values >= low) & (values <= high))
            found.add(column, np.flatnonzero(bad), _got(where, name, values, RANGE_EXPECTED))
        for column, name in enumerate(GIVEN_COLUMNS[3:], start=3):
            values = given[column]
            bad = ~absent[column] & ~((values >= 0) & (values <= MAX_CORRECTION))
            found.add(column, np.flatnonzero(bad), _got(where, name, values, POINTS_EXPECTED))
    _check_forms(given, absent, where, found)
    return found


RANGE_EXPECTED = "expected a number from 0 to 100"
POINTS_EXPECTED = "expected points from 0 to 100"
CORRECTION_EXPECTED = (
    "expected a correction: 'correction' (points >= 0; write 0 for none) or both "
    "'correction_integrity' and 'correction_prevalence'"
)


def _absent(where: Where, name: str) -> Callable[[int], Violation]:
    return lambda row: Violation(
        where(row, name), f"{RANGE_EXPECTED}; got nothing (the field is absent)"
    )


def _got(where: Where, name: str, values: FloatArray, expected: str) -> Callable[[int], Violation]:
    return lambda row: Violation(where(row, name), f"{expected}; got {_describe(values[row])}")


def _one_part(where: Where, name: str, other: str) -> Callable[[int], Violation]:
    return lambda row: Violation(
        where(row, name),
        f"expected both correction parts (or only the total 'correction'); {other} is given, "
        "this one is absent",
    )


def _check_forms(given: FloatArray, absent: BoolArray, where: Where, found: Flagged) -> None:
    """Each unit's correction: a total, both parts, or both forms agreeing within 0.01."""
    integrity, prevalence, total = given[3], given[4], given[5]
    one_part = absent[3] ^ absent[4]
    none = absent[3] & absent[4] & absent[5]
    found.add(
        5,
        np.flatnonzero(none),
        lambda row: Violation(
            where(row, "correction"), f"{CORRECTION_EXPECTED}; got nothing (the fields are absent)"
        ),
    )
    integrity_name, prevalence_name = CORRECTION_PARTS
    for column, name, other in (
        (3, integrity_name, prevalence_name),
        (4, prevalence_name, integrity_name),
    ):
        rows = np.flatnonzero(one_part & absent[column])
        found.add(column, rows, _one_part(where, name, other))
    parts = integrity + prevalence
    checked = ~absent[3] & ~absent[4] & ~absent[5]
    with np.errstate(invalid="ignore"):
        bad = (
            checked
            & np.isfinite(parts)
            & np.isfinite(total)
            & (np.abs(total - parts) > TOTAL_TOLERANCE)
        )
    found.add(
        5,
        np.flatnonzero(bad),
        lambda row: Violation(
            where(row, "correction"),
            f"expected the total to equal correction_integrity + correction_prevalence "
            f"({parts[row]:.2f}) within 0.01; got {_describe(total[row])}",
        ),
    )


def _describe(value: float) -> str:
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "infinity" if value > 0 else "-infinity"
    return repr(float(value))
