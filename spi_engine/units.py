"""Units: the validated, columnar inputs of a batch (one row per institution or internal unit).

Columns are read-only float64 arrays. Validation is vectorised and reports every bad value with
its place, named by a ``where(row, field)`` function so that each adapter names rows its own way
(``units[3].external`` for the API, ``line 5, column 'external'`` for a CSV file).

The six given columns are checked as one matrix in a few numpy calls; a single unit that is
plainly valid (:func:`units_from_rows`, what a service sees most) is checked in Python, and
everything else, every error included, goes through the vectorised checks.
"""

from __future__ import annotations

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
TOTAL_TOLERANCE = 0.01 + 1e-9
"""How far a given correction total may differ from the sum of its parts (both are rounded)."""
MAX_VIOLATIONS = 20
"""Violations reported at most per error, so that messages and gRPC trailers stay small."""

Where = Callable[[int, str], str]
Row = tuple[float, float, float, float, float, float]
"""One unit's values in the order of ``GIVEN_COLUMNS``."""
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

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.NDArray[np.intp] | Sequence[int]) -> Units:
        """The units at ``rows``, in that order."""
        index = np.asarray(rows, dtype=np.intp)
        return Units(
            ids=_pick(self.ids, index),
            groups=_pick(self.groups, index),
            **{name: as_float_array(getattr(self, name)[index]) for name in NUMERIC_COLUMNS},
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
    column may be None (absent for every row) or contain NaN (absent for that row). Each row
    needs its parts, its total, or neither (meaning no correction); when it has both, they must
    agree within 0.01.
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
    return units_from_given(given, ids_tuple, groups_tuple, where)


def units_from_rows(
    rows: Sequence[Row], ids: tuple[str, ...], groups: tuple[str, ...], where: Where = api_where
) -> Units:
    """Validate one tuple of ``GIVEN_COLUMNS`` values per unit (NaN: a correction absent) and
    return Units; ``ids`` and ``groups`` have one entry per row.

    A single plainly valid unit (what a service sees most) is converted in Python, without the
    fixed cost of the vectorised checks; anything else, and every error, goes through
    :func:`units_from_given`.
    """
    if len(rows) == 1 and _plainly_valid_row(rows[0]):
        return _one_unit(rows[0], ids, groups)
    given = np.array(rows, dtype=np.float64).reshape(len(rows), len(GIVEN_COLUMNS))
    return units_from_given(np.ascontiguousarray(given.T), ids, groups, where)


def units_from_given(
    given: FloatArray, ids: tuple[str, ...], groups: tuple[str, ...], where: Where = api_where
) -> Units:
    """Validate a float64 matrix of shape (6, units), one row per column of ``GIVEN_COLUMNS``
    (NaN in a correction row: absent for that unit), and return Units.

    The caller has checked the shape and that ``ids`` and ``groups`` have one entry per unit;
    :func:`units_from_columns` does that for columns of any kind. The matrix is not modified.
    """
    absent = np.isnan(given)
    has_parts = ~(absent[3] & absent[4])
    if not _plainly_valid(given, absent, has_parts):
        problems = _check_values(
            dict(zip(COMPONENTS, given[:3], strict=True)),
            dict(zip(GIVEN_COLUMNS[3:], given[3:], strict=True)),
            where,
        )
        if problems:
            raise InvalidInputError(problems[:MAX_VIOLATIONS])
    values = np.where(absent, 0.0, given)
    values[5] = np.where(has_parts, 0.0, values[5])
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


# Per row of the given matrix: the range of a value, and whether it may be absent (NaN).
_MAX_FLOAT = float(np.finfo(np.float64).max)
_LOW = np.array([[SCORE_RANGE[0]]] * 3 + [[0.0]] * 3)
_HIGH = np.array([[SCORE_RANGE[1]]] * 3 + [[_MAX_FLOAT]] * 3)
_OPTIONAL = np.array([[False]] * 3 + [[True]] * 3)


def _plainly_valid(given: FloatArray, absent: BoolArray, has_parts: BoolArray) -> bool:
    """True when no value needs a closer look: the fast path of every valid batch.

    Every value within its range (NaN and infinity are not), or absent where it may be; no unit
    with both a correction total and its parts.
    """
    within = (given >= _LOW) & (given <= _HIGH)
    both = ~absent[5] & has_parts
    return bool((within | (absent & _OPTIONAL)).all()) and not both.any()


def _plainly_valid_row(row: Row) -> bool:
    """:func:`_plainly_valid` of one unit, in Python comparisons (NaN fails them too)."""
    internal, external, expert, integrity, prevalence, total = row
    low, high = SCORE_RANGE
    return (
        low <= internal <= high
        and low <= external <= high
        and low <= expert <= high
        and all(math.isnan(x) or 0.0 <= x <= _MAX_FLOAT for x in (integrity, prevalence, total))
        and (math.isnan(total) or (math.isnan(integrity) and math.isnan(prevalence)))
    )


def _one_unit(row: Row, ids: tuple[str, ...], groups: tuple[str, ...]) -> Units:
    """:func:`units_from_given` of one plainly valid unit, in Python (tested bit for bit)."""
    internal, external, expert, integrity, prevalence, total = row
    has_parts = not (math.isnan(integrity) and math.isnan(prevalence))
    unsplit = 0.0 if has_parts else _zero_if_nan(total)
    columns = np.array(
        [internal, external, expert, _zero_if_nan(integrity), _zero_if_nan(prevalence), unsplit],
        dtype=np.float64,
    ).reshape(len(NUMERIC_COLUMNS), 1)
    columns.flags.writeable = False
    return Units(ids, groups, *columns)  # rows in NUMERIC_COLUMNS order, the fields' order


def _zero_if_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _check_lengths(columns: dict[str, FloatArray], n_ids: int, n_groups: int, size: int) -> None:
    lengths = {name: col.size for name, col in columns.items()} | {"ids": n_ids, "groups": n_groups}
    wrong = {name: n for name, n in lengths.items() if n != size}
    if wrong:
        listed = ", ".join(f"{name} has {n}" for name, n in wrong.items())
        raise InvalidInputError(
            [Violation("", f"expected {size} values in every column; {listed}")]
        )


def _check_values(
    columns: dict[str, FloatArray], optional: dict[str, FloatArray], where: Where
) -> list[Violation]:
    flagged: list[tuple[int, int, Violation]] = []
    low, high = SCORE_RANGE
    for order, (name, values) in enumerate(columns.items()):
        bad = ~(np.isfinite(values) & (values >= low) & (values <= high))
        for row in np.flatnonzero(bad)[:MAX_VIOLATIONS]:
            got = _describe(values[row])
            flagged.append(
                (
                    row,
                    order,
                    Violation(where(int(row), name), f"expected a number from 0 to 100; got {got}"),
                )
            )
    for order, (name, values) in enumerate(optional.items(), start=len(columns)):
        bad = ~np.isnan(values) & ~(np.isfinite(values) & (values >= 0))
        for row in np.flatnonzero(bad)[:MAX_VIOLATIONS]:
            got = _describe(values[row])
            flagged.append(
                (row, order, Violation(where(int(row), name), f"expected points >= 0; got {got}"))
            )
    flagged.extend(_check_totals(optional, where))
    flagged.sort(key=lambda item: (item[0], item[1]))
    return [violation for _, _, violation in flagged]


def _check_totals(
    optional: dict[str, FloatArray], where: Where
) -> list[tuple[int, int, Violation]]:
    total = optional["correction"]
    parts = np.nan_to_num(optional["correction_integrity"], nan=0.0) + np.nan_to_num(
        optional["correction_prevalence"], nan=0.0
    )
    has_parts = ~(
        np.isnan(optional["correction_integrity"]) & np.isnan(optional["correction_prevalence"])
    )
    with np.errstate(invalid="ignore"):
        bad = has_parts & ~np.isnan(total) & (np.abs(total - parts) > TOTAL_TOLERANCE)
    return [
        (
            int(row),
            len(COMPONENTS) + 3,
            Violation(
                where(int(row), "correction"),
                f"expected the total to equal correction_integrity + correction_prevalence "
                f"({parts[row]:.2f}) within 0.01; got {_describe(total[row])}",
            ),
        )
        for row in np.flatnonzero(bad)[:MAX_VIOLATIONS]
    ]


def _describe(value: float) -> str:
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "infinity" if value > 0 else "-infinity"
    return repr(float(value))
