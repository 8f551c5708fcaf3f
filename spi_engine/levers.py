"""Levers: the inputs a planner can move, their ranges, and what one point of each is worth.

A lever is one input column of :class:`~spi_engine.units.Units`:

==========================  ==============================  ===========  =====================
lever                       column                          range        index points per point
==========================  ==============================  ===========  =====================
internal                    internal                        0 to 100     w_internal
external                    external                        0 to 100     w_external
expert                      expert                          0 to 100     w_expert
correction_integrity        correction_integrity            >= 0         -f_integrity
correction_prevalence       correction_prevalence           >= 0         -f_prevalence
correction                  correction_unsplit              >= 0         -f (the common factor)
==========================  ==============================  ===========  =====================

**A correction given only as a total.** A unit holds its correction either as two parts or as
one total (``Units.correction_unsplit``); the engine cannot split a total without inventing how.
So each correction lever acts on the form the unit has:

- ``correction_integrity`` and ``correction_prevalence`` apply to units that hold parts,
- ``correction`` (the total) applies to units that hold a total,
- a unit with no correction at all holds both forms (all zero), so every lever applies to it.

Moving a lever a unit does not hold is an error (:class:`InvalidInputError`) in a scenario and
``not_applicable`` in goal seeking and sensitivity: never a silent guess. The total weighs as the
parts' common factor; a ruleset whose parts weigh differently cannot score a total (scoring says
so), and the ``correction`` lever then has no slope.

Lever changes are made on a grid of 0.01 points (:data:`LEVER_DECIMALS`), the precision of the
published inputs. Everything here is pure and vectorised; nothing mutates its inputs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError, Violation, shown
from .numeric import FloatArray, as_float_array
from .ruleset import Ruleset
from .units import COMPONENTS, SCORE_RANGE, Units

LEVERS = (
    "internal",
    "external",
    "expert",
    "correction_integrity",
    "correction_prevalence",
    "correction",
)
COLUMNS = (*COMPONENTS, "correction_integrity", "correction_prevalence", "correction_unsplit")
"""The Units column each lever moves, in the order of LEVERS."""
COMPONENT_LEVERS = LEVERS[:3]
CORRECTION_LEVERS = LEVERS[3:]
LEVER_DECIMALS = 2
"""Lever changes are whole multiples of 10**-LEVER_DECIMALS points."""
GRID = 10**LEVER_DECIMALS
"""Grid steps per lever point."""

BoolArray = npt.NDArray[np.bool_]
ArrayT = TypeVar("ArrayT", bound=npt.NDArray[Any])


def lever_position(lever: str, field: str = "lever") -> int:
    """The position of ``lever`` in :data:`LEVERS`; InvalidInputError names the field otherwise.

    >>> lever_position("external")
    1
    """
    if lever not in LEVERS:
        raise InvalidInputError(
            [Violation(field, f"expected a lever, one of {', '.join(LEVERS)}; got {shown(lever)}")]
        )
    return LEVERS.index(lever)


def lever_positions(levers: Sequence[str] | None, field: str = "levers") -> tuple[int, ...]:
    """Positions of ``levers`` (every lever when None); unknown or repeated names are errors."""
    if levers is None:
        return tuple(range(len(LEVERS)))
    if not levers:
        raise InvalidInputError([Violation(field, "expected at least one lever; got none")])
    positions = tuple(lever_position(name, f"{field}[{i}]") for i, name in enumerate(levers))
    if len(set(positions)) != len(positions):
        raise InvalidInputError([Violation(field, f"expected each lever once; got {levers}")])
    return positions


def lever_range(lever: str) -> tuple[float, float]:
    """(lowest, highest) value of a lever: 0-100 for components, >= 0 for corrections.

    >>> lever_range("expert"), lever_range("correction")
    ((0.0, 100.0), (0.0, inf))
    """
    lever_position(lever)
    return SCORE_RANGE if lever in COMPONENT_LEVERS else (0.0, float("inf"))


def ranges() -> tuple[FloatArray, FloatArray]:
    """(lows, highs) of every lever, in the order of LEVERS."""
    highs = [SCORE_RANGE[1]] * len(COMPONENT_LEVERS) + [np.inf] * len(CORRECTION_LEVERS)
    return np.zeros(len(LEVERS)), np.array(highs, dtype=np.float64)


def slopes(ruleset: Ruleset) -> FloatArray:
    """Index points per lever point under ``ruleset``, in the order of LEVERS.

    The ``correction`` total has the parts' common factor; NaN when the parts weigh differently.

    >>> from spi_engine import bundled
    >>> slopes(bundled().get("spi-2024")).tolist()
    [0.305, 0.328, 0.367, -1.0, -1.0, -1.0]
    """
    f_int, f_prev = ruleset.correction_factors
    total = -f_int if f_int == f_prev else np.nan
    return np.array([*ruleset.weights, -f_int, -f_prev, total], dtype=np.float64)


def matrix(units: Units) -> FloatArray:
    """The lever values of every unit: shape (units, levers), a fresh writable array."""
    return np.column_stack([getattr(units, name) for name in COLUMNS]).astype(np.float64)


def applicable(units: Units) -> BoolArray:
    """Which levers each unit holds: shape (units, levers). See the module docstring."""
    has_total = units.correction_unsplit > 0
    has_parts = (units.correction_integrity > 0) | (units.correction_prevalence > 0)
    always = np.ones(len(units), dtype=bool)
    return np.column_stack([always, always, always, ~has_total, ~has_total, ~has_parts])


def with_matrix(units: Units, values: FloatArray) -> Units:
    """A copy of ``units`` whose lever columns are ``values`` (shape (units, levers)).

    The values must already be within the lever ranges (callers cap them); ids and groups are kept.
    """
    return from_matrix(values, units.ids, units.groups)


def from_matrix(values: FloatArray, ids: tuple[str, ...], groups: tuple[str, ...]) -> Units:
    """Units built from lever values already within range (no copy of the validation work)."""
    return Units(
        ids=ids,
        groups=groups,
        **{name: as_float_array(values[:, i]) for i, name in enumerate(COLUMNS)},
    )


def concat(batches: Sequence[Units]) -> Units:
    """One batch holding ``batches`` in order."""
    return Units(
        ids=tuple(itertools.chain.from_iterable(batch.ids for batch in batches)),
        groups=tuple(itertools.chain.from_iterable(batch.groups for batch in batches)),
        **{
            name: as_float_array(np.concatenate([getattr(batch, name) for batch in batches]))
            for name in COLUMNS
        },
    )


def rows_slice(units: Units, start: int, stop: int) -> Units:
    """The units ``start`` to ``stop`` (a slice, without a Python loop over the rows)."""
    return Units(
        ids=units.ids[start:stop],
        groups=units.groups[start:stop],
        **{name: as_float_array(getattr(units, name)[start:stop]) for name in COLUMNS},
    )


def frozen(array: ArrayT) -> ArrayT:
    """``array`` made read-only (results never change after they are returned)."""
    array.flags.writeable = False
    return array
