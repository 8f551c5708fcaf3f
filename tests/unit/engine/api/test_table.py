"""The RPC table of spi_engine.api.table against engine.proto's service descriptor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import get_type_hints

import pytest

from spi.v1 import engine_pb2
from spi_engine import bundled
from spi_engine.api import table


def _descriptor_rows() -> list[tuple[str, str, str, bool, bool]]:
    service = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"]
    return [
        (
            m.name,
            m.input_type.full_name,
            m.output_type.full_name,
            m.client_streaming,
            m.server_streaming,
        )
        for m in service.methods
    ]


def test_every_rpc_of_the_service_has_one_row_in_its_order() -> None:
    names = [row[0] for row in _descriptor_rows()]
    assert [rpc.name for rpc in table.RPCS] == names
    assert len(names) == len(set(names)) >= 15  # 14 RPCs of 0.1.0, then ScoreColumns
    assert set(table.ANSWERS) == set(names)


def test_rows_carry_the_declared_messages_and_streaming_kinds() -> None:
    for name, request, response, client_streaming, server_streaming in _descriptor_rows():
        rpc = table.RPCS_BY_NAME[name]
        assert rpc.request.DESCRIPTOR.full_name == request
        assert rpc.response.DESCRIPTOR.full_name == response
        expected = (
            table.CLIENT_STREAM
            if client_streaming
            else table.SERVER_STREAM
            if server_streaming
            else table.UNARY
        )
        assert rpc.kind == expected, name


@pytest.mark.parametrize("rpc", table.RPCS, ids=lambda rpc: rpc.name)
def test_each_answer_is_typed_with_its_rpcs_messages(rpc: table.Rpc) -> None:
    hints = get_type_hints(rpc.answer)
    first = next(iter(hints))
    if rpc.kind == table.CLIENT_STREAM:
        assert hints[first] == Iterable[rpc.request]
    else:
        assert hints[first] is rpc.request
    if rpc.kind == table.SERVER_STREAM:
        assert hints["return"] == Iterator[rpc.response]
    else:
        assert hints["return"] is rpc.response


def test_a_unary_answer_is_its_response_message() -> None:
    context = table.Context(bundled())
    response = table.answer("ListRulesets", engine_pb2.ListRulesetsRequest(), context)
    assert isinstance(response, engine_pb2.ListRulesetsResponse)
    assert [r.id for r in response.rulesets] == list(bundled().ids)
