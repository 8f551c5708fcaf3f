"""Scenarios: interventions on the inputs (and optionally a ruleset variant), baseline beside scenario.

An :class:`Intervention` sets, adds to, scales or caps one lever (see :mod:`spi_engine.levers`)
for every unit, for the units with given ids, or for the units of given groups. A
:class:`Scenario` applies its interventions in order, then scores. Values pushed past a lever's
range are capped at its end, and the result says which units and levers were capped.

Baseline and scenario are scored in one vectorised pass over the two batches side by side (two
passes when the scenario brings a ruleset variant: one per ruleset). Nothing is mutated, and the
empty scenario returns the baseline exactly.

>>> from spi_engine import bundled, units_from_columns
>>> units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59], ids=["probolinggo"])
>>> run = simulate(bundled().get("spi-2024"), units, Scenario((Intervention("external", "add", 3.0),)))
>>> run.comparison.before.index.tolist(), run.comparison.after.index.tolist()
([71.66], [72.64])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import levers
from .comparison import Comparison, compare, scores_slice
from .errors import InvalidInputError, Violation, shown
from .levers import BoolArray
from .numeric import FloatArray
from .ruleset import Ruleset
from .scoring import Scores, score
from .units import Units, Where
from .variants import Variant, derive_variant

OPERATIONS = ("set", "add", "scale", "cap")
"""set: the value; add: plus the value; scale: times the value; cap: at most the value."""


@dataclass(frozen=True)
class Intervention:
    """One change of one lever. With neither ``unit_ids`` nor ``groups`` it applies to every unit."""

    lever: str
    operation: str
    value: float
    unit_ids: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """Interventions applied in order, and optionally a ruleset variant for the scenario side."""

    interventions: tuple[Intervention, ...] = ()
    variant: Variant | None = None
    name: str = ""


@dataclass(frozen=True)
class Applied:
    """Units after the interventions, and which (unit, lever) values were capped at a range end."""

    units: Units
    capped: BoolArray
    """shape (units, levers), in the order of ``levers.LEVERS``"""


@dataclass(frozen=True)
class Simulation:
    """A scenario's outcome: baseline beside scenario, and what was capped."""

    scenario: Scenario
    comparison: Comparison
    capped: BoolArray
    """shape (units, levers): the scenario pushed this lever of this unit past its range"""

    @property
    def capped_rows(self) -> tuple[int, ...]:
        """Units with at least one capped lever."""
        return tuple(int(i) for i in np.flatnonzero(self.capped.any(axis=1)))


def simulate(ruleset: Ruleset, units: Units, scenario: Scenario) -> Simulation:
    """Baseline (``ruleset``, ``units``) beside the scenario, in one vectorised pass per ruleset."""
    applied = apply(units, scenario.interventions)
    variant = None if scenario.variant is None else derive_variant(ruleset, scenario.variant)
    comparison = side_by_side(ruleset, units, applied.units, variant)
    return Simulation(scenario=scenario, comparison=comparison, capped=applied.capped)


def side_by_side(
    ruleset: Ruleset, before: Units, after: Units, after_ruleset: Ruleset | None = None
) -> Comparison:
    """``before`` beside ``after`` (same units, changed inputs): one scoring pass per ruleset."""
    if after_ruleset is None:
        both = score(ruleset, levers.concat([before, after]), where=_where(len(before)))
        return compare(*_split(both, len(before)))
    return compare(score(ruleset, before), score(after_ruleset, after, where=_where(0)))


def apply(units: Units, interventions: Sequence[Intervention]) -> Applied:
    """``units`` after ``interventions`` (in order), capped to the lever ranges."""
    values = levers.matrix(units)
    capped = np.zeros(values.shape, dtype=bool)
    holds = levers.applicable(units)
    lows, highs = levers.ranges()
    for i, change in enumerate(interventions):
        field = f"scenario.interventions[{i}]"
        column = _check(change, field)
        rows = _selection(units, change, field)
        _check_applicable(units, holds, rows, column, field)
        wanted = _operate(values[rows, column], change)
        kept = np.clip(wanted, lows[column], highs[column])
        capped[rows, column] |= kept != wanted
        values[rows, column] = kept
    return Applied(units=levers.with_matrix(units, values), capped=levers.frozen(capped))


def _operate(current: FloatArray, change: Intervention) -> FloatArray:
    value = float(change.value)
    if change.operation == "set":
        return np.full(current.shape, value)
    if change.operation == "add":
        return current + value
    if change.operation == "scale":
        return current * value
    return np.minimum(current, value)


def _check(change: Intervention, field: str) -> int:
    column = levers.lever_position(change.lever, f"{field}.lever")
    if change.operation not in OPERATIONS:
        raise InvalidInputError(
            [
                Violation(
                    f"{field}.operation",
                    f"expected one of {', '.join(OPERATIONS)}; got {change.operation!r}",
                )
            ]
        )
    value = _number(change.value, f"{field}.value")
    low, high = levers.lever_range(change.lever)
    problem = ""
    if change.operation in {"set", "cap"} and not low <= value <= high:
        span = f"from {low:g} to {high:g}" if high < np.inf else f">= {low:g}"
        problem = f"expected a value {span} for {change.lever} ({change.operation}); got {value!r}"
    if change.operation == "scale" and value < 0:
        problem = f"expected a factor >= 0 for scale; got {value!r}"
    if problem:
        raise InvalidInputError([Violation(f"{field}.value", problem)])
    return column


def _number(value: object, field: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]  # any number-like the caller gives
    except (TypeError, ValueError):
        raise InvalidInputError([Violation(field, f"expected a number; got {value!r}")]) from None
    if not np.isfinite(number):
        raise InvalidInputError([Violation(field, f"expected a finite number; got {number!r}")])
    return number


def _selection(units: Units, change: Intervention, field: str) -> np.ndarray:
    if change.unit_ids and change.groups:
        raise InvalidInputError(
            [Violation(field, "expected unit_ids or groups, not both (or neither for all units)")]
        )
    if not len(units):
        raise InvalidInputError([Violation("units", "expected at least one unit; got none")])
    if change.unit_ids:
        return _members(units.ids, change.unit_ids, f"{field}.unit_ids", "id")
    if change.groups:
        return _members(units.groups, change.groups, f"{field}.groups", "group")
    return np.arange(len(units))


def _members(column: tuple[str, ...], wanted: tuple[str, ...], field: str, what: str) -> np.ndarray:
    present = set(column)
    missing = [i for i, name in enumerate(wanted) if name not in present]
    if missing:
        position = missing[0]
        known = sorted(present)
        hint = f"; groups: {', '.join(known)}" if what == "group" else ""
        raise InvalidInputError(
            [
                Violation(
                    f"{field}[{position}]",
                    f"no unit has {what} {shown(str(wanted[position]))} (empty selection){hint}",
                )
            ]
        )
    have = np.asarray(column, dtype=object)
    return np.flatnonzero(np.isin(have, np.asarray(wanted, dtype=object)))


def _check_applicable(
    units: Units, holds: BoolArray, rows: np.ndarray, column: int, field: str
) -> None:
    missing = rows[~holds[rows, column]]
    if missing.size:
        row = int(missing[0])
        lever = levers.LEVERS[column]
        form = "a total" if lever != "correction" else "parts"
        other = (
            "correction"
            if lever != "correction"
            else "correction_integrity or correction_prevalence"
        )
        raise InvalidInputError(
            [
                Violation(
                    f"{field}.lever",
                    f"lever {shown(lever)} does not apply to units[{row}] (id {shown(str(units.ids[row]))}): its "
                    f"correction is given as {form}; expected lever {other} for it "
                    f"({missing.size} unit(s) affected)",
                )
            ]
        )


def _where(offset: int) -> Where:
    def where(row: int, field: str) -> str:
        side = "units" if row < offset else "scenario.units"
        return f"{side}[{row if row < offset else row - offset}].{field}"

    return where


def _split(both: Scores, size: int) -> tuple[Scores, Scores]:
    return scores_slice(both, 0, size), scores_slice(both, size, 2 * size)
