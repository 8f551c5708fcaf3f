"""Response monitoring while a survey runs: from the sample lists and the responses so far, the
response rate per unit and group, the margin of error reached, and how many more responses each
needs for the maximum margin (10%) and for the target (5%).

One row per row of the population table (a unit, or a sub-unit, and a group). "More needed" is
the fewest additional respondents that bring the margin down to the bound (0 when it is already
there); ``reachable`` says whether the rest of the sample can still give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from .instrument import GROUP_NAMES, Instrument
from .labels import factorize, key_rows
from .population import Population
from .responses import Responses, Where, api_where
from .sampling import adequacy, margin_of_error, required_respondents
from .stats import SurveyStats, chunk_stats
from .sums import sum_rows_by

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Progress:
    """Progress of each (unit or sub-unit, group) of the population table, column by column."""

    unit_ids: tuple[str, ...]
    sub_unit_ids: tuple[str, ...]
    groups: IntArray
    population: IntArray
    sampled: FloatArray
    """NaN where the table gives no sample size"""
    respondents: IntArray
    response_rate: FloatArray
    """respondents / sampled"""
    margin_of_error: FloatArray
    adequacy: IntArray
    needed_for_max: IntArray
    """more respondents needed to reach the maximum margin (publishable)"""
    needed_for_target: IntArray
    """more respondents needed to reach the target margin"""
    reachable_max: BoolArray = field(repr=False)
    """the rest of the sample (sampled - respondents) can give ``needed_for_max``; True when
    the sample size is unknown"""
    reachable_target: BoolArray = field(repr=False)

    def __len__(self) -> int:
        return len(self.unit_ids)


def survey_progress(
    instrument: Instrument,
    population: Population,
    responses: Responses | SurveyStats,
    *,
    where: Where = api_where,
) -> Progress:
    """Progress of every row of ``population`` given the responses so far."""
    stats = responses if isinstance(responses, SurveyStats) else chunk_stats(responses)
    counts = _respondents(stats, population)
    _check_units(instrument, population, stats, where)
    rule = instrument.sampling
    size = population.population.astype(np.float64)
    sampled = np.where(population.sampled > 0, population.sampled, np.nan)
    margin = margin_of_error(counts, size, rule.z, rule.proportion)
    need_max = np.maximum(
        required_respondents(rule.max_margin, size, rule.z, rule.proportion) - counts, 0
    )
    need_target = np.maximum(
        required_respondents(rule.target_margin, size, rule.z, rule.proportion) - counts, 0
    )
    rest = sampled - counts
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = counts / sampled
    return Progress(
        unit_ids=population.unit_ids,
        sub_unit_ids=population.sub_unit_ids,
        groups=population.groups,
        population=population.population,
        sampled=sampled,
        respondents=counts,
        response_rate=rate,
        margin_of_error=margin,
        adequacy=adequacy(counts, margin, rule),
        needed_for_max=need_max,
        needed_for_target=need_target,
        reachable_max=np.isnan(rest) | (need_max <= rest),
        reachable_target=np.isnan(rest) | (need_target <= rest),
    )


def _respondents(stats: SurveyStats, population: Population) -> IntArray:
    """Respondents so far of each population row: its cell for a sub-unit, all cells for a unit."""
    units = factorize(stats.unit_ids)
    per_unit = sum_rows_by(units.codes, stats.respondents, len(units.names))
    rows = np.arange(len(population))
    unit_row = key_rows((units.names,), (population.unit_ids,))
    cell_row = key_rows(
        (stats.unit_ids, stats.sub_unit_ids), (population.unit_ids, population.sub_unit_ids)
    )
    whole = np.array(population.sub_unit_ids, dtype=object) == ""
    # One zero row after the counts, so that a key with no respondents (-1; every key on day 0,
    # when there are no responses at all) reads 0 rather than indexing an empty array.
    per_unit = np.vstack([per_unit, np.zeros((1, len(GROUP_NAMES)), dtype=np.int64)])
    per_cell = np.vstack([stats.respondents, np.zeros((1, len(GROUP_NAMES)), dtype=np.int64)])
    from_unit = per_unit[np.where(unit_row >= 0, unit_row, -1), population.groups]
    from_cell = per_cell[np.where(cell_row >= 0, cell_row, -1), population.groups]
    result: IntArray = np.where(whole, from_unit, from_cell)[rows]
    return result


def _check_units(
    instrument: Instrument, population: Population, stats: SurveyStats, where: Where
) -> None:
    """Every unit with respondents of a sampling group must have its row in the table."""
    units = factorize(stats.unit_ids)
    per_unit = sum_rows_by(units.codes, stats.respondents, len(units.names))
    first = np.full(len(units.names), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, units.codes, stats.first_row)
    problems = []
    for group in instrument.sampling.groups:
        rows = key_rows(
            (population.unit_ids, population.sub_unit_ids, population.groups),
            (units.names, ("",) * len(units.names), np.full(len(units.names), group)),
        )
        for u in np.flatnonzero((per_unit[:, group] > 0) & (rows < 0))[:20].tolist():
            name = GROUP_NAMES[group]
            problems.append(
                Violation(
                    where(int(first[u]), "unit_id"),
                    f"unit {units.names[u]!r} has {per_unit[u, group]} {name} respondents but no "
                    f"{name} row in the population table",
                )
            )
    if problems:
        raise InvalidInputError(problems)
