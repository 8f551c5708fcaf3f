"""What-if results as spi.v1 simulation messages: pure named functions, one per result type.

Side-by-side comparisons (scenarios, rule changes) are in :mod:`spi_engine.api.whatif_changes`.
Streamed answers (:func:`sweep_to_pb` here) are generators: the summary first, then chunks of at
most ``chunk_size`` points, each chunk built only when it is asked for, so memory stays bounded.
Absent values (a lever that does not reach, an unknown respondent count) are unset ``optional``
fields, never NaN on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np

from spi.v1 import scoring_pb2
from spi.v1 import simulation_pb2 as pb

from .. import goal as goal_module
from ..cancel import checked
from ..certainty import STATUSES as CERTAINTY_STATUSES
from ..certainty import Certainty
from ..datasets import Datasets
from ..goal import GoalSeek
from ..levers import GRID
from ..numeric import IntArray
from ..plan import Plan
from ..ruleset import Ruleset
from ..sensitivity import Sensitivity
from ..sweep import Sweep
from ..uncertainty import Estimate, MonteCarlo

DIRECTIONS = {1: pb.DIRECTION_UP, 0: pb.DIRECTION_SAME, -1: pb.DIRECTION_DOWN}
TARGET_DIRECTIONS = {
    1: pb.TARGET_DIRECTION_UP,
    0: pb.TARGET_DIRECTION_THERE,
    -1: pb.TARGET_DIRECTION_DOWN,
}
GOAL_STATUSES: tuple[pb.GoalStatus, ...] = tuple(
    cast(pb.GoalStatus, pb.GoalStatus.Value(f"GOAL_STATUS_{name.upper()}"))
    for name in goal_module.STATUSES
)
"""GoalStatus of each position of spi_engine.goal.STATUSES."""
CERTAINTY_CODES: tuple[pb.CertaintyStatus, ...] = tuple(
    cast(pb.CertaintyStatus, pb.CertaintyStatus.Value(f"CERTAINTY_STATUS_{name.upper()}"))
    for name in CERTAINTY_STATUSES
)


def provenance_of(ruleset: Ruleset, engine_version: str) -> scoring_pb2.Provenance:
    return scoring_pb2.Provenance(
        ruleset_id=ruleset.id,
        ruleset_sha256=ruleset.sha256,
        engine_version=engine_version,
        index_decimals=ruleset.decimals,
    )


def points(steps: Any, ruleset: Ruleset) -> Any:
    """Published index steps as float points (scalar or array), like steps_to_float."""
    return np.asarray(steps) / float(10**ruleset.decimals)


def _codes(ruleset: Ruleset, steps: IntArray) -> IntArray:
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes: IntArray = np.searchsorted(bounds, steps, side="right") - 1
    return codes


def chunks(total: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    size = max(1, int(chunk_size))
    for start in range(0, total, size):
        yield start, min(start + size, total)


def lever_answers_to_pb(seek: GoalSeek, row: int) -> list[pb.LeverAnswer]:
    """One LeverAnswer per lever of ``seek`` for the unit at ``row``."""
    rules = seek.ruleset
    columns = zip(
        seek.levers,
        seek.status[row].tolist(),
        seek.change_steps[row].tolist(),
        seek.new_value[row].tolist(),
        seek.new_index_steps[row].tolist(),
        seek.new_category_codes[row].tolist(),
        strict=True,
    )
    answers = []
    for lever, status, change, value, index, code in columns:
        answer = pb.LeverAnswer(
            lever=lever, status=GOAL_STATUSES[status], reason=goal_module.REASONS[status]
        )
        if status == goal_module.REACHED:
            answer.change = change / float(GRID)
            answer.new_value = value
            answer.new_index = index / float(10**rules.decimals)
            answer.new_category = rules.category_ids[code]
        answers.append(answer)
    return answers


def plan_to_pb(plan: Plan, row: int) -> pb.PlanAnswer:
    """The cheapest plan of the unit at ``row``."""
    rules = plan.ruleset
    answer = pb.PlanAnswer(
        feasible=bool(plan.feasible[row]),
        changes=[pb.LeverChange(lever=k, change=v) for k, v in plan.changes(row).items()],
    )
    if answer.feasible:
        answer.cost = float(plan.cost[row])
        answer.lp_cost = float(plan.lp_cost[row])
        answer.new_index = int(plan.new_index_steps[row]) / float(10**rules.decimals)
        answer.new_category = rules.category_ids[int(plan.new_category_codes[row])]
    if np.isfinite(plan.best_single_cost[row]):
        answer.best_single_cost = float(plan.best_single_cost[row])
    return answer


def goal_seek_to_pb(
    seek: GoalSeek,
    plan: Plan | None = None,
    *,
    engine_version: str,
    groups: Sequence[str] = (),
    decision_id: str = "",
) -> pb.GoalSeekResponse:
    """Single-lever answers for every unit, and the plan of each when ``plan`` is given."""
    rules, goal = seek.ruleset, seek.goal
    groups = groups or ("",) * len(seek.ids)
    codes = _codes(rules, seek.index_steps)
    units = []
    for row, unit_id in enumerate(checked(seek.ids)):
        unit = pb.UnitGoal(
            unit_id=unit_id,
            group=groups[row],
            index=float(points(seek.index_steps[row], rules)),
            category=rules.category_ids[int(codes[row])],
            target_index=float(points(goal.steps[row], rules)),
            direction=TARGET_DIRECTIONS[int(goal.direction[row])],
            levers=lever_answers_to_pb(seek, row),
        )
        if plan is not None:
            unit.plan.CopyFrom(plan_to_pb(plan, row))
        units.append(unit)
    return pb.GoalSeekResponse(
        target=goal.label,
        units=units,
        costs=[] if plan is None else _plan_costs(plan),
        provenance=provenance_of(rules, engine_version),
        decision_id=decision_id,
    )


def _plan_costs(plan: Plan) -> list[pb.LeverCost]:
    costs = []
    for lever, cost, bound in zip(
        plan.levers, plan.cost_per_point.tolist(), plan.max_change.tolist(), strict=True
    ):
        message = pb.LeverCost(lever=lever, cost_per_point=cost)
        if np.isfinite(bound):
            message.max_change = bound
        costs.append(message)
    return costs


def sensitivity_to_pb(
    sensitivity: Sensitivity,
    *,
    engine_version: str,
    groups: Sequence[str] = (),
    decision_id: str = "",
) -> pb.SensitivityResponse:
    """Slopes, reach up and down per lever, and the tornado order, per unit."""
    rules, up = sensitivity.ruleset, sensitivity.up
    groups = groups or ("",) * len(sensitivity.ids)
    codes = _codes(rules, up.index_steps)
    units = []
    for row, unit_id in enumerate(checked(sensitivity.ids)):
        ups, downs = lever_answers_to_pb(up, row), lever_answers_to_pb(sensitivity.down, row)
        units.append(
            pb.UnitSensitivity(
                unit_id=unit_id,
                group=groups[row],
                index=float(points(up.index_steps[row], rules)),
                category=rules.category_ids[int(codes[row])],
                levers=[
                    pb.LeverReach(lever=lever, up=a, down=b)
                    for lever, a, b in zip(sensitivity.levers, ups, downs, strict=True)
                ],
                ranked=[sensitivity.levers[i] for i in sensitivity.rank[row].tolist()],
            )
        )
    slopes = []
    for lever, slope in zip(sensitivity.levers, sensitivity.slopes.tolist(), strict=True):
        message = pb.LeverSlope(lever=lever)
        if np.isfinite(slope):
            message.slope = slope
        slopes.append(message)
    return pb.SensitivityResponse(
        slopes=slopes,
        units=units,
        provenance=provenance_of(rules, engine_version),
        decision_id=decision_id,
    )


def sweep_to_pb(
    sweep: Sweep,
    *,
    engine_version: str,
    chunk_size: int = 1000,
    with_crossings: bool = False,
    decision_id: str = "",
) -> Iterator[pb.SweepResponse]:
    """The summary (units as they are, crossings), then the grid points in chunks (C order)."""
    rules = sweep.ruleset
    yield pb.SweepResponse(
        summary=pb.SweepSummary(
            levers=[a.lever for a in sweep.axes],
            sizes=[a.values.size for a in sweep.axes],
            units=_swept_units(sweep, with_crossings and len(sweep.axes) == 1),
            points=int(sweep.index_steps.size),
            provenance=provenance_of(rules, engine_version),
            decision_id=decision_id,
        )
    )
    xs = sweep.axes[0].values
    ys = sweep.axes[1].values if len(sweep.axes) == 2 else np.zeros(1)
    steps, raw = sweep.index_steps.ravel(), sweep.index_raw.ravel()
    codes = sweep.category_codes.ravel()
    for start, stop in chunks(steps.size, chunk_size):
        flat = np.arange(start, stop)
        columns = zip(
            (flat // (xs.size * ys.size)).tolist(),
            xs[(flat // ys.size) % xs.size].tolist(),
            ys[flat % ys.size].tolist() if len(sweep.axes) == 2 else [0.0] * flat.size,
            raw[start:stop].tolist(),
            points(steps[start:stop], rules).tolist(),
            codes[start:stop].tolist(),
            strict=True,
        )
        yield pb.SweepResponse(
            points=pb.SweepPoints(
                points=[
                    pb.SweepPoint(
                        unit=u, x=x, y=y, index_raw=r, index=i, category=rules.category_ids[c]
                    )
                    for u, x, y, r, i, c in columns
                ]
            )
        )


def _swept_units(sweep: Sweep, with_crossings: bool) -> list[pb.SweptUnit]:
    rules = sweep.ruleset
    codes = _codes(rules, sweep.current_index_steps)
    units = []
    for row, unit_id in enumerate(checked(sweep.ids)):
        unit = pb.SweptUnit(
            unit_id=unit_id,
            group=sweep.units.groups[row],
            current=sweep.current[row].tolist(),
            index=float(points(sweep.current_index_steps[row], rules)),
            category=rules.category_ids[int(codes[row])],
        )
        if with_crossings:
            unit.crossings.extend(
                pb.Crossing(value=value, category=rules.category_ids[code])
                for value, code in sweep.crossings(row)
            )
        units.append(unit)
    return units


def estimate_to_pb(
    estimate: Estimate,
    monte_carlo: MonteCarlo | None = None,
    certainty: Certainty | None = None,
    *,
    engine_version: str,
    groups: Sequence[str] = (),
    decision_id: str = "",
) -> pb.EstimateUncertaintyResponse:
    """Analytic answer per unit, with the Monte Carlo and certainty answers when given."""
    rules = estimate.ruleset
    groups = groups or ("",) * len(estimate.ids)
    units = []
    for row, unit_id in enumerate(checked(estimate.ids)):
        unit = pb.UnitUncertainty(
            unit_id=unit_id,
            group=groups[row],
            index=float(points(estimate.index_steps[row], rules)),
            category=rules.category_ids[int(estimate.category_codes[row])],
            standard_error=float(estimate.standard_error[row]),
            ci_low=float(points(estimate.ci_low_steps[row], rules)),
            ci_high=float(points(estimate.ci_high_steps[row], rules)),
            probabilities=_probabilities(rules, estimate.probabilities[row]),
        )
        if monte_carlo is not None:
            unit.monte_carlo.CopyFrom(_monte_carlo(monte_carlo, row))
        if certainty is not None:
            unit.certainty.CopyFrom(_certainty(certainty, row))
        units.append(unit)
    return pb.EstimateUncertaintyResponse(
        level=estimate.level,
        draws=0 if monte_carlo is None else monte_carlo.draws,
        seed=0 if monte_carlo is None else monte_carlo.seed,
        certainty=0.0 if certainty is None else certainty.certainty,
        units=units,
        provenance=provenance_of(rules, engine_version),
        decision_id=decision_id,
    )


def _probabilities(rules: Ruleset, shares: Any, errors: Any = None) -> list[pb.CategoryProbability]:
    errors = np.zeros(len(rules.category_ids)) if errors is None else errors
    return [
        pb.CategoryProbability(category=c, probability=p, error=e)
        for c, p, e in zip(rules.category_ids, shares.tolist(), errors.tolist(), strict=True)
    ]


def _monte_carlo(result: MonteCarlo, row: int) -> pb.MonteCarloAnswer:
    rules = result.ruleset
    return pb.MonteCarloAnswer(
        probabilities=_probabilities(
            rules, result.probabilities[row], result.probability_errors[row]
        ),
        mean_index=float(result.mean_index[row]),
        standard_error=float(result.standard_error[row]),
        ci_low=float(points(result.ci_low_steps[row], rules)),
        ci_high=float(points(result.ci_high_steps[row], rules)),
    )


def _certainty(result: Certainty, row: int) -> pb.CertaintyAnswer:
    answer = pb.CertaintyAnswer(
        status=CERTAINTY_CODES[int(result.status[row])],
        probability=float(result.probability[row]),
        respondents=_components(result.respondents[row]),
        additional=_components(result.additional[row]),
        factor_alone=_components(result.factor_alone[row]),
        respondents_alone=_components(result.respondents_alone[row]),
        probability_after=float(result.probability_after[row]),
    )
    if np.isfinite(result.factor[row]):
        answer.factor = float(result.factor[row])
    return answer


def _components(values: Any) -> pb.ComponentValues:
    message = pb.ComponentValues()
    for name, value in zip(("internal", "external", "expert"), values.tolist(), strict=True):
        if np.isfinite(value):
            setattr(message, name, value)
    return message


def datasets_to_pb(datasets: Datasets) -> pb.ListDatasetsResponse:
    """A summary of every dataset, ordered by name."""
    return pb.ListDatasetsResponse(
        datasets=[
            pb.DatasetSummary(
                name=data.name,
                origin=data.origin,
                sha256=data.sha256,
                rows=len(data),
                years=[y for y in data.year_list if y],
                groups=sorted({g for g in data.units.groups if g}),
            )
            for data in datasets
        ]
    )
