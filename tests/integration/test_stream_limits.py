"""Streams bounded in time and heavy calls bounded in number (issue 8, items 5 and 13), and
reflection under both names (issue 10, item 2), on servers in this process or subprocesses."""

from __future__ import annotations

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
from grpc_reflection.v1alpha import reflection_pb2

from bench import _abuse
from spi_engine.api import whatif as whatif_answers
from spi_server import app
from spi_server.decisions import DecisionLog
from spi_server.errors import DecisionLogError
from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

UPLOAD = "/spi.v1.SpiEngine/ScoreSurvey"


def decisions(path: Path, count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The decision lines once there are ``count`` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
            if len(lines) >= count:
                return lines
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} decision lines in {path} after {timeout} s")


def silent(upload: list[bytes], release: threading.Event) -> Iterator[bytes]:
    """Every message of ``upload`` but its end, then nothing until ``release``."""
    yield from upload[:-1]
    release.wait(60)


def wait_busy(running: app.Server, calls: int = 1) -> None:
    deadline = time.monotonic() + 30
    while running.gate.busy < calls:
        assert time.monotonic() < deadline, "the call never reached the server"
        time.sleep(0.02)


@pytest.fixture
def upload() -> list[bytes]:
    return _abuse.survey_upload()


def test_an_upload_the_caller_cancels_is_recorded_cancelled_without_a_traceback(
    start_inprocess: Callable[..., app.Server],
    tmp_path: Path,
    upload: list[bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log))
    release = threading.Event()
    with (
        caplog.at_level(logging.INFO, logger="spi_server"),
        grpc.insecure_channel(running.target) as channel,
    ):
        call = channel.stream_unary(UPLOAD).future(silent(upload, release), timeout=60)
        wait_busy(running)
        call.cancel()
        (line,) = decisions(log)
        release.set()
        deadline = time.monotonic() + 10
        while not (calls := [r for r in caplog.records if r.getMessage() == "call"]):
            assert time.monotonic() < deadline, "no access log line for the call"
            time.sleep(0.02)
    assert (line["method"], line["status"]) == ("ScoreSurvey", "CANCELLED")
    assert [r.fields["code"] for r in calls] == ["CANCELLED"]  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.exc_info or r.getMessage() == "internal_error"]


def test_an_upload_past_its_deadline_is_recorded_deadline_exceeded(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, upload: list[bytes]
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log))
    release = threading.Event()
    with grpc.insecure_channel(running.target) as channel, pytest.raises(grpc.RpcError) as raised:
        channel.stream_unary(UPLOAD)(silent(upload, release), timeout=1.0)
    release.set()
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    (line,) = decisions(log)
    assert (line["status"], line["response_sha256"]) == ("DEADLINE_EXCEEDED", None)


def test_an_idle_upload_is_ended_by_the_server(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, upload: list[bytes]
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log), stream_idle_timeout=0.5)
    release = threading.Event()
    with grpc.insecure_channel(running.target) as channel, pytest.raises(grpc.RpcError) as raised:
        channel.stream_unary(UPLOAD)(silent(upload, release), timeout=60)
    release.set()
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert "--stream-idle-timeout" in raised.value.details()
    assert decisions(log)[0]["status"] == "DEADLINE_EXCEEDED"


def test_the_server_limits_the_time_of_any_call(
    start_inprocess: Callable[..., app.Server], upload: list[bytes]
) -> None:
    running = start_inprocess(max_call_seconds=0.5)
    release = threading.Event()
    with grpc.insecure_channel(running.target) as channel, pytest.raises(grpc.RpcError) as raised:
        channel.stream_unary(UPLOAD)(silent(upload, release), timeout=60)
    release.set()
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert "--max-call-seconds" in raised.value.details()


def test_an_unread_stream_is_ended_after_the_write_timeout(
    start_inprocess: Callable[..., app.Server], tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log), stream_write_timeout=0.5)
    with grpc.insecure_channel(running.target) as channel:
        call = channel.unary_stream("/spi.v1.SpiEngine/Sweep")(_abuse.sweep(), timeout=120)
        (line,) = decisions(log)  # recorded before the first message left
        assert line["status"] == "OK"
        errors = running.metrics.errors.labels("Sweep", "DEADLINE_EXCEEDED")
        deadline = time.monotonic() + 60
        while errors._value.get() < 1:
            assert time.monotonic() < deadline, "the unread stream was never ended"
            time.sleep(0.05)
        assert running.gate.wait_idle(10)
        with pytest.raises(grpc.RpcError) as raised:
            list(call)
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert "--stream-write-timeout" in raised.value.details()


def test_heavy_calls_past_the_limit_are_refused_and_light_ones_go_on(
    start_inprocess: Callable[..., app.Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    running = start_inprocess(max_heavy_per_method=1)
    entered, release = threading.Event(), threading.Event()
    real = whatif_answers.goal_seek

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(whatif_answers, "goal_seek", held)
    request = _abuse.goal_seek(3)
    with grpc.insecure_channel(running.target) as channel:
        goal_seek = channel.unary_unary("/spi.v1.SpiEngine/GoalSeek")
        first = goal_seek.future(request, timeout=60)
        assert entered.wait(30)
        with pytest.raises(grpc.RpcError) as raised:
            goal_seek(request, timeout=30)
        _abuse.probe(channel)  # a light call and a health check still answer
        release.set()
        first.result(30)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "--max-heavy-per-method" in raised.value.details()


def test_calls_cut_off_at_the_end_of_the_grace_period_are_recorded_unavailable(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path, upload: list[bytes]
) -> None:
    log = tmp_path / "decisions.jsonl"
    server = spawn_server("--decision-log", str(log), "--grace", "0.5")
    release = threading.Event()
    with grpc.insecure_channel(server.address) as channel:
        call = channel.stream_unary(UPLOAD).future(silent(upload, release), timeout=60)
        time.sleep(1.0)  # the upload is open on the server
        server.signal(signal.SIGTERM)
        assert server.wait(30) == 0
        release.set()
        with pytest.raises(grpc.RpcError):
            call.result(30)
    (line,) = decisions(log)
    assert (line["method"], line["status"]) == ("ScoreSurvey", "UNAVAILABLE")
    assert "grace period" in line["message"]


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_is_served_as_v1_and_v1alpha(server_address: str, version: str) -> None:
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    with grpc.insecure_channel(server_address) as channel:
        stream = channel.stream_stream(
            f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        (answer,) = list(stream(iter([request]), timeout=10))
        names = {s.name for s in answer.list_services_response.service}
        assert {"spi.v1.SpiEngine", "grpc.reflection.v1.ServerReflection"} <= names
        symbol = reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="grpc.reflection.v1.ServerReflection"
        )
        (described,) = list(stream(iter([symbol]), timeout=10))
    assert described.file_descriptor_response.file_descriptor_proto


def test_a_limit_flag_must_be_positive() -> None:
    from spi_server.config import ConfigError, parse

    with pytest.raises(ConfigError, match="--stream-idle-timeout"):
        parse(["--stream-idle-timeout", "0"], env={})
    with pytest.raises(ConfigError, match="--heavy-workers"):
        parse(["--heavy-workers", "0"], env={})


def test_a_sweep_whose_decision_cannot_be_recorded_sends_no_data(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = start_inprocess(decision_log=str(tmp_path / "decisions.jsonl"))

    def full(self: DecisionLog, entry: object) -> None:
        raise DecisionLogError("decision log: no space left on the device")

    monkeypatch.setattr(DecisionLog, "record", full)
    received: list[bytes] = []
    with grpc.insecure_channel(running.target) as channel:
        sweep = channel.unary_stream("/spi.v1.SpiEngine/Sweep")
        with pytest.raises(grpc.RpcError) as raised:
            received.extend(sweep(_abuse.sweep(n_units=2, step=1), timeout=30))
    assert received == []
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE
