"""spi_client.unit_inputs: unit dicts and DataFrames become UnitInputs with nothing dropped
(issue 8 item 2; issue 10 item 11: one error for a missing DataFrame column)."""

from __future__ import annotations

from typing import Any

import pytest

from spi_client.client import _units_to_pb as units_to_pb
from spi_client.client import unit_to_pb
from spi_engine import InvalidInputError, Violation

PROBOLINGGO = {"internal": 75.61, "external": 89.02, "expert": 73.53}


def test_an_unknown_key_is_named_not_ignored() -> None:
    with pytest.raises(InvalidInputError) as caught:
        unit_to_pb({**PROBOLINGGO, "koreksi": 7.59})
    (violation,) = caught.value.violations
    assert violation.field == "units[0].koreksi"
    assert violation.description.startswith("unknown field 'koreksi'; expected one of unit_id,")


def test_every_unit_with_an_unknown_key_is_counted() -> None:
    units = [{**PROBOLINGGO, "correction": 0.0}] + [{**PROBOLINGGO, "Correction": 1.0}] * 24
    with pytest.raises(InvalidInputError) as caught:
        units_to_pb(units)
    assert caught.value.violations[0].field == "units[1].Correction"
    assert len(caught.value.violations) == 20
    assert caught.value.total == 24


def test_the_cli_aliases_are_accepted() -> None:
    message = unit_to_pb(
        {**PROBOLINGGO, "institution_id": 3201, "type": "kabupaten", "correction": 0}
    )
    assert (message.unit_id, message.group, message.correction) == ("3201", "kabupaten", 0.0)


def test_a_blank_id_beside_its_alias_is_not_given_twice() -> None:
    message = unit_to_pb({**PROBOLINGGO, "unit_id": None, "institution_id": "x", "correction": 0})
    assert message.unit_id == "x"


def test_an_id_given_twice_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="unit_id is given twice"):
        unit_to_pb({**PROBOLINGGO, "unit_id": "a", "institution_id": "b", "correction": 0})


@pytest.mark.parametrize("value", ["75.61", True, [1.0]], ids=["text", "bool", "list"])
def test_a_value_that_is_not_a_number_is_named(value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        unit_to_pb({**PROBOLINGGO, "correction": 0.0, "internal": value})
    assert caught.value.violations[0].field == "units[0].internal"
    assert caught.value.violations[0].description.startswith("expected a number; got ")


def test_a_dataframe_column_koreksi_is_refused() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([{**PROBOLINGGO, "koreksi": 7.59}] * 3)
    with pytest.raises(InvalidInputError) as caught:
        units_to_pb(frame)
    assert caught.value.violations[0] == Violation(
        "units",
        "unknown column 'koreksi'; expected one of unit_id, group, internal, external, expert, "
        "correction, correction_integrity, correction_prevalence (or institution_id, id for "
        "unit_id; type for group)",
    )


def test_a_missing_dataframe_column_is_one_problem_not_one_per_row() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([{"internal": 70.0, "external": 80.0, "correction": 0.0}] * 20)
    with pytest.raises(InvalidInputError) as caught:
        units_to_pb(frame)
    assert caught.value.violations == (
        Violation(
            "units",
            "column 'expert' is missing; expected the components internal, external, expert",
        ),
    )


def test_a_dataframe_with_mixed_correction_forms_keeps_each_row_s_form() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        [
            {**PROBOLINGGO, "correction": 7.59},
            {**PROBOLINGGO, "correction_integrity": 1.0, "correction_prevalence": 0.5},
        ]
    )
    first, second = units_to_pb(frame)
    assert [first.HasField("correction"), first.HasField("correction_integrity")] == [True, False]
    assert [second.HasField("correction"), second.HasField("correction_integrity")] == [False, True]


def test_score_many_auto_scores_each_row_under_its_year_s_ruleset() -> None:
    pd = pytest.importorskip("pandas")
    from spi_client.by_year import score_by_year
    from spi_engine import bundled, score, units_from_columns

    def score_many(ruleset_id: str, frame: Any) -> Any:  # the server's answer, in-process
        units = units_from_columns(
            frame["internal"], frame["external"], frame["expert"], correction=frame["correction"]
        )
        scored = score(bundled().get(ruleset_id), units)
        return pd.DataFrame(
            {"ruleset": ruleset_id, "index": scored.index.tolist()}, index=frame.index
        )

    frame = pd.DataFrame(
        {
            "year": [2024, 2021, 2024],
            "internal": [75.61, 75.61, 80.0],
            "external": [89.02, 89.02, 80.0],
            "expert": [73.53, 73.53, 80.0],
            "correction": [7.59, 7.59, 0.0],
        },
        index=["a", "b", "c"],
    )
    result = score_by_year(score_many, frame)
    assert result.index.tolist() == ["a", "b", "c"]
    assert result["ruleset"].tolist() == ["spi-2024", "spi-2021", "spi-2024"]
    assert result["index"].tolist()[0] == 71.66


def test_score_many_auto_needs_a_whole_year_in_every_row() -> None:
    pd = pytest.importorskip("pandas")
    from spi_client.by_year import score_by_year

    frame = pd.DataFrame({"year": [2024, None], "internal": [1, 2]})
    with pytest.raises(InvalidInputError, match=r"units\[1\]\.year: expected a whole year"):
        score_by_year(lambda ruleset_id, rows: rows, frame)
