"""Dtypes and rounding: the one place that decides how numbers are held and rounded.

Everything is float64 until the output edge. A published value is held as an integer count of
its precision step (``7166`` hundredths for 71.66), so comparisons with category bounds, means
and margins are exact integer arithmetic, and formatting never shows binary-float artefacts.

Before rounding half up, a value is snapped to 9 decimals. SPI inputs have 2 decimals and the
weights at most 4, so an exact index has at most 6 decimals; float64 error is about 1e-14. The
snap removes that error (71.655 is held as 71.65499999999999758) without changing any value the
inputs can express.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

FLOAT = np.float64
INT = np.int64
SNAP_DECIMALS = 9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def as_float_array(values: Any) -> FloatArray:
    """A read-only 1-D float64 copy of ``values``."""
    array = np.array(values, dtype=FLOAT, copy=True).reshape(-1)
    array.flags.writeable = False
    return array


def round_half_up_steps(values: FloatArray, decimals: int) -> IntArray:
    """Round half up to ``decimals`` places; return integer counts of ``10**-decimals``.

    >>> round_half_up_steps(np.array([71.655, 77.994999999, 0.0, 73.0]), 2).tolist()
    [7166, 7799, 0, 7300]
    >>> round_half_up_steps(np.array([0.3046 * 75.0 + 0.3279 * 80.0 + 0.3675 * 70.0]), 2).tolist()
    [7480]
    """
    if not 0 <= decimals <= SNAP_DECIMALS:
        raise ValueError(f"decimals must be from 0 to {SNAP_DECIMALS}; got {decimals}")
    snapped = np.rint(np.asarray(values, dtype=FLOAT) * 10.0**SNAP_DECIMALS).astype(INT)
    step = 10 ** (SNAP_DECIMALS - decimals)
    result: IntArray = (snapped + step // 2) // step
    return result


def round_half_up_step(value: float, decimals: int) -> int:
    """:func:`round_half_up_steps` of one finite value, in Python arithmetic: the same IEEE-754
    product and the same round-half-to-even snap as ``np.rint``, so the same count.

    >>> round_half_up_step(71.655, 2), round_half_up_step(77.994999999, 2), round_half_up_step(0.0, 2)
    (7166, 7799, 0)
    """
    if not 0 <= decimals <= SNAP_DECIMALS:
        raise ValueError(f"decimals must be from 0 to {SNAP_DECIMALS}; got {decimals}")
    snapped = round(value * float(10**SNAP_DECIMALS))
    step: int = 10 ** (SNAP_DECIMALS - decimals)
    return (snapped + step // 2) // step


def steps_to_float(steps: IntArray, decimals: int) -> FloatArray:
    """The float64 nearest to each ``steps * 10**-decimals`` (prints as the exact decimal).

    >>> steps_to_float(np.array([7166, 7799]), 2).tolist()
    [71.66, 77.99]
    """
    result: FloatArray = np.asarray(steps, dtype=INT) / FLOAT(10**decimals)
    return result


MAX_EXACT_STEPS = 2.0**52
"""The largest step count checked for exactness: beyond it float64 holds no fraction at all, so
every value would look exact (and 1e308 scaled up overflows)."""


def value_to_steps(value: float, decimals: int) -> int | None:
    """``value`` as an exact count of ``10**-decimals``, or None when it has more decimals, or
    is not finite, or is too large to tell (more than 2**52 steps).

    >>> value_to_steps(77.5, 2), value_to_steps(77.505, 2), value_to_steps(1e308, 2)
    (7750, None, None)
    """
    scaled = value * 10**decimals
    if not abs(scaled) <= MAX_EXACT_STEPS:  # also NaN and infinity, and 1e308 (scaled: inf)
        return None
    steps = round(scaled)
    return steps if abs(steps - scaled) < 1e-6 else None


def mean_steps(steps: IntArray) -> int:
    """The mean of integer step counts, rounded half up, computed exactly in integers.

    >>> mean_steps(np.array([7165, 7166])), mean_steps(np.array([1, 1, 2]))
    (7166, 1)
    """
    count = int(steps.size)
    if count == 0:
        raise ValueError("the mean of no values is undefined")
    total = int(np.sum(steps, dtype=INT))
    return (2 * total + count) // (2 * count)


def format_steps(steps: int, decimals: int) -> str:
    """Fixed-point text of a step count: ``format_steps(7166, 2) == '71.66'``.

    >>> format_steps(7166, 2), format_steps(5, 2), format_steps(-5, 2), format_steps(42, 0)
    ('71.66', '0.05', '-0.05', '42')
    """
    if decimals == 0:
        return str(steps)
    sign = "-" if steps < 0 else ""
    whole, frac = divmod(abs(steps), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


def half_up_texts(values: FloatArray, decimals: int) -> list[str]:
    """Values rounded half up to ``decimals`` places, as text; '' for NaN. The one rounding of
    report rows (the library's and the CLI's).

    >>> half_up_texts(np.array([71.655, np.nan, 0.005]), 2)
    ['71.66', '', '0.01']
    """
    has = ~np.isnan(values)
    steps = round_half_up_steps(np.where(has, values, 0.0), decimals)
    return [
        format_steps(int(s), decimals) if h else ""
        for s, h in zip(steps.tolist(), has.tolist(), strict=True)
    ]


def half_up_text(value: float, decimals: int) -> str:
    """:func:`half_up_texts` of one value, in Python arithmetic (no array; a report's cells one
    by one): the same text wherever the column form's snapped product fits in int64 (values
    within about +-9.2e9); beyond that, where the column form overflows, it still gives the
    rounded float product's digits. An infinity has no text: ValueError.

    >>> half_up_text(71.655, 2), half_up_text(float("nan"), 2), half_up_text(0.005, 2)
    ('71.66', '', '0.01')
    """
    if value != value:
        return ""
    if math.isinf(value):
        raise ValueError(f"expected a finite value to round; got {value}")
    return format_steps(round_half_up_step(value, decimals), decimals)
