"""The standard normal distribution with numpy alone (numpy has no erf; scipy is not a dependency).

``erfc`` is evaluated from two textbook expansions, both vectorised with a fixed number of terms:

- for ``|z| < 1.5`` the series ``erf(z) = 2/sqrt(pi) · exp(-z²) · Σ (2z²)^n · z / (1·3·…·(2n+1))``,
  whose terms are all positive (no cancellation), 60 terms;
- for ``|z| >= 1.5`` the continued fraction
  ``erfc(z) = exp(-z²)/sqrt(pi) · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …))))``, 150 levels.

Accuracy, checked by the unit tests against ``math.erfc`` over [-40, 40]: absolute error below
1e-15 everywhere, relative error below 1e-13 where erfc is above 1e-300.

>>> normal_cdf(np.array([-1.959963984540054, 0.0, 1.0])).round(12).tolist()
[0.025, 0.5, 0.841344746069]
>>> round(normal_quantile(0.975), 12)
1.95996398454
"""

from __future__ import annotations

import math

import numpy as np

from .numeric import FloatArray

SERIES_TERMS = 60
FRACTION_LEVELS = 150
SWITCH = 1.5
"""|z| from which the continued fraction is used instead of the series."""
LARGEST = 30.0
"""|z| beyond which erfc is 0 (or 2) in float64: erfc(27.3) is already below the smallest double."""


def erfc(z: FloatArray) -> FloatArray:
    """The complementary error function, elementwise."""
    z = np.asarray(z, dtype=np.float64)
    size = np.minimum(np.abs(z), LARGEST)
    near = np.minimum(size, SWITCH)
    far = np.maximum(size, SWITCH)
    result: FloatArray = np.where(size < SWITCH, 1.0 - _erf_series(near), _erfc_fraction(far))
    return np.where(z < 0, 2.0 - result, result)


def _erf_series(z: FloatArray) -> FloatArray:
    term = z.copy()
    total = z.copy()
    twice_square = 2.0 * z * z
    for n in range(1, SERIES_TERMS):
        term = term * twice_square / (2 * n + 1)
        total = total + term
    erf: FloatArray = (2.0 / math.sqrt(math.pi)) * np.exp(-z * z) * total
    return erf


def _erfc_fraction(z: FloatArray) -> FloatArray:
    tail = z.copy()
    for level in range(FRACTION_LEVELS, 0, -1):
        tail = z + (level / 2.0) / tail
    with np.errstate(under="ignore"):
        result: FloatArray = np.exp(-z * z) / (math.sqrt(math.pi) * tail)
    return result


def normal_cdf(x: FloatArray) -> FloatArray:
    """P(X <= x) for a standard normal X; exact 0 and 1 at minus and plus infinity."""
    result: FloatArray = 0.5 * erfc(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0))
    return result


def normal_quantile(p: float) -> float:
    """The x with ``normal_cdf(x) == p`` for 0 < p < 1, by bisection to the last bit."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"expected a probability strictly between 0 and 1; got {p!r}")
    low, high = -40.0, 40.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if float(normal_cdf(np.array([middle]))[0]) < p:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)
