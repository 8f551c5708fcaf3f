"""Cancellation reaches the numeric work (issue 8, item 6): after a passed 50 ms deadline the
server spends less than 10% of the CPU the whole work takes. CPU seconds of the server process
are read from /proc, so the outcome does not depend on how busy the machine is."""

from __future__ import annotations

import sys
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


@pytest.mark.parametrize("method", sorted(CASES))
def test_the_work_stops_soon_after_a_passed_deadline(
    method: str, spawn_server: Callable[..., ServerProcess]
) -> None:
    server = spawn_server(
        "--no-access-log", "--max-units", "1000000", "--max-message-bytes", str(2**26)
    )
    pid = server.process.pid
    request = CASES[method]()
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(server.address, options=options) as channel:
        call = channel.unary_unary(f"/spi.v1.SpiEngine/{method}")
        full = _cpu.spent(pid, lambda: call(request, timeout=300))
        cut = _cpu.spent(pid, lambda: call(request, timeout=0.05))
    assert cut < SHARE * full, (
        f"{method}: {cut:.2f} s of CPU after the deadline, {full:.2f} s in all"
    )
