"""Sweeps: one or two levers set over a grid of values, the index and category at every point.

All grid points of all units (and the units as they are) are scored in one vectorised pass (numpy broadcasting, no Python
loop over points). A grid point is exactly the scenario that *sets* the swept levers to its
values, so a sweep equals the individual scenarios, bit for bit. The number of points (units x
grid values) is limited by ``max_points`` (LimitExceededError past it), so a request can never
allocate without bound.

>>> from spi_engine import bundled, units_from_columns
>>> units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
>>> result = sweep_levers(bundled().get("spi-2024"), units, [axis("external", 90, 95, 1)])
>>> result.index[0].tolist(), result.categories(0)
([71.98, 72.3, 72.63, 72.96, 73.29, 73.62], ('rentan', 'rentan', 'rentan', 'rentan', 'waspada', 'waspada'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import levers
from .errors import InvalidInputError, LimitExceededError, Violation
from .levers import GRID, frozen
from .numeric import FloatArray, IntArray, as_float_array, steps_to_float, value_to_steps
from .ruleset import Ruleset
from .scoring import score
from .units import Units

DEFAULT_MAX_POINTS = 2_000_000
"""Grid points (units x values) one sweep may score by default: about 0.5 s and 400 MB at most."""


@dataclass(frozen=True)
class Axis:
    """A lever and the values it is set to."""

    lever: str
    values: FloatArray


@dataclass(frozen=True)
class Sweep:
    """Index and category at every grid point: arrays of shape (units, len(x)[, len(y)])."""

    ruleset: Ruleset
    units: Units
    axes: tuple[Axis, ...]
    current: FloatArray
    """(units, axes) each unit's own value of each swept lever"""
    current_index_steps: IntArray
    """(units,) each unit's published index now"""
    index_raw: FloatArray
    index_steps: IntArray
    category_codes: IntArray

    @property
    def ids(self) -> tuple[str, ...]:
        return self.units.ids

    @property
    def index(self) -> FloatArray:
        return steps_to_float(self.index_steps, self.ruleset.decimals)

    def crossings(self, row: int) -> tuple[tuple[float, int], ...]:
        """Where a one-lever sweep changes category, exact to 0.01: (lever value, new category code).

        Between two grid points whose categories differ, the 0.01 grid is swept too, so the value
        is the first on that grid with the new category.
        """
        codes = self.category_codes[row]
        found = []
        for i in (np.flatnonzero(np.diff(codes)) + 1).tolist():
            low, high = (round(float(v) * GRID) for v in self.axes[0].values[[i - 1, i]])
            step = 1 if high > low else -1
            fine = Axis(self.axes[0].lever, np.arange(low + step, high + step, step) / float(GRID))
            detail = sweep_levers(self.ruleset, self.units.take([row]), [fine])
            first = int(np.argmax(detail.category_codes[0] != codes[i - 1]))
            found.append((float(fine.values[first]), int(detail.category_codes[0, first])))
        return tuple(found)

    def categories(self, row: int) -> tuple[str, ...]:
        """Category ids of one unit's grid points, flattened in C order."""
        ids = self.ruleset.category_ids
        return tuple(ids[code] for code in self.category_codes[row].ravel().tolist())


def axis(lever: str, start: float, stop: float, step: float = 1.0) -> Axis:
    """An axis from ``start`` to ``stop`` inclusive in steps of ``step``, on the 0.01 grid.

    >>> axis("external", 70, 71, 0.25).values.tolist()
    [70.0, 70.25, 70.5, 70.75, 71.0]
    """
    first, last, width = range_steps(start, stop, step)
    return Axis(lever, as_float_array(np.arange(first, last + 1, width) / float(GRID)))


def range_steps(start: float, stop: float, step: float) -> tuple[int, int, int]:
    """A range's start, stop and step as exact counts of 0.01, checked (finite, on the grid,
    start <= stop, step > 0); its length is ``(stop - start) // step + 1``, in integers.

    >>> range_steps(70, 71, 0.25)
    (7000, 7100, 25)
    """
    ends = [
        _grid_steps(value, f"axis.{name}")
        for name, value in (("start", start), ("stop", stop), ("step", step))
    ]
    first, last, width = ends
    if width <= 0 or last < first:
        raise InvalidInputError(
            [
                Violation(
                    "axis",
                    f"expected start <= stop and step > 0; got {start!r}, {stop!r}, {step!r}",
                )
            ]
        )
    return first, last, width


def _grid_steps(value: float, field: str) -> int:
    number = float(value)
    steps = value_to_steps(number, levers.LEVER_DECIMALS) if np.isfinite(number) else None
    if steps is None:
        raise InvalidInputError(
            [Violation(field, f"expected a finite number with at most 2 decimals; got {value!r}")]
        )
    return steps


def sweep_levers(
    ruleset: Ruleset,
    units: Units,
    axes: Sequence[Axis],
    *,
    max_points: int = DEFAULT_MAX_POINTS,
) -> Sweep:
    """Score every unit at every point of the grid spanned by one or two axes."""
    axes = tuple(_as_axis(each, f"axes[{i}].values") for i, each in enumerate(axes))
    columns = _check_axes(units, axes)
    shape = (len(units), *(a.values.size for a in axes))
    points = int(np.prod(shape))
    if points > max_points:
        raise LimitExceededError("sweep grid points (units x values)", max_points, points)
    base = levers.matrix(units)
    grid = np.array(
        np.broadcast_to(base.reshape(len(units), *([1] * len(axes)), -1), (*shape, base.shape[1]))
    )
    for i, (column, each) in enumerate(zip(columns, axes, strict=True)):
        view = [1] * len(axes)
        view[i] = each.values.size
        grid[..., column] = np.broadcast_to(each.values.reshape(view), shape)
    flat = np.concatenate([grid.reshape(-1, base.shape[1]), base])
    # each grid point keeps its unit's id: a ruleset may apply a rule by id (spi-2022's regional one)
    per_point = points // len(units)
    ids = levers.repeat_ids(units.ids, per_point) + units.ids
    blank = ("",) * (points + len(units))
    scored = score(ruleset, levers.from_matrix(flat, ids, blank))
    return Sweep(
        ruleset=ruleset,
        units=units,
        axes=tuple(axes),
        current=frozen(base[:, list(columns)]),
        current_index_steps=frozen(scored.index_steps[points:]),
        index_raw=frozen(scored.index_raw[:points].reshape(shape)),
        index_steps=frozen(scored.index_steps[:points].reshape(shape)),
        category_codes=frozen(scored.category_codes[:points].reshape(shape)),
    )


def _check_axes(units: Units, axes: Sequence[Axis]) -> tuple[int, ...]:
    if not 1 <= len(axes) <= 2:
        raise InvalidInputError([Violation("axes", f"expected one or two axes; got {len(axes)}")])
    if not len(units):
        raise InvalidInputError([Violation("units", "expected at least one unit; got none")])
    columns = tuple(levers.lever_position(a.lever, f"axes[{i}].lever") for i, a in enumerate(axes))
    if len(set(columns)) != len(columns):
        raise InvalidInputError([Violation("axes", "expected two different levers")])
    holds = levers.applicable(units)
    for i, (column, each) in enumerate(zip(columns, axes, strict=True)):
        _check_values(each, f"axes[{i}].values")
        if not holds[:, column].all():
            row = int(np.flatnonzero(~holds[:, column])[0])
            raise InvalidInputError(
                [
                    Violation(
                        f"axes[{i}].lever",
                        f"lever {each.lever!r} does not apply to units[{row}]: its correction is "
                        "held in the other form (parts or total)",
                    )
                ]
            )
    return columns


def _as_axis(each: Axis, field: str) -> Axis:
    try:
        values = np.array(each.values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(
            [Violation(field, f"expected numbers; got {each.values!r}")]
        ) from None
    values.flags.writeable = False
    return Axis(each.lever, values)


def _check_values(each: Axis, field: str) -> None:
    values = each.values
    low, high = levers.lever_range(each.lever)
    if values.ndim != 1 or values.size == 0:
        raise InvalidInputError([Violation(field, "expected a non-empty list of values")])
    bad = ~(np.isfinite(values) & (values >= low) & (values <= high))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        span = f"from {low:g} to {high:g}" if np.isfinite(high) else f">= {low:g}"
        raise InvalidInputError(
            [
                Violation(
                    f"{field}[{row}]",
                    f"expected a value {span} for {each.lever}; got {float(values[row])!r}",
                )
            ]
        )
