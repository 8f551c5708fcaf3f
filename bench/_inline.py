"""The longest answers spi-server gives on its event loop (spi_server.service.INLINE_BYTES).

A call answered inline holds the loop for its whole work, so the bound of each method is chosen
from the worst request found within it: for each inline method and each shape of request (no
ids, ids, every value out of range, one group per unit), the largest request within the bound
is timed in-process from request bytes to response bytes, as the gRPC door does it and as the
HTTP door does it for JSON (parse the JSON, answer, write the JSON). Each figure is the median
of 15 runs; the machine's load at the time counts.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from google.protobuf import json_format
from google.protobuf.message import Message

from spi.v1 import columns_pb2, engine_pb2, scoring_pb2
from spi_engine import bundled
from spi_engine.api import table
from spi_server.connect import JSON, Codec
from spi_server.pipeline import Call, Method
from spi_server.service import INLINE_BYTES, SpiEngineService

KINDS = ("no ids", "ids", "out of range", "groups")
Make = Callable[[int], Message]


def unit_rows(kind: str, n: int) -> list[scoring_pb2.UnitInput]:
    rng = np.random.default_rng(3)
    units = []
    for i, value in enumerate(rng.uniform(40, 100, n).tolist()):
        unit: dict[str, Any] = {"internal": value, "external": 80.0, "expert": 70.0}
        unit["correction"] = 1.0
        if kind == "out of range":
            unit["internal"] = 150.0
        if kind != "no ids":
            unit["unit_id"] = f"{i}"
        if kind == "groups":
            unit["group"] = f"g{i}"
        units.append(scoring_pb2.UnitInput(**unit))
    return units


def unit_columns(kind: str, n: int) -> columns_pb2.UnitColumns:
    values = np.random.default_rng(3).uniform(40, 100, n) + (100 if kind == "out of range" else 0)
    given = values.tobytes()
    columns = columns_pb2.UnitColumns(
        internal=given, external=given, expert=given, correction=np.ones(n).tobytes()
    )
    if kind in ("ids", "groups"):
        columns.unit_ids.extend(f"{i}" for i in range(n))
    if kind == "groups":
        columns.groups.extend(f"g{i}" for i in range(n))
    return columns


def maker(name: str, kind: str) -> Make:
    if name == "ScoreColumns":
        return lambda n: engine_pb2.ScoreColumnsRequest(
            ruleset_id="spi-2024", columns=unit_columns(kind, n)
        )
    request = engine_pb2.ScoreRequest if name == "Score" else engine_pb2.SummarizeRequest
    return lambda n: request(ruleset_id="spi-2024", units=unit_rows(kind, n))


def largest(make: Make, bound: int, size: Callable[[Message], int]) -> tuple[Message, int]:
    """The request of the most units ``make`` builds within ``bound`` bytes (by ``size``)."""
    low, high = 1, 2
    while size(make(high)) <= bound:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if size(make(middle)) <= bound else (low, middle)
    return make(low), low


def binary_size(message: Message) -> int:
    return len(message.SerializeToString())


def json_size(message: Message) -> int:
    return len(json_format.MessageToJson(message).encode())


def milliseconds(method: Method, data: bytes, codec: Codec) -> float:
    """Median time of request bytes -> response bytes, as the door with ``codec`` does it."""
    output = table.RPCS_BY_NAME[method.name].response

    def once() -> None:
        call = Call(method.name)
        try:
            request = method.request_type.FromString(codec.to_binary(data, method.request_type))
            answer = method.handler(request, call).SerializeToString()
            codec.from_binary(answer, output)
        except Exception:  # an error answer is work too: timed the same
            return

    once()
    times = []
    for _ in range(15):
        started = time.perf_counter()
        once()
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * 1000


def report() -> float:
    """Print the table; return the longest time found (ms)."""
    methods = {m.name: m for m in SpiEngineService(bundled, 100_000).methods()}
    binary, json = Codec("proto"), Codec(JSON)
    longest = 0.0
    print("longest inline answers (request within the method's bound; ms, median of 15):")
    for name in ("Score", "Summarize", "ScoreColumns"):
        bound = INLINE_BYTES[name]
        for kind in KINDS:
            request, units = largest(maker(name, kind), bound, binary_size)
            spent = milliseconds(methods[name], request.SerializeToString(), binary)
            as_json, json_units = largest(maker(name, kind), bound, json_size)
            text = json_format.MessageToJson(as_json).encode()
            json_spent = milliseconds(methods[name], text, json)
            longest = max(longest, spent, json_spent)
            print(
                f"  {name:<13} {kind:<13} {bound:>6,} B: binary {units:5,} units {spent:6.2f} ms;"
                f"  JSON {json_units:5,} units {json_spent:6.2f} ms",
                flush=True,
            )
    for name in ("ListRulesets", "GetRuleset"):
        message = methods[name].request_type()
        if name == "GetRuleset":
            message = engine_pb2.GetRulesetRequest(ruleset_id="spi-2024")
        spent = max(
            milliseconds(methods[name], message.SerializeToString(), binary),
            milliseconds(methods[name], json_format.MessageToJson(message).encode(), json),
        )
        longest = max(longest, spent)
        print(f"  {name:<13} the bundled catalog: {spent:6.2f} ms")
    return longest


if __name__ == "__main__":
    report()
    sys.exit(0)
