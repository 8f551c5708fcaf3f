"""Survey scoring on hand-computed cases (the tiny instrument of survey_fixtures)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spi_engine import InvalidInputError, bundled
from spi_engine.survey import (
    corrections_from_columns,
    entity_rows,
    population_from_columns,
    score_survey,
    text_table,
    weakest_rows,
)
from spi_engine.survey.results import MISSING_COMPONENT, NOT_PUBLISHED, SCORED
from spi_engine.survey.sampling import MEETS_TARGET, NOT_PUBLISHABLE
from tests.unit.engine.survey.fixtures import tiny_responses

RULES = bundled().get("spi-2024")

ROWS = [
    # open = mean(o1, reversed o2); gifts = share of "no" (2) on g1
    {"id": "a", "unit": "u1", "sub": "s1", "group": "internal", "o1": 5, "o2": 1, "g1": 2},
    {"id": "b", "unit": "u1", "sub": "s1", "group": "internal", "o1": 3, "o2": 4, "g1": 1},
    {"id": "c", "unit": "u1", "group": "internal", "o1": 9, "o2": None, "g1": 9},
    {"id": "d", "unit": "u1", "sub": "s2", "group": "internal", "o1": 4, "o2": None, "g1": 2},
    {"id": "e", "unit": "u1", "sub": "s1", "group": "external", "s1": 4},
    {"id": "f", "unit": "u1", "group": "external", "s1": 3},
    {"id": "g", "unit": "u1", "group": "expert", "v1": 4},
    {"id": "h", "unit": "u2", "group": "internal", "o1": 1, "o2": 5, "g1": 1},
]
POPULATION = population_from_columns(
    ["u1", "u1", "u1", "u1", "u2"],
    ["internal", "external", "expert", "internal", "internal"],
    [4, 1000, 5, 2, 100],
    sampled=[4, 100, 5, 2, 0],
    sub_unit_ids=["", "", "", "s1", ""],
)


@pytest.fixture(scope="module")
def scores():  # type: ignore[no-untyped-def]
    corrections = corrections_from_columns(["u1"], integrity=[2.0], label="test")
    return score_survey(tiny_responses(ROWS), RULES, population=POPULATION, corrections=corrections)


def test_item_means_count_dont_know_and_missing_apart(scores) -> None:  # type: ignore[no-untyped-def]
    est = scores.units.estimates
    # o1: 100, 50, 75 answered, one "don't know"; o2 (reversed): 100, 25, two missing
    assert est.item_mean[0, :3].tolist() == pytest.approx([75.0, 62.5, 200 / 3])
    assert est.item_answered[0, :3].tolist() == [3, 2, 3]
    assert est.item_dont_know[0, :3].tolist() == [1, 0, 1]
    assert est.item_missing[0, :3].tolist() == [0, 2, 0]


def test_dimension_scores_are_means_of_respondent_scores(scores) -> None:  # type: ignore[no-untyped-def]
    est = scores.units.estimates
    # open: a 100, b (50 + 25) / 2 = 37.5, d 75; gifts: a 100, b 0, d 100; c has no score
    assert est.dimension_score[0].tolist() == pytest.approx([212.5 / 3, 200 / 3, 250 / 3, 75.0])
    assert est.dimension_n[0].tolist() == [3, 3, 2, 1]


def test_component_score_and_standard_error_with_finite_population(scores) -> None:  # type: ignore[no-untyped-def]
    est = scores.units.estimates
    # internal respondents' components: 100, 18.75, 87.5 (equal weights of open and gifts)
    assert est.component_score[0, 0] == pytest.approx(68.75)
    assert est.component_n[0, 0] == 3
    sample_sd = math.sqrt(((31.25**2) + 50**2 + 18.75**2) / 2)
    assert est.component_se[0, 0] == pytest.approx(sample_sd / math.sqrt(3) * math.sqrt(1 / 3))
    assert est.respondents[0].tolist() == [4, 2, 1]


def test_margin_of_error_census_meets_target_and_response_rate(scores) -> None:  # type: ignore[no-untyped-def]
    est = scores.units.estimates
    assert est.margin_of_error[0, 0] == 0.0
    assert est.adequacy[0] == MEETS_TARGET
    assert est.response_rate[0].tolist() == pytest.approx([1.0, 0.02, 0.2])
    # external: n = 2 of N = 1000 -> 1.96 * sqrt(0.25 / 2) * sqrt(998 / 999)
    assert est.margin_of_error[0, 1] == pytest.approx(
        1.96 * math.sqrt(0.125) * math.sqrt(998 / 999)
    )


def test_index_through_the_ruleset_with_rounded_components_and_correction(scores) -> None:  # type: ignore[no-untyped-def]
    units = scores.units
    assert units.components[0].tolist() == [68.75, 83.33, 75.0]
    raw = 0.305 * 68.75 + 0.328 * 83.33 + 0.367 * 75.0 - 2.0
    assert units.index_raw[0] == pytest.approx(raw)
    assert scores.index(units)[0] == 73.83
    assert RULES.category_ids[units.index_category[0]] == "waspada"
    assert units.status[0] == SCORED


def test_unit_with_too_few_respondents_is_not_published(scores) -> None:  # type: ignore[no-untyped-def]
    units = scores.units
    assert units.unit_ids[1] == "u2"
    assert units.estimates.adequacy[1] == NOT_PUBLISHABLE
    assert units.status[1] == NOT_PUBLISHED
    assert units.index_steps[1] == -1
    assert math.isnan(scores.index(units)[1])
    assert units.weakest[1].tolist() == [-1, -1, -1]


def test_weakest_dimensions_with_follow_up_actions(scores) -> None:  # type: ignore[no-untyped-def]
    rows = weakest_rows(scores, scores.units, 0)
    assert [row["dimension"] for row in rows] == ["Gifts", "Openness", "Expert view"]
    assert rows[0] == {
        "dimension": "Gifts",
        "score": "66.67",
        "category": "rentan",
        "follow_up": "Gratification control; Firm sanctions",
    }


def test_sub_units_inherit_missing_components_from_their_unit(scores) -> None:  # type: ignore[no-untyped-def]
    subs = scores.sub_units
    assert subs.sub_unit_ids == ("s1", "s2")
    # s1: internal a, b -> (100 + 18.75) / 2; external e -> 100; expert from the unit
    assert subs.components[0].tolist() == [59.38, 100.0, 75.0]
    assert subs.inherited[0].tolist() == [False, False, True]
    assert scores.index(subs)[0] == 78.44
    assert subs.status.tolist() == [SCORED, NOT_PUBLISHED]
    assert scores.sub_unit_categories.tolist() == [[0, 0, 1, 1], [0, 0, 0, 0]]


def test_missing_component_is_reported_not_guessed() -> None:
    rows = [row for row in ROWS if row["group"] != "expert"]
    result = score_survey(tiny_responses(rows), RULES, population=POPULATION)
    assert result.units.status[0] == MISSING_COMPONENT
    assert result.units.index_steps[0] == -1


def test_excluded_respondents_do_not_count() -> None:
    responses = tiny_responses(ROWS)
    exclude = np.array([row["id"] == "b" for row in ROWS])
    result = score_survey(responses, RULES, population=POPULATION, exclude=exclude)
    assert result.units.estimates.component_score[0, 0] == pytest.approx(93.75)
    assert result.units.estimates.respondents[0].tolist() == [3, 2, 1]


def test_units_missing_from_the_population_table_are_named() -> None:
    population = population_from_columns(["u1"], ["internal"], [10])
    with pytest.raises(InvalidInputError) as caught:
        score_survey(tiny_responses(ROWS), RULES, population=population)
    assert str(caught.value) == (
        "respondents[7].unit_id: unit 'u2' has 1 internal respondents but no internal row in the "
        "population table"
    )


def test_population_smaller_than_its_respondents_is_an_error() -> None:
    population = population_from_columns(["u1", "u2"], ["internal", "internal"], [3, 5])
    with pytest.raises(
        InvalidInputError, match=r"population\[0\]\.population: expected at least the 4 internal"
    ):
        score_survey(tiny_responses(ROWS), RULES, population=population)


def test_unknown_population_means_no_correction() -> None:
    result = score_survey(tiny_responses(ROWS), RULES)
    assert result.units.estimates.margin_of_error[0, 0] == pytest.approx(1.96 * math.sqrt(0.25 / 4))
    assert result.units.status[0] == NOT_PUBLISHED


def test_report_rows_round_at_the_edge_and_mark_inherited_components(scores) -> None:  # type: ignore[no-untyped-def]
    units = entity_rows(scores, scores.units)
    assert units[0] == {
        "unit_id": "u1",
        "sub_unit_id": "",
        "respondents": "4/2/1",
        "internal_moe": "0.00%",
        "adequacy": "meets_target",
        "internal": "68.75",
        "external": "83.33",
        "expert": "75.00",
        "index": "73.83",
        "category": "waspada",
    }
    assert units[1]["category"] == "not_publishable"
    subs = entity_rows(scores, scores.sub_units)
    assert subs[0]["expert"] == "75.00*"
    table = text_table(units, ["unit_id", "index", "category"])
    assert table.splitlines() == [
        "unit_id  index  category",
        "-------  -----  ---------------",
        "u1       73.83  waspada",
        "u2              not_publishable",
    ]
