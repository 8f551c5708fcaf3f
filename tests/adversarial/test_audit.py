"""Audit: no answer without its decision record, no credential in any log.

Issue 8 items 10, 12, 13 and 14. Servers with a decision log and a tokens file:

- every decision-logged method, called OK, with bad input, and abandoned mid-stream: every OK
  answer's decision id has a line, a stream's line is on disk when its FIRST message arrives, each
  call has a line (distinct ids per method >= calls), no line says INTERNAL, and an upload the
  client cancels or lets pass its deadline is recorded CANCELLED / DEADLINE_EXCEEDED;
- tokens sent every wrong way (no scheme, another scheme, unknown, not allowed): the secret is in
  no log line and in no error message;
- the decision log deleted, then rotated (renamed) while serving, with SIGHUP after each: every
  OK answer's line is in a file at the log's path (or the rotated one), none in an unlinked file;
- calls cut off when ``--grace`` ends (uploads that never end, a Sweep nobody reads) are recorded.
"""

from __future__ import annotations

import contextlib
import signal
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import Message

from spi.v1 import simulation_pb2 as sim

from . import harness, inputs

pytestmark = pytest.mark.adversarial

ADMIN = "adm1n-0f3c9a7e5d2b4c8a9e1f6d3b7a5c2e4f"
SCORER = "sc0rer-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"
UNKNOWN = "unkn0wn-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
SECRETS = (ADMIN, SCORER, UNKNOWN)
ROUNDS = 2
CUT_OFF = {"UNAVAILABLE", "CANCELLED"}
"""What the line of a call cut off by the end of the grace period may say."""
STREAMED_UNITS = {"Sweep": 200, "Simulate": 12_000, "CompareRulesets": 12_000}
"""Units of the streams whose first message is checked: each answer is several megabytes."""


def _tokens(folder: Path) -> Path:
    path = folder / "tokens.txt"
    path.write_text(f"admin {ADMIN} *\nscorer {SCORER} Score\n", "utf-8")
    return path


def _server(spawn: Callable[..., harness.Server], folder: Path, *extra: str) -> harness.Server:
    folder.mkdir(parents=True, exist_ok=True)
    return spawn(
        "--decision-log",
        str(folder / "decisions.jsonl"),
        "--tokens",
        str(_tokens(folder)),
        "--grace",
        "1",
        *extra,
    )


def _admin() -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {ADMIN}")]


def _streamed(method: str) -> Message:
    """A valid request of a streaming method whose answer (megabytes, in many messages) cannot
    all be sent before the client reads its first message: flow control holds the rest."""
    request = inputs.valid_requests()[method]
    assert isinstance(request, Message)
    copy = type(request)()
    copy.CopyFrom(request)
    units = [inputs.unit(f"u{i}", internal=50 + i % 50) for i in range(STREAMED_UNITS[method])]
    del copy.units.inline.units[:]  # type: ignore[attr-defined]
    copy.units.inline.units.extend(units)  # type: ignore[attr-defined]
    copy.chunk_size = 100  # type: ignore[attr-defined]
    if method == "Sweep":
        axis = sim.SweepAxis(lever="internal", range=sim.AxisRange(start=0, stop=100, step=0.1))
        del copy.axes[:]  # type: ignore[attr-defined]
        copy.axes.append(axis)  # type: ignore[attr-defined]
    return copy


def _bad(method: str) -> Message | list[Message]:
    request = inputs.valid_requests()[method]
    if isinstance(request, list):
        return request[1:]  # an upload without its start
    copy = type(request)()
    copy.CopyFrom(request)
    if method == "ScoreColumns":
        copy.columns.internal = struct.pack("<2d", 101.5, 70.0)  # type: ignore[attr-defined]
        return copy
    units = copy.units if method in ("Score", "Summarize") else copy.units.inline.units  # type: ignore[attr-defined]
    units[0].internal = 101.5
    return copy


def _ids_on_disk(server: harness.Server, *paths: Path) -> set[str]:
    found: set[str] = set()
    for path in paths or (server.decision_log,):
        found |= {line.get("decision_id", "") for line in server.decisions(path)}
    return found


def _first_then_rest(
    channel: grpc.Channel, server: harness.Server, method: str, counts: harness.Tally
) -> str:
    """Read a stream's first message, check its line is already on disk, then read the rest."""
    call = channel.unary_stream(f"/{harness.SERVICE}/{method}")
    stream = call(_streamed(method).SerializeToString(), timeout=30, metadata=_admin())
    _, response_class = harness.message_classes(method)
    first = response_class.FromString(next(stream))
    (decision_id,) = harness.decision_ids(harness.Outcome("OK", responses=[first]))
    if decision_id not in _ids_on_disk(server):
        counts.fail("unrecorded", f"{method}: first message out before decision {decision_id}")
    for _ in stream:
        pass
    return decision_id


def _upload_given_up(channel: grpc.Channel, how: str) -> None:
    """An upload cancelled by the client, or left to pass its deadline, after two messages."""
    upload = inputs.survey_upload()
    release = threading.Event()

    def messages() -> Iterator[bytes]:
        yield upload[0].SerializeToString()
        yield upload[1].SerializeToString()
        release.wait(5)

    call = channel.stream_unary(f"/{harness.SERVICE}/ScoreSurvey")
    future = call.future(messages(), timeout=1.0 if how == "deadline" else 30, metadata=_admin())
    time.sleep(0.5)
    if how == "cancel":
        future.cancel()
    with contextlib.suppress(grpc.RpcError, grpc.FutureCancelledError):
        future.result(timeout=10)
    release.set()


def test_every_answer_has_its_decision_line(
    spawn: Callable[..., harness.Server], tmp_path: Path
) -> None:
    counts = harness.tally("audit")
    server = _server(spawn, tmp_path / "audit")
    calls: Counter[str] = Counter()
    answered: dict[str, str] = {}
    with server.channel() as channel:
        for _ in range(ROUNDS):
            for method in harness.DECIDING:
                for request in (inputs.valid_requests()[method], _bad(method)):
                    outcome = harness.invoke(channel, method, request, metadata=_admin())
                    calls[method] += 1
                    counts.tried += 1
                    for decision_id in harness.decision_ids(outcome) if outcome.ok else ():
                        answered[decision_id] = method
        for method in ("Simulate", "Sweep", "CompareRulesets"):
            answered[_first_then_rest(channel, server, method, counts)] = method
            calls[method] += 1
            counts.tried += 1
        for how in ("cancel", "deadline"):
            _upload_given_up(channel, how)
            calls["ScoreSurvey"] += 1
            counts.tried += 1
    time.sleep(1.0)  # lines of abandoned calls may follow their end
    lines = server.decisions()
    on_disk = {line.get("decision_id") for line in lines}
    for decision_id, method in answered.items():
        if decision_id not in on_disk:
            counts.fail("unrecorded", f"{method} answered OK, no line for {decision_id}")
    for method, made in calls.items():
        recorded = {line.get("decision_id") for line in lines if line.get("method") == method}
        if len(recorded) < made:
            counts.fail("unrecorded", f"{method}: {made} calls, {len(recorded)} decision ids")
    statuses = Counter(line.get("status") for line in lines)
    if statuses["INTERNAL"] or statuses[None]:
        counts.fail("internal", f"decision statuses {dict(statuses)}")
    survey = [line.get("status") for line in lines if line.get("method") == "ScoreSurvey"]
    for wanted in ("CANCELLED", "DEADLINE_EXCEEDED"):
        if wanted not in survey:
            counts.fail("other", f"no ScoreSurvey line {wanted}; got {Counter(survey)}")
    assert counts.failures() == 0, counts.verdict()


WRONG_HEADERS = (
    ("authorization", ADMIN),
    ("authorization", f"Basic {ADMIN}"),
    ("authorization", f"Token {SCORER}"),
    ("authorization", f"Bearer {UNKNOWN}"),
    ("authorization", f"Bearer{ADMIN}"),
    ("authorization", UNKNOWN),
)


def test_no_credential_in_any_log_or_error(
    spawn: Callable[..., harness.Server], tmp_path: Path
) -> None:
    counts = harness.tally("credentials")
    server = _server(spawn, tmp_path / "credentials")
    messages: list[str] = []
    score = inputs.valid_requests()["Score"]
    with server.channel() as channel:
        for header in WRONG_HEADERS:
            for method in ("Score", "Sweep", "ListRulesets"):
                outcome = harness.invoke(
                    channel, method, inputs.valid_requests()[method], metadata=[header]
                )
                counts.tried += 1
                messages.append(outcome.message)
                if outcome.ok:
                    counts.fail("other", f"{method} answered OK with {header[1][:8]}…")
        for method, token in (("Sweep", SCORER), ("Score", SCORER), ("Score", ADMIN)):
            metadata = [("authorization", f"Bearer {token}")]
            outcome = harness.invoke(
                channel,
                method,
                score if method == "Score" else inputs.valid_requests()[method],
                metadata=metadata,
            )
            counts.tried += 1
            messages.append(outcome.message)
    texts = {
        "server log": server.log_path.read_text("utf-8", errors="replace"),
        "decision log": "\n".join(str(line) for line in server.decisions()),
        "error messages": "\n".join(messages),
    }
    for where, text in texts.items():
        for secret in SECRETS:
            if secret in text:
                counts.fail("other", f"a token ({secret[:6]}…) is in the {where}")
    assert counts.failures() == 0, counts.verdict()


def _scores(channel: grpc.Channel, count: int) -> list[str]:
    """OK decision ids of ``count`` Score calls (refusals are fine: nothing unrecorded)."""
    found = []
    for _ in range(count):
        outcome = harness.invoke(
            channel, "Score", inputs.valid_requests()["Score"], metadata=_admin()
        )
        if outcome.ok:
            found.extend(harness.decision_ids(outcome))
    return found


def test_a_deleted_or_rotated_decision_log_loses_no_answer(
    spawn: Callable[..., harness.Server], tmp_path: Path
) -> None:
    counts = harness.tally("log rotation")
    folder = tmp_path / "rotation"
    server = _server(spawn, folder)
    log, rotated = folder / "decisions.jsonl", folder / "decisions.jsonl.1"
    answered: list[str] = []
    with server.channel() as channel:
        _scores(channel, 3)  # into the file deleted next: those lines are gone with it
        log.unlink()
        answered += _scores(channel, 5)
        server.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        answered += _scores(channel, 5)
        if log.exists():
            log.rename(rotated)
        answered += _scores(channel, 5)
        server.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        answered += _scores(channel, 5)
    counts.tried += 20
    on_disk = _ids_on_disk(server, log, rotated)
    for decision_id in answered:
        if decision_id not in on_disk:
            counts.fail("unrecorded", f"Score {decision_id} answered OK; its line is in no file")
    for path in (log, rotated):
        for line in server.decisions(path):
            if "unparsed" in line:
                counts.fail(
                    "other", f"{path.name}: a line that is not JSON: {line['unparsed'][:80]}"
                )
    assert counts.failures() == 0, counts.verdict()


def test_calls_cut_off_by_the_grace_period_are_recorded(
    spawn: Callable[..., harness.Server], tmp_path: Path
) -> None:
    counts = harness.tally("grace cut-off")
    server = _server(spawn, tmp_path / "grace")
    release = threading.Event()
    start = inputs.survey_upload()[0].SerializeToString()

    def endless() -> Iterator[bytes]:
        yield start
        release.wait(30)

    sweep = sim.SweepRequest()
    sweep.CopyFrom(_streamed("Sweep"))  # type: ignore[arg-type]
    with server.channel() as channel:
        uploads = [
            channel.stream_unary(f"/{harness.SERVICE}/ScoreSurvey").future(
                endless(), timeout=30, metadata=_admin()
            )
            for _ in range(2)
        ]
        unread = channel.unary_stream(f"/{harness.SERVICE}/Sweep")(
            sweep.SerializeToString(), timeout=30, metadata=_admin()
        )
        time.sleep(1.0)
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(30)
        release.set()
        for upload in uploads:
            with contextlib.suppress(grpc.RpcError):
                upload.result(timeout=10)
        unread.cancel()
    counts.tried += 3
    lines = server.decisions()
    made = {"ScoreSurvey": (2, CUT_OFF), "Sweep": (1, {*CUT_OFF, "OK"})}
    for method, (count, allowed) in made.items():
        statuses = [line.get("status") for line in lines if line.get("method") == method]
        if len(statuses) < count:
            counts.fail("unrecorded", f"{method}: {count} calls cut off, lines {statuses}")
        if "INTERNAL" in statuses:
            counts.fail("internal", f"{method}: lines {statuses}")
        elif not set(statuses) <= allowed:
            counts.fail("other", f"{method}: cut off, recorded {statuses}")
    assert counts.failures() == 0, counts.verdict()
