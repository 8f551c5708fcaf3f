"""Goal seeking: the smallest change of each single lever that brings a unit to a target.

A target is a category id (reach it, or fall into it when it is below the unit's category) or a
published index value (reach at least it, or at most it when it is below the unit's index).

The index is linear in each lever, ``index_raw(Δ) = index_raw + slope·Δ``, and reaching a
published bound ``B`` means ``index_raw >= B - half a step`` (the index is rounded half up). So
the answer is solved for exactly, then put on the lever's 0.01 grid and verified by scoring: the
returned change reaches the target and 0.01 less does not. Where float noise makes the solved
candidate doubtful (never seen on SPI inputs), a vectorised bisection on the grid decides. A
lever that would need a score above 100 (or below 0) or a correction below 0 is reported as not
reachable with that lever alone, with the reason: never an exception.

Everything is vectorised over units and levers: one scoring pass checks every candidate.

>>> from spi_engine import bundled, units_from_columns
>>> units = units_from_columns([75.61], [89.02], [73.53], correction_integrity=[7.59],
...                            correction_prevalence=[0.0])
>>> seek = goal_seek(bundled().get("spi-2024"), units, "waspada")
>>> seek.change(0, "external"), seek.change(0, "correction_integrity"), seek.reason(0, "correction_prevalence")
(4.09, -1.34, 'not reachable with this lever alone: it would need a correction below 0')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import levers
from .errors import InvalidInputError, Violation
from .levers import GRID, LEVERS, BoolArray, frozen
from .numeric import FloatArray, IntArray, format_steps, value_to_steps
from .ruleset import Ruleset
from .scoring import Scores, score
from .units import Units

STATUSES = (
    "reached",
    "needs_score_above_max",
    "needs_score_below_min",
    "needs_correction_below_zero",
    "no_effect",
    "not_applicable",
    "no_category",
)
"""Status codes of a goal-seek cell (``GoalSeek.status`` holds positions in this tuple)."""
REACHED, ABOVE_MAX, BELOW_MIN, CORRECTION_BELOW_ZERO, NO_EFFECT, NOT_APPLICABLE, NO_CATEGORY = (
    range(len(STATUSES))
)
REASONS = (
    "",
    "not reachable with this lever alone: it would need a score above 100",
    "not reachable with this lever alone: it would need a score below 0",
    "not reachable with this lever alone: it would need a correction below 0",
    "this lever does not move the index under this ruleset (its weight is 0)",
    "this lever does not apply: the unit's correction is held in the other form (parts or total)",
    "there is no category in that direction",
)
UNREACHED = -1
"""new_index_steps and new_category_codes of a cell that does not reach its target."""
WINDOW = np.arange(-2, 3)
"""Grid offsets around the solved change that one scoring pass checks."""

Int8Array = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Goal:
    """A target per unit: reach ``steps`` (published index) upwards, downwards, or already there."""

    label: str
    steps: IntArray
    direction: IntArray
    """+1: reach index >= steps; -1: reach index <= steps; 0: already there"""


@dataclass(frozen=True)
class GoalSeek:
    """Single-lever answers: arrays of shape (units, levers) unless stated."""

    ruleset: Ruleset
    ids: tuple[str, ...]
    levers: tuple[str, ...]
    goal: Goal
    index_steps: IntArray
    """(units,) the published index now"""
    status: Int8Array
    change_steps: IntArray
    """signed lever change in 0.01 points; 0 where not reached"""
    new_value: FloatArray
    """the lever's value after the change; NaN where not reached"""
    new_index_steps: IntArray
    new_category_codes: IntArray

    def _cell(self, row: int, lever: str) -> tuple[int, int]:
        return row, self.levers.index(lever)

    def reached(self, row: int, lever: str) -> bool:
        return bool(self.status[self._cell(row, lever)] == REACHED)

    def change(self, row: int, lever: str) -> float | None:
        """The change in lever points, or None when the lever alone cannot reach the target."""
        cell = self._cell(row, lever)
        if self.status[cell] != REACHED:
            return None
        return float(format_steps(int(self.change_steps[cell]), levers.LEVER_DECIMALS))

    def reason(self, row: int, lever: str) -> str:
        """Why a lever alone does not reach the target ('' when it does)."""
        return REASONS[int(self.status[self._cell(row, lever)])]


def goal_seek(
    ruleset: Ruleset, units: Units, target: str | float, levers_: Sequence[str] | None = None
) -> GoalSeek:
    """For every unit and lever: the smallest change of that lever alone that reaches ``target``."""
    positions = levers.lever_positions(levers_)
    base = score(ruleset, units)
    return seek(ruleset, units, base, resolve_target(ruleset, base, target), positions)


def resolve_target(ruleset: Ruleset, base: Scores, target: str | float) -> Goal:
    """The published index each unit must reach (>=) or fall to (<=) for ``target``."""
    if isinstance(target, str):
        return _category_goal(ruleset, base, target)
    steps = _index_steps(ruleset, target)
    current = base.index_steps
    direction = np.sign(steps - current).astype(np.int64)
    label = format_steps(steps, ruleset.decimals)
    return Goal(label, frozen(np.full(len(base), steps, dtype=np.int64)), frozen(direction))


def _category_goal(ruleset: Ruleset, base: Scores, category: str) -> Goal:
    if category not in ruleset.category_ids:
        raise InvalidInputError(
            [
                Violation(
                    "target",
                    f"expected a category of {ruleset.id} ({', '.join(ruleset.category_ids)}) "
                    f"or an index; got {category!r}",
                )
            ]
        )
    position = ruleset.category_ids.index(category)
    bounds = np.append(
        np.asarray(ruleset.lower_bound_steps, dtype=np.int64), np.iinfo(np.int64).max
    )
    current = base.category_codes
    direction = np.sign(position - current).astype(np.int64)
    steps = np.where(direction > 0, bounds[position], bounds[position + 1] - 1)
    return Goal(
        category, frozen(np.where(direction == 0, base.index_steps, steps)), frozen(direction)
    )


def _index_steps(ruleset: Ruleset, value: float) -> int:
    low, high = ruleset.bounds
    number = float(value)
    steps = value_to_steps(number, ruleset.decimals) if np.isfinite(number) else None
    if steps is None or not low <= number <= high:
        raise InvalidInputError(
            [
                Violation(
                    "target",
                    f"expected a category or an index from {low:g} to {high:g} with at most "
                    f"{ruleset.decimals} decimals; got {value!r}",
                )
            ]
        )
    return steps


def seek(
    ruleset: Ruleset, units: Units, base: Scores, goal: Goal, positions: Sequence[int]
) -> GoalSeek:
    """Single-lever answers for a resolved goal (sensitivity reuses this with per-unit goals)."""
    columns = np.asarray(positions, dtype=np.intp)
    slope = levers.slopes(ruleset)[columns]
    status = _blocked(units, goal, slope, columns)
    move = np.sign(np.nan_to_num(slope)).astype(np.int64)[None, :] * goal.direction[:, None]
    room = room_steps(units, columns, move)
    solved = _solved_steps(ruleset, base, goal, slope)
    open_cells = (status == REACHED) & (goal.direction != 0)[:, None]
    k = _verify(
        ruleset, units, goal, columns, move, np.where(open_cells, solved, 0), room, open_cells
    )
    status = np.where(open_cells & (k < 0), _unreachable_status(columns, move), status)
    return _result(ruleset, units, goal, columns, move, np.maximum(k, 0), status, base)


def _blocked(units: Units, goal: Goal, slope: FloatArray, columns: IntArray) -> Int8Array:
    holds = levers.applicable(units)[:, columns]
    status = np.full(holds.shape, REACHED, dtype=np.int8)
    status[:, (slope == 0)] = NO_EFFECT
    status[~holds | np.isnan(slope)[None, :]] = NOT_APPLICABLE
    status[goal.direction == 0, :] = REACHED
    return status


def room_steps(units: Units, columns: IntArray, move: IntArray) -> IntArray:
    """Grid steps each lever can move in direction ``move`` before leaving its range.

    Unbounded (a correction going up) is reported as a large finite number of steps.
    """
    values = levers.matrix(units)[:, columns]
    lows, highs = (bound[columns] for bound in levers.ranges())
    span = np.where(move > 0, highs[None, :] - values, values - lows[None, :])
    finite = np.isfinite(span)
    steps = np.floor(np.where(finite, span, 0.0) * GRID + 1e-6).astype(np.int64)
    return np.where(finite, steps, UNBOUNDED_STEPS)


UNBOUNDED_STEPS = 10**12
"""Room of a lever with no upper end (a correction); far beyond any index change."""


def raw_threshold(ruleset: Ruleset, goal: Goal) -> FloatArray:
    """The index_raw each unit must reach (up: >=) or go below (down: <) to meet ``goal``."""
    half = np.where(goal.direction >= 0, -0.5, 0.5)
    return (goal.steps + half) / float(10**ruleset.decimals)


def _solved_steps(ruleset: Ruleset, base: Scores, goal: Goal, slope: FloatArray) -> IntArray:
    gap = np.abs(raw_threshold(ruleset, goal) - base.index_raw)
    with np.errstate(divide="ignore", invalid="ignore"):
        points = gap[:, None] / np.abs(slope)[None, :]
    solved = np.floor(np.where(np.isfinite(points), points, 0.0) * GRID)
    steps: IntArray = np.minimum(solved, UNBOUNDED_STEPS).astype(np.int64)
    return steps


def reaches(goal: Goal, steps: IntArray) -> BoolArray:
    """Whether published indexes ``steps`` (units first, any trailing axes) meet ``goal``."""
    shape = (-1,) + (1,) * (steps.ndim - 1)
    target, direction = goal.steps.reshape(shape), goal.direction.reshape(shape)
    return np.where(direction > 0, steps >= target, np.where(direction < 0, steps <= target, True))


def score_moves(
    ruleset: Ruleset, units: Units, columns: IntArray, move: IntArray, k: IntArray
) -> Scores:
    """Score every unit with lever ``columns[j]`` alone moved ``k[i, j, ...]`` grid steps.

    ``move`` (units, levers) is the direction of each move (+1 up, -1 down); ``k`` has shape
    (units, levers, ...). The result's rows are in the order of ``k`` flattened.
    """
    n, m = k.shape[:2]
    steps = k.reshape(n, m, -1)
    base = levers.matrix(units)
    grid = np.array(np.broadcast_to(base[:, None, None, :], (n, m, steps.shape[2], base.shape[1])))
    for j, column in enumerate(columns.tolist()):
        grid[:, j, :, column] = moved_values(
            base[:, column, None], move[:, j, None], steps[:, j, :], column
        )
    flat = grid.reshape(-1, base.shape[1])
    blank = ("",) * flat.shape[0]
    # each move keeps its unit's id: a ruleset may apply a rule by id (spi-2022's regional one)
    ids = levers.repeat_ids(units.ids, m * steps.shape[2])
    return score(ruleset, levers.from_matrix(flat, ids, blank))


def moved_values(values: FloatArray, move: IntArray, k: IntArray, column: int) -> FloatArray:
    """``values`` moved ``k`` grid steps in direction ``move``, kept inside the lever's range."""
    lows, highs = levers.ranges()
    moved: FloatArray = np.clip(values + move * k / float(GRID), lows[column], highs[column])
    return moved


def _verify(
    ruleset: Ruleset,
    units: Units,
    goal: Goal,
    columns: IntArray,
    move: IntArray,
    solved: IntArray,
    room: IntArray,
    open_cells: BoolArray,
) -> IntArray:
    """The smallest reaching grid change per cell near ``solved``; -1 where none is in range."""
    window = np.clip(solved[:, :, None] + WINDOW, 0, room[:, :, None])
    window = np.where(open_cells[:, :, None], window, 0)
    scored = score_moves(ruleset, units, columns, move, window)
    hit = reaches(goal, scored.index_steps.reshape(window.shape))
    first = np.argmax(hit, axis=2)
    any_hit = hit.any(axis=2)
    k = np.take_along_axis(window, first[:, :, None], axis=2)[:, :, 0]
    certain = any_hit & ((first > 0) | (window[:, :, 0] == 0))
    out_of_range = ~any_hit & (window[:, :, -1] == room)
    unsure = open_cells & ~certain & ~out_of_range
    if unsure.any():
        k = np.where(unsure, bisect(ruleset, units, goal, columns, move, room, unsure), k)
    return np.where(open_cells & out_of_range, -1, np.where(open_cells, k, 0))


def bisect(
    ruleset: Ruleset,
    units: Units,
    goal: Goal,
    columns: IntArray,
    move: IntArray,
    room: IntArray,
    cells: BoolArray,
) -> IntArray:
    """Smallest reaching grid change in [0, room] per cell by bisection; -1 where room falls short."""
    low = np.full(room.shape, -1, dtype=np.int64)
    high = room.copy()
    at_room = reaches(
        goal, score_moves(ruleset, units, columns, move, high).index_steps.reshape(high.shape)
    )
    while np.any(cells & (high - low > 1)):
        middle = (low + high) // 2
        hit = reaches(
            goal,
            score_moves(ruleset, units, columns, move, middle).index_steps.reshape(middle.shape),
        )
        active = cells & (high - low > 1)
        high = np.where(active & hit, middle, high)
        low = np.where(active & ~hit, middle, low)
    return np.where(at_room, high, -1)


def _unreachable_status(columns: IntArray, move: IntArray) -> Int8Array:
    is_component = (columns < len(levers.COMPONENT_LEVERS))[None, :]
    component = np.where(move > 0, ABOVE_MAX, BELOW_MIN)
    return np.where(is_component, component, CORRECTION_BELOW_ZERO).astype(np.int8)


def _result(
    ruleset: Ruleset,
    units: Units,
    goal: Goal,
    columns: IntArray,
    move: IntArray,
    k: IntArray,
    status: Int8Array,
    base: Scores,
) -> GoalSeek:
    ok = status == REACHED
    k = np.where(ok, k, 0)
    scored = score_moves(ruleset, units, columns, move, k)
    new_steps = scored.index_steps.reshape(k.shape)
    base_values = levers.matrix(units)
    values = np.column_stack(
        [
            moved_values(base_values[:, c], move[:, j], k[:, j], c)
            for j, c in enumerate(columns.tolist())
        ]
    )
    return GoalSeek(
        ruleset=ruleset,
        ids=units.ids,
        levers=tuple(LEVERS[c] for c in columns.tolist()),
        goal=goal,
        index_steps=base.index_steps,
        status=frozen(status.astype(np.int8)),
        change_steps=frozen(np.where(ok, move * k, 0).astype(np.int64)),
        new_value=frozen(np.where(ok, values, np.nan)),
        new_index_steps=frozen(np.where(ok, new_steps, UNREACHED)),
        new_category_codes=frozen(np.where(ok, scored.category_codes.reshape(k.shape), UNREACHED)),
    )
