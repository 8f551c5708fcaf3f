"""How many more respondents would make a unit's current category certain (at 95% by default).

Under the normal approximation of :mod:`spi_engine.uncertainty`, a unit whose ``index_raw`` lies
at distances ``a`` above and ``b`` below its category's thresholds keeps its category with
probability ``P(se) = Φ(b/se) - Φ(-a/se)``, which rises as ``se`` falls. Bisection finds the
largest ``se*`` with ``P(se*) >= certainty``. Each component's variance, with ``k`` times its
respondents, is ``A/k - C`` (``A = (w·sd)²·N/(n·(N-1))`` and ``C = (w·sd)²/(N-1)`` with the
finite-population correction; ``C = 0`` without it; ``A = (w·se)²`` when only a standard error is
known), so:

- scaling every component by ``k``: ``k = ΣA / (se*² + ΣC)``;
- one component alone (the others as now): ``k_j = A_j / (R_j + C_j)`` with
  ``R_j = se*² - Σ_{i≠j} (A_i - C_i)``, impossible when ``R_j <= 0``.

A unit on a category threshold (``a`` below 1e-9, the scoring snap) never becomes certain:
status ``on_bound``.

>>> from spi_engine import bundled, units_from_columns
>>> from spi_engine.uncertainty import sampling_from_respondents
>>> units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
>>> sampling = sampling_from_respondents([[120, 200, 10]], [[12.0, 10.0, 9.0]])
>>> answer = respondents_for_certainty(bundled().get("spi-2024"), units, sampling)
>>> STATUSES[answer.status[0]], answer.respondents[0].tolist()
('more_respondents', [228.0, 379.0, 19.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .cancel import checkpoint
from .errors import InvalidInputError, Violation
from .levers import frozen
from .normal import normal_cdf
from .numeric import FloatArray, IntArray
from .ruleset import Ruleset
from .scoring import Scores, score
from .uncertainty import Sampling, category_thresholds
from .units import Units

STATUSES = ("certain_now", "more_respondents", "on_bound", "exceeds_population")
CERTAIN_NOW, MORE_RESPONDENTS, ON_BOUND, EXCEEDS_POPULATION = range(len(STATUSES))
BISECTION_STEPS = 100
SMALLEST_SE = 1e-9
BOUND_TOLERANCE = 1e-9
"""index_raw closer than this above its threshold counts as on the bound (it is the scoring snap)."""
FACTOR_SCALE = 1e4
"""Factors are reported rounded up to 4 decimals."""


@dataclass(frozen=True)
class Certainty:
    """Respondents needed per unit; (units, 3) arrays are in the order internal, external, expert."""

    ruleset: Ruleset
    ids: tuple[str, ...]
    certainty: float
    category_codes: IntArray
    probability: FloatArray
    """P(current category) now"""
    status: npt.NDArray[np.int8]
    factor: FloatArray
    """respondents x factor on every component; 1 when certain now, NaN on a bound"""
    respondents: FloatArray
    """ceil(factor x respondents); NaN where counts are unknown"""
    additional: FloatArray
    factor_alone: FloatArray
    """(units, 3): the factor on this component alone; NaN when it cannot suffice"""
    respondents_alone: FloatArray
    probability_after: FloatArray
    """P(current category) with the scaled respondents: the check of the answer"""


def respondents_for_certainty(
    ruleset: Ruleset, units: Units, sampling: Sampling, *, certainty: float = 0.95
) -> Certainty:
    """How many respondents make each unit's current category at least ``certainty`` likely."""
    if not (isinstance(certainty, float | int) and 0.5 < certainty < 1):
        raise InvalidInputError(
            [
                Violation(
                    "certainty", f"expected a probability above 0.5 and below 1; got {certainty!r}"
                )
            ]
        )
    base = score(ruleset, units)
    a, b = _distances(ruleset, base)
    high, low = _variance_terms(ruleset, sampling)
    spread_now = np.sqrt(np.maximum(high.sum(axis=1) - low.sum(axis=1), 0.0))
    now = _keep(a, b, spread_now)
    target = _largest_spread(a, b, float(certainty), spread_now)
    on_bound = a < BOUND_TOLERANCE
    needed = high.sum(axis=1) / (target**2 + low.sum(axis=1))
    factor = np.where(now >= certainty, 1.0, _round_up(needed))
    factor = np.where(on_bound & (now < certainty), np.nan, factor)
    counts = sampling.respondents
    scaled = np.ceil(np.maximum(factor[:, None] * counts, counts) - 1e-9)
    alone = _alone(high, low, target, now >= certainty)
    after = _keep(a, b, _spread_after(high, low, counts, scaled, factor))
    status = _status(now, certainty, on_bound, scaled, sampling)
    return Certainty(
        ruleset=ruleset,
        ids=units.ids,
        certainty=float(certainty),
        category_codes=base.category_codes,
        probability=frozen(now),
        status=frozen(status),
        factor=frozen(factor),
        respondents=frozen(scaled),
        additional=frozen(scaled - counts),
        factor_alone=frozen(alone),
        respondents_alone=frozen(np.ceil(np.maximum(alone * counts, counts) - 1e-9)),
        probability_after=frozen(after),
    )


def _distances(ruleset: Ruleset, base: Scores) -> tuple[FloatArray, FloatArray]:
    """index_raw above its category's threshold (a) and below the next one (b); inf at the ends."""
    thresholds = np.append(category_thresholds(ruleset), np.inf)
    codes = base.category_codes
    return base.index_raw - thresholds[codes], thresholds[codes + 1] - base.index_raw


def _keep(a: FloatArray, b: FloatArray, spread: FloatArray) -> FloatArray:
    """P(the category stays) for index_raw ~ normal with standard error ``spread``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        up, down = b / spread, -a / spread
    up = np.where(np.isnan(up), np.inf, up)
    down = np.where(np.isnan(down), 0.0, down)
    sure = np.where(a > 0, 1.0, 0.5)
    kept: FloatArray = np.where(spread > 0, normal_cdf(up) - normal_cdf(down), sure)
    return kept


def _largest_spread(
    a: FloatArray, b: FloatArray, certainty: float, spread: FloatArray
) -> FloatArray:
    """The largest standard error that keeps the category with ``certainty`` (vectorised bisection)."""
    low = np.full(a.shape, np.log(SMALLEST_SE))
    high = np.log(np.maximum(spread, SMALLEST_SE))
    for _ in range(BISECTION_STEPS):
        checkpoint()
        middle = 0.5 * (low + high)
        enough = _keep(a, b, np.exp(middle)) >= certainty
        low, high = np.where(enough, middle, low), np.where(enough, high, middle)
    largest: FloatArray = np.exp(low)
    return largest


def _variance_terms(ruleset: Ruleset, sampling: Sampling) -> tuple[FloatArray, FloatArray]:
    """(A, C) per unit and component: the variance with k x the respondents is A/k - C."""
    weight = np.asarray(ruleset.weights)[None, :]
    known = ~np.isnan(sampling.respondents)
    size = sampling.population
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (weight * sampling.deviations) ** 2
        finite = known & np.isfinite(size) & (size > 1)
        high = np.where(
            finite,
            spread * size / (sampling.respondents * (size - 1)),
            spread / sampling.respondents,
        )
        low = np.where(finite, spread / (size - 1), 0.0)
    census = known & np.isfinite(size) & (size <= 1)
    high = np.where(known, np.where(census, 0.0, high), (weight * sampling.standard_errors) ** 2)
    return high, np.where(census, 0.0, low)


def _alone(
    high: FloatArray, low: FloatArray, target: FloatArray, certain: npt.NDArray[np.bool_]
) -> FloatArray:
    current = high - low
    rest = target[:, None] ** 2 - (current.sum(axis=1, keepdims=True) - current)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.maximum(_round_up(high / (rest + low)), 1.0)
    factor = np.where(rest > 0, factor, np.nan)
    return np.where(certain[:, None], 1.0, factor)


def _round_up(factor: FloatArray) -> FloatArray:
    """Factors rounded up to 4 decimals, so that float noise never leaves the answer short."""
    rounded: FloatArray = np.ceil(factor * FACTOR_SCALE) / FACTOR_SCALE
    return rounded


def _spread_after(
    high: FloatArray, low: FloatArray, counts: FloatArray, scaled: FloatArray, factor: FloatArray
) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        each = np.where(np.isnan(counts), factor[:, None], scaled / counts)
        variance = (high / each - low).sum(axis=1)
    spread: FloatArray = np.sqrt(np.maximum(variance, 0.0))
    return spread


def _status(
    now: FloatArray,
    certainty: float,
    on_bound: npt.NDArray[np.bool_],
    scaled: FloatArray,
    sampling: Sampling,
) -> npt.NDArray[np.int8]:
    over = (scaled > sampling.population).any(axis=1)
    status = np.where(over, EXCEEDS_POPULATION, MORE_RESPONDENTS)
    status = np.where(on_bound, ON_BOUND, status)
    return np.where(now >= certainty, CERTAIN_NOW, status).astype(np.int8)
