"""Results print in a few lines and show a table in a notebook (issue 10 item 11)."""

from __future__ import annotations

import pytest

from spi.v1 import simulation_pb2 as pb
from spi_client import whatif_results as sim
from spi_engine import bundled, units_from_columns
from spi_engine.api import whatif as answer_whatif
from spi_engine.api.scoring_messages import units_to_pb
from spi_engine.datasets import Datasets

SOURCES = answer_whatif.Sources(bundled(), Datasets({}))


def big_sweep() -> sim.SweepResult:
    units = units_from_columns([70.0] * 50, [80.0] * 50, [75.0] * 50, correction=[0.0] * 50)
    axes = [
        pb.SweepAxis(lever="external", range=pb.AxisRange(start=0, stop=100, step=1)),
        pb.SweepAxis(lever="internal", range=pb.AxisRange(start=0, stop=100, step=5)),
    ]
    request = pb.SweepRequest(
        ruleset_id="spi-2024",
        units=pb.UnitSelection(inline=pb.InlineUnits(units=units_to_pb(units))),
        axes=axes,
    )
    return sim.sweep_from_pb(list(answer_whatif.sweep(request, SOURCES)))


def test_a_large_result_prints_in_one_short_line() -> None:
    text = repr(big_sweep())
    assert text.startswith("SweepResult(")
    assert len(text) < 400
    assert "items>" in text


def test_a_notebook_shows_the_first_rows_as_a_table() -> None:
    pytest.importorskip("pandas")
    shown = big_sweep()._repr_html_()
    assert "<table" in shown
    assert shown.count("<tr") <= 22  # header + 20 rows (+ index header)


def test_uncertainty_to_frame_has_the_monte_carlo_and_the_respondents_needed() -> None:
    pytest.importorskip("pandas")
    units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
    sample = pb.RespondentSample(
        respondents=pb.ComponentValues(internal=120, external=200, expert=10),
        deviations=pb.ComponentValues(internal=12, external=10, expert=9),
    )
    request = pb.EstimateUncertaintyRequest(
        ruleset_id="spi-2024",
        units=pb.UnitSelection(inline=pb.InlineUnits(units=units_to_pb(units))),
        sampling=pb.SamplingInput(respondents=pb.RespondentSamples(units=[sample])),
        level=0.95,
        draws=500,
        seed=1,
        certainty=0.9,
    )
    result = sim.uncertainty_from_pb(answer_whatif.estimate_uncertainty(request, SOURCES))
    columns = set(result.to_frame().columns)
    assert {"mc_mean_index", "mc_p_rentan", "certainty_status"} <= columns
    assert {"respondents_needed_internal", "respondents_needed_expert"} <= columns


def test_goal_seek_to_frame_has_the_cheapest_plan() -> None:
    pytest.importorskip("pandas")
    units = units_from_columns([75.61], [89.02], [73.53], correction=[7.59])
    request = pb.GoalSeekRequest(
        ruleset_id="spi-2024",
        units=pb.UnitSelection(inline=pb.InlineUnits(units=units_to_pb(units))),
        target=pb.Target(category="waspada"),
        costs=[pb.LeverCost(lever="external", cost_per_point=1)],
    )
    frame = sim.goal_seek_from_pb(answer_whatif.goal_seek(request, SOURCES)).to_frame()
    assert {"plan_feasible", "plan_changes", "plan_cost", "plan_new_index"} <= set(frame.columns)
    assert frame["plan_changes"].iloc[0].startswith("external+")
