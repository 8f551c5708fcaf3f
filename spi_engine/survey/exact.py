"""Exact survey scores: integer item units, rational means, half-up rounding without float noise.

An item score is ``100 * (answer - 1) / (k - 1)`` (or 0 / 100 for yes/no): a rational number. With
``L`` the least common multiple of the items' denominators, every item score is an integer count
of ``100 / L`` points (an "item unit"). A respondent's dimension score is their mean item score,
``T / c`` item units (T: integer sum, c: valid answers); the statistics keep, per dimension and per
``c``, the integer sum of T over respondents, so a cell's dimension score

    score = 100 / (L * n) * sum over c of (sum of T) / c        (n: respondents with a score)

is an exact fraction, whatever the chunking. A component score is the weighted mean of the
dimension scores (the instrument's weights, renormalised over the dimensions with a score), also
exact; it is rounded half up at the output only, so 625/8 = 78.125 publishes 78.13.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from ..numeric import FloatArray, IntArray
from .instrument import Instrument

MAX_DENOMINATOR = 100
"""Item scores are 100 * (a - 1) / (k - 1) with k <= 10: denominators divide 9!."""


@lru_cache(maxsize=16)
def _units(sha256: str, table: bytes, shape: tuple[int, int]) -> tuple[int, IntArray]:
    scores = np.frombuffer(table, dtype=np.float64).reshape(shape)
    fractions = {
        value: Fraction(value / 100).limit_denominator(MAX_DENOMINATOR)
        for value in np.unique(scores).tolist()
    }
    lcm = math.lcm(*(f.denominator for f in fractions.values()))
    units = np.rint(scores * lcm / 100).astype(np.int64)
    if not np.allclose(units, scores * lcm / 100, rtol=0, atol=1e-6):
        raise ValueError(f"instrument {sha256[:12]}: item scores are not multiples of 100/{lcm}")
    units.flags.writeable = False
    return lcm, units


def item_units(inst: Instrument) -> tuple[int, IntArray]:
    """(L, (items, code slots) integer item units; 0 where the answer has no score)."""
    table = np.ascontiguousarray(inst.zero_score_table, dtype=np.float64)
    return _units(inst.sha256, table.tobytes(), (int(table.shape[0]), int(table.shape[1])))


def dimension_sizes(inst: Instrument) -> IntArray:
    """Items per dimension (the possible counts c of valid answers are 1..size)."""
    sizes: IntArray = np.bincount(inst.item_dimension, minlength=len(inst.dimension_ids))
    return sizes.astype(np.int64)


def dimension_offsets(inst: Instrument) -> IntArray:
    """Where each dimension's per-count sums start within the exact block."""
    sizes = dimension_sizes(inst)
    offsets: IntArray = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    return offsets


SAFE = 2**62
"""Integer products stay below this in int64; above it the arrays hold Python ints."""


def dimension_fractions(
    inst: Instrument, sums: IntArray, respondents: IntArray, decimals: int
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """(numerators, denominators), each (cells, dimensions), of the exact dimension scores.

    ``sums`` is the exact block of the statistics (cells, items); ``respondents`` (cells,
    dimensions) counts the respondents with a score. The denominator is 0 without respondents.
    With M = lcm(1..items of the dimension), sum over c of S_c / c = (sum of S_c * M / c) / M.
    """
    lcm, _ = item_units(inst)
    sizes, offsets = dimension_sizes(inst), dimension_offsets(inst)
    common = math.lcm(*range(1, int(sizes.max(initial=1)) + 1))
    bound = int(respondents.max(initial=0)) * lcm * common * 100 * 10**decimals * 2
    kind: Any = np.int64 if bound < SAFE else object
    numerator = np.zeros(respondents.shape, dtype=kind)
    for d, (start, size) in enumerate(zip(offsets.tolist(), sizes.tolist(), strict=True)):
        factors = np.array([common // c for c in range(1, size + 1)], dtype=kind)
        numerator[:, d] = sums[:, start : start + size].astype(kind) @ factors * 100
    denominator = respondents.astype(kind) * (lcm * common)
    return numerator, denominator


def half_up_array(
    numerator: npt.NDArray[Any], denominator: npt.NDArray[Any], decimals: int
) -> IntArray:
    """numerator / denominator rounded half up to ``decimals``, in steps; -1 where the
    denominator is 0."""
    has = denominator > 0
    safe = np.where(has, denominator, 1)
    steps = (numerator * (2 * 10**decimals) + safe) // (2 * safe)
    result: IntArray = np.where(has, steps, -1).astype(np.int64)
    return result


def component_fractions(
    inst: Instrument, numerator: npt.NDArray[Any], denominator: npt.NDArray[Any], groups: int
) -> tuple[tuple[Fraction | None, ...], ...]:
    """Each cell's component scores: the weighted mean of its dimension scores (exact).

    Integer arithmetic over a common denominator, one normalisation per component (the same value
    as :func:`weighted_mean` on fractions, faster).
    """
    weights = exact_weights(inst.dimension_weight)
    members = [np.flatnonzero(inst.dimension_group == g).tolist() for g in range(groups)]
    totals: dict[tuple[int, ...], Fraction] = {}
    result = []
    for num, den in zip(numerator.tolist(), denominator.tolist(), strict=True):
        row: list[Fraction | None] = []
        for dims in members:
            present = tuple(d for d in dims if den[d])
            total = totals.get(present)
            if total is None:
                total = totals.setdefault(present, sum((weights[d] for d in present), Fraction(0)))
            if not present or total <= 0:
                row.append(None)
                continue
            top, bottom = 0, 1
            for d in present:
                w = weights[d]
                term_top, term_bottom = w.numerator * num[d], w.denominator * den[d]
                top, bottom = top * term_bottom + term_top * bottom, bottom * term_bottom
            row.append(Fraction(top * total.denominator, bottom * total.numerator))
        result.append(tuple(row))
    return tuple(result)


def exact_weights(weights: FloatArray) -> list[Fraction]:
    """The instrument's dimension weights as the fractions they state (0.15 -> 3/20, 1/7 -> 1/7)."""
    return [Fraction(float(w)).limit_denominator(10**6) for w in weights.tolist()]


def weighted_mean(
    scores: Sequence[Fraction | None], weights: Sequence[Fraction]
) -> Fraction | None:
    """Weighted mean over the scores present, weights renormalised; None when none is."""
    present = [(s, w) for s, w in zip(scores, weights, strict=True) if s is not None]
    total = sum((w for _, w in present), Fraction(0))
    if not present or total <= 0:
        return None
    return sum((s * w for s, w in present), Fraction(0)) / total


def half_up_steps(value: Fraction, decimals: int) -> int:
    """``value`` (>= 0) rounded half up to ``decimals``, as an integer count of 10**-decimals."""
    top, bottom = value.numerator, value.denominator
    steps: int = (top * 2 * 10**decimals + bottom) // (2 * bottom)
    return steps


def as_float(values: Sequence[Fraction | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]
