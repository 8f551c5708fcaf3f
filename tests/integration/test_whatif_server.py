"""spi-server with reference datasets: flags, environment, SIGHUP reload, bad files, tokens."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from spi.v1 import simulation_pb2 as sim_pb2
from spi_client import SpiClient, SpiRpcError
from spi_server.config import ConfigError, parse
from tests.integration.conftest import ServerProcess, server_command

HEADER = (
    "year,institution_id,name,type,internal,external,expert,"
    "correction_integrity,correction_prevalence,index,flag"
)
ROW = "2024,{id},UNIT {id},kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,"


def results_file(path: Path, ids: list[int]) -> Path:
    path.write_text("\n".join([HEADER, *(ROW.format(id=i) for i in ids)]) + "\n", "utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--dataset", "a=x.csv", "--dataset", "b = y.csv"], {}, {"a": "x.csv", "b": "y.csv"}),
        ([], {"SPI_DATASETS": "a=x.csv,b=y.csv"}, {"a": "x.csv", "b": "y.csv"}),
        (["--dataset", "c=z.csv"], {"SPI_DATASETS": "a=x.csv"}, {"c": "z.csv"}),
        ([], {}, {}),
    ],
)
def test_datasets_come_from_flags_or_the_environment(
    argv: list[str], env: dict[str, str], expected: dict[str, str]
) -> None:
    assert parse(argv, env=env).dataset_paths() == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "x.csv"], "--dataset: expected NAME=PATH; got 'x.csv'"),
        (["--dataset", "a=x.csv", "--dataset", "a=y.csv"], "expected each NAME once"),
        (["--max-grid-points", "0"], "--max-grid-points: expected 1 or more; got 0"),
        (["--max-draws", "-1"], "--max-draws: expected 1 or more; got -1"),
    ],
)
def test_bad_dataset_and_limit_flags_are_named(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(argv, env={})
    assert message in str(raised.value)


def test_sighup_reloads_the_datasets_and_keeps_them_when_a_file_turns_bad(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    path = results_file(tmp_path / "small.csv", [1, 2])
    server = spawn_server("--dataset", f"small={path}")
    with server.client(timeout=20) as client:
        assert [d.rows for d in client.datasets()] == [2]
        results_file(path, [1, 2, 3])
        server.signal(signal.SIGHUP)
        server.wait_for_log("datasets_reloaded")
        assert [d.rows for d in client.datasets()] == [3]
        path.write_text(HEADER + "\n2024,9,BAD,kabupaten,101,80,80,0,0,80,\n", "utf-8")
        server.signal(signal.SIGHUP)
        failed = server.wait_for_log("datasets_reload_failed")
        assert "101" in failed["error"]
        assert failed["kept"] == ["small"]
        assert [d.rows for d in client.datasets()] == [3]
        sweep = client.sweep([("external", 90, 95, 1)], dataset="small", unit_ids=["3"])
        assert [p.index for p in sweep.points][:2] == [71.98, 72.3]


def test_a_bad_dataset_file_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n2024,1,X,kabupaten,abc,80,80,0,0,80,\n", "utf-8")
    done = subprocess.run(
        server_command("--address", "127.0.0.1:0", "--http-address", "", "--dataset", f"bad={bad}"),
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "cannot_start" in done.stderr
    assert "bad.csv" in done.stderr


def test_tokens_cover_the_simulation_methods(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("admin adm1n-token *\nscorer sc0rer-token Score\n", "utf-8")
    server = spawn_server("--tokens", str(tokens))
    one = [{"internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59}]
    with server.client(token="adm1n-token", timeout=20) as admin:
        swept = admin.sweep([("external", 90, 91, 1)], ruleset_id="spi-2024", units=one)
        assert len(swept.points) == 2
        assert admin.datasets() == ()
    with server.client(token="sc0rer-token", timeout=20) as scorer:
        with pytest.raises(SpiRpcError) as raised:
            scorer.sweep([("external", 90, 91, 1)], ruleset_id="spi-2024", units=one)
        assert raised.value.code is grpc.StatusCode.PERMISSION_DENIED
    with SpiClient(server.address, timeout=20) as anonymous, pytest.raises(SpiRpcError) as refused:
        anonymous.goal_seek("waspada", ruleset_id="spi-2024", units=one)
    assert refused.value.code is grpc.StatusCode.UNAUTHENTICATED


def test_list_dataset_units_serves_the_rows_with_their_inputs(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    path = results_file(tmp_path / "small.csv", [1, 2, 12])
    server = spawn_server("--dataset", f"small={path}")
    request = sim_pb2.ListDatasetUnitsRequest(
        units=sim_pb2.UnitSelection(dataset=sim_pb2.DatasetUnits(dataset="small", year=2024)),
        name_contains="unit 1",
    )
    with server.client(timeout=20) as client:
        answer = client.rpc("ListDatasetUnits", request)
        assert [(u.input.unit_id, u.name) for u in answer.units] == [
            ("1", "UNIT 1"),
            ("12", "UNIT 12"),
        ]
        assert (answer.units[0].input.external, answer.units[0].published_index) == (89.02, 71.65)
        request.units.dataset.year = 2020
        with pytest.raises(SpiRpcError) as raised:
            client.rpc("ListDatasetUnits", request)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in raised.value.violations] == ["units.dataset.year"]
