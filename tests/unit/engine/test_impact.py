"""Rule-change impact: units changing category, the distribution of changes, the CI gate."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import bundled, units_from_columns
from spi_engine.impact import compare_rulesets, histogram_steps
from spi_engine.variants import Variant, derive_variant

BASE = bundled().get("spi-2024")


def units():
    return units_from_columns(
        [75.61, 78.0, 78.0, 60.0, 90.0],
        [89.02, 78.0, 79.0, 60.0, 90.0],
        [73.53, 79.0, 78.5, 60.0, 90.0],
        correction=[7.59, 0.0, 0.0, 0.0, 1.0],
        ids=["probolinggo", "a", "b", "c", "d"],
    )


def test_the_same_rules_change_nothing() -> None:
    impact = compare_rulesets(BASE, BASE, units())
    assert impact.changed is False
    assert impact.units_changing_category == 0
    assert impact.quantiles.tolist() == [0.0] * 7
    assert impact.histogram_counts.tolist() == [5]


def test_a_stricter_threshold_moves_units_down() -> None:
    strict = derive_variant(BASE, Variant(id="strict", lower_bounds=(("terjaga", 79.0),)))
    impact = compare_rulesets(BASE, strict, units())
    comparison = impact.comparison
    assert impact.changed is True
    assert comparison.before.categories == ("rentan", "terjaga", "terjaga", "rentan", "terjaga")
    assert comparison.after.categories == ("rentan", "waspada", "waspada", "rentan", "terjaga")
    assert comparison.transition_list() == (
        ("rentan", "rentan", 2),
        ("terjaga", "waspada", 2),
        ("terjaga", "terjaga", 1),
    )
    assert impact.units_changing_index == 0
    assert comparison.mean_before_steps == comparison.mean_after_steps


def test_other_weights_move_indexes() -> None:
    other = derive_variant(BASE, Variant(id="heavy-external", weights=(0.2, 0.5, 0.3)))
    impact = compare_rulesets(BASE, other, units())
    deltas = impact.comparison.delta_steps
    assert impact.quantiles[0] == deltas.min() / 100
    assert impact.quantiles[-1] == deltas.max() / 100
    assert impact.quantiles[3] == np.median(deltas) / 100
    assert int(impact.histogram_counts.sum()) == 5
    assert impact.histogram_edges[0] <= deltas.min() / 100
    assert impact.histogram_edges[-1] > deltas.max() / 100
    assert (
        impact.comparison.mean_after_steps - impact.comparison.mean_before_steps
        == pytest.approx(deltas.mean(), abs=1)
    )


def test_bundled_2023_to_2024() -> None:
    impact = compare_rulesets(bundled().get("spi-2023"), BASE, units())
    assert impact.changed is True
    assert impact.comparison.delta_steps.tolist()[0] == 1


@pytest.mark.parametrize(
    ("steps", "width", "bins"),
    [([0], 1, 1), ([-7, 0, 3], 1, 11), ([0, 25], 2, 13), ([-500, 500], 100, 11), ([3, 3, 3], 1, 1)],
)
def test_histogram_widths_are_nice_and_cover_every_value(
    steps: list[int], width: int, bins: int
) -> None:
    edges, counts = histogram_steps(np.array(steps))
    assert int(edges[1] - edges[0]) == width
    assert counts.size == bins
    assert int(counts.sum()) == len(steps)
    assert edges[0] <= min(steps)
    assert edges[-1] > max(steps)
