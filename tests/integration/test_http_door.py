"""The HTTP/1.1 door (Connect protocol), called with raw HTTP as curl or PHP would.

Every answer is compared with the gRPC door's answer to the same request, as messages:
the Connect JSON (or binary) is parsed into the response message and its bytes compared with
the gRPC answer's (decision ids aside, they are per call).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import signal
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status

from bench import _abuse
from spi.v1 import engine_pb2
from spi.v1 import simulation_pb2 as pb

from .conftest import ServerProcess

pytestmark = pytest.mark.integration

UNITS = [
    {
        "unitId": "a",
        "group": "kota",
        "internal": 80.0,
        "external": 85.5,
        "expert": 70.25,
        "correction": 0,
    },
    {"unit_id": "b", "internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59},
    {
        "unitId": "c",
        "internal": 72.0,
        "external": 74.0,
        "expert": 73.0,
        "correctionIntegrity": 0.5,
        "correction_prevalence": 0.25,
    },
]
JSON = {"Content-Type": "application/json"}
SWEEP = {
    "rulesetId": "spi-2024",
    "units": {"inline": {"units": UNITS[:2]}},
    "axes": [{"lever": "external", "range": {"start": 80, "stop": 84, "step": 0.5}}],
    "chunkSize": 4,
}


def post(
    port: int, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def call_json(port: int, method: str, request: dict[str, Any], **headers: str) -> Any:
    status, _, body = post(
        port, f"/spi.v1.SpiEngine/{method}", json.dumps(request).encode(), {**JSON, **headers}
    )
    return status, json.loads(body)


def envelopes(data: bytes) -> Iterator[tuple[int, bytes]]:
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at + 1 : at + 5], "big")
        yield data[at], data[at + 5 : at + 5 + size]
        at += 5 + size
    assert at == len(data)


def envelope(data: bytes) -> bytes:
    return b"\x00" + len(data).to_bytes(4, "big") + data


def grpc_call(server: ServerProcess, method: str, request: Message, answer: type[Message]) -> Any:
    with grpc.insecure_channel(server.address) as channel:
        call = channel.unary_unary(
            f"/spi.v1.SpiEngine/{method}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=answer.FromString,
        )
        return call(request, timeout=30)


def grpc_failure(server: ServerProcess, method: str, request: Message) -> status_pb2.Status:
    with pytest.raises(grpc.RpcError) as raised:
        grpc_call(server, method, request, engine_pb2.ScoreResponse)
    found = rpc_status.from_call(raised.value)
    assert found is not None
    return found


def without_decision_id(message: Any) -> bytes:
    message.decision_id = ""
    return bytes(message.SerializeToString())


def score_request(units: list[dict[str, Any]]) -> engine_pb2.ScoreRequest:
    request = engine_pb2.ScoreRequest()
    json_format.ParseDict({"rulesetId": "spi-2024", "units": units}, request)
    return request


@pytest.fixture
def port(server: ServerProcess) -> int:
    assert server.http_port
    return server.http_port


@pytest.mark.parametrize("count", [1, 3])
def test_score_json_answers_the_same_message_as_grpc(
    server: ServerProcess, port: int, count: int
) -> None:
    status, answer = call_json(port, "Score", {"rulesetId": "spi-2024", "units": UNITS[:count]})
    assert status == 200
    assert answer["results"][0]["unitId"] == "a"
    assert "indexRaw" in answer["results"][0]  # camelCase out, whatever came in
    assert answer["results"][0]["group"] == "kota"
    by_http = json_format.ParseDict(answer, engine_pb2.ScoreResponse())
    by_grpc = grpc_call(server, "Score", score_request(UNITS[:count]), engine_pb2.ScoreResponse)
    assert by_http.decision_id
    assert by_http.decision_id != by_grpc.decision_id
    assert without_decision_id(by_http) == without_decision_id(by_grpc)


def test_score_binary_answers_the_same_bytes_as_grpc(server: ServerProcess, port: int) -> None:
    request = score_request(UNITS)
    status, headers, body = post(
        port,
        "/spi.v1.SpiEngine/Score",
        request.SerializeToString(),
        {"Content-Type": "application/proto"},
    )
    assert status == 200
    assert headers["content-type"] == "application/proto"
    by_grpc = grpc_call(server, "Score", request, engine_pb2.ScoreResponse)
    assert without_decision_id(engine_pb2.ScoreResponse.FromString(body)) == without_decision_id(
        by_grpc
    )


def test_list_rulesets_by_post_and_by_get(server: ServerProcess, port: int) -> None:
    status, answer = call_json(port, "ListRulesets", {})
    assert status == 200
    by_grpc = grpc_call(
        server, "ListRulesets", engine_pb2.ListRulesetsRequest(), engine_pb2.ListRulesetsResponse
    )
    by_http = json_format.ParseDict(answer, engine_pb2.ListRulesetsResponse())
    assert by_http.SerializeToString() == by_grpc.SerializeToString()
    query = urllib.parse.urlencode({"encoding": "json", "message": "{}", "connect": "v1"})
    status, _, body = get(port, f"/spi.v1.SpiEngine/ListRulesets?{query}")
    assert status == 200
    assert json.loads(body) == answer


def test_an_invalid_score_carries_the_same_field_violations_as_grpc(
    server: ServerProcess, port: int
) -> None:
    units = [dict(UNITS[0]) for _ in range(4)]
    units[2]["external"] = 101.5
    units[3]["expert"] = -1.0
    status, error = call_json(port, "Score", {"rulesetId": "spi-2024", "units": units})
    assert status == 400
    assert error["code"] == "invalid_argument"
    [detail] = error["details"]
    assert detail["type"] == "google.rpc.BadRequest"
    value = base64.b64decode(detail["value"] + "=" * (-len(detail["value"]) % 4))
    by_grpc = grpc_failure(server, "Score", score_request(units))
    assert by_grpc.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert error["message"] == by_grpc.message
    [packed] = by_grpc.details
    assert value == packed.value  # the same BadRequest, byte for byte
    violations = error_details_pb2.BadRequest.FromString(value).field_violations
    assert [v.field for v in violations] == ["units[2].external", "units[3].expert"]
    assert [v["field"] for v in detail["debug"]["fieldViolations"]] == [
        "units[2].external",
        "units[3].expert",
    ]


def test_an_unknown_ruleset_is_not_found(port: int) -> None:
    status, error = call_json(port, "Score", {"rulesetId": "spi-1999", "units": UNITS[:1]})
    assert status == 404
    assert error["code"] == "not_found"
    assert error["details"][0]["type"] == "google.rpc.ResourceInfo"
    assert error["details"][0]["debug"]["resourceName"] == "spi-1999"


@pytest.mark.parametrize(
    ("body", "kind", "expected"),
    [
        (b"{not json", "application/json", "not a spi.v1.ScoreRequest in protobuf JSON"),
        (b"\xff\xfe", "application/json", "not UTF-8 JSON"),
        (b'{"rulesetId": "spi-2024", "unitz": []}', "application/json", "unitz"),
        (b"\x0a\xff\xff\xff", "application/proto", "not a spi.v1.ScoreRequest message"),
    ],
)
def test_garbage_and_unknown_fields_are_invalid_argument(
    port: int, body: bytes, kind: str, expected: str
) -> None:
    status, headers, answer = post(port, "/spi.v1.SpiEngine/Score", body, {"Content-Type": kind})
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(answer)
    assert error["code"] == "invalid_argument"
    assert expected in error["message"]


def test_wrong_content_type_unknown_method_and_bad_timeout(port: int) -> None:
    status, _headers, body = post(
        port, "/spi.v1.SpiEngine/Score", b"{}", {"Content-Type": "text/plain"}
    )
    assert status == 415
    assert (
        "expected Content-Type application/json or application/proto" in json.loads(body)["message"]
    )
    status, _, body = post(port, "/spi.v1.SpiEngine/Sweep", b"{}", JSON)
    assert status == 415  # a stream takes the streaming content types only
    status, _, body = post(port, "/spi.v1.SpiEngine/Nothing", b"{}", JSON)
    assert (status, json.loads(body)["code"]) == (404, "unimplemented")
    status, _, body = post(
        port, "/spi.v1.SpiEngine/ListRulesets", b"{}", {**JSON, "Connect-Timeout-Ms": "soon"}
    )
    assert (status, json.loads(body)["code"]) == (400, "invalid_argument")


def test_a_gzip_request_body(port: int) -> None:
    body = gzip.compress(json.dumps({"rulesetId": "spi-2024", "units": UNITS[:1]}).encode())
    status, _, answer = post(
        port, "/spi.v1.SpiEngine/Score", body, {**JSON, "Content-Encoding": "gzip"}
    )
    assert status == 200
    assert json.loads(answer)["results"][0]["unitId"] == "a"


@pytest.mark.parametrize("codec", ["json", "proto"])
def test_sweep_streams_the_same_messages_as_grpc(
    server: ServerProcess, port: int, codec: str
) -> None:
    request = json_format.ParseDict(SWEEP, pb.SweepRequest())
    body = json.dumps(SWEEP).encode() if codec == "json" else request.SerializeToString()
    status, headers, answer = post(
        port,
        "/spi.v1.SpiEngine/Sweep",
        envelope(body),
        {"Content-Type": f"application/connect+{codec}"},
    )
    assert status == 200
    assert headers["content-type"] == f"application/connect+{codec}"
    *messages, (flags, end) = list(envelopes(answer))
    assert flags == 2
    assert json.loads(end) == {}
    assert {flag for flag, _ in messages} == {0}
    if codec == "json":
        parsed = [json_format.Parse(m, pb.SweepResponse()) for _, m in messages]
    else:
        parsed = [pb.SweepResponse.FromString(m) for _, m in messages]
    with grpc.insecure_channel(server.address) as channel:
        stream = channel.unary_stream(
            "/spi.v1.SpiEngine/Sweep",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.SweepResponse.FromString,
        )
        by_grpc = list(stream(request, timeout=30))
    assert len(parsed) == len(by_grpc) == 1 + 5  # a summary, then 9 points x 2 units by 4
    for mine, theirs in zip(parsed, by_grpc, strict=True):
        if mine.HasField("summary"):
            mine.summary.decision_id = theirs.summary.decision_id = ""
        assert mine.SerializeToString() == theirs.SerializeToString()


def test_a_stream_error_ends_the_stream(port: int) -> None:
    request = {**SWEEP, "rulesetId": "spi-1999"}
    status, _, answer = post(
        port,
        "/spi.v1.SpiEngine/Sweep",
        envelope(json.dumps(request).encode()),
        {"Content-Type": "application/connect+json"},
    )
    assert status == 200  # Connect streams carry their error in the end-stream message
    [(flags, end)] = list(envelopes(answer))
    assert flags == 2
    assert json.loads(end)["error"]["code"] == "not_found"


def test_http_calls_are_decision_logged_and_counted(server: ServerProcess, port: int) -> None:
    assert server.decision_log is not None
    assert server.metrics_port
    request = {"rulesetId": "spi-2024", "units": UNITS[:2]}
    status, answer = call_json(port, "Score", request)
    assert status == 200
    lines = [json.loads(line) for line in server.decision_log.read_text("utf-8").splitlines()]
    [line] = [line for line in lines if line["decision_id"] == answer["decisionId"]]
    binary = score_request(UNITS[:2]).SerializeToString(deterministic=True)
    assert line["request_sha256"] == hashlib.sha256(binary).hexdigest()
    answered = json_format.ParseDict(answer, engine_pb2.ScoreResponse())
    assert line["response_sha256"] == hashlib.sha256(answered.SerializeToString()).hexdigest()
    assert (line["status"], line["units"], line["ruleset_id"]) == ("OK", 2, "spi-2024")
    status, _, metrics = get(server.metrics_port, "/metrics")
    assert status == 200
    found = [
        line for line in metrics.decode().splitlines() if line.startswith("spi_requests_total{")
    ]
    assert any('method="Score"' in line for line in found)


def test_tokens_guard_the_http_door(spawn_server: Any, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("planner s3cret-planner Score\nadmin s3cret-admin *\n", "utf-8")
    started = spawn_server("--tokens", str(tokens))
    port = started.http_port
    request = {"rulesetId": "spi-2024", "units": UNITS[:1]}
    status, error = call_json(port, "Score", request)
    assert (status, error["code"]) == (401, "unauthenticated")
    assert "expected an 'authorization: Bearer TOKEN' header" in error["message"]
    status, error = call_json(port, "Score", request, Authorization="Bearer wrong")
    assert (status, error["code"]) == (401, "unauthenticated")
    status, _answer = call_json(port, "Score", request, Authorization="Bearer s3cret-planner")
    assert status == 200
    status, error = call_json(port, "ListRulesets", {}, Authorization="Bearer s3cret-planner")
    assert (status, error["code"]) == (403, "permission_denied")
    lines = started.wait_for_lines(lambda line: line.get("event") == "call", count=4)
    assert {line["door"] for line in lines} == {"http"}
    assert [(line["caller"], line["code"]) for line in lines] == [
        ("anonymous", "UNAUTHENTICATED"),
        ("anonymous", "UNAUTHENTICATED"),
        ("planner", "OK"),
        ("planner", "PERMISSION_DENIED"),
    ]


def test_healthz_static_files_and_nothing_else(spawn_server: Any, tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>spi</title>", "utf-8")
    (web / "assets" / "app.js").write_text("console.log('spi')", "utf-8")
    (tmp_path / "secret.txt").write_text("no", "utf-8")
    started = spawn_server("--web-root", str(web))
    port = started.http_port
    assert get(port, "/healthz")[::2] == (200, b"SERVING\n")
    status, headers, body = get(port, "/")
    assert (status, body) == (200, b"<!doctype html><title>spi</title>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "access-control-allow-origin" not in headers
    status, headers, body = get(port, "/assets/app.js")
    assert status == 200
    assert headers["content-type"].endswith("javascript; charset=utf-8")
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/secret.txt"):
        assert get(port, path)[0] == 404, path
    assert post(port, "/", b"")[0] == 405
    started.signal(signal.SIGTERM)
    assert started.wait(30) == 0


def test_score_survey_uploads_over_connect_streaming(server: ServerProcess, port: int) -> None:
    from spi.v1 import survey_pb2

    uploaded = _abuse.survey_upload(respondents=600, chunk_rows=250)
    requests = [survey_pb2.ScoreSurveyRequest.FromString(data) for data in uploaded]
    assert len(requests) > 3
    upload = b"".join(envelope(r.SerializeToString()) for r in requests)
    status, _, answer = post(
        port,
        "/spi.v1.SpiEngine/ScoreSurvey",
        upload,
        {"Content-Type": "application/connect+proto"},
    )
    assert status == 200
    [(flags, body), (end_flags, end)] = list(envelopes(answer))
    assert (flags, end_flags, json.loads(end)) == (0, 2, {})
    with server.client(timeout=60) as client:
        by_grpc = client.stream_in("ScoreSurvey", requests)
    by_http = survey_pb2.ScoreSurveyResponse.FromString(body)
    assert by_http.decision_id
    assert without_decision_id(by_http) == without_decision_id(by_grpc)


def test_score_survey_packed_answers_travel_as_base64_over_connect_json(
    server: ServerProcess, port: int
) -> None:
    """Connect JSON carries AnswerColumn.packed_codes (bytes) as base64; the answer is gRPC's."""
    from spi.v1 import survey_pb2

    uploaded = _abuse.survey_upload(respondents=600, chunk_rows=250)
    requests = [survey_pb2.ScoreSurveyRequest.FromString(data) for data in uploaded]
    texts = [json_format.MessageToJson(r) for r in requests]
    column = json.loads(texts[1])["chunk"]["answers"][0]
    assert "codes" not in column
    assert base64.b64decode(column["packedCodes"]) == requests[1].chunk.answers[0].packed_codes
    upload = b"".join(envelope(text.encode()) for text in texts)
    status, _, answer = post(
        port,
        "/spi.v1.SpiEngine/ScoreSurvey",
        upload,
        {"Content-Type": "application/connect+json"},
    )
    assert status == 200
    [(flags, body), (end_flags, end)] = list(envelopes(answer))
    assert (flags, end_flags, json.loads(end)) == (0, 2, {})
    by_http = json_format.Parse(body, survey_pb2.ScoreSurveyResponse())
    with server.client(timeout=60) as client:
        by_grpc = client.stream_in("ScoreSurvey", requests)
    assert without_decision_id(by_http) == without_decision_id(by_grpc)


def test_a_draining_server_refuses_http_calls(start_inprocess: Any) -> None:
    running = start_inprocess(http_address="127.0.0.1:0")
    port = running.http_port
    assert get(port, "/healthz")[0] == 200
    # The first steps of Server.stop: NOT_SERVING, then the gate refuses new calls.
    assert running.door is not None
    running.door.serving = False
    running.gate.close()
    assert get(port, "/healthz")[::2] == (503, b"NOT_SERVING\n")
    status, error = call_json(port, "ListRulesets", {})
    assert (status, error["code"]) == (503, "unavailable")
    assert "shutting down" in error["message"]


def test_worker_processes_share_the_http_port(spawn_server: Any) -> None:
    started = spawn_server("--processes", "2")
    port = started.extra["http_port"]
    assert port
    assert {worker["http_port"] for worker in started.extra["workers"]} == {port}
    for _ in range(4):
        status, answer = call_json(port, "Score", {"rulesetId": "spi-2024", "units": UNITS[:1]})
        assert status == 200
        assert answer["results"][0]["category"] == "terjaga"
    started.signal(signal.SIGTERM)
    assert started.wait(30) == 0


def test_tls_serves_https_with_the_grpc_certificate(start_inprocess: Any, tmp_path: Path) -> None:
    import ssl

    from .certificates import authority, issue

    ca, ca_key = authority()
    cert, key = issue(ca, ca_key, "localhost", server=True).write(tmp_path, "server")
    running = start_inprocess(http_address="127.0.0.1:0", tls_cert=cert, tls_key=key)
    (tmp_path / "ca.pem").write_bytes(ca.cert)
    context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    connection = http.client.HTTPSConnection(
        "localhost", running.http_port, context=context, timeout=30
    )
    try:
        connection.request("POST", "/spi.v1.SpiEngine/ListRulesets", b"{}", JSON)
        answer = connection.getresponse()
        assert answer.status == 200
        assert json.loads(answer.read())["rulesets"]
    finally:
        connection.close()
    with pytest.raises(http.client.RemoteDisconnected):
        get(running.http_port, "/healthz")  # plain HTTP to the TLS port is not answered


def test_mutual_tls_without_tokens_is_refused_with_the_http_door_on() -> None:
    from spi_server.config import ConfigError, parse

    mutual = ["--tls-cert", "c", "--tls-key", "k", "--client-ca", "ca"]
    with pytest.raises(ConfigError, match="names callers by certificate"):
        parse(mutual, env={})
    parse([*mutual, "--http-address", ""], env={})
    parse([*mutual, "--tokens", "t"], env={})
    with pytest.raises(ConfigError, match="--web-root: expected a directory"):
        parse(["--web-root", "/no/such/directory"], env={})


def test_mutual_tls_asks_http_callers_for_a_certificate_too(
    start_inprocess: Any, tmp_path: Path
) -> None:
    import ssl

    from .certificates import authority, issue

    ca, ca_key = authority()
    cert, key = issue(ca, ca_key, "localhost", server=True).write(tmp_path, "server")
    client_cert, client_key = issue(ca, ca_key, "planning-office", server=False).write(
        tmp_path, "client"
    )
    (tmp_path / "ca.pem").write_bytes(ca.cert)
    (tmp_path / "tokens").write_text("planner s3cret *\n", "utf-8")
    running = start_inprocess(
        http_address="127.0.0.1:0",
        tls_cert=cert,
        tls_key=key,
        client_ca=str(tmp_path / "ca.pem"),
        tokens=str(tmp_path / "tokens"),
    )

    def list_rulesets(context: ssl.SSLContext) -> int:
        connection = http.client.HTTPSConnection(
            "localhost", running.http_port, context=context, timeout=30
        )
        try:
            headers = {**JSON, "Authorization": "Bearer s3cret"}
            connection.request("POST", "/spi.v1.SpiEngine/ListRulesets", b"{}", headers)
            return connection.getresponse().status
        finally:
            connection.close()

    context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    with pytest.raises((ssl.SSLError, ConnectionError)):
        list_rulesets(context)  # no client certificate: no answer
    context.load_cert_chain(client_cert, client_key)
    assert list_rulesets(context) == 200


def test_a_caller_hanging_up_cancels_its_call(start_inprocess: Any, tmp_path: Path) -> None:
    import dataclasses
    import threading
    import time

    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(http_address="127.0.0.1:0", decision_log=str(log))
    working, stopped = threading.Event(), []

    def slow(request: Any, call: Any) -> Any:
        working.set()
        for _ in range(3000):  # 30 s at most, stopping at the first check after a hang-up
            try:
                call.check_time()
            except Exception as error:
                stopped.append(error)
                raise
            time.sleep(0.01)
        return engine_pb2.ScoreResponse()

    methods = running.door.methods
    # A handler this slow is no longer bounded by its request bytes: it runs in a worker thread.
    methods["Score"] = dataclasses.replace(methods["Score"], handler=slow, inline_bytes=0)
    connection = http.client.HTTPConnection("127.0.0.1", running.http_port, timeout=30)
    connection.request("POST", "/spi.v1.SpiEngine/Score", b"{}", JSON)
    assert working.wait(30)
    connection.close()  # hang up without reading the answer
    deadline = time.monotonic() + 30
    while not (stopped and log.exists() and log.read_text("utf-8")):
        assert time.monotonic() < deadline, "the call went on after its caller hung up"
        time.sleep(0.02)
    assert "cancelled" in str(stopped[0])
    [line] = [json.loads(text) for text in log.read_text("utf-8").splitlines()]
    assert (line["method"], line["status"]) == ("Score", "CANCELLED")
    status, _ = call_json(running.http_port, "ListRulesets", {})
    assert status == 200  # the server goes on
