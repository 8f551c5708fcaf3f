"""spi_engine.catalog: the bundled rulesets, unknown ids, loading a directory, duplicate ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from spi_engine import Catalog, InvalidRulesetError, UnknownRulesetError, bundled, load_directory
from spi_engine.catalog import bundled_cases_text
from spi_engine.errors import SpiError
from tests.catalogue import BUNDLED_IDS, KNOWN


def variant_text(ruleset_id: str, terjaga_from: str = "77.5") -> str:
    """A local variant of spi-2025 (the 2023 weights with the 73 / 78 scheme), terjaga moved."""
    text = bundled().get("spi-2025").to_text()
    return text.replace('id: "spi-2025"', f'id: "{ruleset_id}"').replace(
        "lower_bound: 78.0", f"lower_bound: {terjaga_from}"
    )


def test_bundled_ids() -> None:
    catalog = bundled()
    assert catalog.ids == BUNDLED_IDS
    assert len(catalog) == 5
    assert [rules.id for rules in catalog] == list(BUNDLED_IDS)
    assert "spi-2024" in catalog
    assert "spi-2030" not in catalog


@pytest.mark.parametrize("year", [int(i.removeprefix("spi-")) for i in BUNDLED_IDS])
def test_each_year_has_its_ruleset(year: int) -> None:
    rules = bundled().for_year(year)
    assert rules.id == f"spi-{year}"
    assert rules.year == year
    assert bundled().get(f"spi-{year}") is rules


def test_bundled_is_loaded_once() -> None:
    assert bundled() is bundled()


@pytest.mark.parametrize("ruleset_id", ["spi-2030", "", "SPI-2024", "spi-2024 "])
def test_unknown_id_lists_the_known_ids(ruleset_id: str) -> None:
    with pytest.raises(UnknownRulesetError) as caught:
        bundled().get(ruleset_id)
    assert str(caught.value) == f"unknown ruleset {ruleset_id!r}; known rulesets: {KNOWN}"
    assert caught.value.ruleset_id == ruleset_id
    assert caught.value.known == BUNDLED_IDS
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, SpiError)


def test_unknown_year() -> None:
    with pytest.raises(UnknownRulesetError, match=r"^unknown ruleset 'spi-2019'; known rulesets: "):
        bundled().for_year(2019)


def test_empty_catalog_says_none_is_known() -> None:
    with pytest.raises(UnknownRulesetError, match=r"^unknown ruleset 'x'; known rulesets: none$"):
        Catalog({}).get("x")


def test_catalog_is_read_only() -> None:
    catalog = bundled()
    with pytest.raises(TypeError):
        catalog.rulesets["x"] = catalog.get("spi-2024")  # type: ignore[index]


@pytest.mark.parametrize("ruleset_id", BUNDLED_IDS)
def test_every_bundled_ruleset_has_golden_cases(ruleset_id: str) -> None:
    text = bundled_cases_text(ruleset_id)
    assert text is not None
    assert f'ruleset_id: "{ruleset_id}"' in text


def test_no_cases_for_an_unknown_id() -> None:
    assert bundled_cases_text("spi-2030") is None


def test_with_directory_adds_user_rulesets(tmp_path: Path) -> None:
    (tmp_path / "alt.txtpb").write_text(variant_text("spi-2023-alt775"), "utf-8")
    (tmp_path / "alt.cases.txtpb").write_text("this is not a ruleset and is skipped", "utf-8")
    (tmp_path / "notes.txt").write_text("ignored", "utf-8")
    catalog = bundled().with_directory(tmp_path)
    assert catalog.ids == tuple(sorted((*BUNDLED_IDS, "spi-2023-alt775")))
    alt = catalog.get("spi-2023-alt775")
    assert alt.lower_bound_steps == (0, 7300, 7750)
    assert alt.origin == str(tmp_path / "alt.txtpb")
    assert bundled().ids == BUNDLED_IDS  # the bundled catalog is not changed


def test_load_directory_sorts_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "b.txtpb").write_text(variant_text("aaa"), "utf-8")
    (tmp_path / "a.txtpb").write_text(variant_text("zzz"), "utf-8")
    assert [rules.id for rules in load_directory(tmp_path)] == ["zzz", "aaa"]


def test_empty_directory_adds_nothing(tmp_path: Path) -> None:
    assert bundled().with_directory(tmp_path).ids == BUNDLED_IDS


def test_duplicate_of_a_bundled_id(tmp_path: Path) -> None:
    path = tmp_path / "mine.txtpb"
    path.write_text(bundled().get("spi-2024").to_text(), "utf-8")
    with pytest.raises(InvalidRulesetError) as caught:
        bundled().with_directory(tmp_path)
    assert str(caught.value) == f"{path}: id: 'spi-2024' is already loaded from bundled"


def test_duplicate_within_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.txtpb").write_text(variant_text("local"), "utf-8")
    (tmp_path / "b.txtpb").write_text(variant_text("local", "77.6"), "utf-8")
    with pytest.raises(InvalidRulesetError) as caught:
        Catalog({}).with_directory(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'b.txtpb'}: id: 'local' is already loaded from {tmp_path / 'a.txtpb'}"
    )


def test_with_rulesets_returns_a_new_catalog() -> None:
    base = Catalog({})
    grown = base.with_rulesets([bundled().get("spi-2024")])
    assert base.ids == ()
    assert grown.ids == ("spi-2024",)


def test_bad_file_in_a_directory_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txtpb"
    path.write_text(variant_text("bad", "77.55.5"), "utf-8")
    with pytest.raises(InvalidRulesetError) as caught:
        bundled().with_directory(tmp_path)
    assert caught.value.context == str(path)
    assert caught.value.violations[0].description.endswith("Couldn't parse float: 77.55.5")


def test_not_a_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(InvalidRulesetError) as caught:
        bundled().with_directory(missing)
    assert str(caught.value) == f"{missing}: expected a directory of .txtpb rulesets"
