"""Garbage on the wire, every RPC: never INTERNAL, never a crash (issue 8: the trust baseline).

Three kinds of input per spi.v1.SpiEngine method, seeded: random bytes, a valid request cut at a
random byte, and the valid request of another method (a wrong message type). Any status but
INTERNAL/UNKNOWN is an acceptable answer (a wrong type may even parse and be answered OK); after
all of it the server process is up, health says SERVING and a Score still gives 73.86.
"""

from __future__ import annotations

import random

import pytest

from spi.v1 import engine_pb2

from . import harness, inputs

pytestmark = pytest.mark.adversarial

PER_KIND = 6
"""Inputs of each kind per method: 14 methods x 3 kinds x 6 = 252 calls."""
REFUSED_AS_CRASH = {"INTERNAL", "UNKNOWN"}


def _inputs(name: str, generator: random.Random) -> list[bytes]:
    requests = inputs.valid_requests()
    own = requests[name]
    own_bytes = [m.SerializeToString() for m in (own if isinstance(own, list) else [own])]
    whole = b"".join(own_bytes)
    others = [n for n in requests if n != name]
    found = []
    for _ in range(PER_KIND):
        found.append(generator.randbytes(generator.randrange(1, 300)))
        cut = own_bytes[generator.randrange(len(own_bytes))] or whole
        found.append(cut[: generator.randrange(len(cut))] if len(cut) > 1 else b"\xff")
        other = requests[generator.choice(others)]
        found.append((other[0] if isinstance(other, list) else other).SerializeToString())
    return found


def test_garbage_request_bytes_on_every_rpc(shared_server: harness.Server) -> None:
    counts = harness.tally("garbage bytes")
    generator = random.Random(20261204)
    internal_before = len(shared_server.events("internal_error"))
    with shared_server.channel() as channel:
        for name in harness.method_names():
            client_streaming, _ = harness.method_kind(name)
            for data in _inputs(name, generator):
                sent: bytes | list[bytes] = [data] if client_streaming else data
                outcome = harness.invoke(channel, name, sent, timeout=20)
                counts.tried += 1
                if outcome.code in REFUSED_AS_CRASH:
                    counts.fail(
                        "internal", f"{name} {data[:40]!r}: {outcome.code} {outcome.message}"
                    )
        if not shared_server.alive():
            counts.fail("other", "the server process died")
        elif harness.health(channel) != "SERVING":
            counts.fail("other", f"health after the garbage: {harness.health(channel)}")
        unit = inputs.unit("after", correction=7.59)
        unit.ClearField("correction_integrity")
        unit.ClearField("correction_prevalence")
        request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit])
        after = harness.invoke(channel, "Score", request)
        if not after.ok or after.responses[0].results[0].index != 73.86:  # type: ignore[attr-defined]
            counts.fail("wrong", f"a Score after the garbage: {after}")
    logged = shared_server.events("internal_error")[internal_before:]
    if logged:
        counts.fail("internal", f"server log: {logged[0]}")
    assert counts.failures() == 0, counts.verdict()
