"""Reference datasets: loading results files, addressing units, dataset-wide scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spi_engine import InvalidInputError, bundled, score
from spi_engine.datasets import (
    Datasets,
    dataset_from_table,
    load_dataset,
    load_datasets,
    simulate_dataset,
)
from spi_engine.errors import UnknownDatasetError
from spi_engine.scenario import Intervention, Scenario
from spi_engine.tabular import parse_csv
from spi_engine.variants import Variant

SMALL = """year,institution_id,name,type,internal,external,expert,correction_integrity,correction_prevalence,index,flag
2023,1,"KOTA A, TIMUR",kota,80.38,88.31,71.02,4.18,0.00,75.36,
2023,2,KAB B,kabupaten,70.00,72.00,71.00,1.00,0.50,69.9,
2023,9,KEMENTERIAN X,kementerian,80.00,80.00,80.00,0.00,0.00,,withheld_by_kpk
2024,3,KAB B,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,
2024,4,KOTA A,kota,76.49,87.63,75.02,3.74,0.00,75.86,
"""


def small():
    return dataset_from_table(parse_csv(SMALL, "small.csv"), "small")


def test_metadata_is_kept() -> None:
    data = small()
    assert len(data) == 5
    assert data.year_list == (2023, 2024)
    assert data.names[0] == "KOTA A, TIMUR"
    assert data.units.groups == ("kota", "kabupaten", "kementerian", "kabupaten", "kota")
    assert data.flags[2] == "withheld_by_kpk"
    assert data.published_index[:2].tolist() == [75.36, 69.9]
    assert np.isnan(data.published_index[2])


def test_units_by_dataset_and_id() -> None:
    data = small()
    units = data.units_by_id(["3", "1"])
    assert units.ids == ("3", "1")
    assert units.external.tolist() == [89.02, 88.31]
    with pytest.raises(InvalidInputError) as error:
        data.units_by_id(["1", "77"])
    assert error.value.violations[0].field == "unit_ids[1]"
    assert "dataset 'small' has no unit with id '77'" in str(error.value)


def test_year_and_flag_filters() -> None:
    data = small()
    assert data.for_year(2024).units.ids == ("3", "4")
    assert data.without_flags(["withheld_by_kpk"]).units.ids == ("1", "2", "3", "4")
    with pytest.raises(InvalidInputError, match="no rows for 2020"):
        data.for_year(2020)


def test_a_scenario_over_the_dataset_is_scored_year_by_year() -> None:
    scenario = Scenario((Intervention("external", "add", 2.0, groups=("kabupaten",)),))
    run = simulate_dataset(small(), scenario)
    assert run.years == (2023, 2024)
    assert run.excluded == 1
    engine_2024 = score(bundled().get("spi-2024"), small().for_year(2024).units)
    comparison = run.for_year(2024)
    assert engine_2024.index_steps.tolist() == [7166, 7586]
    assert comparison.before.index_steps.tolist() == [7165, 7586]  # the published indexes
    assert comparison.delta_steps.tolist() == [65, 0]
    assert comparison.before.ruleset.id == "spi-2024"
    assert run.for_year(2023).before.ruleset.id == "spi-2023"
    assert [r.tolist() for r in run.rows] == [[0, 1], [2, 3]]


def test_an_id_selection_spans_the_whole_dataset() -> None:
    scenario = Scenario((Intervention("expert", "set", 90.0, unit_ids=("3",)),))
    run = simulate_dataset(small(), scenario)
    assert run.for_year(2023).delta_steps.tolist() == [0, 0]
    assert run.for_year(2024).delta_steps.tolist()[0] > 0


def test_one_ruleset_for_every_row() -> None:
    run = simulate_dataset(small(), Scenario(), ruleset=bundled().get("spi-2024"), exclude_flags=())
    assert run.years == (0,)
    assert len(run.for_year(0).before) == 5


def test_a_dataset_without_years_needs_a_ruleset() -> None:
    text = "unit_id,internal,external,expert,correction\nu1,70,70,70,0\n"
    data = dataset_from_table(parse_csv(text, "plain.csv"), "plain")
    assert data.years.tolist() == [0]
    with pytest.raises(InvalidInputError, match="no year column; expected a ruleset"):
        simulate_dataset(data, Scenario())
    run = simulate_dataset(data, Scenario(), ruleset=bundled().get("spi-2025"))
    assert run.for_year(0).before.index.tolist() == [70.0]


def test_bad_years_and_bad_rows() -> None:
    text = "year,unit_id,internal,external,expert,correction\n2024.5,u1,70,70,70,0\n"
    with pytest.raises(InvalidInputError, match="line 2, column 'year'"):
        dataset_from_table(parse_csv(text, "x.csv"), "x")
    with pytest.raises(InvalidInputError, match="line 2, column 'external'"):
        dataset_from_table(
            parse_csv("unit_id,internal,external,expert,correction\nu,1,200,1,0\n", "y.csv"), "y"
        )


def test_files_and_named_datasets(tmp_path: Path) -> None:
    path = tmp_path / "results-2024.csv"
    path.write_text(SMALL, "utf-8")
    data = load_dataset(path)
    assert data.name == "results-2024"
    assert len(data.sha256) == 64
    named = load_datasets({"kpk": path})
    assert isinstance(named, Datasets)
    assert named.names == ("kpk",)
    assert named.get("kpk").origin == str(path)
    with pytest.raises(UnknownDatasetError, match="unknown dataset 'kp'; known datasets: kpk"):
        named.get("kp")
    with pytest.raises(InvalidInputError, match="cannot read"):
        load_dataset(tmp_path / "absent.csv")


def test_the_published_results(published_dir: Path) -> None:
    data = load_dataset(published_dir / "results.csv", "spi-published")
    assert len(data) == 3187
    scenario = Scenario((Intervention("external", "add", 2.0, groups=("kabupaten",)),))
    run = simulate_dataset(data, scenario)
    assert run.excluded == 3
    assert sum(len(c.before) for c in run.comparisons) == 3184
    national = {year: c.mean_before for year, c in zip(run.years, run.comparisons, strict=True)}
    published = {2021: 72.43, 2023: 70.97, 2024: 71.53, 2025: 72.32}
    for year, value in published.items():
        assert abs(national[year] - value) <= 0.03
    comparison = run.for_year(2024)
    assert comparison.moved_down == 0
    assert comparison.mean_after > comparison.mean_before
    assert all(to != "rentan" or frm == "rentan" for frm, to, _ in comparison.transition_list())


def test_a_variant_over_a_dataset_is_derived_from_each_year() -> None:
    scenario = Scenario(variant=Variant(id="green-at-75", lower_bounds=(("terjaga", 75.0),)))
    run = simulate_dataset(small(), scenario)
    assert [c.after.ruleset.label for c in run.comparisons] == [
        f"{bundled().get(f'spi-{year}').label} (variant green-at-75)" for year in (2023, 2024)
    ]
    assert run.for_year(2024).after.categories == ("rentan", "terjaga")
    assert run.for_year(2024).delta_steps.tolist() == [0, 0]


def test_baseline_is_the_published_index_and_the_difference_a_fixed_adjustment() -> None:
    """Rows the rules do not reproduce carry published - engine, unchanged, into the scenario."""
    scenario = Scenario((Intervention("external", "add", 2.0),))
    run = simulate_dataset(small(), scenario)
    engine = {
        year: score(
            bundled().for_year(year),
            small().for_year(year).without_flags(["withheld_by_kpk"]).units,
        )
        for year in (2023, 2024)
    }
    published = [7536, 6990, 7165, 7586]
    engine_steps = [*engine[2023].index_steps.tolist(), *engine[2024].index_steps.tolist()]
    assert run.adjustments.tolist() == [p - e for p, e in zip(published, engine_steps, strict=True)]
    assert run.adjusted == int(np.count_nonzero(run.adjustments))
    assert run.adjustment_range == (
        min(run.adjustments[run.adjustments != 0]),
        max(run.adjustments),
    )
    for year, rows in ((2023, [0, 1]), (2024, [2, 3])):
        c = run.for_year(year)
        assert c.before.index_steps.tolist() == [published[i] for i in rows]
        adjustment = run.adjustments[rows]
        plain = simulate_dataset(
            dataset_from_table(
                parse_csv(
                    SMALL.replace(",75.36,", ",,")
                    .replace(",69.9,", ",,")
                    .replace(",71.65,", ",,")
                    .replace(",75.86,", ",,"),
                    "x.csv",
                ),
                "x",
            ),
            scenario,
        ).for_year(year)
        assert plain.before.adjustment_steps is None  # no published index: no adjustment
        assert (c.after.index_steps == plain.after.index_steps + adjustment).all()
        assert c.delta_steps.tolist() == plain.delta_steps.tolist()


def test_adjusted_index_stays_within_the_bounds() -> None:
    text = SMALL.replace(
        "2024,4,KOTA A,kota,76.49,87.63,75.02,3.74,0.00,75.86,",
        "2024,4,KOTA A,kota,99,99,99,0,0,100.00,",
    )
    run = simulate_dataset(
        dataset_from_table(parse_csv(text, "t.csv"), "t"),
        Scenario((Intervention("external", "add", 1.0),)),
    )
    c = run.for_year(2024)
    assert run.adjustments.tolist()[3] == 100
    assert c.after.index_steps.tolist()[1] == 10000
    assert c.after.categories[1] == "terjaga"


REGIONAL = """year,institution_id,internal,external,expert,correction_integrity,correction_prevalence,index,flag
2022,synthetic-kab-a,80,80,80,2,1,73.31,extra_deduction_2022
2022,synthetic-kab-b,80,80,80,2,1,77.00,
2023,synthetic-kab-a,80,80,80,2,1,77.00,
"""
"""Synthetic rows: the first is flagged for spi-2022's inferred regional element."""


def test_rows_needing_the_regional_class_table_are_counted() -> None:
    """Under the bundled spi-2022 (no class table) the flagged row is not reproduced for a
    stated reason, carried as a published adjustment; with a table it is reproduced."""
    from spi_engine.regional_fit import RegionalFit, regional_message
    from spi_engine.ruleset import from_message

    data = dataset_from_table(parse_csv(REGIONAL, "regional.csv"), "regional")
    run = simulate_dataset(data, Scenario())
    assert run.needs_class_table.tolist() == [True, False, False]
    assert run.without_class_table == 1
    assert run.adjustments.tolist() == [-369, 0, 0]  # 73.31 - 77.00
    table = RegionalFit(8.388, ("synthetic-kab-a",), (4,), (2,), 1, 0, 0)
    with_table = from_message(regional_message(table), "synthetic")
    run = simulate_dataset(data.for_year(2022), Scenario(), ruleset=with_table)
    assert run.without_class_table == 0
    assert run.adjustments.tolist() == [0, 0]  # 80 - 1 - (3 * 2 + 2 * 8.388) / 4 = 73.306
