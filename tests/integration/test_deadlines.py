"""Cancellation reaches the numeric work (issue 8, item 6): after a passed 50 ms deadline the
server spends less than 10% of the CPU the whole work takes. CPU seconds of the server process
are read from /proc once the server reports no call in flight and no job in its worker threads
(spi_requests_in_flight, spi_work_in_progress), so the outcome does not depend on how busy the
machine is."""

from __future__ import annotations

import sys
import time
import urllib.request
from collections.abc import Callable

import grpc
import pytest

from bench import _abuse, _cpu
from spi.v1 import engine_pb2, scoring_pb2
from tests.integration.conftest import ServerProcess

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

SHARE = 0.10


def _score(units: int) -> bytes:
    unit = scoring_pb2.UnitInput(**_abuse.UNIT)  # type: ignore[arg-type]
    return engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit] * units).SerializeToString()


CASES = {
    "GoalSeek": lambda: _abuse.goal_seek(40_000),
    "EstimateUncertainty": lambda: _abuse.uncertainty(500, 100_000),
    "Score": lambda: _score(200_000),
}


def metrics(port: int | None) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = found.get(name, 0.0) + float(value)
    return found


def idle_cpu(server: ServerProcess, method: str, calls: float) -> float:
    """CPU seconds of the server once it received ``calls`` calls of ``method`` and has neither a
    call in flight nor a job running (waiting at most 120 s for that)."""
    received = f'spi_requests_total{{method="{method}"}}'
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = metrics(server.metrics_port)
        busy = now["spi_requests_in_flight"] + now.get("spi_work_in_progress", 0.0)
        if now.get(received, 0.0) >= calls and busy == 0:
            return _cpu.cpu_seconds(server.process.pid)
        time.sleep(0.05)
    raise AssertionError(f"the server was still busy with {method} after 120 s")


@pytest.mark.parametrize("method", sorted(CASES))
def test_the_work_stops_soon_after_a_passed_deadline(
    method: str, spawn_server: Callable[..., ServerProcess]
) -> None:
    server = spawn_server(
        "--no-access-log",
        "--metrics-address",
        "127.0.0.1:0",
        "--max-units",
        "1000000",
        "--max-message-bytes",
        str(2**26),
    )
    request = CASES[method]()
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(server.address, options=options) as channel:
        call = channel.unary_unary(f"/spi.v1.SpiEngine/{method}")
        before = idle_cpu(server, method, 0)
        call(request, timeout=300)
        full = idle_cpu(server, method, 1) - before
        with pytest.raises(grpc.RpcError) as raised:
            call(request, timeout=0.05)
        assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        # A call the server never received (the deadline passed on the way) costs nothing.
        time.sleep(0.5)
        calls = metrics(server.metrics_port).get(f'spi_requests_total{{method="{method}"}}')
        cut = idle_cpu(server, method, calls or 1) - before - full
    assert cut < SHARE * full, (
        f"{method}: {cut:.2f} s of CPU after the deadline, {full:.2f} s in all"
    )
