"""What the logs of a real server may hold: bounded caller strings, no credential, and a
decision log that survives rotation (rename + SIGHUP) and deletion."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status

from spi.v1 import engine_pb2, scoring_pb2
from spi_client import SpiClient
from spi_server.logs import MAX_LINE_BYTES

from .conftest import ServerProcess, server_command

pytestmark = pytest.mark.integration

UNIT = scoring_pb2.UnitInput(
    unit_id="x", internal=75.61, external=89.02, expert=73.53, correction=7.59
)
SECRET = "sekret-token-123"


def _score(address: str, request: engine_pb2.ScoreRequest, **options: Any) -> Any:
    """Call Score on a raw channel; the response, or the grpc.RpcError it failed with."""
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(
            "/spi.v1.SpiEngine/Score",
            request_serializer=engine_pb2.ScoreRequest.SerializeToString,
            response_deserializer=engine_pb2.ScoreResponse.FromString,
        )
        try:
            return call(request, timeout=60, **options)
        except grpc.RpcError as error:
            return error


def _decisions(path: Path) -> list[dict[str, Any]]:
    """Every line of a decision log, each one valid JSON."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_a_huge_unknown_ruleset_id_leaves_a_short_status_and_short_log_lines(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    server = spawn_server("--decision-log", str(log))
    huge = "A" * 4 * 2**20
    digest = hashlib.sha256(huge.encode()).hexdigest()
    error = _score(server.address, engine_pb2.ScoreRequest(ruleset_id=huge, units=[UNIT]))
    assert isinstance(error, grpc.RpcError)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert len(error.details()) < 500
    assert f"({len(huge)} characters, sha256 {digest})" in error.details()
    status = rpc_status.from_call(error)
    assert status is not None
    assert status.ByteSize() < 2000
    (packed,) = status.details
    info = error_details_pb2.ResourceInfo()
    assert packed.Unpack(info)
    assert info.resource_name.endswith(f"… ({len(huge)} characters, sha256 {digest})")
    (line,) = _decisions(log)
    assert line["status"] == "NOT_FOUND"
    assert log.stat().st_size < 4000
    call = server.wait_for_log("call")
    assert (call["code"], call["method"]) == ("NOT_FOUND", "Score")
    assert f"({len(huge)} characters, sha256 {digest})" in call["ruleset"]
    lines = server.log_path.read_bytes().splitlines()
    assert max(len(text) for text in lines) < 4000 < MAX_LINE_BYTES


def test_a_token_without_the_bearer_scheme_is_never_shown_nor_logged(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    (tmp_path / "tokens").write_text(f"planner {SECRET} *\n")
    log = tmp_path / "decisions.jsonl"
    server = spawn_server("--tokens", str(tmp_path / "tokens"), "--decision-log", str(log))
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[UNIT])
    error = _score(server.address, request, metadata=[("authorization", SECRET)])
    assert isinstance(error, grpc.RpcError)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert SECRET not in error.details()
    assert "without the 'Bearer ' scheme" in error.details()
    call = server.wait_for_log("call")
    assert call["code"] == "UNAUTHENTICATED"
    assert SECRET not in server.log_path.read_text("utf-8")
    (line,) = _decisions(log)
    assert line["status"] == "UNAUTHENTICATED"
    assert SECRET not in log.read_text("utf-8")


def _score_ids(client: SpiClient, count: int) -> list[str]:
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[UNIT])
    return [client.rpc("Score", request).decision_id for _ in range(count)]


def test_a_renamed_decision_log_and_sighup_lose_no_line(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    log, rotated = tmp_path / "decisions.jsonl", tmp_path / "decisions.jsonl.1"
    server = spawn_server("--decision-log", str(log))
    with server.client(timeout=30) as client:
        before = _score_ids(client, 3)
        log.rename(rotated)  # what logrotate does first ...
        between = _score_ids(client, 3)
        assert server.wait_for_log("decision_log_renamed")["path"] == str(log)
        server.signal(signal.SIGHUP)  # ... then its postrotate script
        server.wait_for_log("decision_log_reopened", timeout=20)
        after = _score_ids(client, 3)
    assert [line["decision_id"] for line in _decisions(rotated)] == before + between
    assert [line["decision_id"] for line in _decisions(log)] == after


def test_a_deleted_decision_log_is_created_again_with_the_next_line(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    server = spawn_server("--decision-log", str(log))
    with server.client(timeout=30) as client:
        _score_ids(client, 2)
        log.unlink()
        after = _score_ids(client, 2)
    assert [line["decision_id"] for line in _decisions(log)] == after
    assert server.wait_for_log("decision_log_reopened")["previous_file"] == "deleted"


def test_a_bad_tls_key_is_never_echoed(tmp_path: Path) -> None:
    key = "-----BEGIN PRIVATE KEY-----\nSEKRETKEYMATERIAL\n-----END PRIVATE KEY-----\n"
    (tmp_path / "key.pem").write_text(key)
    (tmp_path / "cert.pem").write_text(key)
    command = server_command(
        "--address",
        "127.0.0.1:0",
        "--http-address",
        "",
        "--tls-cert",
        str(tmp_path / "cert.pem"),
        "--tls-key",
        str(tmp_path / "key.pem"),
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "SEKRETKEYMATERIAL" not in done.stdout + done.stderr


def test_every_worker_process_reopens_the_decision_log_on_sighup(
    spawn_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    log, rotated = tmp_path / "decisions.jsonl", tmp_path / "decisions.jsonl.1"
    server = spawn_server("--decision-log", str(log), "--processes", "2")
    with server.client(timeout=30) as client:
        before = _score_ids(client, 6)
        log.rename(rotated)
        server.signal(signal.SIGHUP)
        server.wait_for_log("decision_log_reopened", count=2, timeout=20)
    with server.client(timeout=30) as client:  # new connections, so both workers may answer
        after = _score_ids(client, 6)
    assert sorted(line["decision_id"] for line in _decisions(rotated)) == sorted(before)
    assert sorted(line["decision_id"] for line in _decisions(log)) == sorted(after)
