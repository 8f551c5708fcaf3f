"""Response monitoring on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from spi_engine import InvalidInputError
from spi_engine.survey import population_from_columns, progress_rows, survey_progress
from spi_engine.survey.sampling import NOT_PUBLISHABLE
from tests.unit.engine.survey.fixtures import tiny, tiny_responses


def _rows(unit: str, count: int, sub: str = "") -> list[dict[str, object]]:
    return [
        {"id": f"{unit}-{sub}-{i}", "unit": unit, "sub": sub, "group": "internal", "o1": 3}
        for i in range(count)
    ]


def test_rate_margin_and_responses_still_needed() -> None:
    population = population_from_columns(
        ["u1", "u1", "u1"],
        ["internal", "external", "internal"],
        [100, 10, 40],
        sampled=[50, 0, 40],
        sub_unit_ids=["", "", "s1"],
    )
    responses = tiny_responses(_rows("u1", 5) + _rows("u1", 15, "s1"))
    progress = survey_progress(tiny(), population, responses)
    assert progress.respondents.tolist() == [20, 0, 15]
    assert progress.response_rate[0] == pytest.approx(0.4)
    assert math.isnan(progress.response_rate[1])
    assert progress.margin_of_error[0] == pytest.approx(
        1.96 * math.sqrt(0.25 / 20) * math.sqrt(80 / 99)
    )
    # 10%: the fewest n with a margin <= 0.10 out of 100 is 50; 5%: 80
    assert progress.needed_for_max[0] == 30
    assert progress.needed_for_target[0] == 60
    assert progress.reachable_max.tolist()[0] is True
    assert progress.reachable_target.tolist()[0] is False
    assert progress.adequacy[0] == NOT_PUBLISHABLE
    rows = progress_rows(progress)
    assert rows[0]["more_for_5pct"] == "unreachable"
    assert rows[0]["response_rate"] == "40.00%"


def test_units_with_responses_but_no_sample_row_are_errors() -> None:
    population = population_from_columns(["u1"], ["internal"], [100])
    with pytest.raises(
        InvalidInputError, match=r"respondents\[3\]\.unit_id: unit 'u2' has 1 internal respondents"
    ):
        survey_progress(tiny(), population, tiny_responses(_rows("u1", 3) + _rows("u2", 1)))


def test_day_0_with_no_responses_reports_0_respondents_and_the_responses_needed() -> None:
    population = population_from_columns(
        ["u1", "u1", "u2"], ["internal", "external", "internal"], [100, 10, 40], sampled=[50, 0, 40]
    )
    progress = survey_progress(tiny(), population, tiny_responses([]))
    assert progress.respondents.tolist() == [0, 0, 0]
    # with no respondent yet, all of the requirement is still needed: 50 of 100 for 10%, 80 for 5%
    assert progress.needed_for_max.tolist()[0] == 50
    assert progress.needed_for_target.tolist()[0] == 80
    assert progress_rows(progress)[0]["respondents"] == 0
