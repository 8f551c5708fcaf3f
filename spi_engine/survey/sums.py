"""Exact integer sums per key, without ``np.add.at``: ``np.bincount`` where float64 holds every
partial sum exactly, sort-and-``reduceat`` where it cannot.

``np.bincount`` adds its weights in float64, which is exact while every partial sum is an integer
below 2**53. A column whose values are too large for that is split into a high and a low part,
each summed by ``np.bincount`` and put together in int64; only when even the parts could exceed
2**53 are the rows sorted by key and summed in int64 by ``np.add.reduceat``. The result is
always the exact int64 sum, the same as ``np.add.at`` into zeros gives.

>>> sum_by(np.array([2, 0, 2]), np.array([5, 7, 2**62]), 3).tolist()
[7, 0, 4611686018427387909]
>>> sum_rows_by(np.array([1, 0, 1]), np.array([[1, 2], [3, 4], [5, 6]]), 2).tolist()
[[3, 4], [6, 8]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..numeric import IntArray

EXACT = 2**53
"""float64 holds every integer below this exactly"""


def count_by(keys: npt.NDArray[np.integer], size: int) -> IntArray:
    """How many times each key from 0 to ``size - 1`` occurs."""
    result: IntArray = np.bincount(keys, minlength=size).astype(np.int64, copy=False)
    return result


def sum_by(keys: npt.NDArray[np.integer], values: npt.NDArray[np.integer], size: int) -> IntArray:
    """The exact int64 sum of ``values`` per key from 0 to ``size - 1``."""
    exact: IntArray = values.astype(np.int64, copy=False)
    if exact.size == 0:
        return np.zeros(size, dtype=np.int64)
    rows = exact.size
    largest = max(abs(int(exact.max())), abs(int(exact.min())))
    if largest * rows < EXACT:
        return _float_sums(keys, exact, size)
    shift = EXACT.bit_length() - 1 - rows.bit_length()
    if shift > 0 and ((largest >> shift) + 1) * rows < EXACT:
        high = _float_sums(keys, exact >> shift, size)
        low = _float_sums(keys, exact & ((1 << shift) - 1), size)
        result: IntArray = (high << shift) + low
        return result
    return _sorted_sums(keys, exact[:, None], size)[:, 0]


def sum_rows_by(keys: npt.NDArray[np.integer], rows: IntArray, size: int) -> IntArray:
    """(size, columns): the exact sum of the rows of ``rows`` per key (sort and reduceat)."""
    return _sorted_sums(keys, rows.astype(np.int64, copy=False), size)


def _float_sums(keys: npt.NDArray[np.integer], values: IntArray, size: int) -> IntArray:
    """bincount's float64 sums, exact because every partial sum stays below 2**53."""
    result: IntArray = np.bincount(keys, weights=values, minlength=size).astype(np.int64)
    return result


def _sorted_sums(keys: npt.NDArray[np.integer], rows: IntArray, size: int) -> IntArray:
    result = np.zeros((size, rows.shape[1]), dtype=np.int64)
    if keys.size == 0:
        return result
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    result[ordered[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return result
