"""Typed, frozen results of the simulation calls, and the pure functions that build them.

Each ``*_from_pb`` function turns the response message(s) of one RPC into its result (streamed
answers are gathered first). Enum values become short lowercase names (``"reached"``,
``"needs_score_above_max"``, ``"up"``), as in spi_engine. ``to_frame()`` returns a pandas
DataFrame; pandas is imported only then, and its absence is a clear ImportError.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from google.protobuf.message import Message

from spi.v1 import simulation_pb2 as pb

from .results import CategoryCount, Provenance, provenance_from_pb


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ModuleNotFoundError:
        raise ImportError(
            "to_frame() needs pandas, which is not installed: pip install pandas"
        ) from None


def _name(enum: Any, value: int, prefix: str) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


def _optional(message: Message, name: str) -> float | None:
    return getattr(message, name) if message.HasField(name) else None


@dataclass(frozen=True)
class Transition:
    from_category: str
    to_category: str
    units: int


@dataclass(frozen=True)
class Comparison:
    """Baseline beside scenario (or old rules beside new) over a set of units."""

    year: int
    baseline: Provenance
    scenario: Provenance
    units: int
    counts_before: tuple[CategoryCount, ...]
    counts_after: tuple[CategoryCount, ...]
    mean_before: float
    mean_after: float
    moved_up: int
    moved_down: int
    changed_category: int
    changed_index: int
    transitions: tuple[Transition, ...]


@dataclass(frozen=True)
class UnitChange:
    """One unit before and after; ``direction`` is "up", "down" or "same"."""

    row: int
    unit_id: str
    group: str
    name: str
    year: int
    index_raw_before: float
    index_before: float
    category_before: str
    index_raw_after: float
    index_after: float
    category_after: str
    delta: float
    direction: str
    capped_levers: tuple[str, ...]


def _rows_frame(rows: Sequence[UnitChange]) -> Any:
    pd = _pandas()
    columns = list(UnitChange.__dataclass_fields__)
    return pd.DataFrame([asdict(r) for r in rows], columns=columns)


@dataclass(frozen=True)
class SimulationResult:
    """A scenario's outcome: one comparison per year (dataset) or one in all, and the rows."""

    scenario_name: str
    dataset: str
    dataset_sha256: str
    units: int
    excluded: int
    capped_units: int
    comparisons: tuple[Comparison, ...]
    rows: tuple[UnitChange, ...]
    decision_id: str

    def to_frame(self) -> Any:
        """One row per unit streamed, before and after."""
        return _rows_frame(self.rows)


@dataclass(frozen=True)
class LeverAnswer:
    """One lever alone: ``change`` etc. are None when ``status`` is not "reached"."""

    lever: str
    status: str
    change: float | None
    new_value: float | None
    new_index: float | None
    new_category: str
    reason: str


@dataclass(frozen=True)
class PlanAnswer:
    feasible: bool
    changes: tuple[tuple[str, float], ...]
    """(lever, signed change) for the levers the plan moves"""
    cost: float | None
    lp_cost: float | None
    best_single_cost: float | None
    new_index: float | None
    new_category: str


@dataclass(frozen=True)
class UnitGoal:
    unit_id: str
    group: str
    index: float
    category: str
    target_index: float
    direction: str
    """"up", "down" or "there\""""
    levers: tuple[LeverAnswer, ...]
    plan: PlanAnswer | None


@dataclass(frozen=True)
class GoalSeekResult:
    target: str
    units: tuple[UnitGoal, ...]
    costs: tuple[tuple[str, float, float | None], ...]
    """(lever, cost per point, max change or None) as the plan used them"""
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """One row per unit and lever."""
        rows = [
            {"unit_id": u.unit_id, "group": u.group, "index": u.index, "category": u.category,
             "target_index": u.target_index, **asdict(a)}
            for u in self.units for a in u.levers
        ]  # fmt: skip
        return _pandas().DataFrame(rows)


@dataclass(frozen=True)
class LeverReach:
    lever: str
    up: LeverAnswer
    down: LeverAnswer


@dataclass(frozen=True)
class UnitSensitivity:
    unit_id: str
    group: str
    index: float
    category: str
    levers: tuple[LeverReach, ...]
    ranked: tuple[str, ...]
    """lever names, the strongest first (a tornado)"""


@dataclass(frozen=True)
class SensitivityResult:
    slopes: tuple[tuple[str, float | None], ...]
    units: tuple[UnitSensitivity, ...]
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """One row per unit and lever: slope, points up and down, tornado rank (1 first)."""
        slope = dict(self.slopes)
        rows = [
            {"unit_id": u.unit_id, "group": u.group, "index": u.index, "category": u.category,
             "lever": r.lever, "slope": slope[r.lever], "rank": u.ranked.index(r.lever) + 1,
             "up_change": r.up.change, "up_status": r.up.status,
             "down_change": r.down.change, "down_status": r.down.status}
            for u in self.units for r in u.levers
        ]  # fmt: skip
        return _pandas().DataFrame(rows)


@dataclass(frozen=True)
class SweptUnit:
    unit_id: str
    group: str
    current: tuple[float, ...]
    index: float
    category: str
    crossings: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class SweepPoint:
    unit: int
    x: float
    y: float
    index_raw: float
    index: float
    category: str


@dataclass(frozen=True)
class SweepResult:
    levers: tuple[str, ...]
    sizes: tuple[int, ...]
    units: tuple[SweptUnit, ...]
    points: tuple[SweepPoint, ...]
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """One row per grid point, with the unit's id."""
        ids = [u.unit_id for u in self.units]
        rows = [{"unit_id": ids[p.unit], **asdict(p)} for p in self.points]
        columns = ["unit_id", *SweepPoint.__dataclass_fields__]
        return _pandas().DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class MonteCarloAnswer:
    probabilities: tuple[tuple[str, float, float], ...]
    """(category, share of draws, its standard error)"""
    mean_index: float
    standard_error: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class CertaintyAnswer:
    status: str
    probability: float
    factor: float | None
    respondents: tuple[float | None, ...]
    additional: tuple[float | None, ...]
    factor_alone: tuple[float | None, ...]
    respondents_alone: tuple[float | None, ...]
    probability_after: float


@dataclass(frozen=True)
class UnitUncertainty:
    unit_id: str
    group: str
    index: float
    category: str
    standard_error: float
    ci_low: float
    ci_high: float
    probabilities: tuple[tuple[str, float], ...]
    monte_carlo: MonteCarloAnswer | None
    certainty: CertaintyAnswer | None


@dataclass(frozen=True)
class UncertaintyResult:
    level: float
    draws: int
    seed: int
    certainty: float
    units: tuple[UnitUncertainty, ...]
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """One row per unit: index, standard error, interval and P(category) per category."""
        rows = [
            {"unit_id": u.unit_id, "group": u.group, "index": u.index, "category": u.category,
             "standard_error": u.standard_error, "ci_low": u.ci_low, "ci_high": u.ci_high,
             **{f"p_{c}": p for c, p in u.probabilities}}
            for u in self.units
        ]  # fmt: skip
        return _pandas().DataFrame(rows)


@dataclass(frozen=True)
class ImpactResult:
    comparison: Comparison
    changed: bool
    quantiles: tuple[tuple[float, float], ...]
    """(level, index change)"""
    histogram: tuple[tuple[float, float, int], ...]
    """(low, high, units)"""
    dataset: str
    rows: tuple[UnitChange, ...]
    decision_id: str

    def to_frame(self) -> Any:
        return _rows_frame(self.rows)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    origin: str
    sha256: str
    rows: int
    years: tuple[int, ...]
    groups: tuple[str, ...]


def comparison_from_pb(message: pb.ComparisonSummary) -> Comparison:
    return Comparison(
        year=message.year,
        baseline=provenance_from_pb(message.baseline),
        scenario=provenance_from_pb(message.scenario),
        units=message.units,
        counts_before=tuple(CategoryCount(c.category, c.units) for c in message.counts_before),
        counts_after=tuple(CategoryCount(c.category, c.units) for c in message.counts_after),
        mean_before=message.mean_before,
        mean_after=message.mean_after,
        moved_up=message.moved_up,
        moved_down=message.moved_down,
        changed_category=message.changed_category,
        changed_index=message.changed_index,
        transitions=tuple(
            Transition(t.from_category, t.to_category, t.units) for t in message.transitions
        ),
    )


def unit_change_from_pb(row: pb.UnitChange) -> UnitChange:
    return UnitChange(
        row=row.row,
        unit_id=row.unit_id,
        group=row.group,
        name=row.name,
        year=row.year,
        index_raw_before=row.index_raw_before,
        index_before=row.index_before,
        category_before=row.category_before,
        index_raw_after=row.index_raw_after,
        index_after=row.index_after,
        category_after=row.category_after,
        delta=row.delta,
        direction=_name(pb.Direction, row.direction, "DIRECTION_"),
        capped_levers=tuple(row.capped_levers),
    )


def _gathered_rows(chunks: Iterable[pb.UnitChanges]) -> tuple[UnitChange, ...]:
    return tuple(unit_change_from_pb(row) for chunk in chunks for row in chunk.rows)


def simulation_from_pb(responses: Sequence[pb.SimulateResponse]) -> SimulationResult:
    """The gathered stream of one Simulate call (the summary first)."""
    summary = responses[0].summary
    return SimulationResult(
        scenario_name=summary.scenario_name,
        dataset=summary.dataset,
        dataset_sha256=summary.dataset_sha256,
        units=summary.units,
        excluded=summary.excluded,
        capped_units=summary.capped_units,
        comparisons=tuple(comparison_from_pb(c) for c in summary.comparisons),
        rows=_gathered_rows(r.rows for r in responses[1:]),
        decision_id=summary.decision_id,
    )


def lever_answer_from_pb(answer: pb.LeverAnswer) -> LeverAnswer:
    return LeverAnswer(
        lever=answer.lever,
        status=_name(pb.GoalStatus, answer.status, "GOAL_STATUS_"),
        change=_optional(answer, "change"),
        new_value=_optional(answer, "new_value"),
        new_index=_optional(answer, "new_index"),
        new_category=answer.new_category,
        reason=answer.reason,
    )


def _plan(unit: pb.UnitGoal) -> PlanAnswer | None:
    if not unit.HasField("plan"):
        return None
    plan = unit.plan
    return PlanAnswer(
        feasible=plan.feasible,
        changes=tuple((c.lever, c.change) for c in plan.changes),
        cost=_optional(plan, "cost"),
        lp_cost=_optional(plan, "lp_cost"),
        best_single_cost=_optional(plan, "best_single_cost"),
        new_index=_optional(plan, "new_index"),
        new_category=plan.new_category,
    )


def goal_seek_from_pb(response: pb.GoalSeekResponse) -> GoalSeekResult:
    units = tuple(
        UnitGoal(
            unit_id=u.unit_id,
            group=u.group,
            index=u.index,
            category=u.category,
            target_index=u.target_index,
            direction=_name(pb.TargetDirection, u.direction, "TARGET_DIRECTION_"),
            levers=tuple(lever_answer_from_pb(a) for a in u.levers),
            plan=_plan(u),
        )
        for u in response.units
    )
    return GoalSeekResult(
        target=response.target,
        units=units,
        costs=tuple(
            (c.lever, c.cost_per_point, _optional(c, "max_change")) for c in response.costs
        ),
        provenance=provenance_from_pb(response.provenance),
        decision_id=response.decision_id,
    )


def sensitivity_from_pb(response: pb.SensitivityResponse) -> SensitivityResult:
    units = tuple(
        UnitSensitivity(
            unit_id=u.unit_id,
            group=u.group,
            index=u.index,
            category=u.category,
            levers=tuple(
                LeverReach(r.lever, lever_answer_from_pb(r.up), lever_answer_from_pb(r.down))
                for r in u.levers
            ),
            ranked=tuple(u.ranked),
        )
        for u in response.units
    )
    return SensitivityResult(
        slopes=tuple((s.lever, _optional(s, "slope")) for s in response.slopes),
        units=units,
        provenance=provenance_from_pb(response.provenance),
        decision_id=response.decision_id,
    )


def sweep_from_pb(responses: Sequence[pb.SweepResponse]) -> SweepResult:
    """The gathered stream of one Sweep call (the summary first)."""
    summary = responses[0].summary
    units = tuple(
        SweptUnit(
            unit_id=u.unit_id,
            group=u.group,
            current=tuple(u.current),
            index=u.index,
            category=u.category,
            crossings=tuple((c.value, c.category) for c in u.crossings),
        )
        for u in summary.units
    )
    points = tuple(
        SweepPoint(p.unit, p.x, p.y, p.index_raw, p.index, p.category)
        for r in responses[1:]
        for p in r.points.points
    )
    return SweepResult(
        levers=tuple(summary.levers),
        sizes=tuple(summary.sizes),
        units=units,
        points=points,
        provenance=provenance_from_pb(summary.provenance),
        decision_id=summary.decision_id,
    )


def _components(values: pb.ComponentValues) -> tuple[float | None, ...]:
    return tuple(_optional(values, name) for name in ("internal", "external", "expert"))


def _monte_carlo(unit: pb.UnitUncertainty) -> MonteCarloAnswer | None:
    if not unit.HasField("monte_carlo"):
        return None
    mc = unit.monte_carlo
    return MonteCarloAnswer(
        probabilities=tuple((p.category, p.probability, p.error) for p in mc.probabilities),
        mean_index=mc.mean_index,
        standard_error=mc.standard_error,
        ci_low=mc.ci_low,
        ci_high=mc.ci_high,
    )


def _certainty(unit: pb.UnitUncertainty) -> CertaintyAnswer | None:
    if not unit.HasField("certainty"):
        return None
    c = unit.certainty
    return CertaintyAnswer(
        status=_name(pb.CertaintyStatus, c.status, "CERTAINTY_STATUS_"),
        probability=c.probability,
        factor=_optional(c, "factor"),
        respondents=_components(c.respondents),
        additional=_components(c.additional),
        factor_alone=_components(c.factor_alone),
        respondents_alone=_components(c.respondents_alone),
        probability_after=c.probability_after,
    )


def uncertainty_from_pb(response: pb.EstimateUncertaintyResponse) -> UncertaintyResult:
    units = tuple(
        UnitUncertainty(
            unit_id=u.unit_id,
            group=u.group,
            index=u.index,
            category=u.category,
            standard_error=u.standard_error,
            ci_low=u.ci_low,
            ci_high=u.ci_high,
            probabilities=tuple((p.category, p.probability) for p in u.probabilities),
            monte_carlo=_monte_carlo(u),
            certainty=_certainty(u),
        )
        for u in response.units
    )
    return UncertaintyResult(
        level=response.level,
        draws=response.draws,
        seed=response.seed,
        certainty=response.certainty,
        units=units,
        provenance=provenance_from_pb(response.provenance),
        decision_id=response.decision_id,
    )


def impact_from_pb(responses: Sequence[pb.CompareRulesetsResponse]) -> ImpactResult:
    """The gathered stream of one CompareRulesets call (the summary first)."""
    summary = responses[0].summary
    return ImpactResult(
        comparison=comparison_from_pb(summary.comparison),
        changed=summary.changed,
        quantiles=tuple((q.level, q.change) for q in summary.quantiles),
        histogram=tuple((b.low, b.high, b.units) for b in summary.histogram),
        dataset=summary.dataset,
        rows=_gathered_rows(r.rows for r in responses[1:]),
        decision_id=summary.decision_id,
    )


def datasets_from_pb(response: pb.ListDatasetsResponse) -> tuple[DatasetInfo, ...]:
    return tuple(
        DatasetInfo(d.name, d.origin, d.sha256, d.rows, tuple(d.years), tuple(d.groups))
        for d in response.datasets
    )
