"""SpiClient without a server: retries, error mapping, request checks, unit conversion."""

from __future__ import annotations

import math
from typing import Any

import grpc
import pytest

from spi.v1 import engine_pb2
from spi_client import SpiClient, SpiRpcError
from spi_client.client import unit_to_pb


class FakeError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return f"fake {self._code.name}"

    def trailing_metadata(self) -> tuple[()]:
        return ()


def _client_failing(codes: list[grpc.StatusCode], **options: Any) -> tuple[SpiClient, list[float]]:
    client = SpiClient("127.0.0.1:9", backoff=0.001, **options)
    timeouts: list[float] = []

    def call(request: Any, timeout: float, metadata: Any) -> Any:
        timeouts.append(timeout)
        if codes:
            raise FakeError(codes.pop(0))
        return engine_pb2.ListRulesetsResponse()

    client._calls["ListRulesets"] = call  # type: ignore[assignment]
    return client, timeouts


def test_unavailable_is_retried_until_it_works() -> None:
    client, attempts = _client_failing([grpc.StatusCode.UNAVAILABLE] * 2)
    assert client.rulesets() == ()
    assert len(attempts) == 3
    assert attempts[0] >= attempts[1] >= attempts[2]  # one deadline for all attempts


def test_retries_stop_after_the_configured_count() -> None:
    client, attempts = _client_failing([grpc.StatusCode.UNAVAILABLE] * 10, retries=2)
    with pytest.raises(SpiRpcError) as raised:
        client.rulesets()
    assert len(attempts) == 3
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    assert str(raised.value) == "ListRulesets: UNAVAILABLE: fake UNAVAILABLE"


@pytest.mark.parametrize(
    "code",
    [
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.UNAUTHENTICATED,
    ],
)
def test_other_codes_are_not_retried(code: grpc.StatusCode) -> None:
    client, attempts = _client_failing([code])
    with pytest.raises(SpiRpcError) as raised:
        client.rulesets()
    assert len(attempts) == 1
    assert (raised.value.code, raised.value.violations) == (code, ())


def test_rpc_checks_the_name_and_the_request_type() -> None:
    client = SpiClient("127.0.0.1:9")
    with pytest.raises(ValueError, match="unknown RPC 'Scor'; expected one of ListRulesets"):
        client.rpc("Scor", engine_pb2.ScoreRequest())
    with pytest.raises(TypeError, match=r"Score takes a spi.v1.ScoreRequest; got SummarizeRequest"):
        client.rpc("Score", engine_pb2.SummarizeRequest())


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="client_cert and client_key go together"):
        SpiClient("127.0.0.1:9", client_cert=b"x")
    with pytest.raises(ValueError, match="expected retries >= 0"):
        SpiClient("127.0.0.1:9", retries=-1)


def test_unit_to_pb_keeps_absent_fields_absent() -> None:
    message = unit_to_pb(
        {
            "unit_id": 7,
            "internal": 70,
            "external": 80.5,
            "expert": None,
            "correction": math.nan,
        }
    )
    assert message.unit_id == "7"
    assert (message.internal, message.external) == (70.0, 80.5)
    assert not message.HasField("expert")
    assert not message.HasField("correction")
    nan_component = unit_to_pb({"internal": math.nan})
    assert nan_component.HasField("internal")
    assert math.isnan(nan_component.internal)


@pytest.mark.parametrize(
    ("code", "asked_by_rows"),
    [
        (grpc.StatusCode.UNIMPLEMENTED, True),  # a server that predates ScoreColumns
        (grpc.StatusCode.INVALID_ARGUMENT, True),  # so the error names units[i].field
        (grpc.StatusCode.PERMISSION_DENIED, False),
    ],
)
def test_score_many_asks_by_rows_when_columns_are_refused(
    monkeypatch: pytest.MonkeyPatch, code: grpc.StatusCode, asked_by_rows: bool
) -> None:
    asked: list[str] = []

    def rpc(self: SpiClient, name: str, request: Any, **kwargs: Any) -> Any:
        asked.append(name)
        raise SpiRpcError(code, "refused", method=name)

    monkeypatch.setattr(SpiClient, "rpc", rpc)
    unit = {"internal": 80.0, "external": 80.0, "expert": 80.0, "correction": 0.0}
    with SpiClient("127.0.0.1:1") as client, pytest.raises(SpiRpcError):
        client.score_many("spi-2024", [unit, unit])
    assert asked == (["ScoreColumns", "Score"] if asked_by_rows else ["ScoreColumns"])
