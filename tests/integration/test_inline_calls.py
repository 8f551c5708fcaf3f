"""Small light calls answered on the event loop (spi_server.pipeline.Method.inline_bytes).

They skip the hop to a worker thread, and nothing else: the same deadline check before the
work, the same decision line and the same access line as a call answered in a worker thread,
on both doors; and the access log, buffered for one loop turn, is whole after a drain or a
SIGHUP.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from spi.v1 import engine_pb2, scoring_pb2
from spi_engine import bundled
from spi_server import app, loop, metrics
from spi_server.decisions import DecisionLog
from spi_server.errors import DeadlineExceededError
from spi_server.pipeline import UNARY, Call, Gate, Method, Pipeline
from spi_server.service import INLINE_BYTES, SpiEngineService
from tests.integration.conftest import ServerProcess
from tests.integration.test_http_door import call_json

pytestmark = pytest.mark.integration

SERVICE = "spi.test.Inline"
LOOP_THREAD = "spi-loop"


def score_request(units: int) -> bytes:
    unit = {"internal": 80.0, "external": 85.5, "expert": 70.25, "correction": 1.5}
    return engine_pb2.ScoreRequest(
        ruleset_id="spi-2024",
        units=[scoring_pb2.UnitInput(unit_id=f"u{i}", **unit) for i in range(units)],
    ).SerializeToString()


@dataclasses.dataclass
class Probe:
    """Score twice over gRPC: "Inline" as spi-server has it, "Pooled" always in a worker."""

    pipeline: Pipeline
    methods: dict[str, Method]
    channel: grpc.Channel
    log: Path
    threads: list[str]
    recorded_in: list[str]

    def score(self, name: str, request: bytes) -> engine_pb2.ScoreResponse:
        answer = self.channel.unary_unary(f"/{SERVICE}/{name}")(request, timeout=30)
        return engine_pb2.ScoreResponse.FromString(answer)

    def decisions(self, count: int = 1) -> list[dict[str, Any]]:
        """The decision lines, once there are ``count``: a call that ends at its deadline may
        answer a moment before its worker has written the line (on either path)."""
        deadline = time.monotonic() + 30
        while True:
            lines = [json.loads(line) for line in self.log.read_text("utf-8").splitlines()]
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[Probe]:
    log = DecisionLog(str(tmp_path / "decisions.jsonl"))
    pipeline = Pipeline(Gate(), metrics.create(), decision_log=log)
    score = next(m for m in SpiEngineService(bundled, 1000).methods() if m.name == "Score")
    threads: list[str] = []
    recorded_in: list[str] = []
    record = log.record

    def noted_record(entry: Any) -> None:
        recorded_in.append(threading.current_thread().name)
        record(entry)

    log.record = noted_record  # type: ignore[method-assign]

    def noting(request: Any, call: Call) -> Any:
        threads.append(threading.current_thread().name)
        return score.handler(request, call)

    methods = {
        "Inline": dataclasses.replace(score, name="Inline", handler=noting),
        "Pooled": dataclasses.replace(score, name="Pooled", handler=noting, inline_bytes=0),
    }
    handlers = {name: pipeline.rpc_handler(m) for name, m in methods.items()}
    server, port = loop.run(_serve(handlers))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield Probe(pipeline, methods, channel, tmp_path / "decisions.jsonl", threads, recorded_in)
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


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.fields for r in caplog.records if r.getMessage() == "call"]  # type: ignore[attr-defined]


def same_but_decision_id(a: engine_pb2.ScoreResponse, b: engine_pb2.ScoreResponse) -> bool:
    copies = []
    for answer in (a, b):
        copy = engine_pb2.ScoreResponse()
        copy.CopyFrom(answer)
        copy.ClearField("decision_id")
        copies.append(copy)
    return copies[0] == copies[1]


def without(line: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in line.items() if key not in keys}


def test_a_small_score_runs_on_the_loop_a_larger_one_in_a_worker(probe: Probe) -> None:
    small, large = score_request(1), score_request(200)
    assert len(small) <= INLINE_BYTES["Score"] < len(large)
    probe.score("Inline", small)
    probe.score("Inline", large)
    probe.score("Pooled", small)
    assert probe.threads[0] == LOOP_THREAD
    assert [name.startswith("spi-call") for name in probe.threads[1:]] == [True, True]
    # the decision line's write and fsync never hold the loop (group commit with other calls)
    assert [name.startswith("spi-call") for name in probe.recorded_in] == [True, True, True]


def test_without_a_decision_log_an_inline_call_needs_no_worker_at_all() -> None:
    pipeline = Pipeline(Gate(), metrics.create())
    score = next(m for m in SpiEngineService(bundled, 1000).methods() if m.name == "Score")
    request = score_request(1)
    call, started = pipeline.begin(score, None)
    body = pipeline.unary_body(score, request)
    pipeline.close()  # no worker thread can run anything now

    async def run() -> bytes:
        return await pipeline.run(score, call, started, lambda: None, len(request), request, body)

    answer = engine_pb2.ScoreResponse.FromString(loop.run(run()))
    assert call.inline
    assert answer.decision_id == call.decision_id
    assert len(answer.results) == 1


def test_inline_and_pooled_calls_answer_record_and_log_alike(
    probe: Probe, caplog: pytest.LogCaptureFixture
) -> None:
    request = score_request(3)
    with caplog.at_level(logging.INFO, logger="spi_server"):
        inline, pooled = probe.score("Inline", request), probe.score("Pooled", request)
    assert probe.threads[0] == LOOP_THREAD
    assert probe.threads[1] != LOOP_THREAD
    assert inline.decision_id != pooled.decision_id
    assert same_but_decision_id(inline, pooled)
    first, second = probe.decisions(2)
    varying = ("time", "decision_id", "method")
    for line, answer in ((first, inline), (second, pooled)):
        assert line["decision_id"] == answer.decision_id
        digest = hashlib.sha256(answer.SerializeToString()).hexdigest()
        assert line.pop("response_sha256") == digest
    assert without(first, *varying) == without(second, *varying)
    assert (first["method"], second["method"], first["status"]) == ("Inline", "Pooled", "OK")
    logged = access_lines(caplog)
    assert [line["method"] for line in logged] == ["Inline", "Pooled"]
    assert without(logged[0], "ms", *varying) == without(logged[1], "ms", *varying)
    assert logged[0]["code"] == "OK"


@pytest.mark.parametrize("name", ["Inline", "Pooled"])
def test_a_call_whose_deadline_passed_before_its_work_is_deadline_exceeded(
    probe: Probe, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    method, request = probe.methods[name], score_request(1)
    pipeline = probe.pipeline
    call, started = pipeline.begin(method, 0.0)  # the deadline is now: passed when work starts
    body = pipeline.unary_body(method, request)

    async def run() -> bytes:
        return await pipeline.run(method, call, started, lambda: None, len(request), request, body)

    with (
        caplog.at_level(logging.INFO, logger="spi_server"),
        pytest.raises(DeadlineExceededError, match="the caller's deadline passed"),
    ):
        loop.run(run())
    assert call.inline == (name == "Inline")
    assert probe.threads == []  # the handler never ran
    (line,) = probe.decisions()
    assert (line["method"], line["status"], line["decision_id"]) == (
        name,
        "DEADLINE_EXCEEDED",
        call.decision_id,
    )
    (logged,) = access_lines(caplog)
    assert (logged["code"], logged["decision_id"]) == ("DEADLINE_EXCEEDED", call.decision_id)


def test_only_unary_methods_bounded_by_their_request_answer_on_the_loop(
    start_inprocess: Callable[..., app.Server],
) -> None:
    running = start_inprocess(http_address="127.0.0.1:0")
    assert running.door is not None
    methods = running.door.methods.values()  # every method of the server
    inline = {m.name for m in methods if m.inline_bytes}
    assert inline == {"ListRulesets", "GetRuleset", "Score", "ScoreColumns", "Summarize"}
    for method in methods:
        assert not method.inline_bytes or (method.kind == UNARY and not method.heavy)


def test_the_http_door_answers_small_calls_on_the_loop_with_the_same_deadline_check(
    start_inprocess: Callable[..., app.Server], tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(http_address="127.0.0.1:0", decision_log=str(log))
    assert running.door is not None
    assert running.http_port is not None
    methods, threads = running.door.methods, []
    score = methods["Score"]

    def noting(request: Any, call: Call) -> Any:
        threads.append(threading.current_thread().name)
        return score.handler(request, call)

    methods["Score"] = dataclasses.replace(score, handler=noting)
    unit = {"unitId": "a", "internal": 80, "external": 85.5, "expert": 70.25, "correction": 0}
    request = {"rulesetId": "spi-2024", "units": [unit]}
    status, answer = call_json(running.http_port, "Score", request)
    assert (status, answer["results"][0]["index"]) == (200, 78.23)
    assert threads == [LOOP_THREAD]
    status, error = call_json(running.http_port, "Score", request, **{"Connect-Timeout-Ms": "0"})
    assert (status, error["code"]) == (504, "deadline_exceeded")
    assert threads == [LOOP_THREAD]  # the handler did not run
    deadline = time.monotonic() + 30
    while len(lines := log.read_text("utf-8").splitlines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # the line of a call ended at its deadline may come a moment later
    assert [json.loads(line)["status"] for line in lines] == ["OK", "DEADLINE_EXCEEDED"]


def test_every_access_line_is_written_by_the_end_of_a_drain(
    spawn_server: Callable[..., ServerProcess],
) -> None:
    server = spawn_server()
    request = score_request(1)
    with grpc.insecure_channel(server.address) as channel:
        score = channel.unary_unary("/spi.v1.SpiEngine/Score")
        answers = [score.future(request, timeout=30) for _ in range(40)]
        ids = {engine_pb2.ScoreResponse.FromString(a.result()).decision_id for a in answers}
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    logged = [line for line in server.logs() if line.get("event") == "call"]
    assert {line["decision_id"] for line in logged} == ids
    assert len(logged) == 40


def test_a_sighup_writes_the_access_lines_before_its_own(
    spawn_server: Callable[..., ServerProcess],
) -> None:
    server = spawn_server()
    with server.client() as client:
        decision = client.score(
            "spi-2024", internal=80, external=80, expert=80, correction=0
        ).decision_id
    server.signal(signal.SIGHUP)
    server.wait_for_log("reloaded")
    events = [(line["event"], line.get("decision_id")) for line in server.logs()]
    assert events.index(("call", decision)) < events.index(("reloaded", None))
