"""Caller-supplied strings in messages: shown whole when short, else a prefix, length, sha256."""

from __future__ import annotations

import hashlib

import pytest

from spi_engine.errors import (
    MAX_MESSAGE,
    InvalidInputError,
    InvalidRulesetError,
    UnknownDatasetError,
    UnknownRulesetError,
    Violation,
    shown,
)
from spi_engine.survey import UnknownInstrumentError

HUGE = "A" * 4 * 2**20
HUGE_SHA = hashlib.sha256(HUGE.encode()).hexdigest()


def test_a_short_string_is_shown_whole() -> None:
    assert shown("spi-1999") == "'spi-1999'"
    assert shown("spi-1999", quote=False) == "spi-1999"
    assert shown("x" * 256) == repr("x" * 256)


def test_a_long_string_keeps_a_prefix_its_length_and_its_sha256() -> None:
    text = shown(HUGE)
    assert text == f"'{'A' * 156}…' ({len(HUGE)} characters, sha256 {HUGE_SHA})"
    assert len(shown(HUGE, 1000, quote=False)) <= 1000
    assert shown(HUGE, 10, quote=False).startswith("A" * 32 + "… (")


def test_errors_about_unknown_names_stay_short() -> None:
    for error in (
        UnknownRulesetError(HUGE, ["spi-2024"]),
        UnknownDatasetError(HUGE, ["spi-published"]),
        UnknownInstrumentError(HUGE, ("example-survey",)),
    ):
        message = str(error)
        assert len(message) < 400
        assert f"({len(HUGE)} characters, sha256 {HUGE_SHA})" in message


def test_violations_and_their_messages_are_bounded() -> None:
    violation = Violation(f"line 2, column {HUGE!r}", f"expected a number; got {HUGE!r}")
    assert len(violation.field) <= MAX_MESSAGE
    assert len(violation.description) <= MAX_MESSAGE
    assert "characters, sha256" in violation.description
    assert len(str(InvalidInputError([violation], context=HUGE))) <= MAX_MESSAGE
    assert Violation("units[0].internal", "got 101.5").description == "got 101.5"


def test_engine_messages_quote_a_huge_lever_or_category_through_shown() -> None:
    from spi_engine import bundled
    from spi_engine.levers import lever_position
    from spi_engine.variants import Variant, derive_variant

    with pytest.raises(InvalidInputError) as lever:
        lever_position(HUGE)
    with pytest.raises(InvalidRulesetError) as category:
        derive_variant(bundled().get("spi-2024"), Variant("v", lower_bounds=((HUGE, 70.0),)))
    for raised in (lever, category):
        assert len(str(raised.value)) < 500
        assert f"({len(HUGE)} characters, sha256 {HUGE_SHA})" in str(raised.value)
