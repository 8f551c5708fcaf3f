"""The RPCs of spi.v1.SpiEngine as engine.proto declares them, read from the service descriptor.

Names, request and response classes and streaming kinds are never restated by hand: the RPC
table (:mod:`spi_engine.api.table`), the client's method tables and the server's methods all
come from here. Light on purpose (the generated messages only), so the client can use it.

>>> [rpc.name for rpc in declared() if rpc.kind == CLIENT_STREAM]
['ScoreSurvey']
>>> by_kind(SERVER_STREAM)["Sweep"].response.DESCRIPTOR.full_name
'spi.v1.SweepResponse'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from google.protobuf import message_factory
from google.protobuf.message import Message

from spi.v1 import engine_pb2

SERVICE = "spi.v1.SpiEngine"
UNARY = "unary"
SERVER_STREAM = "server_stream"
CLIENT_STREAM = "client_stream"


@dataclass(frozen=True)
class Declared:
    """One RPC of the service: its name, request and response classes and streaming kind."""

    name: str
    request: type[Message]
    response: type[Message]
    kind: str
    """UNARY, SERVER_STREAM or CLIENT_STREAM"""

    @property
    def path(self) -> str:
        """The gRPC method path, e.g. ``/spi.v1.SpiEngine/Score``."""
        return f"/{SERVICE}/{self.name}"


def _kind(client_streaming: bool, server_streaming: bool) -> str:
    if client_streaming and server_streaming:
        raise ValueError("bidirectional streaming RPCs have no kind here")
    if client_streaming:
        return CLIENT_STREAM
    return SERVER_STREAM if server_streaming else UNARY


def declared() -> tuple[Declared, ...]:
    """Every RPC of the service descriptor, in the order of engine.proto."""
    service = engine_pb2.DESCRIPTOR.services_by_name[SERVICE.rsplit(".", 1)[1]]
    return tuple(
        Declared(
            method.name,
            message_factory.GetMessageClass(method.input_type),
            message_factory.GetMessageClass(method.output_type),
            _kind(method.client_streaming, method.server_streaming),
        )
        for method in service.methods
    )


def by_kind(kind: str) -> Mapping[str, Declared]:
    """The RPCs of one streaming kind, by name."""
    return {rpc.name: rpc for rpc in declared() if rpc.kind == kind}
