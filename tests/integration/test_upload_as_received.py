"""ScoreSurvey is read as the upload arrives (each message in a worker while the next is
received), and still: no worker waits for bytes, the first error waits for the whole upload (so
limits and the decision's request hash are those of the whole upload), the same answer."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import grpc
import pytest

from bench import _abuse
from spi.v1 import survey_pb2 as pb
from spi_engine.api import survey as answers
from spi_server import app
from tests.integration.test_stream_limits import UPLOAD, decisions, wait_busy

pytestmark = pytest.mark.integration


@pytest.fixture
def upload() -> list[bytes]:
    return _abuse.survey_upload(respondents=120, chunk_rows=40)


def frames_sha256(messages: list[bytes]) -> str:
    digest = hashlib.sha256()
    for message in messages:
        digest.update(b"\0" + len(message).to_bytes(4, "big") + message)
    return digest.hexdigest()


def with_bad_first_chunk(upload: list[bytes]) -> list[bytes]:
    first = pb.ScoreSurveyRequest.FromString(upload[1])
    first.chunk.groups[0] = cast("Any", 7)  # not a RespondentGroup
    return [upload[0], first.SerializeToString(), *upload[2:]]


def test_each_chunk_is_read_while_the_upload_is_still_coming(
    start_inprocess: Callable[..., app.Server],
    upload: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = threading.Event()
    original = answers.SurveyUpload.add

    def add(self: answers.SurveyUpload, message: pb.ScoreSurveyRequest) -> None:
        original(self, message)
        if message.WhichOneof("part") == "chunk":
            read.set()

    monkeypatch.setattr(answers.SurveyUpload, "add", add)
    running = start_inprocess()

    def messages() -> Iterator[bytes]:
        yield from upload[:2]  # the start and the first chunk, then nothing until it was read
        assert read.wait(30), "the first chunk was not read before the upload ended"
        yield from upload[2:]

    with grpc.insecure_channel(running.target) as channel:
        answer = pb.ScoreSurveyResponse.FromString(
            channel.stream_unary(UPLOAD)(messages(), timeout=60)
        )
    assert answer.respondents_received == 120
    assert read.is_set()


def test_an_idle_upload_holds_no_worker_between_its_messages(
    start_inprocess: Callable[..., app.Server], upload: list[bytes]
) -> None:
    running = start_inprocess()
    release = threading.Event()
    with grpc.insecure_channel(running.target) as channel:
        call = channel.stream_unary(UPLOAD).future(_abuse_silent(upload, release), timeout=60)
        wait_busy(running)
        assert running.pipeline is not None
        deadline = time.monotonic() + 30
        while working(running) != 0:
            assert time.monotonic() < deadline, "a worker is held while the upload is silent"
            time.sleep(0.02)
        assert running.gate.busy == 1  # the call is still open, waiting for bytes
        release.set()
        answer = pb.ScoreSurveyResponse.FromString(call.result())
    assert answer.respondents_received == 120


def working(running: app.Server) -> float:
    """The server's spi_working gauge: jobs running in its worker threads."""
    assert running.pipeline is not None
    (metric,) = running.pipeline.metrics.working.collect()
    value: float = metric.samples[0].value
    return value


def _abuse_silent(upload: list[bytes], release: threading.Event) -> Iterator[bytes]:
    yield from upload[:-1]
    release.wait(60)
    yield upload[-1]


def test_a_bad_chunk_is_reported_once_the_whole_upload_came(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, upload: list[bytes]
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log))
    bad = with_bad_first_chunk(upload)
    with grpc.insecure_channel(running.target) as channel, pytest.raises(grpc.RpcError) as raised:
        channel.stream_unary(UPLOAD)(iter(bad), timeout=60)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "chunks[0].groups[0]" in raised.value.details()
    (line,) = decisions(log)
    assert line["status"] == "INVALID_ARGUMENT"
    assert line["request_sha256"] == frames_sha256(bad)


def test_a_bad_chunk_then_too_many_bytes_is_the_size_limit(
    start_inprocess: Callable[..., app.Server], upload: list[bytes]
) -> None:
    bad = with_bad_first_chunk(upload)
    running = start_inprocess(max_upload_bytes=sum(map(len, bad)) - 1)
    with grpc.insecure_channel(running.target) as channel, pytest.raises(grpc.RpcError) as raised:
        channel.stream_unary(UPLOAD)(iter(bad), timeout=60)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "--max-upload-bytes" in raised.value.details()
