"""The cheapest multi-lever plan to reach a target, given a cost per point and bounds per lever.

Per unit, with ``gap`` the index_raw still missing, ``a_i = |slope_i|`` index points per point of
lever ``i``, ``c_i`` its cost per point and ``u_i`` how far it may move (its bound, and its range)::

    minimise  sum c_i·x_i   subject to   sum a_i·x_i >= gap,   0 <= x_i <= u_i

**The greedy fill is the exact optimum.** Sort the levers by cost per index point ``c_i / a_i``
and fill them in that order until the gap is met; let ``k`` be the lever filled last (partly).
Its ratio ``y = c_k / a_k`` and ``z_i = max(0, a_i·y - c_i)`` are feasible for the dual
(maximise ``gap·y - sum u_i·z_i`` subject to ``a_i·y - z_i <= c_i``, ``y, z >= 0``), and the dual
objective ``y·(gap - sum_{i<k} a_i·u_i) + sum_{i<k} c_i·u_i = c_k·x_k + sum_{i<k} c_i·u_i``
equals the plan's cost, so no feasible plan is cheaper (weak duality). ``lp_cost`` reports it.

The plan is then put on the 0.01 grid (the partly-filled lever rounded up), verified by scoring
and, where rounding falls short, raised by single grid steps on the cheapest lever that still has
room. Finally it is compared with every single-lever answer that fits the bounds, and the
cheaper one is kept: the plan never costs more than any feasible single-lever plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import levers
from .errors import InvalidInputError, Violation
from .goal import (
    NO_EFFECT,
    NOT_APPLICABLE,
    REACHED,
    UNBOUNDED_STEPS,
    UNREACHED,
    Goal,
    GoalSeek,
    raw_threshold,
    reaches,
    resolve_target,
    room_steps,
    seek,
)
from .levers import GRID, LEVERS, BoolArray, frozen
from .numeric import FloatArray, IntArray
from .ruleset import Ruleset
from .scoring import Scores, score
from .units import Units

MAX_COST = 1e15
"""The largest cost per point taken (a larger finite cost would overflow the plan's sums)."""

MAX_TOP_UPS = 8
"""Grid steps added at most to a rounded plan that falls short (float noise needs one at most)."""


@dataclass(frozen=True)
class Plan:
    """The cheapest plan per unit; arrays of shape (units, levers) unless stated."""

    ruleset: Ruleset
    ids: tuple[str, ...]
    levers: tuple[str, ...]
    cost_per_point: FloatArray
    """(levers,)"""
    max_change: FloatArray
    """(levers,) the bound on each lever's move, in points (inf: only its range)"""
    goal: Goal
    feasible: BoolArray
    """(units,) the levers within their bounds reach the target"""
    change_steps: IntArray
    """signed change per lever in 0.01 points (0 where infeasible)"""
    cost: FloatArray
    """(units,) cost of the grid plan; NaN where infeasible"""
    lp_cost: FloatArray
    """(units,) the exact optimum of the continuous problem: a lower bound of ``cost``"""
    best_single_cost: FloatArray
    """(units,) the cheapest single lever that reaches within its bound; inf when none does"""
    new_index_steps: IntArray
    """(units,) after the plan; -1 where infeasible"""
    new_category_codes: IntArray

    def changes(self, row: int) -> dict[str, float]:
        """The plan of one unit: lever -> change in points, for the levers it moves."""
        return {
            lever: int(steps) / GRID
            for lever, steps in zip(self.levers, self.change_steps[row].tolist(), strict=True)
            if steps
        }


def cheapest_plan(
    ruleset: Ruleset,
    units: Units,
    target: str | float,
    costs: Mapping[str, float],
    max_change: Mapping[str, float] | None = None,
) -> Plan:
    """The cheapest combination of the levers in ``costs`` that reaches ``target``, per unit.

    ``costs`` maps levers to a cost per point moved (>= 0); ``max_change`` optionally bounds how
    many points a lever may move. Levers a unit does not hold, or that do not move the index, are
    left out for that unit.
    """
    columns, cost, bound = _check_costs(costs, max_change or {})
    base = score(ruleset, units)
    goal = resolve_target(ruleset, base, target)
    single = seek(ruleset, units, base, goal, columns.tolist())
    slope = np.nan_to_num(levers.slopes(ruleset)[columns])
    move = np.sign(slope).astype(np.int64)[None, :] * goal.direction[:, None]
    room = _room(units, goal, single, columns, move, bound)
    gap = np.abs(raw_threshold(ruleset, goal) - base.index_raw)
    lp_points, lp_cost = fill(np.abs(slope), cost, room / GRID, gap)
    k = np.minimum(np.ceil(lp_points * GRID - 1e-9).astype(np.int64), room)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(slope != 0, cost / np.abs(slope), np.inf)
    k, reached = _top_up(ruleset, units, goal, columns, move, k, room, ratio)
    single_cost, single_k = _best_single(single, cost, room)
    k, reached = _keep_cheaper(k, reached, cost, single_cost, single_k)
    after = _score_plan(ruleset, units, columns, move, k)
    return Plan(
        ruleset=ruleset,
        ids=units.ids,
        levers=tuple(LEVERS[c] for c in columns.tolist()),
        cost_per_point=frozen(cost),
        max_change=frozen(bound),
        goal=goal,
        feasible=frozen(reached),
        change_steps=frozen(np.where(reached[:, None], move * k, 0)),
        cost=frozen(np.where(reached, k @ cost / GRID, np.nan)),
        lp_cost=frozen(np.where(reached, lp_cost, np.nan)),
        best_single_cost=frozen(single_cost),
        new_index_steps=frozen(np.where(reached, after.index_steps, UNREACHED)),
        new_category_codes=frozen(np.where(reached, after.category_codes, UNREACHED)),
    )


def _room(
    units: Units, goal: Goal, single: GoalSeek, columns: IntArray, move: IntArray, bound: FloatArray
) -> IntArray:
    """Grid steps each lever may move for each unit: its range, its bound, 0 where it cannot help."""
    bound_steps = np.floor(np.minimum(bound, UNBOUNDED_STEPS / GRID) * GRID + 1e-6).astype(np.int64)
    room = np.minimum(room_steps(units, columns, move), bound_steps[None, :])
    useless = np.isin(single.status, (NO_EFFECT, NOT_APPLICABLE)) | (goal.direction == 0)[:, None]
    return np.where(useless, 0, room)


def fill(
    slope: FloatArray, cost: FloatArray, room: FloatArray, gap: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The exact LP optimum (points per lever, cost) by greedy fill in order of cost per index point.

    ``slope`` and ``cost`` have shape (levers,), ``room`` (units, levers), ``gap`` (units,).

    >>> points, cost = fill(np.array([0.3, 0.4]), np.array([1.0, 2.0]), np.array([[2.0, 10.0]]),
    ...                     np.array([1.0]))
    >>> points.round(6).tolist(), cost.round(6).tolist()
    ([[2.0, 1.0]], [4.0])
    """
    with np.errstate(divide="ignore"):
        order = np.argsort(np.where(slope > 0, cost / slope, np.inf), kind="stable")
    capacity = slope[order][None, :] * room[:, order]
    before = np.cumsum(capacity, axis=1) - capacity
    used = np.clip(gap[:, None] - before, 0.0, capacity)
    points = np.zeros_like(room)
    with np.errstate(divide="ignore", invalid="ignore"):
        points[:, order] = np.where(capacity > 0, used / slope[order][None, :], 0.0)
    return points, points @ cost


def _check_costs(
    costs: Mapping[str, float], bounds: Mapping[str, float]
) -> tuple[IntArray, FloatArray, FloatArray]:
    if not costs:
        raise InvalidInputError(
            [Violation("costs", "expected a cost per point for at least one lever")]
        )
    columns = np.array(sorted(levers.lever_position(name, f"costs.{name}") for name in costs))
    for name in bounds:
        if name not in costs:
            raise InvalidInputError(
                [
                    Violation(
                        f"max_change.{name}",
                        f"expected a lever listed in costs ({', '.join(costs)})",
                    )
                ]
            )
    cost = np.array([_non_negative(costs[LEVERS[c]], f"costs.{LEVERS[c]}") for c in columns])
    bound = np.array(
        [
            _non_negative(bounds.get(LEVERS[c], np.inf), f"max_change.{LEVERS[c]}", True)
            for c in columns
        ]
    )
    return columns, cost, bound


def _non_negative(value: float, field: str, infinite_ok: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    too_large = number > MAX_COST and not (np.isinf(number) and infinite_ok)
    if np.isnan(number) or number < 0 or too_large:
        raise InvalidInputError(
            [Violation(field, f"expected a finite number from 0 to {MAX_COST:g}; got {value!r}")]
        )
    return number


def _top_up(
    ruleset: Ruleset,
    units: Units,
    goal: Goal,
    columns: IntArray,
    move: IntArray,
    k: IntArray,
    room: IntArray,
    ratio: FloatArray,
) -> tuple[IntArray, BoolArray]:
    """Add grid steps, cheapest lever with room first, until each plan verifies (or has no room)."""
    order = np.argsort(np.nan_to_num(ratio, nan=np.inf), kind="stable")
    reached = _reaches(ruleset, units, goal, columns, move, k)
    for _ in range(MAX_TOP_UPS):
        short = ~reached & (k < room).any(axis=1)
        if not short.any():
            break
        has_room = (k < room)[:, order]
        pick = order[np.argmax(has_room, axis=1)]
        k = k + (short[:, None] & (np.arange(k.shape[1])[None, :] == pick[:, None]))
        reached = _reaches(ruleset, units, goal, columns, move, k)
    return k, reached


def _reaches(
    ruleset: Ruleset, units: Units, goal: Goal, columns: IntArray, move: IntArray, k: IntArray
) -> BoolArray:
    return reaches(goal, _score_plan(ruleset, units, columns, move, k).index_steps)


def _score_plan(
    ruleset: Ruleset, units: Units, columns: IntArray, move: IntArray, k: IntArray
) -> Scores:
    values = levers.matrix(units)
    lows, highs = levers.ranges()
    for j, column in enumerate(columns.tolist()):
        moved = values[:, column] + move[:, j] * k[:, j] / float(GRID)
        values[:, column] = np.clip(moved, lows[column], highs[column])
    return score(ruleset, levers.with_matrix(units, values))


def _best_single(single: GoalSeek, cost: FloatArray, room: IntArray) -> tuple[FloatArray, IntArray]:
    """Cost and grid steps (units, levers) of the cheapest single lever that fits its bound."""
    steps = np.abs(single.change_steps)
    fits = (single.status == REACHED) & (steps <= room)
    each = np.where(fits, steps * cost[None, :] / GRID, np.inf)
    best = np.argmin(each, axis=1)
    chosen = np.zeros_like(steps)
    rows = np.arange(steps.shape[0])
    chosen[rows, best] = np.where(fits[rows, best], steps[rows, best], 0)
    return each[rows, best], chosen


def _keep_cheaper(
    k: IntArray, reached: BoolArray, cost: FloatArray, single_cost: FloatArray, single_k: IntArray
) -> tuple[IntArray, BoolArray]:
    """The single-lever plan where it is cheaper than the rounded plan (or the plan fell short)."""
    plan_cost = np.where(reached, k @ cost / GRID, np.inf)
    use_single = np.isfinite(single_cost) & (single_cost < plan_cost)
    return np.where(use_single[:, None], single_k, k), reached | use_single
