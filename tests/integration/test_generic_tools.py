"""Generic gRPC tools through reflection: nothing of spi.v1 is known to the caller beforehand.

The first test is the Python recipe the README shows (descriptors from the server, JSON in and
out); the second runs grpcurl when it is installed and skips otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

pytestmark = pytest.mark.integration

REQUEST = {
    "rulesetId": "spi-2024",
    "units": [
        {
            "unitId": "probolinggo",
            "internal": 75.61,
            "external": 89.02,
            "expert": 73.53,
            "correction": 7.59,
        }
    ],
}


def call_by_reflection(address: str, method: str, request_json: str) -> str:
    """Call ``package.Service/Method`` with a JSON request, using only server reflection."""
    service_name, method_name = method.split("/")
    with grpc.insecure_channel(address) as channel:
        pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
        described = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        request_class = message_factory.GetMessageClass(described.input_type)
        response_class = message_factory.GetMessageClass(described.output_type)
        call = channel.unary_unary(
            f"/{service_name}/{method_name}",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        response = call(json_format.Parse(request_json, request_class()), timeout=10)
        return json_format.MessageToJson(response)


def test_a_generic_client_calls_score_through_reflection(server_address: str) -> None:
    answer = json.loads(
        call_by_reflection(server_address, "spi.v1.SpiEngine/Score", json.dumps(REQUEST))
    )
    (result,) = answer["results"]
    assert (result["unitId"], result["index"], result["category"]) == (
        "probolinggo",
        71.66,
        "rentan",
    )
    assert answer["provenance"]["rulesetId"] == "spi-2024"


@pytest.mark.skipif(shutil.which("grpcurl") is None, reason="grpcurl is not installed")
def test_grpcurl_lists_and_calls(server_address: str) -> None:
    grpcurl = shutil.which("grpcurl") or "grpcurl"
    listed = subprocess.run(
        [grpcurl, "-plaintext", server_address, "list"], capture_output=True, text=True, timeout=30
    )
    assert "spi.v1.SpiEngine" in listed.stdout.split()
    called = subprocess.run(
        [
            grpcurl,
            "-plaintext",
            "-d",
            json.dumps(REQUEST),
            server_address,
            "spi.v1.SpiEngine/Score",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert json.loads(called.stdout)["results"][0]["index"] == 71.66
