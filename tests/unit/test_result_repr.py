"""Results print in a few lines and show a table in a notebook (issue 10 item 11)."""

from __future__ import annotations

import pytest

from spi.v1 import simulation_pb2 as pb
from spi_client import simulation_results as sim
from spi_engine import answer_whatif, bundled, units_from_columns
from spi_engine.convert import units_to_pb
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
