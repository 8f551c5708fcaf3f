"""Survey scores match their definition: exact means, the component as the weighted mean of the
dimension scores, half-up rounding of exact ties, and the weakest-dimension tie rule."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from spi_engine import bundled
from spi_engine.survey import bundled_instrument, responses_from_columns, score_survey
from spi_engine.survey.exact import half_up_steps, weighted_mean
from spi_engine.survey.instrument import InvalidInstrumentError, from_message
from spi_engine.survey.responses import Responses
from spi_engine.survey.results import _weakest
from spi_engine.survey.stats import chunk_stats, fold

INSTRUMENT = bundled_instrument()
RULES = bundled().get("spi-2024")
# One 5-point Likert item per internal dimension, in instrument order (True: reverse-coded).
LIKERT = {
    "transparency": ("int_trans_1", False),
    "integrity-in-duties": ("int_duty_facilities", True),
    "procurement": ("int_pbj_eproc", False),
    "hr-management": ("int_sdm_merit", False),
    "trading-in-influence": ("int_tii_coi", False),
    "budget-management": ("int_ang_honoraria", True),
    "anti-corruption-socialisation": ("int_sos_report", False),
}
# Each column (dimension) sums to 625 over 8 respondents: every dimension scores 625/8 = 78.125.
# Each respondent's own component is a multiple of 1/7 (not a terminating decimal): the old
# engine averaged those, rounded to 1e-6 each, and published 78.12.
TIE = np.array(
    [
        [100, 100, 100, 75, 50, 100, 100],
        [100, 100, 75, 0, 100, 100, 100],
        [50, 50, 75, 100, 100, 0, 75],
        [75, 50, 75, 75, 100, 75, 100],
        [75, 75, 75, 100, 0, 100, 100],
        [75, 100, 25, 100, 75, 75, 50],
        [50, 50, 100, 75, 100, 75, 25],
        [100, 100, 100, 100, 100, 100, 75],
    ]
)


def internal(scores: list[list[float | None]]) -> Responses:
    """Internal respondents of unit 'u' with these dimension scores (None: the dimension skipped)."""
    answers: dict[str, list[int | None]] = {item: [] for item, _ in LIKERT.values()}
    for row in scores:
        for (item, reverse), value in zip(LIKERT.values(), row, strict=True):
            code = None if value is None else int(value // 25) + 1
            answers[item].append(None if code is None else (6 - code if reverse else code))
    size = len(scores)
    return responses_from_columns(
        INSTRUMENT,
        respondent_ids=[f"r{i}" for i in range(size)],
        unit_ids=["u"] * size,
        groups=["internal"] * size,
        answers=answers,
    )


def test_exact_half_cent_tie_publishes_half_up() -> None:
    result = score_survey(internal(TIE.tolist()), RULES)
    est = result.units.estimates
    assert (
        est.dimension_numerator[0, :7].tolist() == [625 * est.dimension_denominator[0, 0] // 8] * 7
    )
    assert est.dimension_denominator[0, :7].tolist() == [est.dimension_denominator[0, 0]] * 7
    assert est.component_exact[0][0] == Fraction(625, 8)
    assert est.component_score[0, 0] == 78.125
    assert result.units.components[0, 0] == 78.13  # not 78.12


def test_component_is_the_weighted_mean_of_dimension_scores_when_a_dimension_is_skipped() -> None:
    """Respondent A answers transparency (100) and procurement (0); B transparency (100) only.

    Dimension scores: transparency 100, procurement 0, so the component (equal weights over the
    two dimensions with a score) is 50. Averaging each respondent's own component (A 50, B 100)
    would give 75.
    """
    rows: list[list[float | None]] = [
        [100, None, 0, None, None, None, None],
        [100, None, None, None, None, None, None],
    ]
    result = score_survey(internal(rows), RULES)
    est = result.units.estimates
    dims = INSTRUMENT.dimension_ids
    assert est.dimension_score[0, dims.index("transparency")] == 100
    assert est.dimension_score[0, dims.index("procurement")] == 0
    assert est.component_score[0, 0] == 50
    assert result.units.components[0, 0] == 50


def test_stated_weights_apply_to_dimension_scores() -> None:
    weights = [Fraction(3, 10), Fraction(7, 10)]
    assert weighted_mean([Fraction(100), Fraction(0)], weights) == 30
    assert weighted_mean([None, Fraction(40)], weights) == 40  # renormalised over those present
    assert weighted_mean([None, None], weights) is None


def test_half_up_on_exact_values() -> None:
    assert half_up_steps(Fraction(625, 8), 2) == 7813
    assert half_up_steps(Fraction(78124999, 10**6), 2) == 7812
    assert half_up_steps(Fraction(0), 2) == 0


def test_exact_sums_do_not_depend_on_chunking() -> None:
    everyone = internal(TIE.tolist())
    halves = fold([everyone.take(np.arange(0, 3)), everyone.take(np.arange(3, 8))])
    assert np.array_equal(chunk_stats(everyone).counts, halves.counts)


def test_weakest_ties_go_by_exact_score_then_instrument_order() -> None:
    def ranked(numerators: list[int], denominators: list[int], scored: bool = True) -> list[int]:
        num = np.array([numerators], dtype=np.int64)
        den = np.array([denominators], dtype=np.int64)
        score = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        est = replace(
            score_survey(internal(TIE.tolist()), RULES).units.estimates,
            dimension_numerator=num,
            dimension_denominator=den,
            dimension_score=score,
        )
        return _weakest(est, np.array([scored]), 3).tolist()[0]

    assert ranked([625] * 7, [8] * 7) == [0, 1, 2]  # exact ties: instrument order
    assert ranked([100, 75, 75, 100, 50, 50, 100], [1] * 7) == [4, 5, 1]
    # 78.125 and 78.1251 both publish 78.13: the exact smaller one is weaker
    assert ranked([781251, 625, 0], [10000, 8, 0]) == [1, 0, -1]
    # equal as doubles, different as fractions: decided exactly
    big = 10**17
    assert ranked([big + 1, big], [big, big]) == [1, 0, -1]
    assert ranked([625], [8], scored=False) == [-1, -1, -1]


def test_screening_thresholds_carry_a_reference() -> None:
    message = INSTRUMENT.to_message()
    assert message.screening.HasField("reference")
    assert message.screening.reference.note
    message.screening.ClearField("reference")
    with pytest.raises(InvalidInstrumentError, match=r"screening\.reference"):
        from_message(message)
