"""What-if results as spi.v1 simulation messages: pure named functions, one per result type.

Streamed answers (:func:`simulation_to_pb`, :func:`dataset_simulation_to_pb`, :func:`sweep_to_pb`,
:func:`impact_to_pb`) are generators: the summary first, then chunks of at most ``chunk_size``
rows or points, each chunk built only when it is asked for, so memory stays bounded by a chunk.
Absent values (a lever that does not reach, an unknown respondent count) are unset ``optional``
fields, never NaN on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np

from spi.v1 import scoring_pb2
from spi.v1 import simulation_pb2 as pb

from . import goal as goal_module
from .certainty import STATUSES as CERTAINTY_STATUSES
from .certainty import Certainty
from .comparison import Comparison
from .datasets import Dataset, Datasets, DatasetSimulation
from .goal import GoalSeek
from .impact import Impact
from .levers import GRID, LEVERS, BoolArray
from .numeric import IntArray
from .plan import Plan
from .ruleset import Ruleset
from .scenario import Simulation
from .sensitivity import Sensitivity
from .sweep import Sweep
from .uncertainty import Estimate, MonteCarlo

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


def _points(steps: Any, ruleset: Ruleset) -> Any:
    """Published index steps as float points (scalar or array), like steps_to_float."""
    return np.asarray(steps) / float(10**ruleset.decimals)


def _codes(ruleset: Ruleset, steps: IntArray) -> IntArray:
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes: IntArray = np.searchsorted(bounds, steps, side="right") - 1
    return codes


def _chunks(total: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    size = max(1, int(chunk_size))
    for start in range(0, total, size):
        yield start, min(start + size, total)


def comparison_summary_to_pb(comparison: Comparison, year: int = 0) -> pb.ComparisonSummary:
    """Counts, means, moves and transitions of a side-by-side comparison."""
    old, new = comparison.before.ruleset, comparison.after.ruleset
    return pb.ComparisonSummary(
        year=year,
        baseline=provenance_of(old, comparison.before.engine_version),
        scenario=provenance_of(new, comparison.after.engine_version),
        units=len(comparison.before),
        counts_before=_tallies(old.category_ids, comparison.counts_before),
        counts_after=_tallies(new.category_ids, comparison.counts_after),
        mean_before=comparison.mean_before,
        mean_after=comparison.mean_after,
        moved_up=comparison.moved_up,
        moved_down=comparison.moved_down,
        changed_category=int(np.count_nonzero(comparison.changed)),
        changed_index=int(np.count_nonzero(comparison.delta_steps)),
        transitions=[
            pb.Transition(from_category=a, to_category=b, units=n)
            for a, b, n in comparison.transition_list()
        ],
    )


def _tallies(categories: Sequence[str], counts: Sequence[int]) -> list[pb.CategoryTally]:
    return [pb.CategoryTally(category=c, units=n) for c, n in zip(categories, counts, strict=True)]


class _Rows:
    """The per-unit rows of one comparison, with the dataset columns that go with them."""

    def __init__(
        self,
        comparison: Comparison,
        rows: IntArray,
        capped: BoolArray,
        names: Sequence[str] = (),
        years: IntArray | None = None,
        changed_only: bool = False,
    ) -> None:
        c = comparison
        keep = (c.changed | (c.delta_steps != 0)) if changed_only else np.ones(len(rows), bool)
        self.comparison = c
        self.picked = np.flatnonzero(keep)
        self.rows, self.capped = rows, capped
        self.names = names or ("",) * len(rows)
        self.years = years if years is not None else np.zeros(len(rows), dtype=np.int64)

    def __len__(self) -> int:
        return int(self.picked.size)

    def messages(self, start: int, stop: int) -> list[pb.UnitChange]:
        c, at = self.comparison, self.picked[start:stop]
        old, new = c.before.ruleset, c.after.ruleset
        columns = zip(
            self.rows[at].tolist(),
            [c.ids[i] for i in at.tolist()],
            [c.before.units.groups[i] for i in at.tolist()],
            [self.names[i] for i in at.tolist()],
            self.years[at].tolist(),
            c.before.index_raw[at].tolist(),
            _points(c.before.index_steps[at], old).tolist(),
            c.before.category_codes[at].tolist(),
            c.after.index_raw[at].tolist(),
            _points(c.after.index_steps[at], new).tolist(),
            c.after.category_codes[at].tolist(),
            _points(c.delta_steps[at], old).tolist(),
            c.direction[at].tolist(),
            self.capped[at].tolist(),
            strict=True,
        )
        return [
            pb.UnitChange(
                row=row,
                unit_id=unit_id,
                group=group,
                name=name,
                year=year,
                index_raw_before=raw_before,
                index_before=before,
                category_before=old.category_ids[code_before],
                index_raw_after=raw_after,
                index_after=after,
                category_after=new.category_ids[code_after],
                delta=delta,
                direction=DIRECTIONS[direction],
                capped_levers=[lever for lever, hit in zip(LEVERS, capped, strict=True) if hit],
            )
            for (
                row, unit_id, group, name, year, raw_before, before, code_before,
                raw_after, after, code_after, delta, direction, capped,
            ) in columns
        ]  # fmt: skip


def _stream_rows(tables: Sequence[_Rows], chunk_size: int) -> Iterator[pb.UnitChanges]:
    for table in tables:
        for start, stop in _chunks(len(table), chunk_size):
            yield pb.UnitChanges(rows=table.messages(start, stop))


def simulation_to_pb(
    simulation: Simulation,
    *,
    chunk_size: int = 1000,
    changed_only: bool = False,
    decision_id: str = "",
) -> Iterator[pb.SimulateResponse]:
    """A scenario over inline units: the summary, then the rows in chunks."""
    c = simulation.comparison
    table = _Rows(c, np.arange(len(c.before)), simulation.capped, changed_only=changed_only)
    summary = pb.SimulationSummary(
        scenario_name=simulation.scenario.name,
        units=len(c.before),
        capped_units=len(simulation.capped_rows),
        comparisons=[comparison_summary_to_pb(c)],
        decision_id=decision_id,
        rows=len(table),
    )
    yield pb.SimulateResponse(summary=summary)
    for chunk in _stream_rows([table], chunk_size):
        yield pb.SimulateResponse(rows=chunk)


def dataset_simulation_to_pb(
    simulation: DatasetSimulation,
    *,
    chunk_size: int = 1000,
    changed_only: bool = False,
    decision_id: str = "",
) -> Iterator[pb.SimulateResponse]:
    """A scenario over dataset rows: the summary (one comparison per year), then the rows by year."""
    data = simulation.dataset
    tables = [
        _Rows(
            c,
            rows,
            simulation.capped[rows],
            _pick(data.names, rows),
            data.years[rows],
            changed_only,
        )
        for c, rows in zip(simulation.comparisons, simulation.rows, strict=True)
    ]
    summary = pb.SimulationSummary(
        scenario_name=simulation.scenario.name,
        dataset=data.name,
        dataset_sha256=data.sha256,
        units=len(data),
        excluded=simulation.excluded,
        capped_units=int(np.count_nonzero(simulation.capped.any(axis=1))),
        comparisons=[
            comparison_summary_to_pb(c, year)
            for c, year in zip(simulation.comparisons, simulation.years, strict=True)
        ],
        decision_id=decision_id,
        rows=sum(len(t) for t in tables),
    )
    yield pb.SimulateResponse(summary=summary)
    for chunk in _stream_rows(tables, chunk_size):
        yield pb.SimulateResponse(rows=chunk)


def _pick(texts: Sequence[str], rows: IntArray) -> tuple[str, ...]:
    return tuple(texts[i] for i in rows.tolist())


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
    for row, unit_id in enumerate(seek.ids):
        unit = pb.UnitGoal(
            unit_id=unit_id,
            group=groups[row],
            index=float(_points(seek.index_steps[row], rules)),
            category=rules.category_ids[int(codes[row])],
            target_index=float(_points(goal.steps[row], rules)),
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
    for row, unit_id in enumerate(sensitivity.ids):
        ups, downs = lever_answers_to_pb(up, row), lever_answers_to_pb(sensitivity.down, row)
        units.append(
            pb.UnitSensitivity(
                unit_id=unit_id,
                group=groups[row],
                index=float(_points(up.index_steps[row], rules)),
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
    for start, stop in _chunks(steps.size, chunk_size):
        flat = np.arange(start, stop)
        columns = zip(
            (flat // (xs.size * ys.size)).tolist(),
            xs[(flat // ys.size) % xs.size].tolist(),
            ys[flat % ys.size].tolist() if len(sweep.axes) == 2 else [0.0] * flat.size,
            raw[start:stop].tolist(),
            _points(steps[start:stop], rules).tolist(),
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
    for row, unit_id in enumerate(sweep.ids):
        unit = pb.SweptUnit(
            unit_id=unit_id,
            group=sweep.units.groups[row],
            current=sweep.current[row].tolist(),
            index=float(_points(sweep.current_index_steps[row], rules)),
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
    for row, unit_id in enumerate(estimate.ids):
        unit = pb.UnitUncertainty(
            unit_id=unit_id,
            group=groups[row],
            index=float(_points(estimate.index_steps[row], rules)),
            category=rules.category_ids[int(estimate.category_codes[row])],
            standard_error=float(estimate.standard_error[row]),
            ci_low=float(_points(estimate.ci_low_steps[row], rules)),
            ci_high=float(_points(estimate.ci_high_steps[row], rules)),
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
        ci_low=float(_points(result.ci_low_steps[row], rules)),
        ci_high=float(_points(result.ci_high_steps[row], rules)),
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


def impact_to_pb(
    impact: Impact,
    *,
    chunk_size: int = 1000,
    changed_only: bool = False,
    dataset: Dataset | None = None,
    decision_id: str = "",
) -> Iterator[pb.CompareRulesetsResponse]:
    """The impact summary, then the rows in chunks (dataset names and years when ``dataset``)."""
    c = impact.comparison
    rows = np.arange(len(c.before))
    table = _Rows(
        c,
        rows,
        np.zeros((rows.size, 6), dtype=bool),
        dataset.names if dataset is not None else (),
        dataset.years if dataset is not None else None,
        changed_only,
    )
    edges = impact.histogram_edges.tolist()
    summary = pb.ImpactSummary(
        comparison=comparison_summary_to_pb(c),
        changed=impact.changed,
        quantiles=[
            pb.Quantile(level=level, change=change)
            for level, change in zip(impact.quantile_levels, impact.quantiles.tolist(), strict=True)
        ],
        histogram=[
            pb.HistogramBin(low=edges[i], high=edges[i + 1], units=n)
            for i, n in enumerate(impact.histogram_counts.tolist())
        ],
        dataset="" if dataset is None else dataset.name,
        rows=len(table),
        decision_id=decision_id,
    )
    yield pb.CompareRulesetsResponse(summary=summary)
    for chunk in _stream_rows([table], chunk_size):
        yield pb.CompareRulesetsResponse(rows=chunk)


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
