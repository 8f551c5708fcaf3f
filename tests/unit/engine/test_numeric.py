"""spi_engine.numeric: rounding half up without binary-float artefacts, exact means, formatting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spi_engine.numeric import (
    as_float_array,
    format_steps,
    half_up_text,
    half_up_texts,
    mean_steps,
    round_half_up_steps,
    steps_to_float,
    value_to_steps,
)


@pytest.mark.parametrize(
    ("value", "decimals", "steps"),
    [
        (71.655, 2, 7166),  # held as 71.65499999999999758: must still round up
        (77.994999, 2, 7799),
        (77.994999999, 2, 7799),
        (77.995, 2, 7800),
        (72.995, 2, 7300),
        (72.985, 2, 7299),
        (1.005, 2, 101),  # held as 1.00499999999999989
        (0.125, 2, 13),  # half up, not half to even
        (0.135, 2, 14),
        (0.145, 2, 15),
        (0.005, 2, 1),
        (0.0049999, 2, 0),
        (0.0, 2, 0),
        (73.0, 2, 7300),
        (100.0, 2, 10000),
        (2.5, 0, 3),
        (3.5, 0, 4),
        (77.45, 1, 775),
        (77.44999, 1, 774),
        (71.6549, 3, 71655),
        (0.3046 * 75.0 + 0.3279 * 80.0 + 0.3675 * 70.0, 2, 7480),  # 74.802,
    ],
)
def test_round_half_up_steps(value: float, decimals: int, steps: int) -> None:
    assert round_half_up_steps(np.array([value]), decimals).tolist() == [steps]


def test_round_half_up_steps_is_vectorised_and_integer() -> None:
    result = round_half_up_steps(np.array([71.655, 77.994999, 0.0, 100.0]), 2)
    assert result.dtype == np.int64
    assert result.tolist() == [7166, 7799, 0, 10000]


def test_sums_that_land_on_a_half_round_up() -> None:
    # 0.305*x + 0.328*x + 0.367*x for x = 71.655 is 71.655 up to float error either side.
    x = 71.655
    raw = (0.305 * x + 0.328 * x) + 0.367 * x
    assert round_half_up_steps(np.array([raw]), 2).tolist() == [7166]


@pytest.mark.parametrize("decimals", [-1, 10])
def test_round_half_up_steps_rejects_decimals_out_of_range(decimals: int) -> None:
    with pytest.raises(ValueError, match=rf"^decimals must be from 0 to 9; got {decimals}$"):
        round_half_up_steps(np.array([1.0]), decimals)


@pytest.mark.parametrize(
    ("steps", "decimals", "text"),
    [(7166, 2, "71.66"), (7799, 2, "77.99"), (7300, 2, "73.0"), (5, 2, "0.05"), (775, 1, "77.5")],
)
def test_steps_to_float_is_the_nearest_double(steps: int, decimals: int, text: str) -> None:
    value = steps_to_float(np.array([steps]), decimals)
    assert value.dtype == np.float64
    assert repr(float(value[0])) == text


@pytest.mark.parametrize(
    ("value", "decimals", "steps"),
    [
        (77.5, 2, 7750),
        (77.505, 2, None),
        (0.07, 2, 7),
        (0.1 + 0.2, 1, 3),
        (73.0, 0, 73),
        (73.5, 0, None),
        (100.0, 6, 100_000_000),
        (0.0, 2, 0),
    ],
)
def test_value_to_steps(value: float, decimals: int, steps: int | None) -> None:
    assert value_to_steps(value, decimals) == steps


@pytest.mark.parametrize(
    ("values", "mean"),
    [
        ([7165, 7166], 7166),  # 7165.5 rounds half up
        ([1, 1, 2], 1),  # 1.333...
        ([1, 2, 2], 2),  # 1.666...
        ([1, 2], 2),
        ([0, 0, 1], 0),
        ([7300], 7300),
        ([0], 0),
        ([7243, 7244, 7244, 7243], 7244),  # 7243.5
    ],
)
def test_mean_steps_rounds_half_up(values: list[int], mean: int) -> None:
    assert mean_steps(np.array(values, dtype=np.int64)) == mean


def test_mean_steps_is_exact_in_integers() -> None:
    # A million values whose mean sits just below and exactly on a half step.
    values = np.full(1_000_000, 7153, dtype=np.int64)
    values[0] += 499_999  # mean 7153.499999 -> 7153
    assert mean_steps(values) == 7153
    values[0] += 1  # mean 7153.5 exactly -> 7154
    assert mean_steps(values) == 7154


def test_mean_steps_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^the mean of no values is undefined$"):
        mean_steps(np.array([], dtype=np.int64))


@pytest.mark.parametrize(
    ("steps", "decimals", "text"),
    [
        (7166, 2, "71.66"),
        (7300, 2, "73.00"),
        (10000, 2, "100.00"),
        (5, 2, "0.05"),
        (0, 2, "0.00"),
        (-5, 2, "-0.05"),
        (-7166, 2, "-71.66"),
        (42, 0, "42"),
        (775, 1, "77.5"),
        (1, 6, "0.000001"),
    ],
)
def test_format_steps(steps: int, decimals: int, text: str) -> None:
    assert format_steps(steps, decimals) == text


def test_as_float_array_is_a_read_only_float64_copy() -> None:
    source = np.array([[1, 2], [3, 4]], dtype=np.int32)
    array = as_float_array(source)
    assert array.dtype == np.float64
    assert array.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert not array.flags.writeable
    source[0, 0] = 99
    assert array[0] == 1.0


@settings(max_examples=500)
@given(
    value=st.floats(min_value=-9e9, max_value=9e9)
    | st.sampled_from([71.655, 1.005, 72.985, -0.005, 0.0, -0.0, float("nan")]),
    decimals=st.integers(min_value=0, max_value=9),
)
def test_one_value_is_rounded_as_a_column_of_them(value: float, decimals: int) -> None:
    """(within +-9e9, where the column form's snapped product fits in int64)"""
    assert half_up_text(value, decimals) == half_up_texts(np.array([value]), decimals)[0]


def test_one_value_beyond_int64_steps_still_rounds_and_an_infinity_is_refused() -> None:
    assert half_up_text(5e12, 2) == "5000000000000.00"
    with pytest.raises(ValueError, match=r"^expected a finite value to round; got -inf$"):
        half_up_text(float("-inf"), 2)
