"""Survey scores: sufficient statistics and a ruleset in, scores of units and sub-units out.

Per unit and per sub-unit: respondents per group, response rates, margins of error and sample
adequacy; item, dimension and component scores with standard errors; categories of dimensions and
components (the ruleset's cut-offs, on scores rounded like the index); and, where the sample is
publishable and all three components have respondents, the index and its category through the
ruleset, with the weakest dimensions. A component score is the weighted mean of the dimension
scores (the instrument's weights, renormalised over the dimensions with a score); dimension and
component scores are exact fractions (:mod:`.exact`) rounded half up only here, to the ruleset's
precision, before the index is computed from them, as published components are. The weakest
dimensions are ordered by exact score, ties by the dimension's order in the instrument.

A sub-unit without respondents of a group (the expert view is of the institution as a whole)
takes that component from its unit and says so in ``inherited``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray, steps_to_float
from ..ruleset import Ruleset
from ..scoring import score
from ..units import units_from_columns
from ..version import __version__
from .estimates import GROUPS, Estimates, estimate
from .exact import half_up_array, half_up_steps
from .instrument import GROUP_NAMES, Instrument
from .labels import as_strings, factorize, key_rows
from .population import Population
from .responses import Responses, Where, api_where
from .sampling import NOT_PUBLISHABLE
from .stats import SurveyStats, chunk_stats
from .sums import sum_rows_by

SCORED = 0
NOT_PUBLISHED = 1
MISSING_COMPONENT = 2
STATUS_NAMES = ("scored", "not_publishable", "missing_component")
NO_CODE = -1
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Corrections:
    """Correction points per unit (sub-unit ''), or per sub-unit; absent entities get 0."""

    unit_ids: tuple[str, ...]
    sub_unit_ids: tuple[str, ...]
    integrity: FloatArray
    prevalence: FloatArray
    label: str = ""
    """where the points come from, e.g. a local rule"""


def corrections_from_columns(
    unit_ids: Any,
    *,
    integrity: Any = None,
    prevalence: Any = None,
    sub_unit_ids: Any = None,
    label: str = "",
) -> Corrections:
    """Validated correction points (finite, >= 0) per unit or sub-unit."""
    units = as_strings(unit_ids)
    subs = as_strings(sub_unit_ids) if sub_unit_ids is not None else np.full(units.size, "")
    parts = {}
    for name, values in (("integrity", integrity), ("prevalence", prevalence)):
        array = np.zeros(units.size) if values is None else np.asarray(values, dtype=np.float64)
        bad = np.flatnonzero(~(np.isfinite(array) & (array >= 0)))
        if bad.size:
            raise InvalidInputError(
                [
                    Violation(f"corrections[{r}].{name}", f"expected points >= 0; got {array[r]!r}")
                    for r in bad[:20]
                ]
            )
        parts[name] = array
    return Corrections(
        tuple(units.tolist()), tuple(subs.tolist()), parts["integrity"], parts["prevalence"], label
    )


@dataclass(frozen=True)
class EntityScores:
    """Scores of units or of sub-units, column by column, rows sorted by (unit id, sub-unit id)."""

    unit_ids: tuple[str, ...]
    sub_unit_ids: tuple[str, ...]
    estimates: Estimates = field(repr=False)
    dimension_category: IntArray = field(repr=False)
    """(rows, dimensions) position in the ruleset's categories; -1 without a score"""
    component_category: IntArray = field(repr=False)
    inherited: BoolArray = field(repr=False)
    """(rows, 3) components taken from the unit (sub-units only)"""
    components: FloatArray = field(repr=False)
    """(rows, 3) the component scores the index is computed from (rounded; NaN where absent)"""
    correction: FloatArray = field(repr=False)
    """(rows, 2) integrity and prevalence points applied"""
    status: IntArray = field(repr=False)
    """SCORED, NOT_PUBLISHED or MISSING_COMPONENT"""
    index_raw: FloatArray = field(repr=False)
    index_steps: IntArray = field(repr=False)
    """the published index in steps of the ruleset's precision; -1 where not scored"""
    index_category: IntArray = field(repr=False)
    weakest: IntArray = field(repr=False)
    """(rows, k) dimension positions, weakest first; -1 past the last or where not scored"""

    def __len__(self) -> int:
        return len(self.unit_ids)


@dataclass(frozen=True)
class SurveyScores:
    """Scores of every unit and sub-unit of a survey under one instrument and one ruleset."""

    instrument: Instrument = field(repr=False)
    ruleset: Ruleset = field(repr=False)
    engine_version: str
    units: EntityScores
    sub_units: EntityScores
    sub_unit_categories: IntArray = field(repr=False)
    """(units, categories + 1) sub-units per category; the last column counts those not scored"""
    correction_label: str = ""

    def index(self, entities: EntityScores) -> FloatArray:
        """The published index of each row of ``entities`` (NaN where not scored)."""
        values = steps_to_float(entities.index_steps, self.ruleset.decimals)
        result: FloatArray = np.where(entities.index_steps >= 0, values, np.nan)
        return result


def score_survey(
    responses: Responses,
    ruleset: Ruleset,
    *,
    population: Population | None = None,
    corrections: Corrections | None = None,
    exclude: BoolArray | None = None,
    weakest: int = 3,
) -> SurveyScores:
    """Score every unit and sub-unit of ``responses``; ``exclude`` drops flagged respondents."""
    keep = None if exclude is None else ~np.asarray(exclude, dtype=bool)
    stats = chunk_stats(responses, keep=keep)
    return score_stats(
        stats, ruleset, population=population, corrections=corrections, weakest=weakest
    )


def score_stats(
    stats: SurveyStats,
    ruleset: Ruleset,
    *,
    population: Population | None = None,
    corrections: Corrections | None = None,
    weakest: int = 3,
    where: Where = api_where,
) -> SurveyScores:
    """Scores from the sufficient statistics of a survey (one batch or a fold of chunks)."""
    inst = stats.instrument
    units = factorize(stats.unit_ids)
    n_units = len(units.names)
    unit_counts = sum_rows_by(units.codes, stats.counts, n_units)
    unit_first = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(unit_first, units.codes, stats.first_row)
    unit_ids = units.names
    blank = ("",) * n_units
    unit_sizes = _sizes(inst, unit_ids, blank, unit_counts, unit_first, population, where, True)
    unit_est = estimate(inst, unit_counts, *unit_sizes)
    unit_scores = _entities(inst, ruleset, unit_ids, blank, unit_est, None, corrections, weakest)
    sub_rows = np.flatnonzero(np.array(stats.sub_unit_ids, dtype=str) != "")
    sub_units = tuple(stats.unit_ids[i] for i in sub_rows)
    sub_ids = tuple(stats.sub_unit_ids[i] for i in sub_rows)
    sub_counts = stats.counts[sub_rows]
    sub_sizes = _sizes(
        inst, sub_units, sub_ids, sub_counts, stats.first_row[sub_rows], population, where, False
    )
    sub_est = estimate(inst, sub_counts, *sub_sizes)
    parent = units.codes[sub_rows]
    sub_scores = _entities(
        inst, ruleset, sub_units, sub_ids, sub_est, (unit_scores, parent), corrections, weakest
    )
    return SurveyScores(
        instrument=inst,
        ruleset=ruleset,
        engine_version=__version__,
        units=unit_scores,
        sub_units=sub_scores,
        sub_unit_categories=_category_counts(
            sub_scores, parent, n_units, len(ruleset.category_ids)
        ),
        correction_label=corrections.label if corrections is not None else "",
    )


def _sizes(
    inst: Instrument,
    unit_ids: tuple[str, ...],
    sub_ids: tuple[str, ...],
    counts: IntArray,
    first_rows: IntArray,
    population: Population | None,
    where: Where,
    required: bool,
) -> tuple[FloatArray, FloatArray]:
    rows = len(unit_ids)
    sizes = np.full((rows, GROUPS), np.nan)
    sampled = np.full((rows, GROUPS), np.nan)
    if population is None:
        return sizes, sampled
    problems: list[Violation] = []
    for group, name in enumerate(GROUP_NAMES):
        sizes[:, group], sampled[:, group], found = population.lookup(unit_ids, sub_ids, group)
        have = counts[:, group]
        if required and group in inst.sampling.groups:
            for r in np.flatnonzero((have > 0) & (found < 0))[:20].tolist():
                problems.append(
                    Violation(
                        where(int(first_rows[r]), "unit_id"),
                        f"unit {unit_ids[r]!r} has {have[r]} {name} respondents but no {name} row "
                        "in the population table",
                    )
                )
        for r in np.flatnonzero((found >= 0) & (have > sizes[:, group]))[:20].tolist():
            problems.append(
                Violation(
                    population.where(int(found[r]), "population"),
                    f"expected at least the {have[r]} {name} respondents of "
                    f"{_entity_name(unit_ids[r], sub_ids[r])}; got {int(sizes[r, group])}",
                )
            )
    if problems:
        raise InvalidInputError(problems[:20])
    return sizes, sampled


def _entity_name(unit: str, sub: str) -> str:
    return f"unit {unit!r}" + (f", sub-unit {sub!r}" if sub else "")


def _dimension_categories(ruleset: Ruleset, est: Estimates) -> IntArray:
    """Category codes of the exact dimension scores rounded half up; -1 without a score."""
    steps = half_up_array(est.dimension_numerator, est.dimension_denominator, ruleset.decimals)
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes = np.searchsorted(bounds, steps, side="right").astype(np.int64) - 1
    result: IntArray = np.where(steps >= 0, codes, NO_CODE)
    return result


def _exact_categories(
    ruleset: Ruleset, exact: tuple[tuple[Fraction | None, ...], ...], columns: int
) -> tuple[IntArray, IntArray]:
    """(steps, category codes) of exact scores rounded half up; -1 where there is no score."""
    steps = np.array(
        [
            [NO_CODE if v is None else half_up_steps(v, ruleset.decimals) for v in row]
            for row in exact
        ],
        dtype=np.int64,
    ).reshape(len(exact), columns)
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes = np.searchsorted(bounds, steps, side="right").astype(np.int64) - 1
    return steps, np.where(steps >= 0, codes, NO_CODE)


def _entities(
    inst: Instrument,
    ruleset: Ruleset,
    unit_ids: tuple[str, ...],
    sub_ids: tuple[str, ...],
    est: Estimates,
    parent: tuple[EntityScores, IntArray] | None,
    corrections: Corrections | None,
    weakest: int,
) -> EntityScores:
    own_steps, own_codes = _exact_categories(ruleset, est.component_exact, GROUPS)
    components = np.where(own_steps >= 0, steps_to_float(own_steps, ruleset.decimals), np.nan)
    inherited = np.zeros(components.shape, dtype=bool)
    if parent is not None:
        parent_scores, rows = parent
        inherited = np.isnan(components) & ~np.isnan(parent_scores.components[rows])
        components = np.where(inherited, parent_scores.components[rows], components)
    correction = _corrections(corrections, unit_ids, sub_ids)
    status = np.where(
        est.adequacy == NOT_PUBLISHABLE,
        NOT_PUBLISHED,
        np.where(np.isnan(components).any(axis=1), MISSING_COMPONENT, SCORED),
    ).astype(np.int64)
    raw, steps, category = _index(ruleset, components, correction, status == SCORED)
    return EntityScores(
        unit_ids=unit_ids,
        sub_unit_ids=sub_ids,
        estimates=est,
        dimension_category=_dimension_categories(ruleset, est),
        component_category=own_codes,
        inherited=inherited,
        components=components,
        correction=correction,
        status=status,
        index_raw=raw,
        index_steps=steps,
        index_category=category,
        weakest=_weakest(est, status == SCORED, weakest),
    )


def _corrections(
    corrections: Corrections | None, unit_ids: tuple[str, ...], sub_ids: tuple[str, ...]
) -> FloatArray:
    points = np.zeros((len(unit_ids), 2))
    if corrections is None or not unit_ids:
        return points
    rows = key_rows((corrections.unit_ids, corrections.sub_unit_ids), (unit_ids, sub_ids))
    found = rows >= 0
    safe = np.maximum(rows, 0)
    if corrections.integrity.size:
        points[:, 0] = np.where(found, corrections.integrity[safe], 0.0)
        points[:, 1] = np.where(found, corrections.prevalence[safe], 0.0)
    return points


def _index(
    ruleset: Ruleset, components: FloatArray, correction: FloatArray, scored: BoolArray
) -> tuple[FloatArray, IntArray, IntArray]:
    rows = np.flatnonzero(scored)
    raw = np.full(scored.size, np.nan)
    steps = np.full(scored.size, NO_CODE, dtype=np.int64)
    codes = np.full(scored.size, NO_CODE, dtype=np.int64)
    if rows.size:
        result = score(
            ruleset,
            units_from_columns(
                *(components[rows, g] for g in range(GROUPS)),
                correction_integrity=correction[rows, 0],
                correction_prevalence=correction[rows, 1],
            ),
        )
        raw[rows], steps[rows], codes[rows] = (
            result.index_raw,
            result.index_steps,
            result.category_codes,
        )
    return raw, steps, codes


def _weakest(est: Estimates, scored: BoolArray, count: int) -> IntArray:
    """The ``count`` weakest dimensions of each row, weakest first.

    Tie rule: by exact score (not the rounded one), then by the dimension's order in the
    instrument; dimensions without a score are never among the weakest. Sorting by the nearest
    double first is exact wherever the doubles differ (rounding to a double keeps the order);
    equal doubles are compared as fractions.
    """
    result = np.full((len(scored), count), NO_CODE, dtype=np.int64)
    nums, dens = est.dimension_numerator, est.dimension_denominator
    for row in np.flatnonzero(scored).tolist():
        values = est.dimension_score[row].tolist()
        present = [d for d in range(len(values)) if dens[row, d]]
        ranked = sorted(present, key=lambda d: (values[d], d))
        ranked = _exact_ties(ranked, values, nums[row].tolist(), dens[row].tolist())[:count]
        result[row, : len(ranked)] = ranked
    return result


def _exact_ties(
    ranked: list[int], values: list[float], nums: list[int], dens: list[int]
) -> list[int]:
    """``ranked`` with each run of equal doubles ordered by exact value, then position."""
    out: list[int] = []
    start = 0
    while start < len(ranked):
        stop = start + 1
        while stop < len(ranked) and values[ranked[stop]] == values[ranked[start]]:
            stop += 1
        run = ranked[start:stop]
        if len(run) > 1:
            run = sorted(run, key=lambda d: (Fraction(nums[d], dens[d]), d))
        out.extend(run)
        start = stop
    return out


def _category_counts(
    subs: EntityScores, parent: IntArray, n_units: int, n_categories: int
) -> IntArray:
    column = np.where(subs.status == SCORED, subs.index_category, n_categories)
    flat = np.bincount(parent * (n_categories + 1) + column, minlength=n_units * (n_categories + 1))
    result: IntArray = flat.reshape(n_units, n_categories + 1).astype(np.int64)
    return result
