"""The Connect protocol's wire pieces (spi_server.connect): codecs, envelopes, errors."""

from __future__ import annotations

import base64
import gzip
import json

import grpc
import pytest

from spi.v1 import engine_pb2
from spi_engine.errors import InvalidInputError, LimitExceededError, UnknownRulesetError, Violation
from spi_server import connect
from spi_server.errors import CancelledError, MalformedRequestError


def test_json_takes_both_field_spellings_and_refuses_unknown_fields() -> None:
    codec = connect.Codec(connect.JSON)
    camel = b'{"rulesetId": "spi-2024", "units": [{"unitId": "a", "internal": 70}]}'
    snake = b'{"ruleset_id": "spi-2024", "units": [{"unit_id": "a", "internal": 70}]}'
    expected = engine_pb2.ScoreRequest(
        ruleset_id="spi-2024", units=[{"unit_id": "a", "internal": 70}]
    )
    for body in (camel, snake):
        assert codec.to_binary(body, engine_pb2.ScoreRequest) == expected.SerializeToString(
            deterministic=True
        )
    with pytest.raises(MalformedRequestError, match="has no field named"):
        codec.to_binary(b'{"rulesetIdd": "x"}', engine_pb2.ScoreRequest)
    assert codec.to_binary(b"", engine_pb2.ScoreRequest) == b""  # an empty body is {}


def test_json_answers_list_every_field_in_camel_case() -> None:
    codec = connect.Codec(connect.JSON)
    answer = engine_pb2.ListRulesetsResponse(rulesets=[engine_pb2.RulesetSummary(id="x")])
    text = codec.from_binary(answer.SerializeToString(), engine_pb2.ListRulesetsResponse)
    assert json.loads(text) == {
        "rulesets": [{"id": "x", "label": "", "year": 0, "sha256": "", "origin": ""}]
    }


def test_envelopes_split_across_chunks_and_refuse_a_cut_one() -> None:
    stream = connect.envelope(b"one") + connect.envelope(b"two", connect.END_STREAM)
    reader = connect.Envelopes(limit=10)
    got = [item for byte in stream for item in reader.feed(bytes([byte]))]
    assert got == [(0, b"one"), (connect.END_STREAM, b"two")]
    reader.close()
    cut = connect.Envelopes(limit=10)
    assert list(cut.feed(connect.envelope(b"three")[:6])) == []
    with pytest.raises(MalformedRequestError, match="ends inside an envelope"):
        cut.close()
    with pytest.raises(LimitExceededError, match="message bytes"):
        list(connect.Envelopes(limit=2).feed(connect.envelope(b"big")))


def test_gzip_bodies_are_bounded_once_unzipped() -> None:
    assert connect.decompress(gzip.compress(b"abc"), "gzip", 3) == b"abc"
    with pytest.raises(LimitExceededError, match="unzipped"):
        connect.decompress(gzip.compress(b"x" * 100), "gzip", 10)
    with pytest.raises(MalformedRequestError, match="gzip"):
        connect.decompress(b"not gzip", "gzip", 10)
    with pytest.raises(connect.ProtocolError, match="identity or gzip"):
        connect.decompress(b"", "br", 10)


def test_errors_carry_the_grpc_code_message_and_details() -> None:
    error = connect.error_dict(InvalidInputError([Violation("units[0].expert", "too big")]))
    assert error["code"] == "invalid_argument"
    assert connect.http_status_of(error) == 400
    [detail] = error["details"]
    assert detail["type"] == "google.rpc.BadRequest"
    assert "=" not in detail["value"]  # unpadded, as Connect wants
    assert detail["debug"]["fieldViolations"][0]["field"] == "units[0].expert"
    padded = detail["value"] + "=" * (-len(detail["value"]) % 4)
    assert base64.b64decode(padded).startswith(b"\n")
    missing = connect.error_dict(UnknownRulesetError("spi-1999", ("spi-2024",)))
    assert (missing["code"], connect.http_status_of(missing)) == ("not_found", 404)
    cancelled = connect.error_dict(CancelledError("gone"))
    assert (cancelled["code"], connect.http_status_of(cancelled)) == ("canceled", 499)
    assert connect.connect_code(grpc.StatusCode.RESOURCE_EXHAUSTED) == "resource_exhausted"
    internal = connect.error_dict(RuntimeError("secret"), "abc123")
    assert internal["code"] == "internal"
    assert "secret" not in internal["message"]
    assert "abc123" in internal["message"]


def test_the_end_stream_message() -> None:
    [(flags, body)] = list(connect.Envelopes(100).feed(connect.end_stream(None)))
    assert (flags, json.loads(body)) == (connect.END_STREAM, {})
    ended = connect.end_stream({"code": "unavailable", "message": "m"}, [("k", "1"), ("k", "2")])
    [(_, body)] = list(connect.Envelopes(1000).feed(ended))
    assert json.loads(body) == {
        "error": {"code": "unavailable", "message": "m"},
        "metadata": {"k": ["1", "2"]},
    }
