"""Sufficient statistics: respondent columns folded into exact integer counts per (unit, sub-unit).

Every respondent's dimension and component scores are computed row-wise (the same operations in
the same order whatever else is in the batch), then held as integers: ``micro`` points (1e-6)
for means and ``milli`` points (1e-3) with their squares for variances. Integer sums are exact
and associative, so folding the rows in any order, in any chunks, gives identical statistics,
and scores computed from them are identical to the last bit.

Per cell (a unit, or a sub-unit of it) the statistics are: respondents per group; per item a
histogram of answers (one bin per valid answer, then don't know, then missing, counted over the
item's group); per dimension and per component: respondents with a score, and the sums
``micro``, ``milli`` and ``milli**2``.

>>> from spi_engine.survey.instrument import bundled_instrument
>>> from spi_engine.survey.responses import responses_from_columns
>>> inst = bundled_instrument()
>>> r = responses_from_columns(inst, respondent_ids=["a", "b"], unit_ids=["u", "u"],
...     groups=["expert", "expert"], answers={"exp_audit": [5, 4], "exp_prevalence": [1, None]})
>>> s = chunk_stats(r)
>>> d = inst.dimension_ids.index("expert-view")
>>> s.dimension_block(d)[0].tolist()  # respondents, micro, milli, milli squared
[2, 175000000, 175000, 15625000000]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from .exact import dimension_offsets, dimension_sizes, item_units
from .instrument import GROUP_NAMES, Instrument
from .labels import StrArray, as_strings, factorize
from .responses import Responses, Where, api_where
from .sums import count_by, sum_by, sum_rows_by

MICRO = 1e6
MILLI = 1e3
MOMENTS = 4
"""Per score: respondents with a score, sum of micro points, sum of milli points, sum of squares."""
GROUPS = len(GROUP_NAMES)


@dataclass(frozen=True)
class Layout:
    """Where each statistic sits among a cell's columns."""

    item_start: IntArray
    item_width: IntArray
    """valid-answer bins + don't know + missing"""
    dimension_start: int
    component_start: int
    columns: int
    exact_start: int = 0
    """per dimension and per count c of valid answers (1..items of the dimension): the integer
    sum of the respondents' item units (:mod:`spi_engine.survey.exact`)"""

    @staticmethod
    def of(instrument: Instrument) -> Layout:
        width = instrument.item_points + 2
        start = GROUPS + np.concatenate(([0], np.cumsum(width)[:-1]))
        dims = GROUPS + int(width.sum())
        comps = dims + MOMENTS * len(instrument.dimension_ids)
        exact = comps + MOMENTS * GROUPS
        return Layout(start, width, dims, comps, exact + len(instrument.item_ids), exact)


@dataclass(frozen=True)
class SurveyStats:
    """Exact statistics of respondents per cell; cells sorted by (unit id, sub-unit id)."""

    instrument: Instrument = field(repr=False)
    unit_ids: tuple[str, ...]
    sub_unit_ids: tuple[str, ...]
    counts: IntArray = field(repr=False)
    """(cells, layout.columns) int64"""
    first_row: IntArray
    """the first respondent row of each cell (for messages)"""

    @property
    def layout(self) -> Layout:
        return Layout.of(self.instrument)

    @property
    def respondents(self) -> IntArray:
        """(cells, 3) respondents per group."""
        result: IntArray = self.counts[:, :GROUPS]
        return result

    def item_block(self, item: int) -> IntArray:
        lay = self.layout
        start = int(lay.item_start[item])
        result: IntArray = self.counts[:, start : start + int(lay.item_width[item])]
        return result

    def dimension_block(self, dimension: int) -> IntArray:
        start = self.layout.dimension_start + MOMENTS * dimension
        result: IntArray = self.counts[:, start : start + MOMENTS]
        return result

    def exact_block(self, dimension: int) -> IntArray:
        """(cells, items of the dimension): sums of item units by count of valid answers."""
        start = self.layout.exact_start + int(dimension_offsets(self.instrument)[dimension])
        size = int(dimension_sizes(self.instrument)[dimension])
        result: IntArray = self.counts[:, start : start + size]
        return result

    def component_block(self, group: int) -> IntArray:
        start = self.layout.component_start + MOMENTS * group
        result: IntArray = self.counts[:, start : start + MOMENTS]
        return result


def empty_stats(instrument: Instrument) -> SurveyStats:
    """The statistics of no respondents: the start of a fold."""
    return SurveyStats(
        instrument,
        (),
        (),
        np.zeros((0, Layout.of(instrument).columns), dtype=np.int64),
        np.zeros(0, dtype=np.int64),
    )


def chunk_stats(
    responses: Responses, *, row_offset: int = 0, keep: npt.NDArray[np.bool_] | None = None
) -> SurveyStats:
    """The statistics of one batch of respondents (rows numbered from ``row_offset``).

    ``keep`` leaves out the respondents where it is False (screened out), keeping row numbers.
    """
    inst = responses.instrument
    lay = Layout.of(inst)
    rows = np.arange(len(responses)) if keep is None else np.flatnonzero(keep)
    n_sub = max(len(responses.sub_units.names), 1)
    cell_keys, cells = _cells(responses, None if keep is None else rows)
    n_cells = cell_keys.size
    counts = np.zeros((n_cells, lay.columns), dtype=np.int64)
    groups = responses.groups if keep is None else responses.groups[rows]
    counts[:, :GROUPS] = count_by(cells * GROUPS + groups, n_cells * GROUPS).reshape(-1, GROUPS)
    for group in range(GROUPS):
        members = np.flatnonzero(groups == group)
        items = np.flatnonzero(inst.item_group == group)
        if members.size and items.size:
            answers = responses.answers[np.ix_(items, rows[members])]
            _fold_group(inst, lay, group, answers, cells[members], counts)
    first = np.full(cell_keys.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, cells, rows.astype(np.int64) + row_offset)
    units = np.array(responses.units.names or [""], dtype=str)[cell_keys // n_sub]
    subs = np.array(responses.sub_units.names or [""], dtype=str)[cell_keys % n_sub]
    return SurveyStats(inst, tuple(units.tolist()), tuple(subs.tolist()), counts, first)


def _cells(responses: Responses, rows: IntArray | None) -> tuple[IntArray, IntArray]:
    """(keys of the cells present, each row's position among them)."""
    if rows is None:
        return responses.cell_keys, responses.cells
    present = np.bincount(responses.cells[rows], minlength=responses.cell_keys.size) > 0
    rank = np.cumsum(present) - 1
    return responses.cell_keys[present], rank[responses.cells[rows]].astype(np.int64)


def _fold_group(
    inst: Instrument,
    lay: Layout,
    group: int,
    answers: npt.NDArray[np.int8],
    cells: IntArray,
    counts: IntArray,
) -> None:
    """Add the respondents of one group (their answers to that group's items, their cells) to
    ``counts`` (cells, columns)."""
    size = counts.shape[0]
    items = np.flatnonzero(inst.item_group == group)
    for row, item in enumerate(items.tolist()):
        bins = inst.bin_table[item][answers[row].view(np.uint8)]
        start, width = int(lay.item_start[item]), int(lay.item_width[item])
        counts[:, start : start + width] += count_by(cells * width + bins, size * width).reshape(
            size, width
        )
    dims, component = group_scores(inst, group, answers)
    for d, values in zip(np.flatnonzero(inst.dimension_group == group).tolist(), dims, strict=True):
        _add_moments(counts, lay.dimension_start + MOMENTS * d, cells, values)
    _fold_exact(inst, lay, group, answers, cells, counts)
    _add_moments(counts, lay.component_start + MOMENTS * group, cells, component)


def _add_moments(counts: IntArray, start: int, cells: IntArray, values: FloatArray) -> None:
    size = counts.shape[0]
    for j, moment in enumerate(_moments(values)):
        counts[:, start + j] += sum_by(cells, moment, size)


def _fold_exact(
    inst: Instrument,
    lay: Layout,
    group: int,
    answers: npt.NDArray[np.int8],
    cells: IntArray,
    counts: IntArray,
) -> None:
    """Add each respondent's integer item-unit sum to its dimension's slot for its count."""
    _, units = item_units(inst)
    items = np.flatnonzero(inst.item_group == group)
    offsets = dimension_offsets(inst)
    sizes = dimension_sizes(inst)
    size = counts.shape[0]
    for d in np.flatnonzero(inst.dimension_group == group).tolist():
        total = np.zeros(answers.shape[1], dtype=np.int64)
        count = np.zeros(answers.shape[1], dtype=np.int64)
        for row in np.flatnonzero(inst.item_dimension[items] == d).tolist():
            slots = answers[row].view(np.uint8)
            total += units[items[row]][slots]
            count += inst.valid_table[items[row]][slots].astype(np.int64)
        has = np.flatnonzero(count > 0)
        width = int(sizes[d])
        start = lay.exact_start + int(offsets[d])
        sums = sum_by(cells[has] * width + (count[has] - 1), total[has], size * width)
        counts[:, start : start + width] += sums.reshape(size, width)


def group_scores(
    inst: Instrument, group: int, answers: npt.NDArray[np.int8]
) -> tuple[FloatArray, FloatArray]:
    """Respondents' scores from their answers to the items of ``group`` (items, respondents):
    (dimension scores (the group's dimensions, respondents), component score); NaN where none.

    A respondent's dimension score is the mean of their item scores in it (don't know and
    missing left out); their component score is the weighted mean of their dimension scores,
    the weights renormalised over the dimensions they have a score in.
    """
    items = np.flatnonzero(inst.item_group == group)
    dims = np.flatnonzero(inst.dimension_group == group)
    size = answers.shape[1]
    scores = np.full((dims.size, size), np.nan)
    weighted, weights = np.zeros(size), np.zeros(size)
    for position, d in enumerate(dims.tolist()):
        total, count = np.zeros(size), np.zeros(size)
        for row in np.flatnonzero(inst.item_dimension[items] == d).tolist():
            slots = answers[row].view(np.uint8)
            total += inst.zero_score_table[items[row]][slots]
            count += inst.valid_table[items[row]][slots]
        has = count > 0
        scores[position] = np.where(has, total / np.where(has, count, 1.0), np.nan)
        weighted += np.where(has, inst.dimension_weight[d] * scores[position], 0.0)
        weights += np.where(has, inst.dimension_weight[d], 0.0)
    component = np.where(weights > 0, weighted / np.where(weights > 0, weights, 1.0), np.nan)
    return scores, component


def _moments(values: FloatArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    has = ~np.isnan(values)
    clean = np.where(has, values, 0.0)
    milli = np.rint(clean * MILLI).astype(np.int64)
    return has.astype(np.int64), np.rint(clean * MICRO).astype(np.int64), milli, milli * milli


def merge(first: SurveyStats, second: SurveyStats) -> SurveyStats:
    """The statistics of both batches (cells aligned by unit and sub-unit id)."""
    if first.instrument.sha256 != second.instrument.sha256:
        raise InvalidInputError(
            [
                Violation(
                    "instrument",
                    f"expected statistics of one instrument; got {first.instrument.id!r} "
                    f"({first.instrument.sha256[:12]}) and {second.instrument.id!r} "
                    f"({second.instrument.sha256[:12]})",
                )
            ]
        )
    units = factorize(first.unit_ids + second.unit_ids)
    subs = factorize(first.sub_unit_ids + second.sub_unit_ids)
    n_sub = max(len(subs.names), 1)
    cell_keys, cells = np.unique(units.codes * n_sub + subs.codes, return_inverse=True)
    cells = cells.reshape(-1)
    counts = sum_rows_by(cells, np.concatenate((first.counts, second.counts)), cell_keys.size)
    rows = np.full(cell_keys.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(rows, cells, np.concatenate((first.first_row, second.first_row)))
    return SurveyStats(
        first.instrument,
        tuple(np.array(units.names or [""], dtype=str)[cell_keys // n_sub].tolist()),
        tuple(np.array(subs.names or [""], dtype=str)[cell_keys % n_sub].tolist()),
        counts,
        rows,
    )


def fold(chunks: Iterable[Responses], *, where: Where = api_where) -> SurveyStats:
    """The statistics of a stream of chunks, rows numbered across them.

    A respondent id already seen in an earlier chunk is an error naming its row. The result is
    identical, to the last bit, for any split of the same respondents into chunks.
    """
    stats: SurveyStats | None = None
    seen = np.zeros(0, dtype=str)
    offset = 0
    for chunk in chunks:
        seen = _check_new_ids(seen, as_strings(chunk.respondent_ids), offset, where)
        part = chunk_stats(chunk, row_offset=offset)
        stats = part if stats is None else merge(stats, part)
        offset += len(chunk)
    if stats is None:
        raise InvalidInputError([Violation("respondents", "expected at least one chunk")])
    return stats


def _check_new_ids(seen: StrArray, ids: StrArray, offset: int, where: Where) -> StrArray:
    merged = np.sort(np.concatenate((seen, ids)), kind="stable")
    repeated = np.flatnonzero(merged[1:] == merged[:-1])
    if repeated.size:
        rows = np.flatnonzero(np.isin(ids, merged[repeated]))
        raise InvalidInputError(
            [
                Violation(
                    where(offset + row, "respondent_id"),
                    f"expected unique respondent ids over the whole upload; {ids[row]!r} came in "
                    "an earlier chunk too",
                )
                for row in rows[:20].tolist()
            ]
        )
    result: StrArray = merged
    return result
