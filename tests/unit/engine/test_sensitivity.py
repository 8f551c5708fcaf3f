"""Sensitivity: slopes, distances to the neighbouring categories, the tornado order."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import InvalidInputError, bundled, units_from_columns
from spi_engine.goal import STATUSES, goal_seek
from spi_engine.sensitivity import lever_sensitivity, points

RULES = bundled().get("spi-2024")


def units():
    return units_from_columns(
        [75.61, 80.0, 95.0, 60.0],
        [89.02, 80.0, 95.0, 60.0],
        [73.53, 80.0, 95.0, 60.0],
        correction=[7.59, 0.0, 0.0, 0.0],
        ids=["probolinggo", "middle", "top", "bottom"],
    )


def test_slopes_are_index_points_per_point() -> None:
    result = lever_sensitivity(RULES, units())
    assert result.slopes.tolist() == [0.305, 0.328, 0.367, -1.0, -1.0, -1.0]
    assert result.levers[0] == "internal"


def test_up_and_down_reuse_goal_seeking() -> None:
    result = lever_sensitivity(RULES, units())
    up = goal_seek(RULES, units().take([0]), "waspada")
    assert result.up.change_steps[0].tolist() == up.change_steps[0].tolist()
    assert result.up.change(0, "external") == 4.09
    assert points(result.up)[0, 1] == pytest.approx(4.09)


def test_a_unit_falls_into_the_category_below() -> None:
    result = lever_sensitivity(RULES, units())
    assert result.down.change(1, "external") == -6.12
    assert result.down.change(1, "correction") == 2.01


def test_no_category_at_the_ends() -> None:
    result = lever_sensitivity(RULES, units())
    assert {STATUSES[int(s)] for s in result.up.status[2]} == {"no_category"}
    assert {STATUSES[int(s)] for s in result.down.status[0]} == {"no_category"}
    assert {STATUSES[int(s)] for s in result.down.status[3]} == {"no_category"}
    assert result.up.reason(2, "internal") == "there is no category in that direction"
    assert np.isnan(points(result.up)[2]).all()


def test_tornado_ranks_fewest_points_first() -> None:
    result = lever_sensitivity(RULES, units())
    order = [result.levers[i] for i in result.rank[0]]
    # Probolinggo holds a total correction: the parts do not apply and rank last.
    assert order == [
        "correction",
        "expert",
        "external",
        "internal",
        "correction_integrity",
        "correction_prevalence",
    ]
    middle = [result.levers[i] for i in result.rank[1]]
    assert middle[:3] == ["correction_integrity", "correction_prevalence", "correction"]


def test_a_subset_of_levers() -> None:
    result = lever_sensitivity(RULES, units(), ["external", "expert"])
    assert result.levers == ("external", "expert")
    assert result.rank[0].tolist() == [1, 0]


def test_unknown_lever() -> None:
    with pytest.raises(InvalidInputError, match=r"levers\[0\]"):
        lever_sensitivity(RULES, units(), ["outer"])
