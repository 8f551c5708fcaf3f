"""Typed, frozen results of Simulate and CompareRulesets (baseline beside scenario, old rules
beside new), and the pure functions that build them from the gathered streams.

Re-exported by :mod:`spi_client.whatif_results`, which has the other simulation results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from spi.v1 import simulation_pb2 as pb

from .result_helpers import enum_name, pandas
from .result_repr import ShortRepr
from .results import CategoryCount, Provenance, provenance_from_pb


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
    published_adjustment: float = 0.0
    """the dataset's published index minus the engine's baseline, carried into both sides"""


def _rows_frame(rows: Sequence[UnitChange]) -> Any:
    pd = pandas()
    columns = list(UnitChange.__dataclass_fields__)
    return pd.DataFrame([asdict(r) for r in rows], columns=columns)


@dataclass(frozen=True, repr=False)
class SimulationResult(ShortRepr):
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
    adjusted_rows: int = 0
    """dataset rows carrying a published adjustment"""
    adjustment_range: tuple[float, float] = (0.0, 0.0)
    """(smallest, largest) published adjustment in points"""

    def to_frame(self) -> Any:
        """One row per unit streamed, before and after."""
        return _rows_frame(self.rows)


@dataclass(frozen=True, repr=False)
class ImpactResult(ShortRepr):
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
        direction=enum_name(pb.Direction, row.direction, "DIRECTION_"),
        capped_levers=tuple(row.capped_levers),
        published_adjustment=row.published_adjustment,
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
        adjusted_rows=summary.adjusted_rows,
        adjustment_range=(summary.adjustment_min, summary.adjustment_max),
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
