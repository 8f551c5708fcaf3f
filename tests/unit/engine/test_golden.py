"""spi_engine.golden: the runner of golden cases (the case files themselves run in tests/golden/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spi.v1 import scoring_pb2
from spi_engine import InvalidRulesetError, Ruleset, Violation, bundled
from spi_engine.golden import CaseOutcome, load_suite, parse_suite, run_suite


def rules() -> Ruleset:
    return bundled().get("spi-2024")


def case(
    name: str = "c",
    values: tuple[float, float, float] = (72.99, 72.99, 72.99),
    expected_index: float = 72.99,
    expected_category: str = "rentan",
    tolerance: float = 0.0,
) -> scoring_pb2.GoldenCase:
    internal, external, expert = values
    return scoring_pb2.GoldenCase(
        name=name,
        input=scoring_pb2.UnitInput(
            internal=internal, external=external, expert=expert, correction=0.0
        ),
        expected_index=expected_index,
        expected_category=expected_category,
        tolerance=tolerance,
    )


def suite(*cases: scoring_pb2.GoldenCase, ruleset_id: str = "spi-2024") -> scoring_pb2.GoldenSuite:
    return scoring_pb2.GoldenSuite(ruleset_id=ruleset_id, cases=list(cases))


def problems(bad: scoring_pb2.GoldenSuite) -> tuple[Violation, ...]:
    with pytest.raises(InvalidRulesetError) as caught:
        run_suite(rules(), bad, "cases.txtpb")
    assert caught.value.context == "cases.txtpb"
    return caught.value.violations


def test_passing_case() -> None:
    (outcome,) = run_suite(rules(), suite(case("edge")))
    assert outcome == CaseOutcome("edge", 72.99, 0.0, "rentan", "72.99", "rentan", True)
    assert (
        outcome.describe()
        == "ok edge: index 72.99 (expected 72.99 ± 0), category rentan (expected rentan)"
    )


def test_failing_index_is_reported() -> None:
    (outcome,) = run_suite(rules(), suite(case("off", expected_index=73.0)))
    assert not outcome.passed
    assert outcome.describe() == (
        "FAILED off: index 72.99 (expected 73.00 ± 0), category rentan (expected rentan)"
    )


def test_failing_category_is_reported() -> None:
    (outcome,) = run_suite(rules(), suite(case("cat", expected_category="waspada")))
    assert not outcome.passed
    assert outcome.category == "rentan"
    assert outcome.describe().endswith("category rentan (expected waspada)")


@pytest.mark.parametrize(
    ("expected_index", "tolerance", "passed"),
    [
        (71.65, 0.02, True),
        (71.65, 0.01, True),
        (71.65, 0.0, False),
        (71.69, 0.02, False),
        (71.64, 0.02, True),
    ],
)
def test_tolerance_in_steps(expected_index: float, tolerance: float, passed: bool) -> None:
    probolinggo = case("p", (75.61, 89.02, 73.53), expected_index, "rentan", tolerance)
    probolinggo.input.correction = 7.59
    (outcome,) = run_suite(rules(), suite(probolinggo))
    assert outcome.index == "71.66"
    assert outcome.passed is passed


def test_outcomes_keep_the_case_order() -> None:
    outcomes = run_suite(
        rules(),
        suite(
            case("b", (80, 80, 80), 80.0, "terjaga"),
            case("a"),
            case("c", (73, 73, 73), 73, "waspada"),
        ),
    )
    assert [(o.name, o.index, o.passed) for o in outcomes] == [
        ("b", "80.00", True),
        ("a", "72.99", True),
        ("c", "73.00", True),
    ]


def test_mismatched_ruleset_id() -> None:
    assert problems(suite(case(), ruleset_id="spi-2023")) == (
        Violation("ruleset_id", "expected 'spi-2024', the ruleset beside it; got 'spi-2023'"),
    )


def test_unknown_category() -> None:
    assert problems(suite(case(expected_category="hijau"))) == (
        Violation(
            "cases[0].expected_category", "expected one of rentan, waspada, terjaga; got 'hijau'"
        ),
    )


@pytest.mark.parametrize("tolerance", [-0.01, 0.005])
def test_bad_tolerance(tolerance: float) -> None:
    assert problems(suite(case(tolerance=tolerance))) == (
        Violation(
            "cases[0].tolerance", f"expected points >= 0 at the output precision; got {tolerance!r}"
        ),
    )


def test_names_must_be_unique_and_present() -> None:
    assert problems(suite(case("a"), case("a"), case(""))) == (
        Violation("cases[1].name", "expected a unique, non-empty name; got 'a'"),
        Violation("cases[2].name", "expected a unique, non-empty name; got ''"),
    )


def test_no_cases() -> None:
    assert problems(suite()) == (Violation("cases", "expected at least one case"),)


def test_absent_input_component() -> None:
    bad = case()
    bad.input.ClearField("expert")
    assert problems(suite(bad)) == (
        Violation(
            "cases[0].expert", "expected a number from 0 to 100; got nothing (the field is absent)"
        ),
    )


def test_out_of_range_input() -> None:
    assert problems(suite(case("x", (50, 101, 50)))) == (
        Violation("cases[0].external", "expected a number from 0 to 100; got 101.0"),
    )


def test_parse_suite_names_line_and_column() -> None:
    text = 'ruleset_id: "spi-2024"\ncases {\n  name: "a"\n  colour: "red"\n}\n'
    with pytest.raises(InvalidRulesetError) as caught:
        parse_suite(text, "c.cases.txtpb")
    assert caught.value.violations == (
        Violation(
            "line 4, column 3", 'Message type "spi.v1.GoldenCase" has no field named "colour".'
        ),
    )
    assert caught.value.context == "c.cases.txtpb"


def test_load_suite(tmp_path: Path) -> None:
    path = tmp_path / "x.cases.txtpb"
    path.write_text(
        'ruleset_id: "spi-2024"\ncases { name: "a" expected_category: "rentan" }\n', "utf-8"
    )
    assert load_suite(path).cases[0].name == "a"
    with pytest.raises(InvalidRulesetError) as caught:
        load_suite(tmp_path / "absent.cases.txtpb")
    assert caught.value.violations[0].description.startswith("cannot read the cases file (")
