"""Ways to load a server that must not stall it, shared by bench/stalls.py and the tests.

Each abuse opens ``n`` calls on its own channel and keeps them open until :meth:`Abuse.close`:

- ``reflection``: reflection streams (v1 and v1alpha, no token needed) that never send a request;
- ``uploads``: ScoreSurvey uploads that send one message and never their end;
- ``unread``: large Sweeps that nobody reads;
- ``heavy``: a mix of heavy calls within the limits (large Sweeps read to the end, GoalSeek and
  EstimateUncertainty over many units, Monte Carlo draws), started again as each one ends.

:func:`probe` then times a 1-unit Score and a health Check against the same server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from spi.v1 import engine_pb2, scoring_pb2, survey_pb2
from spi.v1 import simulation_pb2 as pb

KINDS = ("reflection", "uploads", "unread", "heavy")
UNIT = {"internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59}
SCORE = engine_pb2.ScoreRequest(
    ruleset_id="spi-2024",
    units=[scoring_pb2.UnitInput(**UNIT)],  # type: ignore[arg-type]
).SerializeToString()
HEALTH = health_pb2.HealthCheckRequest(service="spi.v1.SpiEngine").SerializeToString()


def units(n: int) -> pb.UnitSelection:
    """``n`` inline units spread over the index range."""
    made = [
        scoring_pb2.UnitInput(
            unit_id=f"u{i}",
            internal=50 + (i * 7) % 45,
            external=55 + (i * 11) % 40,
            expert=60 + (i * 13) % 35,
            correction=(i % 9) * 0.9,
        )
        for i in range(n)
    ]
    return pb.UnitSelection(inline=pb.InlineUnits(units=made))


def sweep(n_units: int = 100, step: float = 0.01) -> bytes:
    """A Sweep of ``n_units`` x (100 / step + 1) grid points."""
    return pb.SweepRequest(
        ruleset_id="spi-2024",
        units=units(n_units),
        axes=[pb.SweepAxis(lever="internal", range=pb.AxisRange(start=0, stop=100, step=step))],
    ).SerializeToString()


def goal_seek(n_units: int = 2000) -> bytes:
    return pb.GoalSeekRequest(
        ruleset_id="spi-2024", units=units(n_units), target=pb.Target(category="terjaga")
    ).SerializeToString()


def uncertainty(n_units: int = 200, draws: int = 100_000) -> bytes:
    errors = pb.ComponentValues(internal=1.5, external=1.2, expert=2.0)
    return pb.EstimateUncertaintyRequest(
        ruleset_id="spi-2024",
        units=units(n_units),
        sampling=pb.SamplingInput(standard_errors=pb.StandardErrors(units=[errors])),
        draws=draws,
        seed=1,
    ).SerializeToString()


@dataclass
class Abuse:
    """Calls kept open on their own channel until :meth:`close`."""

    kind: str
    channel: grpc.Channel
    release: threading.Event = field(default_factory=threading.Event)
    calls: list[Any] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def close(self) -> None:
        self.release.set()
        for call in self.calls:
            call.cancel()
        for thread in self.threads:
            thread.join(30)
        self.channel.close()


def start(kind: str, target: str, n: int = 8) -> Abuse:
    """Open ``n`` calls of abuse ``kind`` against ``target`` (host:port)."""
    options = [("grpc.max_receive_message_length", -1)]
    abuse = Abuse(kind, grpc.insecure_channel(target, options=options))
    opener: Callable[[Abuse, int], None] = OPENERS[kind]
    for i in range(n):
        opener(abuse, i)
    return abuse


def _silent(abuse: Abuse) -> Iterator[bytes]:
    """A request stream that sends nothing until released."""
    abuse.release.wait(600)
    yield from ()


def _reflection(abuse: Abuse, i: int) -> None:
    version = "v1" if i % 2 else "v1alpha"
    method = f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"
    abuse.calls.append(abuse.channel.stream_stream(method)(_silent(abuse)))


def survey_upload(respondents: int = 80, chunk_rows: int = 40) -> list[bytes]:
    """A whole valid ScoreSurvey upload (start, chunks, end) of a small synthetic survey."""
    import spi_engine.survey as sv
    from spi_client.survey_client import population_entries
    from spi_engine.api.survey_messages import score_requests

    instrument = sv.bundled_instrument()
    survey = sv.generate(instrument, institutions=2, respondents=respondents, seed=5)
    columns, table = survey.columns, survey.population
    responses = sv.responses_from_columns(
        instrument,
        respondent_ids=columns["respondent_id"],
        unit_ids=columns["unit_id"],
        groups=columns["group"],
        answers={item: columns[item] for item in instrument.item_ids},
        sub_unit_ids=columns["sub_unit_id"],
    )
    population = sv.population_from_columns(
        table["unit_id"],
        table["group"],
        table["population"],
        sampled=table["sampled"],
        sub_unit_ids=table["sub_unit_id"],
    )
    start = survey_pb2.ScoreSurveyStart(
        instrument_id=instrument.id,
        ruleset_id="spi-2024",
        population=population_entries(population),
    )
    return [m.SerializeToString() for m in score_requests(start, responses, chunk_rows)]


def _silent_upload(abuse: Abuse, upload: list[bytes]) -> Iterator[bytes]:
    yield from upload[:-1]  # all but the end message
    abuse.release.wait(600)


def _upload(abuse: Abuse, i: int) -> None:
    upload = survey_upload()
    call = abuse.channel.stream_unary("/spi.v1.SpiEngine/ScoreSurvey").future(
        _silent_upload(abuse, upload)
    )
    abuse.calls.append(call)


def _unread(abuse: Abuse, i: int) -> None:
    abuse.calls.append(abuse.channel.unary_stream("/spi.v1.SpiEngine/Sweep")(sweep()))


def _heavy(abuse: Abuse, i: int) -> None:
    method, request = [
        ("Sweep", sweep()),
        ("GoalSeek", goal_seek()),
        ("EstimateUncertainty", uncertainty()),
    ][i % 3]
    streaming = method == "Sweep"

    def again() -> None:
        while not abuse.release.is_set():
            path = f"/spi.v1.SpiEngine/{method}"
            try:
                if streaming:
                    for _ in abuse.channel.unary_stream(path)(request, timeout=120):
                        if abuse.release.is_set():
                            break
                else:
                    abuse.channel.unary_unary(path)(request, timeout=120)
            except grpc.RpcError:
                time.sleep(0.1)

    thread = threading.Thread(target=again, name=f"heavy-{i}", daemon=True)
    thread.start()
    abuse.threads.append(thread)


OPENERS: dict[str, Callable[[Abuse, int], None]] = {
    "reflection": _reflection,
    "uploads": _upload,
    "unread": _unread,
    "heavy": _heavy,
}


def probe(channel: grpc.Channel, timeout: float = 5.0) -> tuple[float, float]:
    """Seconds taken by a 1-unit Score and by a health Check (each raises past ``timeout``)."""
    started = time.perf_counter()
    channel.unary_unary("/spi.v1.SpiEngine/Score")(SCORE, timeout=timeout)
    scored = time.perf_counter()
    channel.unary_unary("/grpc.health.v1.Health/Check")(HEALTH, timeout=timeout)
    return scored - started, time.perf_counter() - scored
