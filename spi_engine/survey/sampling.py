"""Margins of error, required sample sizes and sample adequacy (vectorised numeric kernels).

The margin of error of a proportion ``p`` at normal quantile ``z`` from ``n`` respondents out of a
population of ``N``, with the finite-population correction:

    moe(n) = z * sqrt(p (1 - p) / n) * sqrt((N - n) / (N - 1))

An unknown population (NaN) means no correction; a census (n >= N) has a margin of 0.

>>> margin_of_error(np.array([385, 100, 0]), np.array([np.nan, 200.0, 50.0]), 1.96, 0.5).round(4).tolist()
[0.0499, 0.0695, nan]
>>> required_respondents(0.05, np.array([np.nan, 1000.0, 20.0]), 1.96, 0.5).tolist()
[385, 278, 20]
"""

from __future__ import annotations

import numpy as np

from ..numeric import FloatArray, IntArray
from .instrument import SamplingRule

NOT_PUBLISHABLE = 0
PUBLISHABLE = 1
"""margin above the target but at most the maximum"""
MEETS_TARGET = 2
ADEQUACY_NAMES = ("not_publishable", "publishable", "meets_target")
TOLERANCE = 1e-12
"""Relative slack when comparing a margin with a bound (float noise only)."""


def margin_of_error(
    n: IntArray | FloatArray, population: FloatArray, z: float, p: float
) -> FloatArray:
    """The margin of error (a fraction) for ``n`` respondents; NaN where ``n`` is 0."""
    count = np.asarray(n, dtype=np.float64)
    big = np.asarray(population, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = z * np.sqrt(p * (1.0 - p) / count)
        fpc = np.where(
            np.isnan(big),
            1.0,
            np.sqrt(np.clip((big - count) / np.maximum(big - 1.0, 1.0), 0.0, 1.0)),
        )
    result: FloatArray = np.where(count > 0, base * fpc, np.nan)
    return result


def required_respondents(margin: float, population: FloatArray, z: float, p: float) -> IntArray:
    """The fewest respondents whose margin of error is at most ``margin`` (at most N when known)."""
    big = np.asarray(population, dtype=np.float64)
    n0 = z * z * p * (1.0 - p) / (margin * margin)
    with np.errstate(invalid="ignore"):
        exact = np.where(np.isnan(big), n0, n0 * big / (big - 1.0 + n0))
    guess = np.maximum(np.ceil(exact - 1e-9), 1.0)
    guess = np.where(np.isnan(big), guess, np.minimum(guess, big))
    too_few = margin_of_error(guess, big, z, p) > margin * (1.0 + TOLERANCE)
    result: IntArray = (guess + too_few).astype(np.int64)
    return result


def adequacy(n: IntArray, margin: FloatArray, rule: SamplingRule) -> IntArray:
    """MEETS_TARGET, PUBLISHABLE or NOT_PUBLISHABLE for each sample (NaN margins are not)."""
    enough = np.asarray(n) >= rule.min_respondents
    with np.errstate(invalid="ignore"):
        target = margin <= rule.target_margin * (1.0 + TOLERANCE)
        maximum = margin <= rule.max_margin * (1.0 + TOLERANCE)
    level = np.where(target, MEETS_TARGET, np.where(maximum, PUBLISHABLE, NOT_PUBLISHABLE))
    result: IntArray = np.where(enough, level, NOT_PUBLISHABLE).astype(np.int64)
    return result
