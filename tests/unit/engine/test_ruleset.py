"""spi_engine.ruleset: parsing text and binary, unknown fields, sha256 identity, immutability."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from google.protobuf import text_format

from spi.v1 import ruleset_pb2
from spi_engine import InvalidRulesetError, Ruleset, Violation, bundled, load_file, parse_text
from spi_engine.ruleset import from_message, message_from_binary, message_from_text, sha256_of
from tests.catalogue import BUNDLED_IDS


def rules_2024() -> Ruleset:
    return bundled().get("spi-2024")


def text_2024() -> str:
    return rules_2024().to_text()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# --- parsing text ----------------------------------------------------------------------------


def test_bundled_2024_holds_its_numbers() -> None:
    rules = rules_2024()
    assert (rules.id, rules.year, rules.decimals) == ("spi-2024", 2024, 2)
    assert rules.weights == (0.305, 0.328, 0.367)
    assert rules.correction_factors == (1.0, 1.0)
    assert rules.bounds == (0.0, 100.0)
    assert rules.category_ids == ("rentan", "waspada", "terjaga")
    assert rules.lower_bound_steps == (0, 7300, 7800)
    assert rules.origin == "bundled"


SYNTAX_ERRORS: list[tuple[str, Callable[[str], str], str | None, str]] = [
    (
        "unknown top-level field",
        lambda t: "nonsense: 1\n" + t,
        "line 1, column 1",
        'Message type "spi.v1.Ruleset" has no field named "nonsense".',
    ),
    (
        "unknown nested field",
        lambda t: t.replace("weights {\n", "weights {\n  nonsense: 2\n", 1),
        "line 6, column 3",
        'Message type "spi.v1.ComponentWeights" has no field named "nonsense".',
    ),
    (
        "missing colon",
        lambda t: t.replace('label: "', 'label "', 1),
        "line 2, column 7",
        '\'label "SPI 2024 (KPK Survei Penilaian Integritas, fitted weights)"\': Expected ":".',
    ),
    (
        "unknown enum value",
        lambda t: t.replace("mode: ROUNDING_MODE_HALF_UP", "mode: ROUNDING_MODE_HALF_EVEN"),
        None,
        "'  mode: ROUNDING_MODE_HALF_EVEN': "
        'Enum type "spi.v1.RoundingMode" has no value named ROUNDING_MODE_HALF_EVEN.',
    ),
    (
        "text for a number",
        lambda t: t.replace("year: 2024", 'year: "2024"'),
        "line 3, column 7",
        '\'year: "2024"\': Couldn\'t parse integer: "2024"',
    ),
    (
        "a field given twice",
        lambda t: t + 'id: "again"\n',
        None,
        'Message type "spi.v1.Ruleset" should not have multiple "id" fields.',
    ),
    (
        "a malformed number",
        lambda t: t.replace("internal: 0.305", "internal: 0.305x"),
        "line 6, column 13",
        "'  internal: 0.305x': Couldn't parse float: 0.305x",
    ),
]


@pytest.mark.parametrize(
    ("change", "where", "description"),
    [case[1:] for case in SYNTAX_ERRORS],
    ids=[case[0] for case in SYNTAX_ERRORS],
)
def test_text_errors_name_line_and_column(
    change: Callable[[str], str], where: str | None, description: str
) -> None:
    text = change(text_2024())
    with pytest.raises(InvalidRulesetError) as caught:
        parse_text(text, "mine.txtpb")
    (violation,) = caught.value.violations
    assert violation.description == description
    assert violation.field.startswith("line ")
    if where is not None:
        assert violation.field == where
    assert str(caught.value) == f"mine.txtpb: {violation.field}: {description}"


def test_unclosed_message_names_the_end() -> None:
    with pytest.raises(InvalidRulesetError) as caught:
        parse_text('id: "x"\nweights {\n  internal: 1\n', "open.txtpb")
    (violation,) = caught.value.violations
    assert violation.field.startswith("line 3, column ") or violation.field.startswith("line 4")
    assert violation.description == 'Expected "}".'


def test_error_line_follows_the_text() -> None:
    text = text_2024().replace("mode: ROUNDING_MODE_HALF_UP", "mode: ROUNDING_MODE_HALF_EVEN")
    with pytest.raises(InvalidRulesetError) as caught:
        parse_text(text)
    assert caught.value.violations[0].field.startswith(f"line {line_of(text, 'HALF_EVEN')},")
    assert caught.value.context == "ruleset"


def test_comments_are_allowed() -> None:
    text = "# a comment\n" + text_2024().replace("year: 2024", "year: 2024  # the survey year")
    assert parse_text(text).sha256 == rules_2024().sha256


# --- binary ----------------------------------------------------------------------------------

UNKNOWN_TOP = b"\xf8\x06\x01"  # field 111, varint 1
UNKNOWN_NESTED = b"\x2a\x03" + UNKNOWN_TOP  # weights (field 5) holding field 111


@pytest.mark.parametrize(
    "extra", [UNKNOWN_TOP, UNKNOWN_NESTED], ids=["top-level", "inside weights"]
)
def test_binary_unknown_fields_are_rejected(extra: bytes) -> None:
    with pytest.raises(InvalidRulesetError) as caught:
        message_from_binary(rules_2024().binary + extra, "r.binpb")
    assert caught.value.violations == (
        Violation("", "the message has fields this version of spi.v1.Ruleset does not know"),
    )
    assert str(caught.value).startswith("r.binpb: the message has fields")


@pytest.mark.parametrize("data", [b"\xff\xff\xff", b"\x0a\x10abc"], ids=["garbage", "truncated"])
def test_malformed_binary_is_rejected(data: bytes) -> None:
    with pytest.raises(InvalidRulesetError) as caught:
        message_from_binary(data, "r.binpb")
    (violation,) = caught.value.violations
    assert violation.field == ""
    assert violation.description.startswith("not a binary Ruleset message (")


def test_binary_and_text_files_load_the_same_ruleset(tmp_path: Path) -> None:
    rules = rules_2024()
    (tmp_path / "r.binpb").write_bytes(rules.binary)
    (tmp_path / "r.txtpb").write_text(rules.to_text(), "utf-8")
    from_binary = load_file(tmp_path / "r.binpb")
    from_text = load_file(tmp_path / "r.txtpb")
    assert from_binary.sha256 == from_text.sha256 == rules.sha256
    assert from_binary.origin == str(tmp_path / "r.binpb")


def test_binary_file_with_unknown_fields_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "r.binpb"
    path.write_bytes(rules_2024().binary + UNKNOWN_TOP)
    with pytest.raises(InvalidRulesetError, match=r"the message has fields this version"):
        load_file(path)


def test_text_file_with_unknown_fields_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "r.txtpb"
    path.write_text("nonsense: 1\n" + text_2024(), "utf-8")
    with pytest.raises(InvalidRulesetError) as caught:
        load_file(path)
    assert str(caught.value) == (
        f'{path}: line 1, column 1: Message type "spi.v1.Ruleset" has no field named "nonsense".'
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.txtpb"
    with pytest.raises(InvalidRulesetError) as caught:
        load_file(path)
    assert caught.value.context == str(path)
    assert caught.value.violations == (
        Violation("", "cannot read the file (No such file or directory)"),
    )


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txtpb"
    path.write_bytes(b'label: "caf\xe9"\n')
    with pytest.raises(InvalidRulesetError) as caught:
        load_file(path)
    assert caught.value.violations == (
        Violation("", "expected UTF-8 text; byte 11 is not (invalid continuation byte)"),
    )


def test_invalid_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txtpb"
    path.write_text(text_2024().replace("year: 2024", "year: 1900"), "utf-8")
    with pytest.raises(InvalidRulesetError) as caught:
        load_file(path)
    assert str(caught.value) == (
        f"{path}: year: expected 0 (any year) or a year from 2000 to 2100; got 1900"
    )


# --- identity --------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset_id", BUNDLED_IDS)
def test_sha256_is_of_the_deterministic_binary(ruleset_id: str) -> None:
    rules = bundled().get(ruleset_id)
    expected = hashlib.sha256(rules.to_message().SerializeToString(deterministic=True))
    assert rules.sha256 == expected.hexdigest() == sha256_of(rules.to_message())
    assert len(rules.sha256) == 64


@pytest.mark.parametrize("ruleset_id", BUNDLED_IDS)
def test_sha256_is_stable_across_loads_and_formats(ruleset_id: str) -> None:
    rules = bundled().get(ruleset_id)
    one_line = text_format.MessageToString(rules.to_message(), as_one_line=True)
    assert parse_text(rules.to_text()).sha256 == rules.sha256
    assert parse_text(one_line).sha256 == rules.sha256
    assert parse_text("# header comment\n\n\n" + one_line + "\n# trailer\n").sha256 == rules.sha256


def test_sha256_ignores_field_order() -> None:
    text = text_2024()
    first, rest = text.split("\n", 1)
    assert first.startswith("id:")
    assert parse_text(rest + "\n" + first + "\n").sha256 == rules_2024().sha256


HASH_CHANGES = [
    ("a weight", "internal: 0.305", "internal: 0.3051", "expert: 0.367", "expert: 0.3669"),
    ("a category bound", "lower_bound: 78.0", "lower_bound: 78.5", None, None),
    ("a reference note", 'note: "KPK states', 'note: "KPK stated', None, None),
    ("the label", 'label: "SPI 2024', 'label: "SPI-2024', None, None),
]


@pytest.mark.parametrize(
    ("old", "new", "old2", "new2"), [c[1:] for c in HASH_CHANGES], ids=[c[0] for c in HASH_CHANGES]
)
def test_sha256_changes_with_any_value(
    old: str, new: str, old2: str | None, new2: str | None
) -> None:
    text = text_2024()
    assert old in text
    changed = text.replace(old, new, 1)
    if old2 is not None and new2 is not None:
        changed = changed.replace(old2, new2, 1)
    assert parse_text(changed).sha256 != rules_2024().sha256


def test_bundled_rulesets_have_distinct_hashes() -> None:
    hashes = {rules.sha256 for rules in bundled()}
    assert len(hashes) == len(BUNDLED_IDS)


# --- immutability ----------------------------------------------------------------------------


def test_to_message_returns_a_copy() -> None:
    rules = rules_2024()
    message = rules.to_message()
    message.weights.internal = 0.9
    message.categories.categories[1].lower_bound = 10
    message.id = "changed"
    again = rules.to_message()
    assert again.weights.internal == 0.305
    assert again.categories.categories[1].lower_bound == 73
    assert again.id == "spi-2024"
    assert sha256_of(again) == rules.sha256
    assert rules.to_message() is not rules.to_message()


def test_ruleset_is_frozen() -> None:
    rules = rules_2024()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.weights = (1.0, 0.0, 0.0)  # type: ignore[misc]
    assert isinstance(rules.weights, tuple)
    assert isinstance(rules.lower_bound_steps, tuple)


def test_from_message_does_not_keep_the_caller_message() -> None:
    message = rules_2024().to_message()
    rules = from_message(message, "mine")
    message.weights.internal = 0.9
    assert rules.weights[0] == 0.305
    assert rules.to_message().weights.internal == 0.305


def test_derived_ruleset_leaves_the_original_alone() -> None:
    message = rules_2024().to_message()
    message.id = "spi-2024-alt775"
    message.categories.categories[2].lower_bound = 77.5
    variant = from_message(message)
    assert variant.lower_bound_steps == (0, 7300, 7750)
    assert rules_2024().lower_bound_steps == (0, 7300, 7800)
    assert variant.sha256 != rules_2024().sha256


def test_to_text_round_trips() -> None:
    rules = rules_2024()
    assert message_from_text(rules.to_text()) == rules.to_message()
    assert isinstance(rules.to_message(), ruleset_pb2.Ruleset)


@pytest.mark.parametrize(
    ("steps", "category"),
    [
        (0, "rentan"),
        (7299, "rentan"),
        (7300, "waspada"),
        (7799, "waspada"),
        (7800, "terjaga"),
        (10000, "terjaga"),
    ],
)
def test_category_of_steps(steps: int, category: str) -> None:
    assert rules_2024().category_of_steps(steps) == category
