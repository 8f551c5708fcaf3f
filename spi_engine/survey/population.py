"""Population tables: how many people each unit (or sub-unit) has per respondent group, and how
many were sampled. They give the finite-population correction, response rates and progress.

>>> pop = population_from_columns(["u1", "u1"], ["internal", "external"], [120, 5000], sampled=[60, 0])
>>> pop.lookup(("u1", "u2"), ("", ""), 0)
(array([120.,  nan]), array([60., nan]), array([ 0, -1]))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from .instrument import GROUP_NAMES
from .labels import as_strings, factorize, key_rows, show
from .responses import MAX_VIOLATIONS, Where

Entries = npt.NDArray[np.int64]


def population_where(row: int, column: str) -> str:
    """``population[3].sampled``: how the library names a value of a population table."""
    return f"population[{row}].{column}"


@dataclass(frozen=True)
class Population:
    """Validated (unit, sub-unit, group) -> population and sampled; one row per key."""

    unit_ids: tuple[str, ...]
    sub_unit_ids: tuple[str, ...]
    groups: IntArray
    population: IntArray
    sampled: IntArray
    """0 where unknown"""
    where: Where = field(repr=False, compare=False, default=population_where)

    def __len__(self) -> int:
        return len(self.unit_ids)

    def lookup(
        self, unit_ids: Sequence[str], sub_unit_ids: Sequence[str], group: int
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """(population, sampled, table row) of each (unit, sub-unit) for ``group``; NaN / -1 if absent."""
        wanted = (unit_ids, sub_unit_ids, np.full(len(unit_ids), group, dtype=np.int64))
        rows = key_rows((self.unit_ids, self.sub_unit_ids, self.groups), wanted)
        found = rows >= 0
        safe = np.maximum(rows, 0)
        size = self.population[safe] if len(self) else np.zeros(rows.size, dtype=np.int64)
        picks = self.sampled[safe] if len(self) else np.zeros(rows.size, dtype=np.int64)
        return (
            np.where(found, size, np.nan),
            np.where(found & (picks > 0), picks, np.nan),
            rows,
        )


def population_from_columns(
    unit_ids: Any,
    groups: Any,
    population: Any,
    *,
    sampled: Any = None,
    sub_unit_ids: Any = None,
    where: Where = population_where,
    context: str = "",
) -> Population:
    """Validate a population table: counts are whole numbers, population >= 1, 0 <= sampled <= population."""
    units = as_strings(unit_ids)
    size = units.size
    subs = as_strings(sub_unit_ids) if sub_unit_ids is not None else np.full(size, "")
    found: list[tuple[int, int, Violation]] = []
    group_codes = _groups(as_strings(groups), where, found)
    sizes = _whole(population, size, "population", 1, where, found)
    picks = (
        _whole(sampled, size, "sampled", 0, where, found)
        if sampled is not None
        else np.zeros(size, np.int64)
    )
    over = np.flatnonzero(picks > sizes)
    found += [
        (
            int(r),
            3,
            Violation(
                where(int(r), "sampled"),
                f"expected at most the population ({sizes[r]}); got {picks[r]}",
            ),
        )
        for r in over[:MAX_VIOLATIONS]
    ]
    for row in np.flatnonzero(np.char.str_len(units) == 0)[:MAX_VIOLATIONS].tolist():
        found.append(
            (row, 0, Violation(where(row, "unit_id"), "expected a unit id; got an empty value"))
        )
    found += _repeated_keys(units, subs, group_codes, where)
    if found:
        found.sort(key=lambda item: (item[0], item[1]))
        raise InvalidInputError([v for _, _, v in found[:MAX_VIOLATIONS]], context=context)
    return Population(tuple(units.tolist()), tuple(subs.tolist()), group_codes, sizes, picks, where)


def _groups(
    strings: npt.NDArray[np.str_], where: Where, found: list[tuple[int, int, Violation]]
) -> IntArray:
    clean = np.char.lower(np.char.strip(strings))
    codes = np.full(strings.size, -1, dtype=np.int64)
    for index, name in enumerate(GROUP_NAMES):
        codes[clean == name] = index
    for row in np.flatnonzero(codes < 0)[:MAX_VIOLATIONS].tolist():
        found.append(
            (
                row,
                1,
                Violation(
                    where(row, "group"),
                    f"expected internal, external or expert; got {show(strings[row])}",
                ),
            )
        )
    return codes


def _whole(
    values: Any,
    size: int,
    column: str,
    minimum: int,
    where: Where,
    found: list[tuple[int, int, Violation]],
) -> IntArray:
    raw = np.asarray(values)
    try:
        number = raw.astype(np.float64)
    except ValueError:
        number = np.array([_number(v) for v in raw.tolist()], dtype=np.float64)
    if number.size != size:
        raise InvalidInputError(
            [Violation(column, f"expected {size} values (one per unit id); got {number.size}")]
        )
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(number) | (number != np.floor(number)) | (number < minimum)
    for row in np.flatnonzero(bad)[:MAX_VIOLATIONS].tolist():
        found.append(
            (
                row,
                2,
                Violation(
                    where(row, column),
                    f"expected a whole number >= {minimum}; got {show(raw[row])}",
                ),
            )
        )
    result: IntArray = np.where(bad, minimum, number).astype(np.int64)
    return result


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _repeated_keys(
    units: npt.NDArray[np.str_], subs: npt.NDArray[np.str_], groups: IntArray, where: Where
) -> list[tuple[int, int, Violation]]:
    u, s = factorize(units), factorize(subs)
    keys = (u.codes * max(len(s.names), 1) + s.codes) * len(GROUP_NAMES) + groups
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    repeated = np.flatnonzero(first[inverse.reshape(-1)] != np.arange(keys.size))
    return [
        (
            int(r),
            0,
            Violation(
                where(int(r), "unit_id"),
                f"expected one row per unit, sub-unit and group; ({show(units[r])}, {show(subs[r])}, "
                f"{GROUP_NAMES[groups[r]] if groups[r] >= 0 else '?'}) is also at "
                f"{where(int(first[inverse.reshape(-1)[r]]), 'unit_id')}",
            ),
        )
        for r in repeated[:MAX_VIOLATIONS]
    ]
