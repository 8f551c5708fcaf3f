"""The pipeline's streaming kinds, on probe methods of a test service served on 127.0.0.1:0.

Server streaming and client streaming go through the same gate, errors table, decision log and
metrics as unary calls; these tests register probe methods the way a service would (a Method
with ``kind``) and call them with raw stubs, including garbage bytes and abandoned streams.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from spi.v1 import scoring_pb2
from spi.v1 import simulation_pb2 as pb
from spi_engine.errors import InvalidInputError, Violation
from spi_server import loop, metrics
from spi_server.decisions import DecisionLog
from spi_server.errors import DecisionLogError
from spi_server.pipeline import CLIENT_STREAM, SERVER_STREAM, Call, Gate, Method, Pipeline

SERVICE = "spi.test.Probe"


def count(requests: Iterator[scoring_pb2.UnitInput], call: Call) -> pb.CategoryTally:
    """Client streaming: how many units came, and the sum of their internal scores."""
    units = list(requests)
    call.units = len(units)
    call.ruleset = ("probe", "")
    return pb.CategoryTally(category=str(sum(u.internal for u in units)), units=len(units))


def repeat(request: scoring_pb2.UnitInput, call: Call) -> Iterator[pb.CategoryTally]:
    """Server streaming: ``internal`` messages; ``external`` > 0 fails after that many."""
    call.units = 1

    def messages() -> Iterator[pb.CategoryTally]:
        for i in range(int(request.internal)):
            if request.external and i == int(request.external):
                raise InvalidInputError([Violation("external", f"failing at message {i}")])
            yield pb.CategoryTally(category="tick", units=i)

    return messages()


@dataclass
class Probe:
    channel: grpc.Channel
    gate: Gate
    log: Path
    registry: metrics.Metrics

    def stream_unary(self, name: str) -> Any:
        return self.channel.stream_unary(f"/{SERVICE}/{name}")

    def unary_stream(self, name: str) -> Any:
        return self.channel.unary_stream(f"/{SERVICE}/{name}")

    def decisions(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text("utf-8").splitlines()]


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[Probe]:
    gate, registry = Gate(), metrics.create()
    log = DecisionLog(str(tmp_path / "decisions.jsonl"))
    pipeline = Pipeline(gate, registry, decision_log=log)
    methods = (
        Method("Count", scoring_pb2.UnitInput, count, decides=True, kind=CLIENT_STREAM),
        Method("Repeat", scoring_pb2.UnitInput, repeat, decides=True, kind=SERVER_STREAM),
    )
    handlers = {m.name: pipeline.rpc_handler(m) for m in methods}
    server, port = loop.run(_serve(handlers))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield Probe(channel, gate, tmp_path / "decisions.jsonl", registry)
    channel.close()
    loop.run(server.stop(0))
    pipeline.close()
    log.close()


async def _serve(handlers: dict[str, grpc.RpcMethodHandler]) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


def frames(messages: list[bytes]) -> str:
    digest = hashlib.sha256()
    for data in messages:
        digest.update(b"\x00" + len(data).to_bytes(4, "big") + data)
    return digest.hexdigest()


def unit(internal: float, external: float = 0.0) -> bytes:
    return scoring_pb2.UnitInput(internal=internal, external=external).SerializeToString()


def test_client_streaming_reads_every_message_and_logs_the_decision(probe: Probe) -> None:
    sent = [unit(1.5), unit(2.0), unit(3.0)]
    answer = pb.CategoryTally.FromString(probe.stream_unary("Count")(iter(sent), timeout=10))
    assert (answer.category, answer.units) == ("6.5", 3)
    (line,) = probe.decisions()
    assert line["request_sha256"] == frames(sent)
    assert line["response_sha256"] == hashlib.sha256(answer.SerializeToString()).hexdigest()
    assert (line["method"], line["units"], line["ruleset_id"], line["status"]) == (
        "Count",
        3,
        "probe",
        "OK",
    )


def test_garbage_in_a_client_stream_is_invalid_argument(probe: Probe) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        probe.stream_unary("Count")(iter([unit(1.0), b"\xff\xff\xff"]), timeout=10)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "spi.v1.UnitInput" in raised.value.details()
    assert probe.decisions()[0]["status"] == "INVALID_ARGUMENT"


def test_server_streaming_sends_every_message_then_logs_the_frames(probe: Probe) -> None:
    request = unit(5)
    received = list(probe.unary_stream("Repeat")(request, timeout=10))
    assert [pb.CategoryTally.FromString(m).units for m in received] == [0, 1, 2, 3, 4]
    (line,) = probe.decisions()
    assert line["response_sha256"] == frames(received)
    assert line["request_sha256"] == hashlib.sha256(request).hexdigest()


def test_an_error_while_building_the_stream_sends_no_message(probe: Probe) -> None:
    received: list[bytes] = []
    with pytest.raises(grpc.RpcError) as raised:
        received.extend(probe.unary_stream("Repeat")(unit(5, external=2), timeout=10))
    assert received == []
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "failing at message 2" in raised.value.details()
    line = probe.decisions()[0]
    assert (line["status"], line["response_sha256"]) == ("INVALID_ARGUMENT", None)


def test_a_stream_whose_decision_cannot_be_recorded_sends_no_data(
    probe: Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: DecisionLog, entry: object) -> None:
        raise DecisionLogError("decision log: no space left on the device")

    monkeypatch.setattr(DecisionLog, "record", full)
    received: list[bytes] = []
    with pytest.raises(grpc.RpcError) as raised:
        received.extend(probe.unary_stream("Repeat")(unit(5), timeout=10))
    assert received == []
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_a_closed_gate_refuses_streams(probe: Probe) -> None:
    probe.gate.close()
    with pytest.raises(grpc.RpcError) as raised:
        list(probe.unary_stream("Repeat")(unit(3), timeout=10))
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE
    with pytest.raises(grpc.RpcError) as refused:
        probe.stream_unary("Count")(iter([unit(1)]), timeout=10)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


def test_an_abandoned_stream_keeps_its_decision_and_frees_the_gate(probe: Probe) -> None:
    call = probe.unary_stream("Repeat")(unit(200_000), timeout=30)
    next(call)
    call.cancel()
    deadline = time.monotonic() + 20
    errors = probe.registry.errors.labels("Repeat", "CANCELLED")
    while time.monotonic() < deadline and errors._value.get() == 0:
        time.sleep(0.05)
    assert errors._value.get() == 1
    assert probe.gate.wait_idle(20)
    # The decision was recorded before the first message left; the caller's leaving is delivery.
    assert [line["status"] for line in probe.decisions()] == ["OK"]
