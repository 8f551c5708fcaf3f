"""The simulation RPCs against a real server: the library's numbers, streams, datasets, bad inputs.

One in-process server for the module (a small results CSV written here, plus the published file
when present), driven by the real client. The server's messages are also compared byte for byte
with spi_engine.api.whatif's, which is what the CLI in-process prints from.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message

from spi.v1 import simulation_pb2 as pb
from spi_client import SpiClient, SpiRpcError
from spi_engine import bundled, units_from_columns
from spi_engine.api import whatif as answer_whatif
from spi_engine.api.scoring_messages import units_to_pb
from spi_engine.datasets import load_dataset, load_datasets, simulate_dataset
from spi_engine.whatif import (
    Intervention,
    Scenario,
    Variant,
    axis,
    cheapest_plan,
    compare_rulesets,
    derive_variant,
    estimate_uncertainty,
    goal_seek,
    lever_sensitivity,
    monte_carlo,
    respondents_for_certainty,
    sampling_from_respondents,
    simulate,
    sweep_levers,
)
from spi_server import app
from spi_server.config import Config

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = Path(os.environ.get("SPI_PUBLISHED_DIR", ROOT.parent / "shared/data/spi-published"))
HEADER = (
    "year,institution_id,name,type,internal,external,expert,"
    "correction_integrity,correction_prevalence,index,flag"
)
ROWS = [
    "2023,1,KABUPATEN SATU,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,",
    "2023,2,KOTA DUA,kota,80.00,80.00,77.90,0.00,0.00,79.36,",
    "2023,3,KABUPATEN TIGA,kabupaten,70.10,85.00,72.00,2.00,1.00,73.10,",
    "2024,1,KABUPATEN SATU,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,",
    "2024,2,KOTA DUA,kota,81.00,82.00,79.00,0.50,0.00,80.00,",
    "2024,4,LEMBAGA EMPAT,lembaga,90.00,88.00,85.00,0.00,0.00,87.70,withheld_by_kpk",
]
RULES = bundled()
PROBOLINGGO = units_from_columns(
    [75.61, 80.0], [89.02, 80.0], [73.53, 77.9], correction=[7.59, 0.0], ids=["p", "q"]
)


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("datasets") / "small.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def running(small_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[app.Server]:
    datasets = [f"small={small_csv}"]
    if (PUBLISHED / "results.csv").exists():
        datasets.append(f"published={PUBLISHED / 'results.csv'}")
    log = tmp_path_factory.mktemp("decisions") / "decisions.jsonl"
    config = Config(
        address="127.0.0.1:0",
        http_address="",
        grace=2.0,
        datasets=tuple(datasets),
        decision_log=str(log),
        max_units=5000,
        max_grid_points=20_000,
        max_draws=50_000,
        max_draw_cells=1_000_000,
        chunk_size=1000,
        max_chunk_size=5000,
    )
    server = app.start(config)
    yield server
    server.stop(0)


@pytest.fixture
def client(running: app.Server) -> Iterator[SpiClient]:
    with SpiClient(running.target, timeout=60.0) as connected:
        yield connected


def sources(running: app.Server) -> answer_whatif.Sources:
    assert running.datasets is not None
    return answer_whatif.Sources(
        running.rulesets.current(), running.datasets.current(), app.limits_of(running.config)
    )


def inline(units: Any = PROBOLINGGO) -> pb.UnitSelection:
    return pb.UnitSelection(inline=pb.InlineUnits(units=units_to_pb(units)))


def without_decision(messages: list[Message]) -> list[bytes]:
    """Serialised messages with their decision_id cleared (the only field that differs)."""
    found = []
    for message in messages:
        copy = type(message).FromString(message.SerializeToString())
        part = copy.WhichOneof("part") if "part" in copy.DESCRIPTOR.oneofs_by_name else None
        target = getattr(copy, part) if part else copy
        if "decision_id" in target.DESCRIPTOR.fields_by_name:
            target.decision_id = ""
        found.append(copy.SerializeToString(deterministic=True))
    return found


# -- every RPC gives the library's numbers -------------------------------------------------------


def test_list_datasets_names_every_loaded_file(client: SpiClient, small_csv: Path) -> None:
    found = {d.name: d for d in client.datasets()}
    small = found["small"]
    assert (small.rows, small.years, small.groups) == (
        6,
        (2023, 2024),
        ("kabupaten", "kota", "lembaga"),
    )
    assert small.sha256 == hashlib.sha256(small_csv.read_bytes()).hexdigest()


def test_simulate_inline_equals_the_library(client: SpiClient) -> None:
    scenario = Scenario((Intervention("external", "add", 3.0),), name="ext+3")
    expected = simulate(RULES.get("spi-2024"), PROBOLINGGO, scenario).comparison
    got = client.simulate(
        scenario.interventions, ruleset_id="spi-2024", units=_dicts(), name="ext+3"
    )
    (comparison,) = got.comparisons
    assert [r.index_after for r in got.rows] == expected.after.index.tolist()
    assert [r.index_raw_after for r in got.rows] == expected.after.index_raw.tolist()
    assert [r.delta for r in got.rows] == expected.delta.tolist()
    assert (comparison.mean_before, comparison.mean_after) == (
        expected.mean_before,
        expected.mean_after,
    )
    assert got.scenario_name == "ext+3"
    assert got.decision_id


def test_the_server_streams_the_same_messages_as_the_library_in_process(
    client: SpiClient, running: app.Server
) -> None:
    request = pb.SimulateRequest(
        units=pb.UnitSelection(dataset=pb.DatasetUnits(dataset="small")),
        scenario=pb.Scenario(
            interventions=[pb.Intervention(lever="external", operation=pb.OPERATION_ADD, value=2.0)]
        ),
        chunk_size=2,
    )
    served = list(client.stream("Simulate", request))
    local = list(answer_whatif.simulate(request, sources(running)))
    assert without_decision(served) == without_decision(local)
    assert [len(m.rows.rows) for m in served[1:]] == [2, 1, 2]


def test_simulate_a_dataset_by_name_year_by_year(client: SpiClient, small_csv: Path) -> None:
    scenario = Scenario((Intervention("external", "add", 2.0, groups=("kabupaten",)),))
    expected = simulate_dataset(load_dataset(small_csv, "small"), scenario)
    got = client.simulate(scenario.interventions, dataset="small", chunk_size=1)
    assert got.excluded == 1
    assert got.units == 5
    assert [c.year for c in got.comparisons] == [2023, 2024]
    for comparison, want in zip(got.comparisons, expected.comparisons, strict=True):
        assert comparison.baseline.ruleset_id == f"spi-{comparison.year}"
        assert (comparison.mean_before, comparison.mean_after) == (
            want.mean_before,
            want.mean_after,
        )
        assert tuple(c.count for c in comparison.counts_after) == want.counts_after
    after = [r.index_after for r in got.rows]
    assert after == [x for c in expected.comparisons for x in c.after.index.tolist()]
    assert [r.name for r in got.rows][:2] == ["KABUPATEN SATU", "KOTA DUA"]


def test_simulate_changed_only_and_a_variant(client: SpiClient) -> None:
    variant = Variant(id="spi-2024-terjaga-80", lower_bounds=(("terjaga", 80.0),))
    got = client.simulate(
        (), ruleset_id="spi-2024", units=_dicts(), variant=variant, changed_only=True
    )
    (comparison,) = got.comparisons
    assert (
        comparison.scenario.ruleset_sha256 == derive_variant(RULES.get("spi-2024"), variant).sha256
    )
    assert comparison.scenario.ruleset_id == "spi-2024-terjaga-80"
    assert [(r.unit_id, r.category_before, r.category_after, r.direction) for r in got.rows] == [
        ("q", "terjaga", "waspada", "down")
    ]


def test_goal_seek_and_the_plan_equal_the_library(client: SpiClient) -> None:
    rules = RULES.get("spi-2024")
    costs = {"internal": 3.0, "external": 1.0, "expert": 5.0, "correction": 2.0}
    bounds = {"external": 5.0, "correction": 3.0}
    got = client.goal_seek(
        "terjaga", ruleset_id="spi-2024", units=_dicts(), costs=costs, max_change=bounds
    )
    seek = goal_seek(rules, PROBOLINGGO, "terjaga")
    plan = cheapest_plan(rules, PROBOLINGGO, "terjaga", costs, bounds)
    for row, unit in enumerate(got.units):
        assert [a.change for a in unit.levers] == [seek.change(row, lever) for lever in seek.levers]
        assert [a.reason for a in unit.levers] == [seek.reason(row, lever) for lever in seek.levers]
        assert unit.plan is not None
        assert dict(unit.plan.changes) == plan.changes(row)
    first = got.units[0].plan
    assert first is not None
    assert first.cost == pytest.approx(float(plan.cost[0]), abs=0)
    assert got.units[1].direction == "there"
    assert got.units[1].levers[0].change == 0.0


def test_sensitivity_equals_the_library(client: SpiClient) -> None:
    expected = lever_sensitivity(RULES.get("spi-2024"), PROBOLINGGO)
    got = client.sensitivity(ruleset_id="spi-2024", units=_dicts())
    assert [s for _, s in got.slopes] == expected.slopes.tolist()
    unit = got.units[0]
    assert list(unit.ranked) == [expected.levers[i] for i in expected.rank[0].tolist()]
    assert [r.up.change for r in unit.levers] == [
        expected.up.change(0, lever) for lever in expected.levers
    ]
    assert got.units[1].levers[0].up.status == "no_category"


def test_sweep_streams_every_point_in_small_chunks(client: SpiClient) -> None:
    expected = sweep_levers(
        RULES.get("spi-2024"),
        PROBOLINGGO,
        [axis("external", 80, 100, 0.5), axis("expert", 70, 72, 1)],
    )
    request = pb.SweepRequest(
        ruleset_id="spi-2024",
        units=inline(),
        axes=[
            pb.SweepAxis(lever="external", range=pb.AxisRange(start=80, stop=100, step=0.5)),
            pb.SweepAxis(lever="expert", list=pb.AxisValues(values=[70, 71, 72])),
        ],
        chunk_size=7,
    )
    messages = list(client.stream("Sweep", request))
    assert messages[0].summary.points == 2 * 41 * 3
    assert all(len(m.points.points) <= 7 for m in messages[1:])
    points = [p for m in messages[1:] for p in m.points.points]
    assert [p.index for p in points] == expected.index.ravel().tolist()
    assert [(p.unit, p.x, p.y) for p in points[:4]] == [
        (0, 80, 70),
        (0, 80, 71),
        (0, 80, 72),
        (0, 80.5, 70),
    ]


def test_sweep_crossings_through_the_client(client: SpiClient) -> None:
    got = client.sweep(
        [("external", 80, 100, 0.25)],
        ruleset_id="spi-2024",
        units=_dicts()[:1],
        with_crossings=True,
    )
    assert got.units[0].crossings == ((93.11, "waspada"),)
    assert len(got.points) == 81
    assert got.points[0].category == "rentan"


def test_uncertainty_equals_the_library_bit_for_bit(client: SpiClient) -> None:
    rules = RULES.get("spi-2024")
    counts, spread = [[120, 200, 10], [50, 60, 8]], [[12.0, 10.0, 9.0], [11.0, 9.0, 7.0]]
    sampling = sampling_from_respondents(counts, spread)
    got = client.estimate_uncertainty(
        ruleset_id="spi-2024", units=_dicts(), respondents=counts, deviations=spread,
        draws=5000, seed=7, certainty=0.95,
    )  # fmt: skip
    estimate = estimate_uncertainty(rules, PROBOLINGGO, sampling)
    draws = monte_carlo(rules, PROBOLINGGO, sampling, draws=5000, seed=7)
    certain = respondents_for_certainty(rules, PROBOLINGGO, sampling)
    for row, unit in enumerate(got.units):
        assert [p for _, p in unit.probabilities] == estimate.probabilities[row].tolist()
        assert unit.standard_error == float(estimate.standard_error[row])
        assert unit.monte_carlo is not None
        assert unit.certainty is not None
        assert [p for _, p, _ in unit.monte_carlo.probabilities] == draws.probabilities[
            row
        ].tolist()
        assert unit.certainty.factor == float(certain.factor[row])
    assert got.units[0].certainty.respondents == (228.0, 379.0, 19.0)  # type: ignore[union-attr]


def test_compare_rulesets_equals_the_library(client: SpiClient, small_csv: Path) -> None:
    data = load_dataset(small_csv, "small").for_year(2024)
    rules = RULES.get("spi-2024")
    variant = {"id": "strict", "lower_bounds": [("terjaga", 81.0)]}
    expected = compare_rulesets(
        rules,
        derive_variant(rules, Variant(id="strict", lower_bounds=(("terjaga", 81.0),))),
        data.units,
    )
    got = client.compare_rulesets("spi-2024", variant, dataset="small", year=2024)
    assert got.changed is expected.changed is True
    assert got.comparison.changed_category == expected.units_changing_category == 1
    assert [q for _, q in got.quantiles] == expected.quantiles.tolist()
    assert [r.category_after for r in got.rows] == list(expected.comparison.after.categories)
    assert got.rows[0].name == "KABUPATEN SATU"
    same = client.compare_rulesets("spi-2024", RULES.get("spi-2024").to_message(), units=_dicts())
    assert not same.changed
    assert same.comparison.changed_index == 0


@pytest.mark.skipif(
    not (PUBLISHED / "results.csv").exists(),
    reason=f"the published results are not in {PUBLISHED} (set SPI_PUBLISHED_DIR)",
)
def test_every_regency_plus_two_over_the_published_file(client: SpiClient) -> None:
    got = client.simulate(
        [{"lever": "external", "operation": "add", "value": 2.0, "groups": ["kabupaten"]}],
        dataset="published",
        year=2024,
    )
    (comparison,) = got.comparisons
    assert tuple(c.count for c in comparison.counts_before) == (376, 170, 96)
    # baselines are the published indexes (193 rows carry a +-0.01 published adjustment)
    assert tuple(c.count for c in comparison.counts_after) == (359, 173, 110)
    assert (comparison.mean_before, comparison.mean_after) == (71.52, 71.94)
    assert (got.adjusted_rows, got.adjustment_range) == (193, (-0.01, 0.01))
    expected = simulate_dataset(
        load_datasets({"p": PUBLISHED / "results.csv"}).get("p").for_year(2024),
        Scenario((Intervention("external", "add", 2.0, groups=("kabupaten",)),)),
    )
    assert [r.index_after for r in got.rows] == expected.comparisons[0].after.index.tolist()


# -- bad inputs: a clear status with field violations, never a hang ----------------------------


def one_unit() -> list[dict[str, Any]]:
    return _dicts()[:1]


BAD = [
    ("unknown lever", lambda c: c.simulate([("externa", "add", 1.0)], ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.INVALID_ARGUMENT, "scenario.interventions[0].lever"),
    ("unknown lever in goal seek", lambda c: c.goal_seek("waspada", ruleset_id="spi-2024", units=one_unit(), levers=["nope"]),
     grpc.StatusCode.INVALID_ARGUMENT, "levers[0]"),
    ("unknown lever in a sweep", lambda c: c.sweep([("nope", 0, 1, 1)], ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.INVALID_ARGUMENT, "axes[0].lever"),
    ("empty group selection", lambda c: c.simulate([], dataset="small", groups=["provinsi"]),
     grpc.StatusCode.INVALID_ARGUMENT, "units.dataset.groups[0]"),
    ("no units at all", lambda c: c.sensitivity(ruleset_id="spi-2024", units=[]),
     grpc.StatusCode.INVALID_ARGUMENT, "units.inline.units"),
    ("an intervention selecting nobody", lambda c: c.simulate([{"lever": "external", "operation": "add", "value": 1, "unit_ids": ["zz"]}], ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.INVALID_ARGUMENT, "scenario.interventions[0].unit_ids[0]"),
    ("an unknown id in a dataset", lambda c: c.goal_seek("waspada", dataset="small", year=2024, unit_ids=["99"]),
     grpc.StatusCode.INVALID_ARGUMENT, "units.dataset.unit_ids[0]"),
    ("an id in several years", lambda c: c.goal_seek("waspada", ruleset_id="spi-2024", dataset="small", unit_ids=["1"]),
     grpc.StatusCode.INVALID_ARGUMENT, "units.dataset.unit_ids[0]"),
    ("no ruleset for several years", lambda c: c.sensitivity(dataset="small"),
     grpc.StatusCode.INVALID_ARGUMENT, "ruleset_id"),
    ("an impossible target", lambda c: c.goal_seek("hijau", ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.INVALID_ARGUMENT, "target"),
    ("a negative cost", lambda c: c.goal_seek("waspada", ruleset_id="spi-2024", units=one_unit(), costs={"external": -1.0}),
     grpc.StatusCode.INVALID_ARGUMENT, "costs[0].cost_per_point"),
    ("a negative bound", lambda c: c.goal_seek("waspada", ruleset_id="spi-2024", units=one_unit(), costs={"external": 1.0}, max_change={"external": -2.0}),
     grpc.StatusCode.INVALID_ARGUMENT, "costs[0].max_change"),
    ("a score set past 100", lambda c: c.simulate([("external", "set", 120.0)], ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.INVALID_ARGUMENT, "scenario.interventions[0].value"),
    ("an absurd grid", lambda c: c.sweep([("external", 0, 100, 0.01), ("expert", 0, 100, 0.01)], ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
    ("an absurd one-axis grid", lambda c: c.sweep([("correction", 0, 1e12, 0.01)], ruleset_id="spi-2024", units=one_unit()),
     grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
    ("absurd draws", lambda c: c.estimate_uncertainty(ruleset_id="spi-2024", units=one_unit(), standard_errors=[[1, 1, 1]], draws=10**9),
     grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
    ("draws times units", lambda c: c.estimate_uncertainty(ruleset_id="spi-2024", units=_dicts() * 20, standard_errors=[[1, 1, 1]], draws=40_000),
     grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
    ("a bad level", lambda c: c.estimate_uncertainty(ruleset_id="spi-2024", units=one_unit(), standard_errors=[[1, 1, 1]], level=1.5),
     grpc.StatusCode.INVALID_ARGUMENT, "level"),
    ("sampling rows that do not match", lambda c: c.estimate_uncertainty(ruleset_id="spi-2024", units=_dicts() * 3, standard_errors=[[1, 1, 1], [1, 1, 1]]),
     grpc.StatusCode.INVALID_ARGUMENT, "sampling.standard_errors.units"),
    ("a negative deviation", lambda c: c.estimate_uncertainty(ruleset_id="spi-2024", units=one_unit(), respondents=[[10, 10, 10]], deviations=[[1, -1, 1]]),
     grpc.StatusCode.INVALID_ARGUMENT, "sampling.respondents.units[0].deviations.external"),
    ("a bad variant", lambda c: c.compare_rulesets("spi-2024", {"id": "w", "weights": (0.5, 0.5, 0.5)}, units=one_unit()),
     grpc.StatusCode.INVALID_ARGUMENT, "weights"),
    ("an unknown dataset", lambda c: c.simulate([], dataset="nope"), grpc.StatusCode.NOT_FOUND, ""),
    ("an unknown ruleset", lambda c: c.sensitivity(ruleset_id="spi-1999", units=one_unit()), grpc.StatusCode.NOT_FOUND, ""),
    ("too many units", lambda c: c.sensitivity(ruleset_id="spi-2024", units=_dicts() * 2501), grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
]  # fmt: skip


@pytest.mark.parametrize(("call", "code", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs_get_a_clear_status(
    client: SpiClient, call: Any, code: grpc.StatusCode, field: str
) -> None:
    with pytest.raises(SpiRpcError) as raised:
        call(client)
    assert raised.value.code == code, raised.value.message
    if field:
        assert [v.field for v in raised.value.violations] == [field], raised.value.violations
        assert raised.value.violations[0].description


def test_an_operation_left_unset_is_named(client: SpiClient) -> None:
    request = pb.SimulateRequest(
        ruleset_id="spi-2024",
        units=inline(),
        scenario=pb.Scenario(interventions=[pb.Intervention(lever="external", value=1.0)]),
    )
    with pytest.raises(SpiRpcError) as raised:
        list(client.stream("Simulate", request))
    (violation,) = raised.value.violations
    assert violation.field == "scenario.interventions[0].operation"
    assert "got OPERATION_UNSPECIFIED" in violation.description


def test_an_infeasible_target_is_an_answer_not_an_error(client: SpiClient) -> None:
    got = client.goal_seek(100.0, ruleset_id="spi-2024", units=one_unit(), costs={"external": 1.0, "expert": 1.0}, max_change={"external": 1.0})  # fmt: skip
    unit = got.units[0]
    assert {a.status for a in unit.levers if a.lever in ("internal", "external", "expert")} == {
        "needs_score_above_max"
    }
    assert unit.plan is not None
    assert not unit.plan.feasible
    assert unit.plan.cost is None


# -- decision log and streams -------------------------------------------------------------------


def test_a_streamed_call_is_decision_logged_with_the_hash_of_its_frames(
    client: SpiClient, running: app.Server
) -> None:
    request = pb.SweepRequest(
        ruleset_id="spi-2024",
        units=inline(),
        axes=[pb.SweepAxis(lever="internal", range=pb.AxisRange(start=0, stop=100, step=1))],
        chunk_size=10,
    )
    messages = list(client.stream("Sweep", request))
    frames = hashlib.sha256()
    for message in messages:
        data = message.SerializeToString()
        frames.update(b"\x00" + len(data).to_bytes(4, "big") + data)
    decision_id = messages[0].summary.decision_id
    line = _decision(running, decision_id)
    assert line["response_sha256"] == frames.hexdigest()
    assert line["request_sha256"] == hashlib.sha256(request.SerializeToString()).hexdigest()
    assert (line["method"], line["units"], line["ruleset_id"], line["status"]) == (
        "Sweep",
        2,
        "spi-2024",
        "OK",
    )


def test_every_simulation_rpc_is_decision_logged(client: SpiClient, running: app.Server) -> None:
    answers = [
        client.goal_seek("waspada", ruleset_id="spi-2024", units=one_unit()).decision_id,
        client.sensitivity(ruleset_id="spi-2024", units=one_unit()).decision_id,
        client.estimate_uncertainty(ruleset_id="spi-2024", units=one_unit(), standard_errors=[1, 1, 1]).decision_id,
        client.compare_rulesets("spi-2023", "spi-2024", units=one_unit()).decision_id,
        client.simulate([], ruleset_id="spi-2024", units=one_unit()).decision_id,
    ]  # fmt: skip
    lines = [_decision(running, decision_id) for decision_id in answers]
    assert [line["method"] for line in lines] == [
        "GoalSeek",
        "Sensitivity",
        "EstimateUncertainty",
        "CompareRulesets",
        "Simulate",
    ]
    assert lines[3]["ruleset_id"] == "spi-2023,spi-2024"
    assert all(line["status"] == "OK" and line["units"] == 1 for line in lines)


def test_a_stream_whose_reader_is_too_slow_ends_with_deadline_exceeded(client: SpiClient) -> None:
    request = pb.SweepRequest(
        ruleset_id="spi-2024",
        units=inline(PROBOLINGGO.take([0])),
        axes=[pb.SweepAxis(lever="internal", range=pb.AxisRange(start=0, stop=100, step=0.01))],
        chunk_size=1,
    )
    stream = client.stream("Sweep", request, timeout=0.5)
    assert next(stream).summary.points == 10_001
    time.sleep(1.0)
    with pytest.raises(SpiRpcError) as raised:
        for _ in stream:
            pass
    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def _decision(running: app.Server, decision_id: str) -> dict[str, Any]:
    path = Path(running.config.decision_log)
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    (line,) = [line for line in lines if line["decision_id"] == decision_id]
    return line


def _dicts() -> list[dict[str, Any]]:
    return [
        {"unit_id": "p", "internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59},
        {"unit_id": "q", "internal": 80.0, "external": 80.0, "expert": 77.9, "correction": 0.0},
    ]
