"""Exact sums per key (spi_engine.survey.sums) against np.add.at, the reference (Hypothesis).

Random keys and int64 values in every range (small: one bincount; large: split into two
bincounts; near the int64 limit: sort and reduceat) give exactly what np.add.at gives.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spi_engine.survey.sums import count_by, sum_by, sum_rows_by

PROFILE = settings(max_examples=200, deadline=None)
MAGNITUDES = st.sampled_from([2**8, 2**40, 2**50, 2**58, 2**62])


@st.composite
def keyed(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    size = draw(st.integers(1, 40))
    rows = draw(st.integers(0, 300))
    keys = draw(hnp.arrays(np.int64, rows, elements=st.integers(0, size - 1)))
    bound = draw(MAGNITUDES) // max(rows, 1)
    values = draw(hnp.arrays(np.int64, rows, elements=st.integers(-bound, bound)))
    return keys, values, size


@PROFILE
@given(keyed())
def test_sum_by_is_np_add_at(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    keys, values, size = case
    expected = np.zeros(size, dtype=np.int64)
    np.add.at(expected, keys, values)
    result = sum_by(keys, values, size)
    assert result.dtype == np.int64
    assert result.tolist() == expected.tolist()
    counted = np.zeros(size, dtype=np.int64)
    np.add.at(counted, keys, 1)
    assert count_by(keys, size).tolist() == counted.tolist()


@PROFILE
@given(keyed(), st.integers(1, 5))
def test_sum_rows_by_is_np_add_at(case: tuple[np.ndarray, np.ndarray, int], width: int) -> None:
    keys, values, size = case
    rows = np.stack([values // (j + 1) for j in range(width)], axis=1)
    expected = np.zeros((size, width), dtype=np.int64)
    np.add.at(expected, keys, rows)
    assert sum_rows_by(keys, rows, size).tolist() == expected.tolist()


def test_large_sums_stay_exact_where_float64_would_round() -> None:
    keys = np.zeros(3, dtype=np.int64)
    values = np.array([2**53, 1, 1], dtype=np.int64)
    assert sum_by(keys, values, 1).tolist() == [2**53 + 2]
    assert float(np.bincount(keys, weights=values)[0]) != 2**53 + 2
