"""Uncertainty of the index from the sampling error of its components.

Each component score is an estimate with a standard error: given directly, or from its
respondent count ``n`` and standard deviation ``sd`` as ``sd/sqrt(n)``, times the
finite-population correction ``sqrt((N - n)/(N - 1))`` when the population ``N`` is known. The
three components come from different respondents, so they are independent, and the corrections
are taken as known. Then ``index_raw`` is normal (approximately) with

    mean = index_raw of the unit,    se = sqrt(Σ (w_i · se_i)²)

A unit reaches a category bound ``B`` when its *published* index does, that is when
``index_raw >= B - half a step`` (rounding half up; see :func:`category_thresholds`), so the probability of each category is a
difference of normal CDFs at those points. Monte Carlo draws the components from the same
normal model and scores every draw exactly as :func:`~spi_engine.scoring.score` does (clamp,
round half up, categorise): it checks the analytic answer and adds the distribution of the
published index. It is seeded (``numpy.random.Generator(PCG64(seed))``) and reproducible bit for
bit. Draws are common to all units (one (draws, 3) block of standard normals, scaled per unit),
so a unit's result does not depend on the other units in the batch, and units x draws are
processed in bounded blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .cancel import checkpoint
from .errors import InvalidInputError, LimitExceededError, Violation
from .levers import frozen
from .normal import normal_cdf, normal_quantile
from .numeric import SNAP_DECIMALS, FloatArray, IntArray, round_half_up_steps
from .ruleset import Ruleset
from .scoring import Scores, score
from .units import COMPONENTS, Units

DEFAULT_MAX_DRAWS = 200_000
DEFAULT_MAX_CELLS = 200_000_000
"""units x draws one Monte Carlo run may compute by default (a few seconds)."""
BLOCK_CELLS = 1_000_000
"""units x draws held in memory at once."""


@dataclass(frozen=True)
class Sampling:
    """Per unit and component (shape (units, 3), in the order internal, external, expert)."""

    standard_errors: FloatArray
    respondents: FloatArray
    """NaN where only a standard error was given"""
    deviations: FloatArray
    """NaN where only a standard error was given"""
    population: FloatArray
    """inf where there is no finite-population correction"""


@dataclass(frozen=True)
class Estimate:
    """The analytic (normal) answer, per unit unless stated."""

    ruleset: Ruleset
    ids: tuple[str, ...]
    level: float
    z: float
    index_raw: FloatArray
    index_steps: IntArray
    category_codes: IntArray
    standard_error: FloatArray
    """of index_raw, in index points"""
    ci_low_steps: IntArray
    """confidence interval of the published index (clamped, rounded), lower end"""
    ci_high_steps: IntArray
    probabilities: FloatArray
    """(units, categories)"""


@dataclass(frozen=True)
class MonteCarlo:
    """The Monte Carlo answer, per unit unless stated."""

    ruleset: Ruleset
    ids: tuple[str, ...]
    seed: int
    draws: int
    level: float
    probabilities: FloatArray
    """(units, categories): share of draws in each category"""
    probability_errors: FloatArray
    """(units, categories): Monte Carlo standard error of each share"""
    mean_index: FloatArray
    """mean published index over the draws, in points"""
    standard_error: FloatArray
    """standard deviation of index_raw over the draws"""
    ci_low_steps: IntArray
    """quantile (1 - level)/2 of the published index over the draws"""
    ci_high_steps: IntArray


MAX_SPREAD = 100.0
"""The largest standard error or standard deviation taken, in points of a 0-100 score."""
MAX_PEOPLE = 1_000_000_000
"""The largest respondent count or population taken (no survey or institution is larger)."""


def sampling_from_errors(standard_errors: Any) -> Sampling:
    """Sampling from standard errors, shape (units, 3) (or (3,) for one unit)."""
    errors = _matrix(standard_errors, "standard_errors")
    _check(
        (errors >= 0) & (errors <= MAX_SPREAD),
        errors,
        "standard_errors",
        f"a standard error from 0 to {MAX_SPREAD:g}",
    )
    unknown = np.full(errors.shape, np.nan)
    return Sampling(
        _ro(errors), _ro(unknown), _ro(unknown.copy()), _ro(np.full(errors.shape, np.inf))
    )


def sampling_from_respondents(
    respondents: Any, deviations: Any, population: Any = None
) -> Sampling:
    """Sampling from respondent counts and standard deviations (and optionally population sizes).

    >>> s = sampling_from_respondents([[100, 400, 10]], [[15.0, 10.0, 8.0]], [[400, 10000, 10]])
    >>> s.standard_errors.round(4).tolist()
    [[1.3007, 0.4899, 0.0]]
    """
    counts = _matrix(respondents, "respondents")
    _check(
        (counts >= 1) & (counts == np.floor(counts)) & (counts <= MAX_PEOPLE),
        counts,
        "respondents",
        f"a whole number from 1 to {MAX_PEOPLE:,}",
    )
    spread = _matrix(deviations, "deviations", counts.shape)
    _check(
        (spread >= 0) & (spread <= MAX_SPREAD),
        spread,
        "deviations",
        f"a standard deviation from 0 to {MAX_SPREAD:g}",
    )
    size = np.full(counts.shape, np.inf) if population is None else _population(population, counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        correction = np.where(np.isfinite(size), np.sqrt((size - counts) / (size - 1)), 1.0)
    correction = np.where(np.isfinite(size) & (size <= 1), 0.0, correction)
    errors = spread / np.sqrt(counts) * correction
    return Sampling(_ro(errors), _ro(counts), _ro(spread), _ro(size))


def _population(population: Any, counts: FloatArray) -> FloatArray:
    size = _matrix(population, "population", counts.shape, allow_nan=True)
    size = np.where(np.isnan(size), np.inf, size)
    _check(
        (size >= counts) & ((size <= MAX_PEOPLE) | np.isposinf(size)),
        size,
        "population",
        f"a population >= the respondents and at most {MAX_PEOPLE:,} (or empty)",
    )
    return size


def _matrix(
    values: Any, field: str, shape: tuple[int, ...] | None = None, allow_nan: bool = False
) -> FloatArray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError([Violation(field, f"expected numbers; got {values!r}")]) from None
    if array.ndim == 1 and array.size == len(COMPONENTS):
        array = array.reshape(1, -1)
    wanted = shape or (array.shape[0] if array.ndim == 2 else -1, len(COMPONENTS))
    if array.shape != wanted:
        raise InvalidInputError(
            [
                Violation(
                    field,
                    f"expected shape {wanted} (units x internal, external, expert); got {array.shape}",
                )
            ]
        )
    finite = (
        np.isfinite(array)
        | (np.isnan(array) if allow_nan else False)
        | (np.isposinf(array) if allow_nan else False)
    )
    _check(finite, array, field, "a finite number")
    return array


def _check(ok: Any, values: FloatArray, field: str, expected: str) -> None:
    bad = ~np.asarray(ok, dtype=bool)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            [
                Violation(
                    f"{field}[{row}].{COMPONENTS[column]}",
                    f"expected {expected}; got {float(values[row, column])!r}",
                )
            ]
        )


def _ro(array: FloatArray) -> FloatArray:
    return frozen(np.array(array, dtype=np.float64))


def estimate_uncertainty(
    ruleset: Ruleset, units: Units, sampling: Sampling, *, level: float = 0.95
) -> Estimate:
    """Standard error, confidence interval and category probabilities by the normal approximation."""
    base, spread = _setup(ruleset, units, sampling)
    z = normal_quantile(0.5 + _level(level) / 2)
    low, high = ruleset.bounds
    ends = [
        round_half_up_steps(
            np.clip(base.index_raw + sign * z * spread, low, high), ruleset.decimals
        )
        for sign in (-1, 1)
    ]
    return Estimate(
        ruleset=ruleset,
        ids=units.ids,
        level=level,
        z=z,
        index_raw=base.index_raw,
        index_steps=base.index_steps,
        category_codes=base.category_codes,
        standard_error=frozen(spread),
        ci_low_steps=frozen(ends[0]),
        ci_high_steps=frozen(ends[1]),
        probabilities=frozen(probabilities(ruleset, base, spread)),
    )


def _setup(ruleset: Ruleset, units: Units, sampling: Sampling) -> tuple[Scores, FloatArray]:
    if not len(units):
        raise InvalidInputError([Violation("units", "expected at least one unit; got none")])
    if sampling.standard_errors.shape != (len(units), len(COMPONENTS)):
        raise InvalidInputError(
            [
                Violation(
                    "sampling",
                    f"expected one row per unit ({len(units)}); got {sampling.standard_errors.shape[0]}",
                )
            ]
        )
    weighted = sampling.standard_errors * np.asarray(ruleset.weights)[None, :]
    return score(ruleset, units), np.sqrt(np.sum(weighted * weighted, axis=1))


def _level(level: float) -> float:
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise InvalidInputError(
            [Violation("level", f"expected a confidence level between 0 and 1; got {level!r}")]
        )
    return float(level)


def category_thresholds(ruleset: Ruleset) -> FloatArray:
    """The index_raw from which each category is reached (-inf for the lowest).

    Half a published step below the bound, less half of the 9-decimal snap that scoring applies
    before rounding (see :mod:`spi_engine.numeric`), so that the analytic answer and scoring
    agree even for an index_raw within float noise of a threshold.

    >>> from spi_engine import bundled
    >>> category_thresholds(bundled().get("spi-2024")).tolist()
    [-inf, 72.99499999950001, 77.99499999950001]
    """
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.float64)
    points = (bounds - 0.5) / float(10**ruleset.decimals) - 0.5 * 10.0**-SNAP_DECIMALS
    points[0] = -np.inf
    return points


def probabilities(ruleset: Ruleset, base: Scores, spread: FloatArray) -> FloatArray:
    """P(category) per unit under index_raw ~ normal(base.index_raw, spread); exact where spread is 0."""
    thresholds = category_thresholds(ruleset)
    with np.errstate(divide="ignore", invalid="ignore"):
        score_z = (base.index_raw[:, None] - thresholds[None, :]) / spread[:, None]
    at_least = np.append(
        normal_cdf(np.where(np.isnan(score_z), 0.0, score_z)), np.zeros((len(base), 1)), axis=1
    )
    at_least[:, 0] = 1.0
    result: FloatArray = at_least[:, :-1] - at_least[:, 1:]
    certain = np.eye(thresholds.size)[base.category_codes]
    return np.where((spread > 0)[:, None], result, certain)


def monte_carlo(
    ruleset: Ruleset,
    units: Units,
    sampling: Sampling,
    *,
    draws: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
    max_draws: int = DEFAULT_MAX_DRAWS,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> MonteCarlo:
    """Category probabilities and the published index's spread by seeded Monte Carlo."""
    _check_draws(draws, seed, len(units), max_draws, max_cells)
    base, _ = _setup(ruleset, units, sampling)
    normals = np.random.Generator(np.random.PCG64(seed)).standard_normal((draws, len(COMPONENTS)))
    q = (1 - _level(level)) / 2
    block = max(1, BLOCK_CELLS // draws)
    parts = [
        _block(ruleset, base, sampling, normals, q, slice(start, start + block))
        for start in range(0, len(units), block)
    ]
    shares, mean, spread, ci_low, ci_high = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    return MonteCarlo(
        ruleset=ruleset,
        ids=units.ids,
        seed=seed,
        draws=draws,
        level=level,
        probabilities=frozen(shares),
        probability_errors=frozen(np.sqrt(shares * (1 - shares) / draws)),
        mean_index=frozen(mean),
        standard_error=frozen(spread),
        ci_low_steps=frozen(ci_low),
        ci_high_steps=frozen(ci_high),
    )


def _check_draws(draws: int, seed: int, units: int, max_draws: int, max_cells: int) -> None:
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 1:
        raise InvalidInputError(
            [Violation("draws", f"expected a whole number >= 1; got {draws!r}")]
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InvalidInputError([Violation("seed", f"expected a whole number >= 0; got {seed!r}")])
    if draws > max_draws:
        raise LimitExceededError("Monte Carlo draws", max_draws, draws)
    if units * draws > max_cells:
        raise LimitExceededError("Monte Carlo units x draws", max_cells, units * draws)


def _block(
    ruleset: Ruleset, base: Scores, sampling: Sampling, normals: FloatArray, q: float, rows: slice
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray, IntArray]:
    """Shares, mean index, sd of index_raw and the interval for the units in ``rows``."""
    checkpoint()
    units = base.units
    w_int, w_ext, w_exp = ruleset.weights
    se = sampling.standard_errors[rows]
    draw = [
        getattr(units, name)[rows, None] + se[:, i, None] * normals[None, :, i]
        for i, name in enumerate(COMPONENTS)
    ]
    raw = ((w_int * draw[0] + w_ext * draw[1]) + w_exp * draw[2]) + base.contribution_correction[
        rows, None
    ]
    low, high = ruleset.bounds
    steps = round_half_up_steps(np.clip(raw, low, high), ruleset.decimals)
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes = np.searchsorted(bounds, steps, side="right") - 1
    count = bounds.size
    offsets = np.arange(raw.shape[0])[:, None] * count
    shares = np.bincount((codes + offsets).ravel(), minlength=raw.shape[0] * count).reshape(
        -1, count
    )
    ends = np.quantile(steps, [q, 1 - q], axis=1, method="inverted_cdf").astype(np.int64)
    mean = steps.mean(axis=1) / float(10**ruleset.decimals)
    return shares / normals.shape[0], mean, raw.std(axis=1), ends[0], ends[1]
