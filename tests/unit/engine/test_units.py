"""spi_engine.units: validated columns, every bad value named by its row and field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from spi_engine import InvalidInputError, SpiError, Violation, units_from_columns
from spi_engine.units import MAX_VIOLATIONS

NAN = float("nan")
INF = float("inf")
RANGE = "expected a number from 0 to 100; got "
POINTS = "expected points from 0 to 100; got "


ONE_PART = "expected both correction parts (or only the total 'correction'); {} is given, this one is absent"
NO_CORRECTION = (
    "expected a correction: 'correction' (points >= 0; write 0 for none) or both "
    "'correction_integrity' and 'correction_prevalence'; got nothing (the fields are absent)"
)


def good(**overrides: Any) -> dict[str, Any]:
    """One valid unit (correction 7.59 unless the overrides give a correction of their own)."""
    columns: dict[str, Any] = {"internal": [75.61], "external": [89.02], "expert": [73.53]}
    if not {"correction", "correction_integrity", "correction_prevalence"} & set(overrides):
        columns["correction"] = [7.59]
    columns.update(overrides)
    return columns


BAD_VALUES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("NaN internal", good(internal=[NAN]), [("units[0].internal", RANGE + "NaN")]),
    ("infinite external", good(external=[INF]), [("units[0].external", RANGE + "infinity")]),
    ("-infinite expert", good(expert=[-INF]), [("units[0].expert", RANGE + "-infinity")]),
    ("below 0", good(internal=[-0.01]), [("units[0].internal", RANGE + "-0.01")]),
    ("above 100", good(external=[100.01]), [("units[0].external", RANGE + "100.01")]),
    ("101.5", good(expert=[101.5]), [("units[0].expert", RANGE + "101.5")]),
    (
        "negative integrity correction",
        good(correction_integrity=[-1.0], correction_prevalence=[0.0]),
        [("units[0].correction_integrity", POINTS + "-1.0")],
    ),
    (
        "negative prevalence correction",
        good(correction_integrity=[0.0], correction_prevalence=[-0.5]),
        [("units[0].correction_prevalence", POINTS + "-0.5")],
    ),
    ("negative total", good(correction=[-2.0]), [("units[0].correction", POINTS + "-2.0")]),
    ("infinite total", good(correction=[INF]), [("units[0].correction", POINTS + "infinity")]),
    (
        "-infinite part",
        good(correction_integrity=[-INF], correction_prevalence=[0.0]),
        [("units[0].correction_integrity", POINTS + "-infinity")],
    ),
    (
        "total disagreeing with the parts",
        good(correction_integrity=[1.0], correction_prevalence=[2.0], correction=[3.02]),
        [
            (
                "units[0].correction",
                "expected the total to equal correction_integrity + correction_prevalence "
                "(3.00) within 0.01; got 3.02",
            )
        ],
    ),
    (
        "a total with one part: the other part is not taken as 0",
        good(correction_integrity=[1.5], correction=[1.0]),
        [("units[0].correction_prevalence", ONE_PART.format("correction_integrity"))],
    ),
    (
        "one part alone",
        good(correction_prevalence=[1.5]),
        [("units[0].correction_integrity", ONE_PART.format("correction_prevalence"))],
    ),
    ("no correction at all", good(correction=None), [("units[0].correction", NO_CORRECTION)]),
    (
        "a NaN correction is no correction",
        good(correction=[NAN]),
        [("units[0].correction", NO_CORRECTION)],
    ),
    (
        "every problem of a row, in column order",
        good(internal=[NAN], expert=[-1.0], correction_prevalence=[-1.0]),
        [
            ("units[0].internal", RANGE + "NaN"),
            ("units[0].expert", RANGE + "-1.0"),
            ("units[0].correction_integrity", ONE_PART.format("correction_prevalence")),
            ("units[0].correction_prevalence", POINTS + "-1.0"),
        ],
    ),
    (
        "rows in order",
        {
            "internal": [50, 200, 50],
            "external": [-1, 50, 50],
            "expert": [50, 50, NAN],
            "correction": [0, 0, 0],
        },
        [
            ("units[0].external", RANGE + "-1.0"),
            ("units[1].internal", RANGE + "200.0"),
            ("units[2].expert", RANGE + "NaN"),
        ],
    ),
    (
        "text in a column",
        good(internal=["a"]),
        [("internal", "expected numbers; could not convert string to float: 'a'")],
    ),
]


@pytest.mark.parametrize(
    ("columns", "expected"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES]
)
def test_bad_values_are_named(columns: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns(**columns)
    assert caught.value.violations == tuple(Violation(f, d) for f, d in expected)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, SpiError)


def test_message_of_one_problem() -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns([75.0, 101.5], [80.0, 80.0], [70.0, 70.0], correction=[0, 0])
    assert str(caught.value) == "units[1].internal: expected a number from 0 to 100; got 101.5"


@pytest.mark.parametrize(
    ("columns", "description"),
    [
        (good(external=[1.0, 2.0]), "expected 1 values in every column; external has 2"),
        (
            good(correction=[1.0, 2.0], expert=[]),
            "expected 1 values in every column; expert has 0, correction has 2",
        ),
        (good(ids=["a", "b"]), "expected 1 values in every column; ids has 2"),
        (good(groups=[]), "expected 1 values in every column; groups has 0"),
    ],
    ids=["external", "two columns", "ids", "groups"],
)
def test_length_mismatch(columns: dict[str, Any], description: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns(**columns)
    assert caught.value.violations == (Violation("", description),)


def test_violations_are_capped() -> None:
    n = 50
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns([NAN] * n, [NAN] * n, [NAN] * n, correction=[0.0] * n)
    violations = caught.value.violations
    assert len(violations) == MAX_VIOLATIONS == 20
    assert violations[:4] == (
        Violation("units[0].internal", RANGE + "NaN"),
        Violation("units[0].external", RANGE + "NaN"),
        Violation("units[0].expert", RANGE + "NaN"),
        Violation("units[1].internal", RANGE + "NaN"),
    )
    assert violations[-1].field == "units[6].external"
    assert caught.value.total == 150
    assert str(caught.value).endswith(" (and 149 more problems)")


def test_every_problem_is_counted_when_24_exist() -> None:
    internal = [NAN] * 12 + [50.0] * 12
    external = [50.0] * 12 + [101.0] * 12
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns(internal, external, [50.0] * 24, correction=[0.0] * 24)
    assert len(caught.value.violations) == 20
    assert str(caught.value).endswith(" (and 23 more problems)")


def test_cap_keeps_the_first_rows_across_columns() -> None:
    internal = [NAN] * 30 + [50.0]
    external = [50.0] * 30 + [NAN]
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns(internal, external, [50.0] * 31, correction=[0.0] * 31)
    fields = [v.field for v in caught.value.violations]
    assert fields == [f"units[{row}].internal" for row in range(20)]


def test_custom_where_names_the_place() -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns(
            [50.0, 50.0],
            [50.0, 150.0],
            [50.0, 50.0],
            correction=[0.0, 0.0],
            where=lambda r, f: f"line {r + 2}, {f}",
        )
    assert caught.value.violations == (Violation("line 3, external", RANGE + "150.0"),)


@pytest.mark.parametrize(
    ("correction", "accepted"),
    [(3.0, True), (3.01, True), (2.99, True), (3.011, False), (2.989, False)],
)
def test_total_may_differ_from_the_parts_by_a_rounding(correction: float, accepted: bool) -> None:
    columns = good(correction_integrity=[1.0], correction_prevalence=[2.0], correction=[correction])
    if accepted:
        units = units_from_columns(**columns)
        assert units.correction_integrity.tolist() == [1.0]
        assert units.correction_prevalence.tolist() == [2.0]
        assert units.correction_unsplit.tolist() == [0.0]
    else:
        with pytest.raises(InvalidInputError, match=r"^units\[0\]\.correction: expected the total"):
            units_from_columns(**columns)


def test_corrections_per_row() -> None:
    units = units_from_columns(
        [50.0] * 4,
        [50.0] * 4,
        [50.0] * 4,
        correction_integrity=[1.0, NAN, 2.0, 0.0],
        correction_prevalence=[0.5, NAN, 0.0, 0.0],
        correction=[NAN, 3.0, 2.0, NAN],
    )
    assert units.correction_integrity.tolist() == [1.0, 0.0, 2.0, 0.0]
    assert units.correction_prevalence.tolist() == [0.5, 0.0, 0.0, 0.0]
    assert units.correction_unsplit.tolist() == [0.0, 3.0, 0.0, 0.0]


def test_valid_units_are_read_only_float64_copies() -> None:
    internal = np.array([75.61, 80.0])
    units = units_from_columns(
        internal, [89.02, 80.0], [73.53, 80], correction=[7.59, 0], ids=["a", "7"], groups=["g", ""]
    )
    internal[0] = 0.0
    assert units.internal.tolist() == [75.61, 80.0]
    assert units.ids == ("a", "7")
    assert units.groups == ("g", "")
    assert len(units) == 2
    for column in (units.internal, units.external, units.expert, units.correction_unsplit):
        assert column.dtype == np.float64
        assert not column.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        units.expert[0] = 1.0


def test_boundaries_are_accepted() -> None:
    units = units_from_columns([0.0, 100.0], [0, 100], [0.0, 100.0], correction=[0.0, 30.0])
    assert units.internal.tolist() == [0.0, 100.0]
    assert units.correction_unsplit.tolist() == [0.0, 30.0]


def test_no_units() -> None:
    units = units_from_columns([], [], [], correction=[])
    assert len(units) == 0
    assert units.correction_unsplit.size == 0


def test_take_reorders_every_column() -> None:
    units = units_from_columns(
        [10.0, 20.0, 30.0],
        [11.0, 21.0, 31.0],
        [12.0, 22.0, 32.0],
        correction_integrity=[1.0, 2.0, NAN],
        correction_prevalence=[0.0, 0.0, NAN],
        correction=[NAN, NAN, 3.0],
        ids=["a", "b", "c"],
        groups=["x", "y", "z"],
    )
    taken = units.take([2, 0])
    assert taken.ids == ("c", "a")
    assert taken.groups == ("z", "x")
    assert taken.internal.tolist() == [30.0, 10.0]
    assert taken.correction_integrity.tolist() == [0.0, 1.0]
    assert taken.correction_unsplit.tolist() == [3.0, 0.0]
    assert not taken.external.flags.writeable


def test_a_two_dimensional_column_is_an_error() -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_columns([[70.0, 71.0]], [80.0, 81.0], [75.0, 76.0])
    assert (
        str(caught.value)
        == "internal: expected a column (1-D) of numbers; got an array of shape (1, 2)"
    )


def test_a_scalar_is_one_unit() -> None:
    units = units_from_columns(70.0, 80.0, 75.0, correction=0.0)
    assert len(units) == 1
    assert units.internal.tolist() == [70.0]
