"""The Node.js Connect example (examples/node/http-example.js) against the HTTP door.

The example calls the door with @connectrpc/connect-node (JSON over HTTP/1.1), from a
FileDescriptorSet of protos/ made here with grpc_tools. Its answers, parsed into the response
messages, must equal the gRPC door's answers to the same requests (decision ids aside), and
the Connect errors must carry the same codes and field violations as gRPC's statuses. Skips
with a message when node is not installed; runs `npm ci` when the Connect packages are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import grpc_tools
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from spi.v1 import engine_pb2
from spi.v1 import simulation_pb2 as pb

from .conftest import ServerProcess

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "node"
RUN_TIMEOUT = 120.0


def node_dependencies() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Node.js Connect example needs node >= 18 and npm")
    if (EXAMPLE / "node_modules" / "@connectrpc" / "connect-node").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install the Node.js example's dependencies")
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"npm ci failed in {EXAMPLE}:\n{done.stdout}\n{done.stderr}"


def descriptors(folder: Path) -> Path:
    """A FileDescriptorSet of spi.v1 and google.rpc.error_details, imports included."""
    out = folder / "spi.binpb"
    included = Path(grpc_tools.__file__).parent / "_proto"
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{ROOT / 'protos'}",
        f"-I{ROOT / 'protos' / 'third_party'}",
        f"-I{included}",
        "--include_imports",
        f"--descriptor_set_out={out}",
        "spi/v1/engine.proto",
        "google/rpc/error_details.proto",
    ]
    subprocess.run(command, check=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def report(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    node_dependencies()
    binpb = descriptors(tmp_path_factory.mktemp("descriptors"))
    done = subprocess.run(
        [
            "node",
            "http-example.js",
            "--base-url",
            f"http://127.0.0.1:{server.http_port}",
            "--descriptors",
            str(binpb),
            "--timeout",
            "60",
        ],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"node http-example.js failed:\n{done.stderr}"
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def unary(server: ServerProcess, method: str, request: Message, answer: type[Message]) -> Any:
    with grpc.insecure_channel(server.address) as channel:
        call = channel.unary_unary(
            f"/spi.v1.SpiEngine/{method}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=answer.FromString,
        )
        return call(request, timeout=30)


def bare(message: Any) -> dict[str, Any]:
    """The message as a dict, every field listed, decision id aside. Compared with ``==``: the
    same float64 numbers exactly, except that -0.0 equals 0.0. JavaScript's ``-0 === 0``, so
    protobuf-es drops a -0.0 (the engine's contribution of a zero correction) as a default."""
    if hasattr(message, "decision_id"):
        message.decision_id = ""
    found: dict[str, Any] = json_format.MessageToDict(
        message, always_print_fields_with_no_presence=True
    )
    return found


def test_list_rulesets_equals_grpc(server: ServerProcess, report: dict[str, Any]) -> None:
    by_node = json_format.ParseDict(report["list_rulesets"], engine_pb2.ListRulesetsResponse())
    by_grpc = unary(
        server, "ListRulesets", engine_pb2.ListRulesetsRequest(), engine_pb2.ListRulesetsResponse
    )
    assert bare(by_node) == bare(by_grpc)


@pytest.mark.parametrize("key", ["score_one", "score_batch"])
def test_score_equals_grpc(server: ServerProcess, report: dict[str, Any], key: str) -> None:
    request = json_format.ParseDict(report[key]["request"], engine_pb2.ScoreRequest())
    by_node = json_format.ParseDict(report[key]["response"], engine_pb2.ScoreResponse())
    assert by_node.decision_id
    assert len(by_node.results) == len(request.units)
    assert bare(by_node) == bare(unary(server, "Score", request, engine_pb2.ScoreResponse))


def test_errors_carry_the_grpc_codes_and_violations(
    server: ServerProcess, report: dict[str, Any]
) -> None:
    invalid = report["invalid"]
    assert invalid["code"] == "InvalidArgument"
    assert invalid["violations"] == [
        {
            "field": "units[0].external",
            "description": "expected a number from 0 to 100; got 101.5",
        }
    ]
    request = json_format.ParseDict(invalid["request"], engine_pb2.ScoreRequest())
    with pytest.raises(grpc.RpcError) as raised:
        unary(server, "Score", request, engine_pb2.ScoreResponse)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == invalid["message"]
    assert report["unknown_ruleset"]["code"] == "NotFound"


def test_sweep_stream_equals_grpc(server: ServerProcess, report: dict[str, Any]) -> None:
    request = json_format.ParseDict(report["sweep"]["request"], pb.SweepRequest())
    by_node = [json_format.ParseDict(m, pb.SweepResponse()) for m in report["sweep"]["messages"]]
    with grpc.insecure_channel(server.address) as channel:
        stream = channel.unary_stream(
            "/spi.v1.SpiEngine/Sweep",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.SweepResponse.FromString,
        )
        by_grpc = list(stream(request, timeout=30))
    assert len(by_node) == len(by_grpc) > 1
    for mine, theirs in zip(by_node, by_grpc, strict=True):
        if mine.HasField("summary"):
            mine.summary.decision_id = theirs.summary.decision_id = ""
        assert mine.SerializeToString() == theirs.SerializeToString()
