"""Typed, frozen results of the simulation calls, and the pure functions that build them.

Each ``*_from_pb`` function turns the response message(s) of one RPC into its result (streamed
answers are gathered first; Simulate's and CompareRulesets' live in
:mod:`spi_client.comparison_results` and are re-exported here). Enum values become short lowercase names (``"reached"``,
``"needs_score_above_max"``, ``"up"``), as in spi_engine. ``to_frame()`` returns a pandas
DataFrame; pandas is imported only then, and its absence is a clear ImportError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from spi.v1 import simulation_pb2 as pb
from spi_engine.units import COMPONENTS

from .comparison_results import (
    Comparison,
    ImpactResult,
    SimulationResult,
    Transition,
    UnitChange,
    comparison_from_pb,
    impact_from_pb,
    simulation_from_pb,
    unit_change_from_pb,
)
from .result_helpers import enum_name, optional, pandas
from .result_repr import ShortRepr
from .results import Provenance, provenance_from_pb

__all__ = [
    "CertaintyAnswer",
    "Comparison",
    "DatasetInfo",
    "GoalSeekResult",
    "ImpactResult",
    "LeverAnswer",
    "LeverReach",
    "MonteCarloAnswer",
    "PlanAnswer",
    "SensitivityResult",
    "SimulationResult",
    "SweepPoint",
    "SweepResult",
    "SweptUnit",
    "Transition",
    "UncertaintyResult",
    "UnitChange",
    "UnitGoal",
    "UnitSensitivity",
    "UnitUncertainty",
    "comparison_from_pb",
    "datasets_from_pb",
    "goal_seek_from_pb",
    "impact_from_pb",
    "lever_answer_from_pb",
    "sensitivity_from_pb",
    "simulation_from_pb",
    "sweep_from_pb",
    "uncertainty_from_pb",
    "unit_change_from_pb",
]


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


@dataclass(frozen=True, repr=False)
class GoalSeekResult(ShortRepr):
    target: str
    units: tuple[UnitGoal, ...]
    costs: tuple[tuple[str, float, float | None], ...]
    """(lever, cost per point, max change or None) as the plan used them"""
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """One row per unit and lever; the unit's cheapest plan in the ``plan_*`` columns."""
        rows = [
            {"unit_id": u.unit_id, "group": u.group, "index": u.index, "category": u.category,
             "target_index": u.target_index, **asdict(a), **_plan_columns(u.plan)}
            for u in self.units for a in u.levers
        ]  # fmt: skip
        return pandas().DataFrame(rows)


def _plan_columns(plan: PlanAnswer | None) -> dict[str, Any]:
    """The cheapest plan as columns (None throughout when no costs were given)."""
    if plan is None:
        return dict.fromkeys(("plan_feasible", "plan_changes", "plan_cost", "plan_new_index"))
    changes = " ".join(f"{lever}{change:+g}" for lever, change in plan.changes)
    return {
        "plan_feasible": plan.feasible,
        "plan_changes": changes,
        "plan_cost": plan.cost,
        "plan_new_index": plan.new_index,
    }


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


@dataclass(frozen=True, repr=False)
class SensitivityResult(ShortRepr):
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
        return pandas().DataFrame(rows)


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


@dataclass(frozen=True, repr=False)
class SweepResult(ShortRepr):
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
        return pandas().DataFrame(rows, columns=columns)


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


@dataclass(frozen=True, repr=False)
class UncertaintyResult(ShortRepr):
    level: float
    draws: int
    seed: int
    certainty: float
    units: tuple[UnitUncertainty, ...]
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """One row per unit: index, standard error, interval and P(category) per category; the
        Monte Carlo answer (``mc_*``) with ``draws`` > 0, and the respondents needed for the
        certainty (``certainty_*``, ``respondents_needed_*``) with ``certainty`` > 0."""
        rows = [
            {"unit_id": u.unit_id, "group": u.group, "index": u.index, "category": u.category,
             "standard_error": u.standard_error, "ci_low": u.ci_low, "ci_high": u.ci_high,
             **{f"p_{c}": p for c, p in u.probabilities},
             **_monte_carlo_columns(u.monte_carlo), **_certainty_columns(u.certainty)}
            for u in self.units
        ]  # fmt: skip
        return pandas().DataFrame(rows)


def _monte_carlo_columns(answer: MonteCarloAnswer | None) -> dict[str, Any]:
    if answer is None:
        return {}
    return {
        "mc_mean_index": answer.mean_index,
        "mc_standard_error": answer.standard_error,
        "mc_ci_low": answer.ci_low,
        "mc_ci_high": answer.ci_high,
        **{f"mc_p_{category}": share for category, share, _ in answer.probabilities},
    }


def _certainty_columns(answer: CertaintyAnswer | None) -> dict[str, Any]:
    if answer is None:
        return {}
    names = ("internal", "external", "expert")
    return {
        "certainty_status": answer.status,
        "certainty_probability": answer.probability,
        **{f"respondents_needed_{n}": v for n, v in zip(names, answer.respondents, strict=False)},
        **{f"respondents_more_{n}": v for n, v in zip(names, answer.additional, strict=False)},
        "certainty_probability_after": answer.probability_after,
    }


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    origin: str
    sha256: str
    rows: int
    years: tuple[int, ...]
    groups: tuple[str, ...]


def lever_answer_from_pb(answer: pb.LeverAnswer) -> LeverAnswer:
    return LeverAnswer(
        lever=answer.lever,
        status=enum_name(pb.GoalStatus, answer.status, "GOAL_STATUS_"),
        change=optional(answer, "change"),
        new_value=optional(answer, "new_value"),
        new_index=optional(answer, "new_index"),
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
        cost=optional(plan, "cost"),
        lp_cost=optional(plan, "lp_cost"),
        best_single_cost=optional(plan, "best_single_cost"),
        new_index=optional(plan, "new_index"),
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
            direction=enum_name(pb.TargetDirection, u.direction, "TARGET_DIRECTION_"),
            levers=tuple(lever_answer_from_pb(a) for a in u.levers),
            plan=_plan(u),
        )
        for u in response.units
    )
    return GoalSeekResult(
        target=response.target,
        units=units,
        costs=tuple((c.lever, c.cost_per_point, optional(c, "max_change")) for c in response.costs),
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
        slopes=tuple((s.lever, optional(s, "slope")) for s in response.slopes),
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
    return tuple(optional(values, name) for name in COMPONENTS)


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
        status=enum_name(pb.CertaintyStatus, c.status, "CERTAINTY_STATUS_"),
        probability=c.probability,
        factor=optional(c, "factor"),
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


def datasets_from_pb(response: pb.ListDatasetsResponse) -> tuple[DatasetInfo, ...]:
    return tuple(
        DatasetInfo(d.name, d.origin, d.sha256, d.rows, tuple(d.years), tuple(d.groups))
        for d in response.datasets
    )
