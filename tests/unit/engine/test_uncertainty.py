"""Uncertainty: the normal CDF, analytic and Monte Carlo answers, respondents for certainty."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spi_engine import InvalidInputError, LimitExceededError, bundled, units_from_columns
from spi_engine.certainty import STATUSES, respondents_for_certainty
from spi_engine.normal import erfc, normal_cdf, normal_quantile
from spi_engine.uncertainty import (
    estimate_uncertainty,
    monte_carlo,
    sampling_from_errors,
    sampling_from_respondents,
)
from spi_engine.units import Units

RULES = bundled().get("spi-2024")


def probolinggo() -> Units:
    return units_from_columns([75.61], [89.02], [73.53], correction=[7.59])


def test_erfc_matches_math_erfc_to_documented_accuracy() -> None:
    x = np.concatenate([np.linspace(-40, 40, 80_001), [0.0, 1.5, -1.5, 2.9999, 3.0]])
    reference = np.array([math.erfc(v) for v in x])
    got = erfc(x)
    assert np.max(np.abs(got - reference)) < 1e-15
    big = reference > 1e-300
    assert np.max(np.abs(got[big] - reference[big]) / reference[big]) < 1e-13


def test_normal_cdf_and_quantile() -> None:
    assert normal_cdf(np.array([-np.inf, 0.0, np.inf])).tolist() == [0.0, 0.5, 1.0]
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-14)
    assert normal_quantile(0.5) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        normal_quantile(1.0)


def test_standard_error_of_the_index() -> None:
    sampling = sampling_from_errors([[1.0, 2.0, 3.0]])
    result = estimate_uncertainty(RULES, probolinggo(), sampling)
    expected = math.sqrt((0.305 * 1) ** 2 + (0.328 * 2) ** 2 + (0.367 * 3) ** 2)
    assert result.standard_error[0] == pytest.approx(expected, rel=1e-15)
    z = 1.959963984540054
    low = 71.65512 - z * expected
    assert result.ci_low_steps[0] == math.floor(low * 100 + 0.5)
    assert result.z == pytest.approx(z, abs=1e-14)


def test_category_probabilities_use_the_rounding_threshold() -> None:
    sampling = sampling_from_errors([[1.0, 2.0, 3.0]])
    result = estimate_uncertainty(RULES, probolinggo(), sampling)
    spread = result.standard_error[0]
    snap = 0.5e-9
    waspada_or_more = 0.5 * math.erfc(-(71.65512 - 72.995 + snap) / spread / math.sqrt(2))
    terjaga = 0.5 * math.erfc(-(71.65512 - 77.995 + snap) / spread / math.sqrt(2))
    assert result.probabilities[0].tolist() == pytest.approx(
        [1 - waspada_or_more, waspada_or_more - terjaga, terjaga], abs=1e-14
    )
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-15)


def test_no_sampling_error_means_certainty() -> None:
    result = estimate_uncertainty(RULES, probolinggo(), sampling_from_errors([[0.0, 0.0, 0.0]]))
    assert result.probabilities.tolist() == [[1.0, 0.0, 0.0]]
    assert result.ci_low_steps.tolist() == result.ci_high_steps.tolist() == [7166]


def test_monte_carlo_agrees_with_the_analytic_answer() -> None:
    rng = np.random.default_rng(11)
    values = np.round(rng.uniform(65, 85, (50, 3)), 2)
    units = units_from_columns(*values.T, correction=np.round(rng.uniform(0, 3, 50), 2))
    sampling = sampling_from_errors(rng.uniform(0.3, 3.0, (50, 3)))
    exact = estimate_uncertainty(RULES, units, sampling)
    drawn = monte_carlo(RULES, units, sampling, draws=20_000, seed=3)
    allowed = 5 * np.sqrt(exact.probabilities * (1 - exact.probabilities) / 20_000) + 1e-9
    assert np.all(np.abs(drawn.probabilities - exact.probabilities) <= allowed)
    assert np.allclose(drawn.standard_error, exact.standard_error, rtol=0.05)
    assert np.all(np.abs(drawn.ci_low_steps - exact.ci_low_steps) <= 10)


def test_monte_carlo_is_reproducible_and_batch_independent() -> None:
    rng = np.random.default_rng(12)
    values = np.round(rng.uniform(65, 85, (7, 3)), 2)
    units = units_from_columns(*values.T, correction=np.zeros(7))
    sampling = sampling_from_errors(rng.uniform(0.3, 3.0, (7, 3)))
    first = monte_carlo(RULES, units, sampling, draws=3000, seed=9)
    again = monte_carlo(RULES, units, sampling, draws=3000, seed=9)
    other = monte_carlo(RULES, units, sampling, draws=3000, seed=10)
    assert first.probabilities.tobytes() == again.probabilities.tobytes()
    assert first.mean_index.tobytes() == again.mean_index.tobytes()
    assert first.probabilities.tobytes() != other.probabilities.tobytes()
    alone = monte_carlo(
        RULES,
        units.take([4]),
        sampling_from_errors(sampling.standard_errors[4]),
        draws=3000,
        seed=9,
    )
    assert alone.probabilities.tobytes() == first.probabilities[4:5].tobytes()


def test_monte_carlo_blocks_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(13)
    values = np.round(rng.uniform(65, 85, (9, 3)), 2)
    units = units_from_columns(*values.T, correction=np.zeros(9))
    sampling = sampling_from_errors(rng.uniform(0.3, 3.0, (9, 3)))
    whole = monte_carlo(RULES, units, sampling, draws=1000, seed=1)
    monkeypatch.setattr("spi_engine.uncertainty.BLOCK_CELLS", 2000)
    blocked = monte_carlo(RULES, units, sampling, draws=1000, seed=1)
    assert whole.probabilities.tobytes() == blocked.probabilities.tobytes()
    assert whole.ci_high_steps.tobytes() == blocked.ci_high_steps.tobytes()


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"draws": 0}, InvalidInputError, "draws: expected a whole number >= 1; got 0"),
        ({"draws": 2.5}, InvalidInputError, "draws"),
        ({"seed": -1}, InvalidInputError, "seed: expected a whole number >= 0; got -1"),
        (
            {"draws": 300_000},
            LimitExceededError,
            "Monte Carlo draws: at most 200,000 allowed; got 300,000",
        ),
        ({"draws": 100, "max_cells": 50}, LimitExceededError, "units x draws"),
        ({"level": 1.5}, InvalidInputError, "level"),
    ],
)
def test_monte_carlo_bad_arguments(
    kwargs: dict[str, object], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text.replace("(", r"\(")):
        monte_carlo(RULES, probolinggo(), sampling_from_errors([1.0, 1.0, 1.0]), **kwargs)  # type: ignore[arg-type]


def test_respondents_and_the_finite_population_correction() -> None:
    plain = sampling_from_respondents([[100, 400, 10]], [[15.0, 10.0, 8.0]])
    assert plain.standard_errors[0].tolist() == pytest.approx([1.5, 0.5, 8 / math.sqrt(10)])
    corrected = sampling_from_respondents(
        [[100, 400, 10]], [[15.0, 10.0, 8.0]], [[400, np.nan, 10]]
    )
    assert corrected.standard_errors[0, 0] == pytest.approx(1.5 * math.sqrt(300 / 399))
    assert corrected.standard_errors[0, 1] == pytest.approx(0.5)
    assert corrected.standard_errors[0, 2] == 0.0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: sampling_from_errors([[1.0, -1.0, 1.0]]), "standard_errors[0].external"),
        (lambda: sampling_from_errors([[1.0, 1.0]]), "standard_errors"),
        (lambda: sampling_from_errors([["a", 1.0, 1.0]]), "standard_errors"),
        (lambda: sampling_from_errors([[1.0, np.inf, 1.0]]), "standard_errors[0].external"),
        (lambda: sampling_from_respondents([[0, 5, 5]], [[1, 1, 1]]), "respondents[0].internal"),
        (lambda: sampling_from_respondents([[5, 5.5, 5]], [[1, 1, 1]]), "respondents[0].external"),
        (lambda: sampling_from_respondents([[5, 5, 5]], [[1, 1, -1]]), "deviations[0].expert"),
        (
            lambda: sampling_from_respondents([[5, 5, 5]], [[1, 1, 1]], [[4, 9, 9]]),
            "population[0].internal",
        ),
        (lambda: sampling_from_respondents([[5, 5, 5]], [[1, 1, 1], [1, 1, 1]]), "deviations"),
    ],
)
def test_bad_sampling_inputs(call: object, field: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        call()  # type: ignore[operator]
    assert error.value.violations[0].field == field


def test_sampling_must_match_the_units() -> None:
    with pytest.raises(InvalidInputError, match="one row per unit"):
        estimate_uncertainty(RULES, probolinggo(), sampling_from_errors([[1, 1, 1], [1, 1, 1]]))


def test_respondents_for_a_certain_category() -> None:
    sampling = sampling_from_respondents([[120, 200, 10]], [[12.0, 10.0, 9.0]])
    answer = respondents_for_certainty(RULES, probolinggo(), sampling)
    assert STATUSES[int(answer.status[0])] == "more_respondents"
    assert answer.probability[0] < 0.95 <= answer.probability_after[0]
    assert answer.respondents[0].tolist() == [228.0, 379.0, 19.0]
    assert answer.additional[0].tolist() == [108.0, 179.0, 9.0]
    fewer = sampling_from_respondents(
        answer.respondents - np.array([[1, 1, 1]]), [[12.0, 10.0, 9.0]]
    )
    assert estimate_uncertainty(RULES, probolinggo(), fewer).probabilities[0, 0] < 0.95 + 1e-3
    expert_alone = answer.respondents_alone[0, 2]
    enough = sampling_from_respondents([[120, 200, expert_alone]], [[12.0, 10.0, 9.0]])
    assert estimate_uncertainty(RULES, probolinggo(), enough).probabilities[0, 0] >= 0.95
    short = sampling_from_respondents([[120, 200, expert_alone - 1]], [[12.0, 10.0, 9.0]])
    assert estimate_uncertainty(RULES, probolinggo(), short).probabilities[0, 0] < 0.95


def test_certain_now_on_a_bound_and_without_counts() -> None:
    units = units_from_columns(
        [75.61, 73.0, 60.0], [89.02, 73.0, 60.0], [73.53, 73.0, 60.0], correction=[7.59, 0.005, 0.0]
    )
    sampling = sampling_from_errors([[0.1, 0.1, 0.1], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    answer = respondents_for_certainty(RULES, units, sampling)
    assert [STATUSES[int(s)] for s in answer.status] == ["certain_now", "on_bound", "certain_now"]
    assert np.isnan(answer.factor[1])
    assert np.isnan(answer.respondents).all()
    wider = respondents_for_certainty(
        RULES, units.take([0]), sampling_from_errors([[3.0, 3.0, 3.0]])
    )
    assert wider.factor[0] > 1
    assert wider.probability_after[0] >= 0.95


def test_the_whole_population_may_not_be_enough() -> None:
    sampling = sampling_from_respondents([[50, 50, 5]], [[20.0, 20.0, 20.0]], [[60, 60, 6]])
    answer = respondents_for_certainty(RULES, probolinggo(), sampling, certainty=0.99)
    assert STATUSES[int(answer.status[0])] in {"exceeds_population", "more_respondents"}
    assert np.all(answer.respondents[0] >= [50, 50, 5])


@pytest.mark.parametrize("certainty", [0.5, 1.0, 2, "high"])
def test_bad_certainty(certainty: object) -> None:
    with pytest.raises(InvalidInputError, match="certainty"):
        respondents_for_certainty(
            RULES, probolinggo(), sampling_from_errors([1, 1, 1]), certainty=certainty
        )  # type: ignore[arg-type]
