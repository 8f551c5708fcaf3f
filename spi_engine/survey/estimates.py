"""Estimates of a set of cells (units or sub-units) from their exact counts: item means, dimension
and component scores with standard errors, margins of error and sample adequacy.

    dimension score = mean of the respondents' dimension scores (exact, :mod:`.exact`)
    component score = weighted mean of the cell's dimension scores (the instrument's dimension
                      weights, renormalised over the dimensions with a score; exact)
    se              = sqrt(var / n) * sqrt((N - n) / (N - 1)),   var = sample variance of the
                      respondents' milli points (their dimension, or component, scores)

where n counts the respondents with a score and N is the population of the score's group
(no correction when N is unknown). Every array has one row per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ..numeric import FloatArray, IntArray
from .exact import as_float, component_fractions, dimension_fractions
from .instrument import GROUP_NAMES, Instrument
from .sampling import adequacy, margin_of_error
from .stats import MICRO, MILLI, MOMENTS, Layout

GROUPS = len(GROUP_NAMES)
DECIMALS = 6
"""Bound used to choose int64 or Python ints for the exact numerators (rounding to at most 6)."""


@dataclass(frozen=True)
class Estimates:
    """What the counts of each cell say, before any ruleset is applied."""

    respondents: IntArray
    """(cells, 3) respondents per group"""
    population: FloatArray
    """(cells, 3) NaN where unknown"""
    sampled: FloatArray
    """(cells, 3) NaN where unknown"""
    response_rate: FloatArray
    """(cells, 3) respondents / sampled; NaN where the sample size is unknown"""
    margin_of_error: FloatArray
    """(cells, 3) as a fraction (0.05 is 5%); NaN without respondents"""
    adequacy: IntArray
    """(cells,) the worst over the instrument's sampling groups"""
    item_answered: IntArray
    """(cells, items) valid answers"""
    item_dont_know: IntArray
    item_missing: IntArray
    item_mean: FloatArray
    """(cells, items) mean points over valid answers (share of good answers for yes/no items)"""
    dimension_n: IntArray
    dimension_score: FloatArray
    dimension_se: FloatArray
    component_n: IntArray
    component_score: FloatArray
    component_se: FloatArray
    dimension_numerator: npt.NDArray[Any] = field(
        default_factory=lambda: np.zeros((0, 0)), repr=False
    )
    """(cells, dimensions) the exact dimension scores are numerator / denominator"""
    dimension_denominator: npt.NDArray[Any] = field(
        default_factory=lambda: np.zeros((0, 0)), repr=False
    )
    """0 where the dimension has no respondents"""
    component_exact: tuple[tuple[Fraction | None, ...], ...] = field(default=(), repr=False)
    """(cells, 3) the exact component scores; None without a dimension score"""


def estimate(
    instrument: Instrument, counts: IntArray, population: FloatArray, sampled: FloatArray
) -> Estimates:
    """Estimates of every cell (row of ``counts``) given its population and sample sizes (cells, 3)."""
    lay = Layout.of(instrument)
    respondents = counts[:, :GROUPS]
    rule = instrument.sampling
    margins = margin_of_error(respondents, population, rule.z, rule.proportion)
    required = list(rule.groups)
    levels = adequacy(respondents[:, required], margins[:, required], rule).min(axis=1)
    answered, dont_know, missing, means = _items(instrument, counts, lay)
    dim_pop = population[:, instrument.dimension_group]
    d_n, d_score, d_se = _moments(
        counts, lay.dimension_start, len(instrument.dimension_ids), dim_pop
    )
    c_n, _, c_se = _moments(counts, lay.component_start, GROUPS, population)
    d_num, d_den = dimension_fractions(instrument, counts[:, lay.exact_start :], d_n, DECIMALS)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_score = np.where(d_den > 0, d_num / np.where(d_den > 0, d_den, 1), np.nan).astype(
            np.float64
        )
    c_exact = component_fractions(instrument, d_num, d_den, GROUPS)
    c_score = np.array([as_float(row) for row in c_exact], dtype=np.float64).reshape(c_n.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(sampled > 0, respondents / sampled, np.nan)
    return Estimates(
        respondents=respondents.copy(),
        population=population,
        sampled=sampled,
        response_rate=rate,
        margin_of_error=margins,
        adequacy=levels,
        item_answered=answered,
        item_dont_know=dont_know,
        item_missing=missing,
        item_mean=means,
        dimension_n=d_n,
        dimension_score=d_score,
        dimension_se=d_se,
        component_n=c_n,
        component_score=c_score,
        component_se=c_se,
        dimension_numerator=d_num,
        dimension_denominator=d_den,
        component_exact=c_exact,
    )


def _items(
    instrument: Instrument, counts: IntArray, lay: Layout
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    items = len(instrument.item_ids)
    shape = (counts.shape[0], items)
    answered, dont_know, missing = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    totals = np.zeros(shape)
    for i in range(items):
        k = int(instrument.item_points[i])
        block = counts[:, lay.item_start[i] : lay.item_start[i] + k + 2]
        answered[:, i] = block[:, :k].sum(axis=1)
        dont_know[:, i] = block[:, k]
        missing[:, i] = block[:, k + 1]
        totals[:, i] = block[:, :k] @ instrument.bin_points[i, :k]
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(answered > 0, totals / answered, np.nan)
    return answered, dont_know, missing, means


def _moments(
    counts: IntArray, start: int, scores: int, population: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    block = counts[:, start : start + MOMENTS * scores].reshape(counts.shape[0], scores, MOMENTS)
    n = block[:, :, 0]
    total_micro = block[:, :, 1].astype(np.float64)
    total_milli = block[:, :, 2].astype(np.float64)
    squares = block[:, :, 3].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(n > 0, total_micro / n / MICRO, np.nan)
        variance = (
            np.maximum(squares - total_milli * total_milli / n, 0.0) / (n - 1) / (MILLI * MILLI)
        )
        fpc = np.where(
            np.isnan(population),
            1.0,
            np.clip((population - n) / np.maximum(population - 1, 1), 0, 1),
        )
        se = np.where(n > 1, np.sqrt(variance / n * fpc), np.nan)
    return n.copy(), score, se
