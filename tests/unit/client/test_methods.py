"""The client's method tables come from engine.proto's descriptor; no grpc stubs are generated."""

from __future__ import annotations

from pathlib import Path

from spi.v1 import engine_pb2
from spi_client import client

PROTOS = Path(__file__).resolve().parents[3] / "protos" / "spi" / "v1"


def test_the_client_knows_every_rpc_of_the_service_once() -> None:
    service = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"]
    tables = (client.METHODS, client.STREAMS, client.UPLOADS)
    names = [name for table in tables for name in table]
    assert sorted(names) == sorted(m.name for m in service.methods)
    for method in service.methods:
        rpc = next(table[method.name] for table in tables if method.name in table)
        assert rpc.request.DESCRIPTOR is method.input_type
        assert rpc.response.DESCRIPTOR is method.output_type
        assert rpc.path == f"/spi.v1.SpiEngine/{method.name}"
    assert set(client.UPLOADS) == {m.name for m in service.methods if m.client_streaming}
    assert set(client.STREAMS) == {m.name for m in service.methods if m.server_streaming}


def test_no_generated_grpc_stubs_are_committed() -> None:
    assert not list(PROTOS.glob("*_pb2_grpc.py"))
