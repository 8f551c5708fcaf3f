"""No caller can stall the server: a 1-unit Score and a health Check keep answering.

Issue 8 items 5 and 6. Each scenario starts a fresh server (default flags, ``--grace 1``), puts a
hostile load on it from other connections, then sends PROBES probes one after the other (1-unit
Score and health Check in turn, each with a PROBE_TIMEOUT deadline) and measures each latency:

- idle reflection streams: 8 ServerReflectionInfo streams that send nothing;
- uploads without an end: 8 ScoreSurvey uploads that send their start and then nothing;
- unread Sweeps: 8 Sweeps of ~2M points whose answers nobody reads;
- heavy Sweeps: 4 callers running ~2M-point Sweeps (within the limits) back to back;
- cancelled calls: 4 callers sending heavy EstimateUncertainty / GoalSeek / 100k-unit Score calls
  with a 50 ms deadline, over and over;
- and a control without load, which shows that the probes themselves are fast.

A probe slower than SLOW (1 s) is slow; a probe not sent within SCENARIO_SECONDS counts as slow
too. Because the machine is shared and busy, a scenario stalls only when more than ALLOWED_SLOW
of its probes are slow: with 50 probes, the 96th percentile must stay under 1 s (the issue asks
for the 99th; the allowance of 2 keeps the test from flaking on a loaded 2-core machine, while a
server that pins its threads fails every probe).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import grpc
import pytest

from spi.v1 import engine_pb2, scoring_pb2
from spi.v1 import simulation_pb2 as sim

from . import harness, inputs

pytestmark = pytest.mark.adversarial

PROBES = 50
PROBE_TIMEOUT = 2.0
SLOW = 1.0
ALLOWED_SLOW = 2
SCENARIO_SECONDS = 6.0
STREAMS = 8
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def _units(count: int) -> list[scoring_pb2.UnitInput]:
    return [
        inputs.unit(f"u{i}", internal=50 + i % 50, external=60 + i % 40, expert=70)
        for i in range(count)
    ]


def _big_sweep() -> sim.SweepRequest:
    """990 units x 2,001 values = 1,980,990 points: just within the default 2,000,000."""
    axis = sim.SweepAxis(lever="internal", range=sim.AxisRange(start=0, stop=100, step=0.05))
    return sim.SweepRequest(
        ruleset_id="spi-2024",
        units=sim.UnitSelection(inline=sim.InlineUnits(units=_units(990))),
        axes=[axis],
    )


def _heavy_requests() -> list[tuple[str, Any]]:
    many = sim.UnitSelection(inline=sim.InlineUnits(units=_units(250)))
    errors = sim.StandardErrors(units=[sim.ComponentValues(internal=1.5, external=1.0, expert=2.0)])
    uncertainty = sim.EstimateUncertaintyRequest(
        ruleset_id="spi-2024",
        units=many,
        sampling=sim.SamplingInput(standard_errors=errors),
        draws=200_000,
        seed=1,
        certainty=0.9,
    )
    goal = sim.GoalSeekRequest(
        ruleset_id="spi-2024",
        units=sim.UnitSelection(inline=sim.InlineUnits(units=_units(20_000))),
        target=sim.Target(category="terjaga"),
        costs=[sim.LeverCost(lever=lever, cost_per_point=1.0) for lever in ("internal", "expert")],
    )
    score = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=_units(100_000))
    return [("EstimateUncertainty", uncertainty), ("GoalSeek", goal), ("Score", score)]


class Load:
    """Hostile calls started in threads, stopped by :meth:`stop` (release, cancel, join)."""

    def __init__(self, server: harness.Server) -> None:
        self.server = server
        self.release = threading.Event()
        self.calls: list[Any] = []
        self.threads: list[threading.Thread] = []
        self.channels = ExitStack()

    def channel(self) -> grpc.Channel:
        return self.channels.enter_context(self.server.channel())

    def waiting(self, *first: bytes) -> Iterator[bytes]:
        """Request messages: ``first``, then nothing until the load is stopped."""
        yield from first
        self.release.wait(SCENARIO_SECONDS * 3)

    def loop(self, work: Callable[[], None]) -> None:
        def run() -> None:
            while not self.release.is_set():
                work()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self) -> None:
        self.release.set()
        for call in self.calls:
            call.cancel()
        for thread in self.threads:
            thread.join(30)
        self.channels.close()


def idle_reflection(load: Load) -> None:
    for _ in range(STREAMS):
        stream = load.channel().stream_stream(REFLECTION)
        load.calls.append(stream(load.waiting()))


def uploads_without_end(load: Load) -> None:
    start = inputs.survey_upload()[0].SerializeToString()
    for _ in range(STREAMS):
        upload = load.channel().stream_unary(f"/{harness.SERVICE}/ScoreSurvey")
        load.calls.append(upload.future(load.waiting(start), timeout=SCENARIO_SECONDS * 3))


def unread_sweeps(load: Load) -> None:
    request = _big_sweep().SerializeToString()
    for _ in range(STREAMS):
        sweep = load.channel().unary_stream(f"/{harness.SERVICE}/Sweep")
        load.calls.append(sweep(request, timeout=SCENARIO_SECONDS * 3))


def heavy_sweeps(load: Load) -> None:
    request = _big_sweep().SerializeToString()
    for _ in range(4):
        sweep = load.channel().unary_stream(f"/{harness.SERVICE}/Sweep")

        def read_all(sweep: Any = sweep) -> None:
            call = sweep(request, timeout=SCENARIO_SECONDS * 3)
            load.calls.append(call)
            try:
                for _ in call:
                    if load.release.is_set():
                        call.cancel()
            except grpc.RpcError:
                time.sleep(0.05)  # refused (a concurrency limit) or cancelled: no busy loop

        load.loop(read_all)


def cancelled_calls(load: Load) -> None:
    heavy = [(name, request.SerializeToString()) for name, request in _heavy_requests()]
    for k in range(4):
        channel = load.channel()

        def call_and_give_up(k: int = k, channel: grpc.Channel = channel) -> None:
            name, request = heavy[k % len(heavy)]
            with suppress(grpc.RpcError):
                channel.unary_unary(f"/{harness.SERVICE}/{name}")(request, timeout=0.05)

        load.loop(call_and_give_up)


def no_load(load: Load) -> None:
    """The control: probes of a quiet server (shows that the probes themselves are fast)."""


SCENARIOS = {
    "no load (control)": no_load,
    "idle reflection streams": idle_reflection,
    "uploads without end": uploads_without_end,
    "unread sweeps": unread_sweeps,
    "heavy sweeps": heavy_sweeps,
    "cancelled calls": cancelled_calls,
}


def _probe(channel: grpc.Channel, number: int) -> tuple[float, str]:
    """(seconds, outcome) of one probe: a 1-unit Score on even numbers, a health Check on odd."""
    started = time.monotonic()
    if number % 2:
        said = harness.health(channel, timeout=PROBE_TIMEOUT)
        return time.monotonic() - started, said
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[inputs.unit("probe")])
    outcome = harness.invoke(channel, "Score", request, timeout=PROBE_TIMEOUT)
    return time.monotonic() - started, outcome.code


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_score_and_a_health_check_keep_answering(
    scenario: str, spawn: Callable[..., harness.Server]
) -> None:
    counts = harness.tally("stalls")
    server = spawn("--grace", "1")
    load = Load(server)
    latencies: list[float] = []
    failed: list[str] = []
    with server.channel() as channel:
        assert harness.health(channel) == "SERVING"
        try:
            SCENARIOS[scenario](load)
            time.sleep(0.5)  # let the load reach the server
            ends = time.monotonic() + SCENARIO_SECONDS
            while len(latencies) < PROBES and time.monotonic() < ends:
                seconds, said = _probe(channel, len(latencies))
                latencies.append(seconds)
                if said not in ("OK", "SERVING", "DEADLINE_EXCEEDED"):
                    failed.append(said)
        finally:
            load.stop()
    harness.stop(server, wait=3.0)  # nothing is checked after: no need to wait for a drain
    counts.tried += len(latencies)
    slow = sum(s > SLOW for s in latencies) + (PROBES - len(latencies))
    p99 = harness.percentile(latencies, 0.99)
    summary = f"{scenario}: {slow} of {PROBES} probes slow (> {SLOW} s), p99 {p99:.2f} s"
    if slow > ALLOWED_SLOW:
        counts.fail("stalls", summary)
    if failed:
        counts.fail("other", f"{scenario}: probes answered {sorted(set(failed))}")
    if server.events("internal_error"):
        counts.fail("internal", f"{scenario}: {server.events('internal_error')[0]}"[:300])
    assert slow <= ALLOWED_SLOW, summary
    assert not failed, summary


CUT_SHARE = 0.10
"""After a passed deadline the server may spend at most this share of the full work (issue 8)."""
CUT_SLACK = 0.05
"""CPU seconds allowed on top per call: parsing the request, the log lines (not numeric work)."""
IDLE_CPU = 0.02
"""Less CPU than this in 0.3 s: the server is idle (its polling threads take a tick now and then)."""


def _cpu_seconds(server: harness.Server) -> float:
    """User + system CPU time of the server process so far."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settled_cpu(server: harness.Server) -> float:
    """The server's CPU time once it stops growing (its work is done), within 60 s."""
    last, ends = -1.0, time.monotonic() + 60
    while time.monotonic() < ends:
        now = _cpu_seconds(server)
        if now - last < IDLE_CPU:
            return now
        last = now
        time.sleep(0.3)
    return last


def test_work_stops_after_a_passed_deadline(spawn: Callable[..., harness.Server]) -> None:
    """Issue 8 item 6: the CPU a call with a 50 ms deadline costs, against the full call's."""
    counts = harness.tally("deadlines")
    server = spawn("--grace", "1")
    with server.channel() as channel:
        for name, request in _heavy_requests()[:2]:
            data = request.SerializeToString()
            call = channel.unary_unary(f"/{harness.SERVICE}/{name}")
            before = _settled_cpu(server)
            call(data, timeout=120)
            full = _settled_cpu(server) - before
            with suppress(grpc.RpcError):
                call(data, timeout=0.05)
            cut = _settled_cpu(server) - before - full
            counts.tried += 2
            if cut > CUT_SHARE * full + CUT_SLACK:
                counts.fail(
                    "stalls", f"{name}: {cut:.2f} s CPU after a 50 ms deadline, full {full:.2f} s"
                )
    assert counts.failures() == 0, counts.verdict()
