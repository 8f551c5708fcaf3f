"""Ruleset variants: derived from a message copy, validated, hashed, with provenance."""

from __future__ import annotations

import pytest

from spi.v1 import ruleset_pb2
from spi_engine import InvalidRulesetError, bundled, parse_text
from spi_engine.variants import Variant, derive_variant

BASE = bundled().get("spi-2024")


def test_a_threshold_variant() -> None:
    strict = derive_variant(
        BASE,
        Variant(id="spi-2024-strict", lower_bounds=(("terjaga", 80.0),), note="a stricter green"),
    )
    assert strict.id == "spi-2024-strict"
    assert strict.lower_bound_steps == (0, 7300, 8000)
    assert strict.weights == BASE.weights
    assert strict.sha256 != BASE.sha256
    assert strict.label == f"{BASE.label} (variant spi-2024-strict)"


def test_the_base_is_never_changed() -> None:
    before = (BASE.sha256, BASE.to_text())
    derive_variant(BASE, Variant(id="other", weights=(0.4, 0.3, 0.3)))
    assert (BASE.sha256, BASE.to_text()) == before


def test_provenance_names_the_base_and_is_assumed() -> None:
    variant = derive_variant(
        BASE, Variant(id="w", weights=(0.4, 0.3, 0.3), note="equal-ish weights")
    )
    message = variant.to_message()
    reference = message.weights.reference
    assert reference.basis == ruleset_pb2.BASIS_ASSUMED
    assert reference.source == f"variant of ruleset spi-2024 (sha256 {BASE.sha256})"
    assert "equal-ish weights" in reference.note
    assert not reference.HasField("fit")
    note = message.notes[-1]
    assert note.topic == "variant_of"
    assert BASE.sha256 in note.text
    assert "weights 0.4/0.3/0.3" in note.text
    # Unchanged numbers keep their references.
    assert message.categories.reference.basis == ruleset_pb2.BASIS_STATED


def test_correction_factors() -> None:
    variant = derive_variant(BASE, Variant(id="half-prevalence", correction_factors=(1.0, 0.5)))
    assert variant.correction_factors == (1.0, 0.5)
    assert variant.to_message().correction.prevalence.reference.basis == ruleset_pb2.BASIS_ASSUMED


def test_the_sha256_is_reproducible_and_round_trips_through_text() -> None:
    spec = Variant(id="again", lower_bounds=(("waspada", 72.0),))
    first, second = derive_variant(BASE, spec), derive_variant(BASE, spec)
    assert first.sha256 == second.sha256
    assert parse_text(first.to_text()).sha256 == first.sha256


@pytest.mark.parametrize(
    ("variant", "field"),
    [
        (Variant(id="spi-2024"), "id"),
        (Variant(id="Bad Id"), "id"),
        (Variant(id="w", weights=(0.5, 0.5, 0.5)), "weights"),
        (Variant(id="w", weights=(1.5, -0.5, 0.0)), "weights.internal"),
        (Variant(id="b", lower_bounds=(("hijau", 80.0),)), "lower_bounds[0]"),
        (
            Variant(id="b", lower_bounds=(("terjaga", 72.0),)),
            "categories.categories[2].lower_bound",
        ),
        (
            Variant(id="b", lower_bounds=(("terjaga", 78.005),)),
            "categories.categories[2].lower_bound",
        ),
        (Variant(id="f", correction_factors=(-1.0, 1.0)), "correction.integrity.factor"),
    ],
)
def test_invalid_variants_name_the_field(variant: Variant, field: str) -> None:
    with pytest.raises(InvalidRulesetError) as error:
        derive_variant(BASE, variant)
    assert error.value.violations[0].field == field
    assert error.value.context == f"variant {variant.id!r} of 'spi-2024'"
