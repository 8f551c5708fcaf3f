"""Scenarios and levers: interventions, selections, capping, side-by-side results, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import InvalidInputError, bundled, levers, score, units_from_columns
from spi_engine.scenario import Intervention, Scenario, apply, simulate
from spi_engine.units import Units
from spi_engine.variants import Variant

RULES = bundled().get("spi-2024")


def batch() -> Units:
    """Four units: Probolinggo 2024 (total correction), two with parts, one with correction 0."""
    return units_from_columns(
        [75.61, 80.00, 70.00, 99.50],
        [89.02, 76.00, 71.00, 98.00],
        [73.53, 77.90, 72.00, 99.00],
        correction_integrity=[np.nan, 0.50, 1.20, np.nan],
        correction_prevalence=[np.nan, 0.00, 0.30, np.nan],
        correction=[7.59, np.nan, np.nan, 0.0],
        ids=["probolinggo", "kota-a", "kab-b", "top"],
        groups=["kabupaten", "kota", "kabupaten", "provinsi"],
    )


def test_slopes_are_weights_and_minus_factors() -> None:
    assert levers.slopes(RULES).tolist() == [0.305, 0.328, 0.367, -1.0, -1.0, -1.0]


def test_levers_apply_to_the_correction_form_a_unit_holds() -> None:
    holds = levers.applicable(batch())
    assert holds.tolist() == [
        [True, True, True, False, False, True],
        [True, True, True, True, True, False],
        [True, True, True, True, True, False],
        [True, True, True, True, True, True],
    ]


def test_unknown_lever_names_the_field() -> None:
    with pytest.raises(InvalidInputError) as error:
        levers.lever_position("externl", "scenario.interventions[0].lever")
    assert error.value.violations[0].field == "scenario.interventions[0].lever"
    assert "got 'externl'" in str(error.value)


def test_empty_scenario_returns_the_baseline_exactly() -> None:
    units = batch()
    run = simulate(RULES, units, Scenario())
    baseline = score(RULES, units)
    for side in (run.comparison.before, run.comparison.after):
        assert side.index_raw.tobytes() == baseline.index_raw.tobytes()
        assert side.index_steps.tolist() == baseline.index_steps.tolist()
    assert not run.comparison.changed.any()
    assert run.comparison.delta_steps.tolist() == [0, 0, 0, 0]
    assert not run.capped.any()


def test_probolinggo_external_plus_three_stays_rentan_but_gains() -> None:
    run = simulate(RULES, batch(), Scenario((Intervention("external", "add", 3.0),)))
    comparison = run.comparison
    assert comparison.before.index.tolist()[0] == 71.66
    assert comparison.after.index.tolist()[0] == 72.64
    assert comparison.after.categories[0] == "rentan"
    assert comparison.delta_steps.tolist()[0] == 98


@pytest.mark.parametrize(
    ("operation", "value", "expected"),
    [
        ("set", 90.0, [90.0, 90.0, 90.0, 90.0]),
        ("add", 2.5, [91.52, 78.5, 73.5, 100.0]),
        ("scale", 0.5, [44.51, 38.0, 35.5, 49.0]),
        ("cap", 80.0, [80.0, 76.0, 71.0, 80.0]),
    ],
)
def test_operations(operation: str, value: float, expected: list[float]) -> None:
    applied = apply(batch(), [Intervention("external", operation, value)])
    assert applied.units.external.tolist() == pytest.approx(expected, abs=1e-12)


def test_values_pushed_past_the_range_are_capped_and_reported() -> None:
    run = simulate(RULES, batch(), Scenario((Intervention("external", "add", 2.5),)))
    column = levers.LEVERS.index("external")
    assert run.capped[:, column].tolist() == [False, False, False, True]
    assert run.capped_rows == (3,)
    assert run.comparison.after.units.external.tolist()[3] == 100.0


def test_correction_cannot_go_below_zero() -> None:
    run = simulate(
        RULES,
        batch(),
        Scenario((Intervention("correction_integrity", "add", -1.0, unit_ids=("kota-a",)),)),
    )
    assert run.comparison.after.units.correction_integrity.tolist()[1] == 0.0
    assert run.capped_rows == (1,)


def test_selection_by_group_and_by_id() -> None:
    by_group = apply(batch(), [Intervention("internal", "add", 1.0, groups=("kabupaten",))])
    assert by_group.units.internal.tolist() == pytest.approx([76.61, 80.0, 71.0, 99.5])
    by_id = apply(batch(), [Intervention("internal", "set", 50.0, unit_ids=("kota-a", "top"))])
    assert by_id.units.internal.tolist() == [75.61, 50.0, 70.0, 50.0]


def test_interventions_apply_in_order() -> None:
    applied = apply(
        batch(), [Intervention("expert", "set", 60.0), Intervention("expert", "scale", 1.5)]
    )
    assert applied.units.expert.tolist() == [90.0, 90.0, 90.0, 90.0]


def test_the_correction_total_is_its_own_lever() -> None:
    applied = apply(batch(), [Intervention("correction", "add", -2.0, unit_ids=("probolinggo",))])
    assert applied.units.correction_unsplit.tolist()[0] == pytest.approx(5.59)


def test_inputs_are_never_mutated() -> None:
    units = batch()
    before = units.external.copy()
    simulate(RULES, units, Scenario((Intervention("external", "set", 10.0),)))
    assert units.external.tolist() == before.tolist()


def test_categories_counts_means_and_transitions() -> None:
    run = simulate(RULES, batch(), Scenario((Intervention("expert", "add", 5.0),)))
    comparison = run.comparison
    assert comparison.before.categories == ("rentan", "waspada", "rentan", "terjaga")
    assert comparison.after.categories == ("waspada", "terjaga", "rentan", "terjaga")
    assert comparison.changed.tolist() == [True, True, False, False]
    assert comparison.direction.tolist() == [1, 1, 0, 0]
    assert comparison.counts_before == (2, 1, 1)
    assert comparison.counts_after == (1, 1, 2)
    assert comparison.transition_list() == (
        ("rentan", "rentan", 1),
        ("rentan", "waspada", 1),
        ("waspada", "terjaga", 1),
        ("terjaga", "terjaga", 1),
    )
    expected_mean = (2 * int(comparison.after.index_steps.sum()) + 4) // 8
    assert comparison.mean_after_steps == expected_mean
    assert comparison.moved_up == 2
    assert comparison.moved_down == 0


def test_a_variant_scores_the_scenario_side_under_its_own_rules() -> None:
    scenario = Scenario(variant=Variant(id="strict", lower_bounds=(("terjaga", 80.0),)))
    run = simulate(RULES, batch(), scenario)
    assert run.comparison.after.ruleset.id == "strict"
    assert run.comparison.before.ruleset.id == "spi-2024"
    assert run.comparison.delta_steps.tolist() == [0, 0, 0, 0]
    assert run.comparison.after.categories[3] == "terjaga"


@pytest.mark.parametrize(
    ("intervention", "field", "message"),
    [
        (Intervention("externl", "add", 1.0), "scenario.interventions[0].lever", "got 'externl'"),
        (
            Intervention("external", "raise", 1.0),
            "scenario.interventions[0].operation",
            "got 'raise'",
        ),
        (
            Intervention("external", "add", float("nan")),
            "scenario.interventions[0].value",
            "finite",
        ),
        (
            Intervention("external", "add", "lots"),
            "scenario.interventions[0].value",
            "expected a number",
        ),  # type: ignore[arg-type]
        (
            Intervention("external", "set", 101.0),
            "scenario.interventions[0].value",
            "from 0 to 100",
        ),
        (
            Intervention("correction_integrity", "cap", -1.0),
            "scenario.interventions[0].value",
            "from 0 to 100",
        ),
        (
            Intervention("external", "scale", -0.5),
            "scenario.interventions[0].value",
            "factor from 0 to 1000",
        ),
        (
            Intervention("external", "add", 1.0, unit_ids=("kota-a", "nowhere")),
            "scenario.interventions[0].unit_ids[1]",
            "no unit has id 'nowhere'",
        ),
        (
            Intervention("external", "add", 1.0, groups=("kabupatn",)),
            "scenario.interventions[0].groups[0]",
            "groups: kabupaten, kota, provinsi",
        ),
        (
            Intervention("external", "add", 1.0, unit_ids=("top",), groups=("kota",)),
            "scenario.interventions[0]",
            "not both",
        ),
        (
            Intervention("correction_integrity", "add", 1.0),
            "scenario.interventions[0].lever",
            "units[0] (id 'probolinggo')",
        ),
        (
            Intervention("correction", "add", 1.0, unit_ids=("kota-a",)),
            "scenario.interventions[0].lever",
            "correction_integrity or correction_prevalence",
        ),
    ],
)
def test_bad_interventions_name_the_field(
    intervention: Intervention, field: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        simulate(RULES, batch(), Scenario((intervention,)))
    assert error.value.violations[0].field == field
    assert message in str(error.value)


def test_the_second_intervention_is_named_when_it_is_wrong() -> None:
    scenario = Scenario((Intervention("external", "add", 1.0), Intervention("expert", "set", -3.0)))
    with pytest.raises(InvalidInputError, match=r"interventions\[1\]\.value"):
        simulate(RULES, batch(), scenario)


def test_take_picks_rows_in_order() -> None:
    picked = batch().take([3, 0])
    assert picked.ids == ("top", "probolinggo")
    assert picked.groups == ("provinsi", "kabupaten")
    assert picked.correction_unsplit.tolist() == [0.0, 7.59]
    assert batch().take([]).ids == ()
