"""spi_engine.api.scoring_messages.units_from_pb: nothing absent or NaN becomes a number (issue 8, items 1-3)."""

from __future__ import annotations

import math

import pytest

from spi.v1 import scoring_pb2
from spi_engine import InvalidInputError, Violation, bundled, score
from spi_engine.api.scoring_messages import units_from_pb

NAN = math.nan
RANGE = "expected a number from 0 to 100; got "
NO_CORRECTION = (
    "expected a correction: 'correction' (points >= 0; write 0 for none) or both "
    "'correction_integrity' and 'correction_prevalence'; got nothing (the fields are absent)"
)


def unit(**fields: float) -> scoring_pb2.UnitInput:
    values: dict[str, float] = {"internal": 75.61, "external": 89.02, "expert": 79.53}
    values.update(fields)
    return scoring_pb2.UnitInput(**values)


@pytest.mark.parametrize(
    "field", ["correction", "correction_integrity", "correction_prevalence", "internal"]
)
def test_an_explicit_nan_is_an_error_naming_the_field(field: str) -> None:
    others = {"correction_integrity": 1.0, "correction_prevalence": 1.0}
    fields = {"correction": 7.59} if field in ("correction", "internal") else others
    fields[field] = NAN
    with pytest.raises(InvalidInputError) as caught:
        units_from_pb([unit(**fields)])
    assert caught.value.violations[0].field == f"units[0].{field}"
    assert caught.value.violations[0].description.endswith("; got NaN")


def test_the_issue_example_nan_correction_is_not_scored_as_no_correction() -> None:
    rules = bundled().get("spi-2024")
    given = score(rules, units_from_pb([unit(correction=7.59)]))
    assert given.index.tolist() == [73.86]
    with pytest.raises(InvalidInputError, match=r"^units\[0\]\.correction: expected points"):
        units_from_pb([unit(correction=NAN)])


@pytest.mark.parametrize("batch", [1, 3], ids=["one unit", "a batch"])
def test_an_absent_correction_is_an_error_not_zero(batch: int) -> None:
    units = [unit(correction=0.0)] * (batch - 1) + [unit()]
    with pytest.raises(InvalidInputError) as caught:
        units_from_pb(units)
    assert caught.value.violations == (Violation(f"units[{batch - 1}].correction", NO_CORRECTION),)


def test_one_part_is_not_a_correction() -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_pb([unit(correction_integrity=1.2)])
    assert caught.value.violations[0].field == "units[0].correction_prevalence"


def test_an_explicit_zero_is_no_correction() -> None:
    parts = units_from_pb([unit(correction_integrity=0.0, correction_prevalence=0.0)])
    total = units_from_pb([unit(correction=0.0)])
    assert parts.correction_unsplit.tolist() == total.correction_unsplit.tolist() == [0.0]


def test_a_missing_field_does_not_hide_bad_values_in_other_units() -> None:
    missing = scoring_pb2.UnitInput(internal=50.0, external=50.0, correction=0.0)
    with pytest.raises(InvalidInputError) as caught:
        units_from_pb([missing, unit(external=101.5, correction=0.0), unit()])
    assert caught.value.violations == (
        Violation("units[0].expert", RANGE + "nothing (the field is absent)"),
        Violation("units[1].external", RANGE + "101.5"),
        Violation("units[2].correction", NO_CORRECTION),
    )
    assert caught.value.total == 3


def test_every_problem_is_counted_and_twenty_listed() -> None:
    bad = [scoring_pb2.UnitInput(internal=50.0, external=50.0, expert=50.0)] * 24
    with pytest.raises(InvalidInputError) as caught:
        units_from_pb(bad)
    assert len(caught.value.violations) == 20
    assert caught.value.total == 24
    assert str(caught.value).endswith("(and 23 more problems)")
