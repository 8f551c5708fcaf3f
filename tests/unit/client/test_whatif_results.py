"""The client's simulation results, built from the messages spi_engine.api.whatif produces."""

from __future__ import annotations

import sys

import pytest

from spi.v1 import simulation_pb2 as pb
from spi_client import whatif_requests as build
from spi_client import whatif_results as sim
from spi_client.client import _units_to_pb
from spi_engine import bundled
from spi_engine.api import whatif as answer_whatif
from spi_engine.datasets import Datasets

SOURCES = answer_whatif.Sources(bundled(), Datasets({}))
UNITS = build.selection_message(
    _units_to_pb(
        [
            {
                "unit_id": "p",
                "internal": 75.61,
                "external": 89.02,
                "expert": 73.53,
                "correction": 7.59,
            },
            {
                "unit_id": "q",
                "internal": 80.0,
                "external": 80.0,
                "expert": 77.9,
                "correction": 0.0,
            },
        ]
    )
)


def simulation() -> sim.SimulationResult:
    request = pb.SimulateRequest(
        ruleset_id="spi-2024",
        units=UNITS,
        scenario=build.scenario_message([("external", "add", 3.0), ("expert", "set", 100.0)]),
        chunk_size=1,
    )
    return sim.simulation_from_pb(list(answer_whatif.simulate(request, SOURCES)))


def test_a_gathered_simulation_has_every_row_in_order() -> None:
    result = simulation()
    assert [r.unit_id for r in result.rows] == ["p", "q"]
    assert [r.index_after for r in result.rows] == [82.35, 88.32]
    assert [r.direction for r in result.rows] == ["up", "same"]
    assert result.comparisons[0].transitions[0] == sim.Transition("rentan", "terjaga", 1)


def test_enum_values_read_as_short_names() -> None:
    request = pb.GoalSeekRequest(
        ruleset_id="spi-2024",
        units=UNITS,
        target=build.target_message("waspada"),
        levers=["expert", "correction_prevalence"],
    )
    result = sim.goal_seek_from_pb(answer_whatif.goal_seek(request, SOURCES))
    first, second = result.units
    assert (first.direction, second.direction) == ("up", "down")
    assert [(a.lever, a.status, a.change) for a in first.levers] == [
        ("expert", "reached", 3.66),
        ("correction_prevalence", "not_applicable", None),
    ]


def test_to_frame_gives_one_row_per_unit() -> None:
    pytest.importorskip("pandas")
    frame = simulation().to_frame()
    assert list(frame["unit_id"]) == ["p", "q"]
    assert list(frame["category_after"]) == ["terjaga", "terjaga"]


def test_to_frame_without_pandas_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        simulation().to_frame()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (("external", 80, 90, 0.5), "range"),
        (("external", [80.0, 85.0]), "list"),
    ],
)
def test_axes_from_plain_values(given: tuple[object, ...], expected: str) -> None:
    assert build.axis_message(given).WhichOneof("values") == expected


def test_sampling_from_one_row_or_many() -> None:
    one = build.sampling_message(standard_errors=[1.0, 2.0, 3.0])
    assert len(one.standard_errors.units) == 1
    many = build.sampling_message(
        respondents=[[10, 20, 5], [11, 21, 6]],
        deviations=[[1, 1, 1], [2, 2, 2]],
        population=[[100, float("nan"), 5], [100, 50, 6]],
    )
    assert not many.respondents.units[0].population.HasField("external")
    assert many.respondents.units[1].population.external == 50.0
