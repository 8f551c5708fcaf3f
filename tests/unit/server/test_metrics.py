"""The ruleset label of spi_units_scored_total: loaded ids only, anything else "variant"."""

from __future__ import annotations

from spi_server.metrics import ruleset_label

LOADED = frozenset({("spi-2024", "aa"), ("spi-2023", "bb")})


def test_a_loaded_ruleset_is_labelled_by_its_id() -> None:
    assert ruleset_label(("spi-2024", "aa"), LOADED) == "spi-2024"
    assert ruleset_label(("spi-2023,spi-2024", "bb,aa"), LOADED) == "spi-2023,spi-2024"


def test_any_other_ruleset_is_a_variant() -> None:
    assert ruleset_label(("my-variant-17", "cc"), LOADED) == "variant"
    assert ruleset_label(("spi-2024", "not-the-loaded-one"), LOADED) == "variant"  # inline, same id
    assert ruleset_label(("spi-2024,v1,v2", "aa,x,y"), LOADED) == "spi-2024,variant"
    assert ruleset_label(("", ""), LOADED) == ""
