"""spi_engine.validation: every rule a ruleset must meet, each with its exact field and message."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from google.protobuf.message import Message

from spi.v1 import ruleset_pb2
from spi_engine import InvalidRulesetError, Violation, bundled
from spi_engine.ruleset import from_message, parse_text
from spi_engine.validation import validate
from tests.catalogue import BUNDLED_IDS

Edit = Callable[[ruleset_pb2.Ruleset], None]
NAN = float("nan")
INF = float("inf")
ID_RULE = "expected 1-64 lower-case letters, digits, '.', '_' or '-' starting with a letter or digit; got "
BASIS_RULE = "expected BASIS_STATED, BASIS_INFERRED or BASIS_ASSUMED"
NON_NEGATIVE = "expected a finite number >= 0; got "


def base(ruleset_id: str = "spi-2024") -> ruleset_pb2.Ruleset:
    return bundled().get(ruleset_id).to_message()


def _walk(message: Message, path: str) -> tuple[Message, str]:
    *parents, leaf = path.split(".")
    for part in parents:
        match = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        message = getattr(message, match[1])[int(match[2])] if match else getattr(message, part)
    return message, leaf


def put(path: str, value: object) -> Edit:
    """An edit setting the field at a dotted path (``categories.categories[1].lower_bound``)."""

    def edit(rules: ruleset_pb2.Ruleset) -> None:
        message, leaf = _walk(rules, path)
        setattr(message, leaf, value)

    return edit


def drop(path: str) -> Edit:
    """An edit clearing the field at a dotted path."""

    def edit(rules: ruleset_pb2.Ruleset) -> None:
        message, leaf = _walk(rules, path)
        message.ClearField(leaf)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(rules: ruleset_pb2.Ruleset) -> None:
        for one in edits:
            one(rules)

    return edit


def edited(edit: Edit, ruleset_id: str = "spi-2024") -> ruleset_pb2.Ruleset:
    rules = base(ruleset_id)
    edit(rules)
    return rules


W = "weights.reference"
FIT = "weights.reference.fit"
CAT = "categories.categories"

INVALID: list[tuple[str, Edit, list[tuple[str, str]]]] = [
    # identity
    ("empty id", put("id", ""), [("id", ID_RULE + "''")]),
    ("upper-case id", put("id", "SPI-2024"), [("id", ID_RULE + "'SPI-2024'")]),
    ("id starting with '-'", put("id", "-spi"), [("id", ID_RULE + "'-spi'")]),
    ("id with a space", put("id", "spi 2024"), [("id", ID_RULE + "'spi 2024'")]),
    ("id with a trailing newline", put("id", "spi-2024\n"), [("id", ID_RULE + "'spi-2024\\n'")]),
    ("id of 65 characters", put("id", "a" * 65), [("id", ID_RULE + repr("a" * 65))]),
    ("blank label", put("label", "  "), [("label", "expected a non-empty label")]),
    (
        "year before 2000",
        put("year", 1999),
        [("year", "expected 0 (any year) or a year from 2000 to 2100; got 1999")],
    ),
    (
        "year after 2100",
        put("year", 2101),
        [("year", "expected 0 (any year) or a year from 2000 to 2100; got 2101")],
    ),
    # weights
    (
        "no weights",
        drop("weights"),
        [("weights", "expected component weights (internal, external, expert)")],
    ),
    (
        "negative weight summing to 1",
        both(put("weights.internal", -0.1), put("weights.external", 0.733)),
        [("weights.internal", NON_NEGATIVE + "-0.1")],
    ),
    ("NaN weight", put("weights.expert", NAN), [("weights.expert", NON_NEGATIVE + "nan")]),
    ("infinite weight", put("weights.external", INF), [("weights.external", NON_NEGATIVE + "inf")]),
    (
        "weights summing to 1.001",
        put("weights.internal", 0.306),
        [("weights", "expected weights summing to 1 (within 1e-9); got 1.001")],
    ),
    (
        "weights summing to 1 + 2e-9",
        put("weights.internal", 0.305 + 2e-9),
        [("weights", f"expected weights summing to 1 (within 1e-9); got {1 + 2e-9!r}")],
    ),
    (
        "weights summing to 0.999",
        put("weights.expert", 0.366),
        [("weights", "expected weights summing to 1 (within 1e-9); got 0.999")],
    ),
    # references
    (
        "weights without a reference",
        drop("weights.reference"),
        [(W, "expected a reference (source and basis) for this number")],
    ),
    (
        "reference without a source",
        put(f"{W}.source", " "),
        [(f"{W}.source", "expected a source (URL or citation)")],
    ),
    (
        "BASIS_UNSPECIFIED",
        put(f"{W}.basis", ruleset_pb2.BASIS_UNSPECIFIED),
        [(f"{W}.basis", BASIS_RULE)],
    ),
    (
        "inferred without a fit",
        drop(f"{W}.fit"),
        [(FIT, "an inferred number must state its fit (rows reproduced, residual)")],
    ),
    (
        "fit over no rows",
        put(f"{FIT}.rows_total", 0),
        [
            (f"{FIT}.rows_total", "expected a positive row count; got 0"),
            (f"{FIT}.rows_reproduced", "expected 0 to rows_total (0); got 642"),
        ],
    ),
    (
        "more rows reproduced than measured",
        put(f"{FIT}.rows_reproduced", 643),
        [(f"{FIT}.rows_reproduced", "expected 0 to rows_total (642); got 643")],
    ),
    (
        "negative rows reproduced",
        put(f"{FIT}.rows_reproduced", -1),
        [(f"{FIT}.rows_reproduced", "expected 0 to rows_total (642); got -1")],
    ),
    (
        "negative fit tolerance",
        put(f"{FIT}.tolerance", -0.01),
        [(f"{FIT}.tolerance", NON_NEGATIVE + "-0.01")],
    ),
    (
        "NaN max residual",
        put(f"{FIT}.max_residual", NAN),
        [(f"{FIT}.max_residual", NON_NEGATIVE + "nan")],
    ),
    (
        "assumed without a note",
        both(
            put("categories.reference.basis", ruleset_pb2.BASIS_ASSUMED),
            put("categories.reference.note", ""),
        ),
        [("categories.reference.note", "an assumed number must say why in a note")],
    ),
    # correction
    (
        "no correction",
        drop("correction"),
        [("correction", "expected the correction parts (integrity, prevalence)")],
    ),
    (
        "no integrity part",
        drop("correction.integrity"),
        [("correction.integrity", "expected a factor and its reference")],
    ),
    (
        "negative zero factor",
        put("correction.prevalence.factor", -0.0),
        [
            (
                "correction.prevalence.factor",
                "expected 0, not -0 (it would change the ruleset's sha256)",
            )
        ],
    ),
    (
        "index maximum finer than the precision",
        put("bounds.max", 99.995),
        [
            (
                "bounds.max",
                "expected a multiple of the output precision (2 decimals), since the clamped index is then rounded; got 99.995",
            )
        ],
    ),
    (
        "negative prevalence factor",
        put("correction.prevalence.factor", -1.0),
        [("correction.prevalence.factor", NON_NEGATIVE + "-1.0")],
    ),
    (
        "infinite integrity factor",
        put("correction.integrity.factor", INF),
        [("correction.integrity.factor", NON_NEGATIVE + "inf")],
    ),
    (
        "correction part without a basis",
        put("correction.prevalence.reference.basis", ruleset_pb2.BASIS_UNSPECIFIED),
        [("correction.prevalence.reference.basis", BASIS_RULE)],
    ),
    # bounds
    ("no bounds", drop("bounds"), [("bounds", "expected the index bounds (min, max)")]),
    (
        "max above 100",
        put("bounds.max", 101.0),
        [("bounds", "expected 0 <= min < max <= 100; got min 0.0, max 101.0")],
    ),
    (
        "min below 0",
        put("bounds.min", -1.0),
        [("bounds", "expected 0 <= min < max <= 100; got min -1.0, max 100.0")],
    ),
    (
        "NaN max",
        put("bounds.max", NAN),
        [("bounds", "expected 0 <= min < max <= 100; got min 0.0, max nan")],
    ),
    # rounding
    (
        "no rounding",
        drop("rounding"),
        [("rounding", "expected the output rounding (decimals, mode)")],
    ),
    ("7 decimals", put("rounding.decimals", 7), [("rounding.decimals", "expected 0 to 6; got 7")]),
    (
        "negative decimals",
        put("rounding.decimals", -1),
        [("rounding.decimals", "expected 0 to 6; got -1")],
    ),
    (
        "unspecified rounding mode",
        put("rounding.mode", ruleset_pb2.ROUNDING_MODE_UNSPECIFIED),
        [("rounding.mode", "expected ROUNDING_MODE_HALF_UP")],
    ),
    # categories
    ("no categories", drop("categories"), [(CAT, "expected at least one category")]),
    ("an empty scheme", drop(CAT), [(CAT, "expected at least one category")]),
    (
        "scheme without a name",
        put("categories.name", ""),
        [("categories.name", "expected the scheme's name")],
    ),
    (
        "upper-case category id",
        put(f"{CAT}[1].id", "Waspada"),
        [(f"{CAT}[1].id", "expected a lower-case id; got 'Waspada'")],
    ),
    (
        "category id with a trailing newline",
        put(f"{CAT}[1].id", "waspada\n"),
        [(f"{CAT}[1].id", "expected a lower-case id; got 'waspada\\n'")],
    ),
    (
        "repeated category id",
        put(f"{CAT}[2].id", "waspada"),
        [(f"{CAT}[2].id", "expected a unique id; 'waspada' is repeated")],
    ),
    (
        "lowest bound above the minimum",
        put(f"{CAT}[0].lower_bound", 1.0),
        [
            (
                f"{CAT}[0].lower_bound",
                "the lowest category must start at the index minimum 0.0; got 1.0",
            )
        ],
    ),
    (
        "equal bounds",
        put(f"{CAT}[2].lower_bound", 73.0),
        [
            (
                f"{CAT}[2].lower_bound",
                "expected a bound above the previous one (73.0) and at most 100.0; got 73.0",
            )
        ],
    ),
    (
        "decreasing bounds",
        put(f"{CAT}[2].lower_bound", 72.0),
        [
            (
                f"{CAT}[2].lower_bound",
                "expected a bound above the previous one (73.0) and at most 100.0; got 72.0",
            )
        ],
    ),
    (
        "bound above the maximum",
        put(f"{CAT}[2].lower_bound", 100.5),
        [
            (
                f"{CAT}[2].lower_bound",
                "expected a bound above the previous one (73.0) and at most 100.0; got 100.5",
            )
        ],
    ),
    (
        "bound between two steps of the precision",
        put(f"{CAT}[1].lower_bound", 73.005),
        [
            (
                f"{CAT}[1].lower_bound",
                "expected a multiple of the output precision (2 decimals), since categories are "
                "decided on the rounded index; got 73.005",
            )
        ],
    ),
    (
        "bound with 1 decimal at 0 decimals",
        both(put("rounding.decimals", 0), put(f"{CAT}[2].lower_bound", 77.5)),
        [
            (
                f"{CAT}[2].lower_bound",
                "expected a multiple of the output precision (0 decimals), since categories are "
                "decided on the rounded index; got 77.5",
            )
        ],
    ),
    (
        "bounds equal at the output precision",
        put(f"{CAT}[2].lower_bound", 73.000000001),
        [
            (
                f"{CAT}[2].lower_bound",
                "expected a bound above the previous one (73.0) at the output precision "
                "(2 decimals); got 73.000000001",
            )
        ],
    ),
    (
        "NaN bound",
        put(f"{CAT}[1].lower_bound", NAN),
        [(f"{CAT}[1].lower_bound", "expected a finite number; got nan")],
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_each_rule_reports_its_field_and_message(
    edit: Edit, expected: list[tuple[str, str]]
) -> None:
    assert validate(edited(edit)) == [Violation(field, text) for field, text in expected]


NOTE = "notes[0]"
INVALID_2022: list[tuple[str, Edit, list[tuple[str, str]]]] = [
    ("note without a topic", put(f"{NOTE}.topic", ""), [(f"{NOTE}.topic", "expected a topic")]),
    ("note without a text", put(f"{NOTE}.text", " "), [(f"{NOTE}.text", "expected a text")]),
    (
        "note reference without a basis",
        put(f"{NOTE}.reference.basis", ruleset_pb2.BASIS_UNSPECIFIED),
        [(f"{NOTE}.reference.basis", BASIS_RULE)],
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [case[1:] for case in INVALID_2022],
    ids=[case[0] for case in INVALID_2022],
)
def test_notes_are_checked(edit: Edit, expected: list[tuple[str, str]]) -> None:
    assert validate(edited(edit, "spi-2022")) == [Violation(f, t) for f, t in expected]


VALID: list[tuple[str, Edit]] = [
    ("year 0 (any year)", put("year", 0)),
    ("year 2000", put("year", 2000)),
    ("year 2100", put("year", 2100)),
    ("id of 64 characters", put("id", "a" * 64)),
    ("id with dots and underscores", put("id", "kab.probolinggo_2024-alt")),
    ("weights summing to 1 within 1e-9", put("weights.internal", 0.305 + 5e-10)),
    ("a zero weight", both(put("weights.expert", 0.0), put("weights.external", 0.695))),
    ("a zero correction factor", put("correction.prevalence.factor", 0.0)),
    ("a bound at the maximum", put(f"{CAT}[2].lower_bound", 100.0)),
    (
        "a bound with 1 decimal at 1 decimal",
        both(put("rounding.decimals", 1), put(f"{CAT}[2].lower_bound", 77.5)),
    ),
    ("a bound with 2 decimals", put(f"{CAT}[2].lower_bound", 77.55)),
    ("0 decimals", put("rounding.decimals", 0)),
    ("6 decimals", put("rounding.decimals", 6)),
    ("narrower bounds", both(put("bounds.min", 10.0), put(f"{CAT}[0].lower_bound", 10.0))),
    ("one category", lambda rules: rules.categories.categories.__delitem__(slice(1, None))),
    (
        "assumed with a note",
        both(put(f"{W}.basis", ruleset_pb2.BASIS_ASSUMED), drop(f"{W}.fit"), put(f"{W}.note", "x")),
    ),
    ("stated without a fit", both(put(f"{W}.basis", ruleset_pb2.BASIS_STATED), drop(f"{W}.fit"))),
]


@pytest.mark.parametrize("edit", [case[1] for case in VALID], ids=[case[0] for case in VALID])
def test_valid_variants_have_no_violation(edit: Edit) -> None:
    assert validate(edited(edit)) == []


@pytest.mark.parametrize("ruleset_id", BUNDLED_IDS)
def test_bundled_rulesets_are_valid(ruleset_id: str) -> None:
    assert validate(base(ruleset_id)) == []


def test_every_problem_is_reported_at_once() -> None:
    rules = edited(both(put("id", "X"), put("weights.expert", -1.0), put("rounding.decimals", 9)))
    fields = [v.field for v in validate(rules)]
    assert fields == ["id", "weights.expert", "weights", "rounding.decimals"]


def test_loading_raises_with_the_file_as_context() -> None:
    rules = edited(put(f"{W}.basis", ruleset_pb2.BASIS_UNSPECIFIED))
    with pytest.raises(InvalidRulesetError) as caught:
        from_message(rules, origin="my-rules.txtpb")
    assert str(caught.value) == f"my-rules.txtpb: {W}.basis: {BASIS_RULE}"
    assert caught.value.context == "my-rules.txtpb"
    assert caught.value.violations == (Violation(f"{W}.basis", BASIS_RULE),)


def test_loading_counts_further_problems() -> None:
    rules = edited(both(put("label", ""), put("categories.name", "")))
    with pytest.raises(
        InvalidRulesetError, match=r"^x: label: expected a non-empty label \(and 1 more problem\)$"
    ):
        from_message(rules, origin="x")
    rules = edited(both(put("label", ""), put("categories.name", ""), put("year", 1)))
    with pytest.raises(InvalidRulesetError, match=r"\(and 2 more problems\)$"):
        from_message(rules, origin="x")


def test_text_with_an_unspecified_basis_is_rejected() -> None:
    text = bundled().get("spi-2024").to_text().replace("BASIS_STATED", "BASIS_UNSPECIFIED", 1)
    with pytest.raises(InvalidRulesetError) as caught:
        parse_text(text, "t.txtpb")
    assert caught.value.violations == (Violation("bounds.reference.basis", BASIS_RULE),)


def test_weight_sum_tolerance_is_1e_9() -> None:
    just_inside = edited(put("weights.internal", 0.305 + 0.9e-9))
    just_outside = edited(put("weights.internal", 0.305 + 1.1e-9))
    assert validate(just_inside) == []
    assert [v.field for v in validate(just_outside)] == ["weights"]
