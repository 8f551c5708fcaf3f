"""Plots: each figure is rendered and checked for what it shows (axes, bands, marks, labels)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="plots need the [plot] extra")

from matplotlib.colors import to_rgba

from spi_client.cli import whatif_plots as plots
from spi_engine import bundled, units_from_columns
from spi_engine.scenario import Intervention, Scenario, simulate
from spi_engine.sensitivity import lever_sensitivity
from spi_engine.sweep import axis, sweep_levers
from spi_engine.uncertainty import estimate_uncertainty, sampling_from_respondents

RULES = bundled().get("spi-2024")
COLOURS = {
    "rentan": plots.PALETTE["red"],
    "waspada": plots.PALETTE["yellow"],
    "terjaga": plots.PALETTE["green"],
}


def probolinggo() -> Any:
    return units_from_columns([75.61], [89.02], [73.53], correction=[7.59], ids=["Probolinggo"])


def by_gid(axes: Any) -> dict[str, Any]:
    artists = [*axes.patches, *axes.lines, *axes.texts]
    return {artist.get_gid(): artist for artist in artists if artist.get_gid()}


def texts(axes: Any) -> list[str]:
    return [text.get_text() for text in axes.texts]


def render(figure: Any) -> None:
    figure.canvas.draw()


def test_bands_come_from_the_ruleset() -> None:
    bands = plots.bands_from_message(RULES.to_message())
    assert [(b.category, b.low, b.high) for b in bands] == [
        ("rentan", 0.0, 73.0),
        ("waspada", 73.0, 78.0),
        ("terjaga", 78.0, 100.0),
    ]
    assert [b.colour for b in bands] == list(COLOURS.values())
    assert bands[0].label == "Rentan (vulnerable)"


def test_index_against_a_lever() -> None:
    result = sweep_levers(RULES, probolinggo(), [axis("external", 80, 100, 0.5)])
    figure = plots.sweep_figure(result)
    render(figure)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "external (points)"
    assert axes.get_ylabel() == "integrity index"
    assert axes.get_title() == "Probolinggo: index against external (spi-2024)"
    found = by_gid(axes)
    for category, colour in COLOURS.items():
        band = found[category]
        assert band.get_facecolor() == pytest.approx(to_rgba(colour, plots.BAND_ALPHA))
    assert (found["waspada"].get_y(), found["waspada"].get_height()) == (73.0, 5.0)
    marker = found["current"]
    assert marker.get_marker() == "o"
    assert marker.get_xdata().tolist() == [89.02]
    assert marker.get_ydata().tolist() == [71.66]
    line = found["index"]
    assert line.get_xdata().tolist() == result.axes[0].values.tolist()
    assert line.get_ydata().tolist() == result.index[0].tolist()
    assert list(found["crossing:→ waspada"].get_xdata()) == [93.11, 93.11]
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend == [
        "Rentan (vulnerable)",
        "Waspada (alert)",
        "Terjaga (maintained)",
        "index",
        "now: 89.02 → 71.66",
    ]


def test_the_tornado_ranks_levers_top_down() -> None:
    figure = plots.sensitivity_figure(lever_sensitivity(RULES, probolinggo()))
    render(figure)
    axes = figure.axes[0]
    labels = [t.get_text() for t in axes.get_yticklabels()]
    ticks = axes.get_yticks().tolist()
    top_down = [label for _, label in sorted(zip(ticks, labels, strict=True), reverse=True)]
    assert top_down == ["correction", "expert", "external", "internal"]
    found = by_gid(axes)
    assert found["correction:rise"].get_width() == pytest.approx(1.34)
    assert found["external:rise"].get_width() == pytest.approx(4.09)
    assert found["external:rise"].get_facecolor() == pytest.approx(to_rgba(plots.PALETTE["green"]))
    assert " -1.34 " in texts(axes)
    assert " +4.09 " in texts(axes)
    assert not any(gid.endswith(":fall") for gid in found)


def test_the_tornado_shows_both_sides_and_levers_that_cannot() -> None:
    figure = plots.tornado_figure(["expert", "external"], [-2.5, None], [3.0, None])
    render(figure)
    found = by_gid(figure.axes[0])
    assert found["expert:fall"].get_width() == pytest.approx(-2.5)
    assert found["expert:rise"].get_width() == pytest.approx(3.0)
    assert found["external:rise:none"].get_text() == " not alone "
    assert found["external:fall:none"].get_text() == " not alone "
    low, high = figure.axes[0].get_xlim()
    assert low < -2.5 and high > 3.0  # noqa: PT018  (both ends of one axis)


def test_category_transitions_of_a_scenario() -> None:
    units = units_from_columns(
        [70, 75, 80, 72], [70, 75, 80, 72], [70, 75, 80, 72], correction=[0, 0, 0, 0]
    )
    run = simulate(RULES, units, Scenario((Intervention("external", "add", 5.0),)))
    figure = plots.comparison_figure(run.comparison, "external +5")
    render(figure)
    bars, table = figure.axes[0], figure.axes[1]
    found = by_gid(bars)
    assert bars.get_title() == "external +5"
    assert [found[f"before:{c}"].get_height() for c in COLOURS] == [2, 1, 1]
    assert [found[f"after:{c}"].get_height() for c in COLOURS] == list(run.comparison.counts_after)
    assert found["after:terjaga"].get_facecolor() == pytest.approx(to_rgba(plots.PALETTE["green"]))
    cells = by_gid(table)
    matrix = run.comparison.transitions
    assert all(
        cells[f"cell:{i}:{j}"].get_text() == str(matrix[i, j]) for i in range(3) for j in range(3)
    )
    assert (table.get_xlabel(), table.get_ylabel()) == ("after", "before")


def test_category_probabilities() -> None:
    sampling = sampling_from_respondents([[120, 200, 10]], [[12.0, 10.0, 9.0]])
    result = estimate_uncertainty(RULES, probolinggo(), sampling)
    figure = plots.uncertainty_figure(result)
    render(figure)
    axes = figure.axes[0]
    found = by_gid(axes)
    assert found["share:rentan"].get_width() == pytest.approx(result.probabilities[0, 0])
    assert found["share:waspada"].get_x() == pytest.approx(result.probabilities[0, 0])
    assert found["share:rentan"].get_facecolor() == pytest.approx(to_rgba(plots.PALETTE["red"]))
    assert {"88%", "12%"} <= set(texts(axes))
    assert [t.get_text() for t in axes.get_yticklabels()] == ["Probolinggo"]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["rentan", "waspada", "terjaga"]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_saved_files_are_byte_identical(tmp_path: Path, suffix: str) -> None:
    result = sweep_levers(RULES, probolinggo(), [axis("expert", 60, 90, 1)])
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    plots.save(plots.sweep_figure(result), first)
    plots.save(plots.sweep_figure(result), second)
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_bytes()) > 1000
    if suffix == ".svg":
        text = first.read_text("utf-8")
        assert text.startswith("<?xml")
        assert "<dc:date>" not in text


def test_unknown_suffix(tmp_path: Path) -> None:
    figure = plots.tornado_figure(["expert"], [None], [1.0])
    with pytest.raises(ValueError, match=r"expected a \.png or \.svg file name"):
        plots.save(figure, tmp_path / "plot.pdf")


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, spi_client.cli.whatif_plots; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_without_matplotlib_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(plots.PlottingUnavailableError, match=r"pip install 'spi-engine\[plot\]'"):
        plots.tornado_figure(["expert"], [None], [1.0])


def test_a_two_lever_sweep_is_not_a_lever_plot() -> None:
    result = sweep_levers(
        RULES, probolinggo(), [axis("expert", 60, 90, 10), axis("external", 80, 90, 10)]
    )
    with pytest.raises(ValueError, match="one-lever sweep"):
        plots.sweep_figure(result)


def test_colour_names() -> None:
    assert plots.colour_of("Red") == plots.PALETTE["red"]
    assert plots.colour_of("navy") == "navy"
    assert plots.colour_of("") == "grey"
    assert np.isfinite(to_rgba(plots.colour_of("green"))).all()
