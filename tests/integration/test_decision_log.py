"""The decision log of a real server: one line per Score/Summarize call, with exact hashes."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from spi.v1 import engine_pb2, scoring_pb2
from spi_client import SpiClient, SpiRpcError
from spi_engine import __version__, bundled

from .conftest import ServerProcess, server_command

pytestmark = pytest.mark.integration


def _lines(server: ServerProcess) -> dict[str, dict[str, Any]]:
    assert server.decision_log is not None
    lines = [json.loads(line) for line in server.decision_log.read_text().splitlines()]
    return {line["decision_id"]: line for line in lines}


def _sha(message: Any) -> str:
    return hashlib.sha256(message.SerializeToString()).hexdigest()


def test_score_and_summarize_are_recorded_with_hashes(
    server: ServerProcess, client: SpiClient
) -> None:
    unit = scoring_pb2.UnitInput(unit_id="x", internal=75.61, external=89.02, expert=73.53)
    score = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit, unit])
    summarize = engine_pb2.SummarizeRequest(ruleset_id="spi-2023", units=[unit])
    scored = client.rpc("Score", score)
    summary = client.rpc("Summarize", summarize)
    lines = _lines(server)
    for request, response, method, ruleset, units in (
        (score, scored, "Score", "spi-2024", 2),
        (summarize, summary, "Summarize", "spi-2023", 1),
    ):
        line = lines[response.decision_id]
        assert line == {
            "decision_id": response.decision_id,
            "time": line["time"],
            "method": method,
            "caller": "anonymous",
            "ruleset_id": ruleset,
            "ruleset_sha256": bundled().get(ruleset).sha256,
            "engine_version": __version__,
            "units": units,
            "request_sha256": _sha(request),
            "response_sha256": _sha(response),
            "status": "OK",
        }
        assert line["time"].endswith("Z")


def test_a_failed_call_is_recorded_with_its_status(
    server: ServerProcess, client: SpiClient
) -> None:
    before = set(_lines(server))
    with pytest.raises(SpiRpcError):
        client.score("spi-2024", internal=101.5, external=80, expert=80)
    (new,) = [line for key, line in _lines(server).items() if key not in before]
    assert (new["status"], new["response_sha256"], new["units"]) == ("INVALID_ARGUMENT", None, 1)
    assert new["message"] == "units[0].internal: expected a number from 0 to 100; got 101.5"


def test_read_only_calls_are_not_decisions(server: ServerProcess, client: SpiClient) -> None:
    before = len(_lines(server))
    client.rulesets()
    client.get_ruleset("spi-2024")
    assert len(_lines(server)) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--decision-log", "/nonexistent-folder/decisions.jsonl"), "cannot open for appending"),
        (("--decision-log-min-free-mb", str(2**40)), "MiB free on its disk"),
    ],
)
def test_an_unusable_decision_log_stops_the_start(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    command = server_command(
        "--address",
        "127.0.0.1:0",
        "--http-address",
        "",
        "--decision-log",
        str(tmp_path / "d.jsonl"),
        *args,
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    (line,) = [json.loads(text) for text in done.stderr.splitlines()]
    assert line["event"] == "cannot_start"
    assert message in line["error"]
