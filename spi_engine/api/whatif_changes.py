"""Side-by-side results as spi.v1 simulation messages: scenarios, dataset scenarios, rule changes.

A comparison becomes a :class:`ComparisonSummary` and streamed :class:`UnitChanges` chunks; the
generators yield the summary first, then chunks of at most ``chunk_size`` rows, each built only
when it is asked for (see :mod:`spi_engine.api.whatif_results` for the other results).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from spi.v1 import simulation_pb2 as pb

from ..comparison import Comparison
from ..datasets import Dataset, DatasetSimulation
from ..impact import Impact
from ..levers import LEVERS, BoolArray
from ..numeric import IntArray
from ..scenario import Simulation
from .whatif_results import DIRECTIONS, chunks, points, provenance_of


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

    def adjustments(self, at: IntArray) -> list[float]:
        """The published adjustment of rows ``at``, in points (0 without one)."""
        steps = self.comparison.before.adjustment_steps
        if steps is None:
            return [0.0] * len(at)
        return points(steps[at], self.comparison.before.ruleset).tolist()  # type: ignore[no-any-return]

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
            points(c.before.index_steps[at], old).tolist(),
            c.before.category_codes[at].tolist(),
            c.after.index_raw[at].tolist(),
            points(c.after.index_steps[at], new).tolist(),
            c.after.category_codes[at].tolist(),
            points(c.delta_steps[at], old).tolist(),
            c.direction[at].tolist(),
            self.capped[at].tolist(),
            self.adjustments(at),
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
                published_adjustment=adjustment,
            )
            for (
                row, unit_id, group, name, year, raw_before, before, code_before,
                raw_after, after, code_after, delta, direction, capped, adjustment,
            ) in columns
        ]  # fmt: skip


def _stream_rows(tables: Sequence[_Rows], chunk_size: int) -> Iterator[pb.UnitChanges]:
    for table in tables:
        for start, stop in chunks(len(table), chunk_size):
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
    decimals = simulation.comparisons[0].before.ruleset.decimals if simulation.comparisons else 2
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
        adjusted_rows=simulation.adjusted,
        adjustment_min=simulation.adjustment_range[0] / 10**decimals,
        adjustment_max=simulation.adjustment_range[1] / 10**decimals,
        rows_needing_class_table=simulation.without_class_table,
    )
    yield pb.SimulateResponse(summary=summary)
    for chunk in _stream_rows(tables, chunk_size):
        yield pb.SimulateResponse(rows=chunk)


def _pick(texts: Sequence[str], rows: IntArray) -> tuple[str, ...]:
    return tuple(texts[i] for i in rows.tolist())


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
