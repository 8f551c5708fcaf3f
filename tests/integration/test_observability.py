"""Metrics and logs of a real server: what an operator scrapes and reads."""

from __future__ import annotations

import json
import urllib.request

import pytest

from spi_client import SpiClient, SpiRpcError

from .conftest import ServerProcess

pytestmark = pytest.mark.integration


def _metrics(server: ServerProcess) -> dict[str, float]:
    url = f"http://127.0.0.1:{server.metrics_port}/metrics"
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    pairs = (line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {name: float(value) for name, value in pairs}


def test_metrics_count_requests_errors_latency_and_units(
    server: ServerProcess, client: SpiClient
) -> None:
    before = _metrics(server)
    # score_many sends a batch of complete units as columns (ScoreColumns).
    client.score_many(
        "spi-2025", [{"internal": 80, "external": 80, "expert": 80, "correction": 0}] * 3
    )
    with pytest.raises(SpiRpcError):
        client.get_ruleset("nope")
    after = _metrics(server)

    def grew(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert grew('spi_requests_total{method="ScoreColumns"}') == 1
    assert grew('spi_units_scored_total{method="ScoreColumns",ruleset="spi-2025"}') == 3
    assert grew('spi_request_errors_total{code="NOT_FOUND",method="GetRuleset"}') == 1
    assert grew('spi_request_duration_seconds_count{method="ScoreColumns"}') == 1
    assert grew('spi_request_duration_seconds_bucket{le="+Inf",method="ScoreColumns"}') == 1
    assert after["spi_rulesets_loaded"] == 5


def test_every_log_line_is_json_and_calls_name_the_caller(
    server: ServerProcess, client: SpiClient
) -> None:
    decision = client.score(
        "spi-2024", internal=80, external=80, expert=80, correction=0
    ).decision_id
    (call,) = server.wait_for_lines(lambda line: line.get("decision_id") == decision)
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines()]
    assert all({"time", "level", "event", "pid"} <= set(line) for line in lines)
    assert (call["event"], call["method"], call["caller"], call["code"]) == (
        "call",
        "Score",
        "anonymous",
        "OK",
    )
