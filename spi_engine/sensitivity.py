"""Sensitivity: what each lever is worth, and how far each one is from the next category.

For every unit and lever: index points per lever point (the slope), the smallest change of that
lever alone that reaches the category above, and the smallest that drops the unit into the
category below (both by goal seeking, so verified by scoring), and the levers ranked for a
tornado: fewest points to the category above first (then fewest points to fall, then lever order).

>>> from spi_engine import bundled, units_from_columns
>>> units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
>>> result = lever_sensitivity(bundled().get("spi-2024"), units)
>>> [result.levers[i] for i in result.rank[0][:3]], result.up.change(0, "expert")
(['correction', 'expert', 'external'], 3.66)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import levers
from .goal import NO_CATEGORY, REACHED, Goal, GoalSeek, seek
from .levers import GRID, frozen
from .numeric import FloatArray, IntArray
from .ruleset import Ruleset
from .scoring import Scores, score
from .units import Units


@dataclass(frozen=True)
class Sensitivity:
    """Slopes, distances to the neighbouring categories, and the tornado order."""

    ruleset: Ruleset
    ids: tuple[str, ...]
    levers: tuple[str, ...]
    slopes: FloatArray
    """(levers,) index points per lever point"""
    up: GoalSeek
    """reach the category above (``no_category`` at the top)"""
    down: GoalSeek
    """fall into the category below (``no_category`` at the bottom)"""
    rank: IntArray
    """(units, levers): positions in ``levers``, the strongest lever first"""


def lever_sensitivity(
    ruleset: Ruleset, units: Units, levers_: Sequence[str] | None = None
) -> Sensitivity:
    """Sensitivity of every unit to every lever (or to ``levers_``)."""
    positions = levers.lever_positions(levers_)
    base = score(ruleset, units)
    up = _neighbour(ruleset, units, base, positions, +1)
    down = _neighbour(ruleset, units, base, positions, -1)
    return Sensitivity(
        ruleset=ruleset,
        ids=units.ids,
        levers=up.levers,
        slopes=frozen(levers.slopes(ruleset)[list(positions)]),
        up=up,
        down=down,
        rank=frozen(tornado_order(up, down)),
    )


def _neighbour(
    ruleset: Ruleset, units: Units, base: Scores, positions: Sequence[int], direction: int
) -> GoalSeek:
    """Goal seeking towards the neighbouring category in ``direction`` (+1 above, -1 below)."""
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes = base.category_codes
    exists = (codes + direction >= 0) & (codes + direction < bounds.size)
    above = bounds[np.minimum(codes + 1, bounds.size - 1)]
    steps = above if direction > 0 else bounds[codes] - 1
    goal = Goal(
        label="category above" if direction > 0 else "category below",
        steps=frozen(np.where(exists, steps, base.index_steps)),
        direction=frozen(np.where(exists, direction, 0).astype(np.int64)),
    )
    found = seek(ruleset, units, base, goal, positions)
    status = np.where(exists[:, None], found.status, NO_CATEGORY).astype(np.int8)
    return dataclasses.replace(found, status=frozen(status))


def tornado_order(up: GoalSeek, down: GoalSeek) -> IntArray:
    """Lever positions per unit: fewest points up first, then fewest points down, then order."""
    up_key = np.where(up.status == REACHED, np.abs(up.change_steps), np.iinfo(np.int64).max)
    down_key = np.where(down.status == REACHED, np.abs(down.change_steps), np.iinfo(np.int64).max)
    position = np.broadcast_to(np.arange(up_key.shape[1]), up_key.shape)
    order: IntArray = np.lexsort((position, down_key, up_key)).astype(np.int64)
    return order


def points(found: GoalSeek) -> FloatArray:
    """Signed lever changes in points; NaN where the lever alone does not reach."""
    return np.where(found.status == REACHED, found.change_steps / float(GRID), np.nan)
