"""spi_engine.scoring: contributions, clamp, rounding, categories on the published index, margins."""

from __future__ import annotations

import math

import numpy as np
import pytest

import spi_engine
from spi_engine import InvalidInputError, Ruleset, Violation, bundled, score, units_from_columns
from spi_engine.api.scoring_messages import results_to_pb
from spi_engine.ruleset import from_message
from spi_engine.scoring import NO_MARGIN

NAN = float("nan")


def rules(ruleset_id: str = "spi-2024") -> Ruleset:
    return bundled().get(ruleset_id)


def flat(value: float, ruleset_id: str = "spi-2024") -> spi_engine.Scores:
    """A unit with all three components at ``value`` and correction 0."""
    return score(rules(ruleset_id), units_from_columns([value], [value], [value], correction=[0]))


def unequal_factors() -> Ruleset:
    message = rules().to_message()
    message.id = "local-half-prevalence"
    message.correction.prevalence.factor = 0.5
    return from_message(message)


def test_contributions_are_the_weighted_terms() -> None:
    units = units_from_columns(
        [80.0], [90.0], [70.0], correction_integrity=[1.25], correction_prevalence=[2.0]
    )
    result = score(rules(), units)
    assert result.contribution_internal.tolist() == [0.305 * 80.0]
    assert result.contribution_external.tolist() == [0.328 * 90.0]
    assert result.contribution_expert.tolist() == [0.367 * 70.0]
    assert result.contribution_correction.tolist() == [-3.25]
    total = (
        (result.contribution_internal + result.contribution_external) + result.contribution_expert
    ) + result.contribution_correction
    assert result.index_raw.tolist() == total.tolist()
    assert math.isclose(result.index_raw[0], 24.4 + 29.52 + 25.69 - 3.25, abs_tol=1e-12)
    assert result.index_steps.tolist() == [7636]
    assert result.categories == ("waspada",)


@pytest.mark.parametrize(
    ("ruleset_id", "index", "category"),
    [("spi-2024", 71.66, "rentan"), ("spi-2023", 71.65, "rentan"), ("spi-2025", 71.65, "rentan")],
)
def test_probolinggo(ruleset_id: str, index: float, category: str) -> None:
    units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
    result = score(rules(ruleset_id), units)
    assert result.index.tolist() == [index]
    assert result.categories == (category,)


@pytest.mark.parametrize(
    ("value", "index", "steps", "category"),
    [
        (72.99, 72.99, 7299, "rentan"),
        (72.994999, 72.99, 7299, "rentan"),
        (72.995, 73.00, 7300, "waspada"),
        (73.0, 73.00, 7300, "waspada"),
        (77.99, 77.99, 7799, "waspada"),
        (77.994999, 77.99, 7799, "waspada"),
        (77.995, 78.00, 7800, "terjaga"),
        (78.0, 78.00, 7800, "terjaga"),
        (71.655, 71.66, 7166, "rentan"),
        (0.0, 0.00, 0, "rentan"),
        (100.0, 100.00, 10000, "terjaga"),
    ],
)
def test_categories_are_decided_on_the_rounded_index(
    value: float, index: float, steps: int, category: str
) -> None:
    for ruleset_id in ("spi-2021", "spi-2024", "spi-2025"):
        result = flat(value, ruleset_id)
        assert result.index_steps.tolist() == [steps]
        assert result.index.tolist() == [index]
        assert result.categories == (category,)


@pytest.mark.parametrize(
    ("value", "up", "down"),
    [
        (0.0, 7300, NO_MARGIN),
        (72.99, 1, NO_MARGIN),
        (73.0, 500, 1),
        (75.5, 250, 251),
        (77.99, 1, 500),
        (78.0, NO_MARGIN, 1),
        (100.0, NO_MARGIN, 2201),
    ],
)
def test_margins_in_steps(value: float, up: int, down: int) -> None:
    result = flat(value)
    assert result.margin_up_steps.tolist() == [up]
    assert result.margin_down_steps.tolist() == [down]


def test_margins_in_results() -> None:
    result = score(
        rules(),
        units_from_columns(
            [72.99, 77.99, 78.0], [72.99, 77.99, 78.0], [72.99, 77.99, 78.0], correction=[0] * 3
        ),
    )
    low, middle, top = results_to_pb(result)
    assert (low.margin_up.category, low.margin_up.points) == ("waspada", 0.01)
    assert not low.HasField("margin_down")
    assert (middle.margin_up.category, middle.margin_up.points) == ("terjaga", 0.01)
    assert (middle.margin_down.category, middle.margin_down.points) == ("rentan", 5.0)
    assert not top.HasField("margin_up")
    assert (top.margin_down.category, top.margin_down.points) == ("waspada", 0.01)


def test_clamped_at_zero_keeps_the_raw_index() -> None:
    result = score(rules(), units_from_columns([2.0], [3.0], [4.0], correction=[10.0]))
    assert result.index_raw[0] < 0
    assert math.isclose(result.index_raw[0], 0.305 * 2 + 0.328 * 3 + 0.367 * 4 - 10, abs_tol=1e-12)
    assert result.index.tolist() == [0.0]
    assert result.categories == ("rentan",)
    assert result.margin_up_steps.tolist() == [7300]


def test_clamped_at_a_narrower_maximum() -> None:
    message = rules().to_message()
    message.id = "capped-90"
    message.bounds.max = 90
    result = score(
        from_message(message), units_from_columns([95.0], [95.0], [95.0], correction=[0])
    )
    assert result.index_steps.tolist() == [9000]
    assert math.isclose(result.index_raw[0], 95.0, abs_tol=1e-12)


def test_correction_is_subtracted_point_for_point() -> None:
    with_total = score(rules(), units_from_columns([80.0], [80.0], [80.0], correction=[4.0]))
    with_parts = score(
        rules(),
        units_from_columns(
            [80.0], [80.0], [80.0], correction_integrity=[2.5], correction_prevalence=[1.5]
        ),
    )
    assert with_total.index_raw.tolist() == with_parts.index_raw.tolist()
    assert with_total.index.tolist() == [76.0]


def test_unequal_factors_weigh_each_part() -> None:
    units = units_from_columns(
        [80.0], [80.0], [80.0], correction_integrity=[2.0], correction_prevalence=[3.0]
    )
    result = score(unequal_factors(), units)
    assert result.contribution_correction.tolist() == [-(2.0 + 0.5 * 3.0)]


def test_total_with_unequal_factors_is_an_error() -> None:
    units = units_from_columns(
        [80.0, 80.0, 80.0], [80.0] * 3, [80.0] * 3, correction=[0.0, 2.0, 0.0]
    )
    with pytest.raises(InvalidInputError) as caught:
        score(unequal_factors(), units)
    assert caught.value.violations == (
        Violation(
            "units[1].correction",
            "ruleset 'local-half-prevalence' weighs the correction parts differently (integrity "
            "1.0, prevalence 0.5); expected correction_integrity and correction_prevalence "
            "instead of a total",
        ),
    )


def test_total_with_unequal_factors_names_rows_the_callers_way() -> None:
    units = units_from_columns([80.0], [80.0], [80.0], correction=[2.0])
    with pytest.raises(InvalidInputError) as caught:
        score(unequal_factors(), units, where=lambda row, field: f"line {row + 2}, {field}")
    assert caught.value.violations[0].field == "line 2, correction"


def test_zero_total_with_unequal_factors_is_fine() -> None:
    units = units_from_columns([80.0], [80.0], [80.0], correction=[0.0])
    assert score(unequal_factors(), units).index.tolist() == [80.0]


def test_results_echo_ruleset_and_engine() -> None:
    result = flat(75.0)
    assert result.ruleset is rules()
    assert result.engine_version == spi_engine.__version__
    assert len(result) == 1


def test_result_arrays_are_read_only() -> None:
    result = flat(75.0)
    arrays = [
        result.index_raw,
        result.index_steps,
        result.category_codes,
        result.contribution_internal,
        result.contribution_correction,
        result.margin_up_steps,
        result.margin_down_steps,
    ]
    for array in arrays:
        assert not array.flags.writeable
    assert result.index_raw.dtype == np.float64
    assert result.index_steps.dtype == np.int64


def test_no_units_no_results() -> None:
    result = score(rules(), units_from_columns([], [], [], correction=[]))
    assert len(result) == 0
    assert result.index.tolist() == []
    assert result.categories == ()


def test_one_decimal_ruleset() -> None:
    message = rules().to_message()
    message.id = "one-decimal"
    message.rounding.decimals = 1
    message.categories.categories[2].lower_bound = 77.5
    result = score(
        from_message(message),
        units_from_columns([77.45, 77.44], [77.45, 77.44], [77.45, 77.44], correction=[0, 0]),
    )
    assert result.index_steps.tolist() == [775, 774]
    assert result.index.tolist() == [77.5, 77.4]
    assert result.categories == ("terjaga", "waspada")
    assert result.margin_up_steps.tolist() == [NO_MARGIN, 1]
