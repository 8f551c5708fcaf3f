"""Sweeps: one or two levers over a grid; equal to the individual scenarios; limits."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import InvalidInputError, LimitExceededError, bundled, units_from_columns
from spi_engine.scenario import Intervention, Scenario, simulate
from spi_engine.sweep import Axis, axis, sweep_levers

RULES = bundled().get("spi-2024")


def units():
    return units_from_columns(
        [75.61, 80.0], [89.02, 70.0], [73.53, 75.0], correction=[7.59, 1.0], ids=["a", "b"]
    )


def test_one_lever() -> None:
    result = sweep_levers(RULES, units(), [axis("external", 90, 95, 1)])
    assert result.index_steps.shape == (2, 6)
    assert result.index[0].tolist() == [71.98, 72.3, 72.63, 72.96, 73.29, 73.62]
    assert result.categories(0)[3:5] == ("rentan", "waspada")
    assert result.current.tolist() == [[89.02], [70.0]]


def test_two_levers_broadcast_over_units_and_both_axes() -> None:
    x, y = axis("external", 0, 100, 10), axis("correction", 0, 8, 0.5)
    result = sweep_levers(RULES, units(), [x, y])
    assert result.index_steps.shape == (2, 11, 17)
    assert result.axes[1].values.tolist()[:3] == [0.0, 0.5, 1.0]
    assert np.all(np.diff(result.index_steps, axis=1) >= 0)
    assert np.all(np.diff(result.index_steps, axis=2) <= 0)


@pytest.mark.parametrize(("i", "j"), [(0, 0), (3, 7), (10, 16), (5, 2)])
def test_every_point_equals_its_scenario(i: int, j: int) -> None:
    x, y = axis("internal", 50, 100, 5), axis("correction", 0, 8, 0.5)
    result = sweep_levers(RULES, units(), [x, y])
    scenario = Scenario(
        (
            Intervention("internal", "set", float(x.values[i])),
            Intervention("correction", "set", float(y.values[j])),
        )
    )
    after = simulate(RULES, units(), scenario).comparison.after
    assert result.index_raw[:, i, j].tobytes() == after.index_raw.tobytes()
    assert result.index_steps[:, i, j].tolist() == after.index_steps.tolist()
    assert result.category_codes[:, i, j].tolist() == after.category_codes.tolist()


def test_values_can_be_any_list() -> None:
    result = sweep_levers(RULES, units(), [Axis("expert", [70, 80.5])])  # type: ignore[arg-type]
    assert result.axes[0].values.tolist() == [70.0, 80.5]


def test_too_many_points_is_a_limit_not_a_hang() -> None:
    with pytest.raises(LimitExceededError) as error:
        sweep_levers(
            RULES, units(), [axis("internal", 0, 100, 0.01), axis("external", 0, 100, 0.01)]
        )
    assert error.value.limit == 2_000_000
    assert error.value.got == 2 * 10001 * 10001
    with pytest.raises(LimitExceededError, match="at most 10"):
        sweep_levers(RULES, units(), [axis("internal", 0, 100, 10)], max_points=10)


@pytest.mark.parametrize(
    ("axes", "field", "message"),
    [
        ([], "axes", "one or two axes"),
        ([Axis("internal", np.array([1.0]))] * 3, "axes", "one or two axes"),
        (
            [Axis("internal", np.array([1.0])), Axis("internal", np.array([2.0]))],
            "axes",
            "different",
        ),
        ([Axis("inner", np.array([1.0]))], "axes[0].lever", "got 'inner'"),
        ([Axis("internal", np.array([]))], "axes[0].values", "non-empty"),
        ([Axis("internal", np.array([50.0, 100.5]))], "axes[0].values[1]", "from 0 to 100"),
        ([Axis("correction", np.array([-1.0]))], "axes[0].values[0]", "from 0 to 100"),
        ([Axis("internal", np.array([np.nan]))], "axes[0].values[0]", "got nan"),
        ([Axis("correction_integrity", np.array([1.0]))], "axes[0].lever", "does not apply"),
    ],
)
def test_bad_axes(axes: list[Axis], field: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        sweep_levers(RULES, units(), axes)
    assert error.value.violations[0].field == field
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 100, 0), "axis"),
        ((50, 40, 1), "axis"),
        ((0, 100, 0.001), "axis.step"),
        ((np.inf, 1, 1), "axis.start"),
    ],
)
def test_bad_axis_grids(args: tuple[float, float, float], field: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        axis("external", *args)
    assert error.value.violations[0].field == field


def test_crossings_are_exact_to_a_hundredth() -> None:
    result = sweep_levers(RULES, units(), [axis("external", 80, 100, 0.25)])
    assert result.crossings(0) == ((93.11, 1),)
    falling = sweep_levers(RULES, units(), [axis("correction", 0, 10, 1)])
    assert falling.crossings(0) == ((1.26, 1), (6.26, 0))
    assert result.current_index_steps.tolist() == [7166, 7389]
