"""Golden cases: scoring cases with expected outcomes, kept beside a ruleset as ``*.cases.txtpb``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from google.protobuf import text_format

from spi.v1 import scoring_pb2

from .api.scoring_messages import units_from_pb
from .errors import InvalidInputError, InvalidRulesetError, Violation
from .numeric import format_steps, value_to_steps
from .ruleset import Ruleset
from .scoring import score


@dataclass(frozen=True)
class CaseOutcome:
    """What one golden case gave, and whether that is what it expected."""

    name: str
    expected_index: float
    tolerance: float
    expected_category: str
    index: str
    category: str
    passed: bool

    def describe(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        return (
            f"{verdict} {self.name}: index {self.index} (expected {self.expected_index:.2f}"
            f" ± {self.tolerance:g}), category {self.category} (expected {self.expected_category})"
        )


def parse_suite(text: str, origin: str) -> scoring_pb2.GoldenSuite:
    """A GoldenSuite from protobuf text; syntax errors raise InvalidRulesetError naming the line."""
    suite = scoring_pb2.GoldenSuite()
    try:
        text_format.Parse(text, suite)
    except text_format.ParseError as error:
        where = f"line {error.GetLine()}, column {error.GetColumn()}" if error.GetLine() else ""
        raise InvalidRulesetError(
            [Violation(where, str(error).split(" : ", 1)[-1])], context=origin
        ) from None
    return suite


def load_suite(path: str | Path) -> scoring_pb2.GoldenSuite:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRulesetError(
            [Violation("", f"cannot read the cases file ({error})")], context=str(path)
        ) from None
    return parse_suite(text, str(path))


def run_suite(
    rules: Ruleset, suite: scoring_pb2.GoldenSuite, origin: str = ""
) -> list[CaseOutcome]:
    """Score every case of ``suite`` under ``rules``; bad cases raise InvalidRulesetError."""
    if suite.ruleset_id != rules.id:
        raise InvalidRulesetError(
            [
                Violation(
                    "ruleset_id",
                    f"expected {rules.id!r}, the ruleset beside it; got {suite.ruleset_id!r}",
                )
            ],
            context=origin,
        )
    _check_cases(rules, suite, origin)
    try:
        scores = score(rules, units_from_pb([case.input for case in suite.cases], prefix="cases"))
    except InvalidInputError as error:
        raise InvalidRulesetError(error.violations, context=origin) from None
    outcomes = []
    for i, case in enumerate(suite.cases):
        got_steps = int(scores.index_steps[i])
        expected_steps = round(case.expected_index * 10**rules.decimals)
        allowed = round(case.tolerance * 10**rules.decimals)
        category = rules.category_ids[int(scores.category_codes[i])]
        passed = abs(got_steps - expected_steps) <= allowed and category == case.expected_category
        outcomes.append(
            CaseOutcome(
                name=case.name,
                expected_index=case.expected_index,
                tolerance=case.tolerance,
                expected_category=case.expected_category,
                index=format_steps(got_steps, rules.decimals),
                category=category,
                passed=passed,
            )
        )
    return outcomes


def _check_cases(rules: Ruleset, suite: scoring_pb2.GoldenSuite, origin: str) -> None:
    problems = []
    names: set[str] = set()
    for i, case in enumerate(suite.cases):
        if not case.name or case.name in names:
            problems.append(
                Violation(
                    f"cases[{i}].name", f"expected a unique, non-empty name; got {case.name!r}"
                )
            )
        names.add(case.name)
        if case.expected_category not in rules.category_ids:
            known = ", ".join(rules.category_ids)
            problems.append(
                Violation(
                    f"cases[{i}].expected_category",
                    f"expected one of {known}; got {case.expected_category!r}",
                )
            )
        if not (case.tolerance >= 0 and value_to_steps(case.tolerance, rules.decimals) is not None):
            problems.append(
                Violation(
                    f"cases[{i}].tolerance",
                    f"expected points >= 0 at the output precision; got {case.tolerance!r}",
                )
            )
    if not suite.cases:
        problems.append(Violation("cases", "expected at least one case"))
    if problems:
        raise InvalidRulesetError(problems, context=origin)
