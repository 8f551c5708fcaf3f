"""TLS, mutual TLS and bearer tokens, with certificates made by the test."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from spi_client import SpiClient, SpiRpcError
from spi_server import app

from .certificates import Pair, authority, issue
from .conftest import ServerProcess
from .test_lifecycle import SERVING, health_of

pytestmark = pytest.mark.integration

TOKENS = "planner planner-secret Score,Summarize\nadmin admin-secret *\n"
UNIT = {"internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59}


@pytest.fixture(scope="module")
def pki() -> dict[str, Pair]:
    ca, ca_key = authority()
    other_ca, other_key = authority("another CA")
    return {
        "ca": ca,
        "server": issue(ca, ca_key, "localhost", server=True),
        "client": issue(ca, ca_key, "planning-office", server=False),
        "other_ca": other_ca,
        "stranger": issue(other_ca, other_key, "stranger", server=False),
    }


def _tls_server(
    start: Callable[..., app.Server], pki: dict[str, Pair], tmp_path: Path, **settings: object
) -> app.Server:
    cert, key = pki["server"].write(tmp_path, "server")
    return start(tls_cert=cert, tls_key=key, **settings)


def _score(client: SpiClient) -> float:
    return client.score("spi-2024", **UNIT)[0].index  # type: ignore[arg-type]


def test_tls(
    start_inprocess: Callable[..., app.Server], pki: dict[str, Pair], tmp_path: Path
) -> None:
    running = _tls_server(start_inprocess, pki, tmp_path)
    with SpiClient(running.target, root_certificates=pki["ca"].cert, retries=0) as client:
        assert _score(client) == 71.66
    for wrong in (
        SpiClient(running.target, retries=0, timeout=3),
        SpiClient(running.target, root_certificates=pki["other_ca"].cert, retries=0, timeout=3),
    ):
        with wrong, pytest.raises(SpiRpcError) as raised:
            _score(wrong)
        assert raised.value.code == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_requires_a_client_certificate_from_the_ca(
    start_inprocess: Callable[..., app.Server], pki: dict[str, Pair], tmp_path: Path
) -> None:
    (tmp_path / "ca.pem").write_bytes(pki["ca"].cert)
    log = tmp_path / "decisions.jsonl"
    running = _tls_server(
        start_inprocess, pki, tmp_path, client_ca=str(tmp_path / "ca.pem"), decision_log=str(log)
    )
    trusted = {"root_certificates": pki["ca"].cert, "retries": 0, "timeout": 3}
    client, stranger = pki["client"], pki["stranger"]
    with SpiClient(running.target, client_cert=client.cert, client_key=client.key, **trusted) as ok:
        assert _score(ok) == 71.66
    assert json.loads(log.read_text().splitlines()[-1])["caller"] == "cn:planning-office"
    for options in ({}, {"client_cert": stranger.cert, "client_key": stranger.key}):
        with SpiClient(running.target, **trusted, **options) as refused:  # type: ignore[arg-type]
            with pytest.raises(SpiRpcError) as raised:
                _score(refused)
            assert raised.value.code == grpc.StatusCode.UNAVAILABLE


def test_tokens(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="spi_server")
    (tmp_path / "tokens").write_text(TOKENS)
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(tokens=str(tmp_path / "tokens"), decision_log=str(log))
    cases = [
        (
            None,
            grpc.StatusCode.UNAUTHENTICATED,
            "expected an 'authorization: Bearer TOKEN' header; got none",
        ),
        ("wrong", grpc.StatusCode.UNAUTHENTICATED, "unknown bearer token"),
    ]
    for token, code, message in cases:
        with SpiClient(running.target, token=token, retries=0) as client:
            with pytest.raises(SpiRpcError) as raised:
                _score(client)
            assert (raised.value.code, raised.value.message) == (code, message)
    with SpiClient(running.target, token="planner-secret") as planner:
        assert _score(planner) == 71.66
        with pytest.raises(SpiRpcError) as raised:
            planner.rulesets()
        assert raised.value.code == grpc.StatusCode.PERMISSION_DENIED
        assert "may not call ListRulesets" in raised.value.message
    with SpiClient(running.target, token="admin-secret") as admin:
        assert len(admin.rulesets()) == 5
    callers = [json.loads(line)["caller"] for line in log.read_text().splitlines()]
    assert callers == ["anonymous", "anonymous", "planner"]
    refused = [
        r for r in caplog.records if getattr(r, "fields", {}).get("code") == "PERMISSION_DENIED"
    ]
    assert [r.fields["caller"] for r in refused] == ["planner"]  # type: ignore[attr-defined]
    assert health_of(running.target) == SERVING  # health needs no token


def test_all_of_it_through_the_command_line_flags(
    spawn_server: Callable[..., ServerProcess], pki: dict[str, Pair], tmp_path: Path
) -> None:
    cert, key = pki["server"].write(tmp_path, "server")
    (tmp_path / "ca.pem").write_bytes(pki["ca"].cert)
    (tmp_path / "tokens").write_text(TOKENS)
    server = spawn_server(
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--client-ca",
        str(tmp_path / "ca.pem"),
        "--tokens",
        str(tmp_path / "tokens"),
    )
    client = pki["client"]
    with SpiClient(
        server.address,
        root_certificates=pki["ca"].cert,
        client_cert=client.cert,
        client_key=client.key,
        token="planner-secret",
    ) as connected:
        assert _score(connected) == 71.66
    call = server.wait_for_log("call")
    assert (call["caller"], call["method"], call["code"]) == ("planner", "Score", "OK")
    assert server.wait_for_log("serving")["mutual_tls"] is True


def test_a_reload_rotates_tokens_and_a_bad_file_keeps_the_old_ones(
    start_inprocess: Callable[..., app.Server], tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKENS)
    running = start_inprocess(tokens=str(tokens))
    tokens.write_text("planner rotated-secret Score\n")
    assert running.reload()
    with SpiClient(running.target, token="rotated-secret", retries=0) as rotated:
        assert _score(rotated) == 71.66
    with SpiClient(running.target, token="planner-secret", retries=0) as old:
        with pytest.raises(SpiRpcError) as raised:
            _score(old)
        assert raised.value.code == grpc.StatusCode.UNAUTHENTICATED
    tokens.write_text("only-a-name\n")
    assert not running.reload()
    with SpiClient(running.target, token="rotated-secret", retries=0) as kept:
        assert _score(kept) == 71.66
