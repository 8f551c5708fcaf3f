"""Long caller-chosen strings (10 kB and 1 MB): refused, memory and log lines bounded.

Issue 8 items 7 and 11. Every caller-chosen id or name below is sent at 10,000 and 1,000,000
characters to a server of its own with a decision log. Each call must be refused with
INVALID_ARGUMENT or NOT_FOUND (ids and names have a documented length limit; an unknown id may be
NOT_FOUND); its error message and details stay under MAX_ERROR_BYTES. Afterwards:

- the server's peak RSS grew by at most 20 x the largest request + MEMORY_CONSTANT;
- no line of the server log or of the decision log is longer than MAX_LINE_BYTES;
- the server still answers a Score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from google.protobuf.message import Message

from spi.v1 import simulation_pb2 as sim

from . import harness, inputs

pytestmark = pytest.mark.adversarial

LENGTHS = (10_000, 1_000_000)
MAX_LINE_BYTES = 64 * 1024
"""A log line may quote a caller's string only cut short (issue 8 asks for a bounded line; any
bound up to 64 KiB passes)."""
MAX_ERROR_BYTES = 64 * 1024
MEMORY_CONSTANT = 64 * 2**20
REFUSALS = {"INVALID_ARGUMENT", "NOT_FOUND"}


def _with(
    method: str, change: Callable[[Message, str], None]
) -> Callable[[str], Message | list[Message]]:
    def build(text: str) -> Message | list[Message]:
        request = inputs.valid_requests()[method]
        if isinstance(request, list):
            change(request[0], text)  # the upload: the start or first chunk is changed
            return request
        change(request, text)
        return request

    return build


def _survey_with_id(text: str) -> list[Message]:
    return inputs.survey_upload(respondent_id=text)


CASES: dict[str, tuple[str, Callable[[str], Message | list[Message]]]] = {
    "Score ruleset_id": ("Score", _with("Score", lambda r, t: setattr(r, "ruleset_id", t))),
    "Score unit_id": ("Score", _with("Score", lambda r, t: setattr(r.units[0], "unit_id", t))),
    "Score group": ("Score", _with("Score", lambda r, t: setattr(r.units[0], "group", t))),
    "GetRuleset ruleset_id": (
        "GetRuleset",
        _with("GetRuleset", lambda r, t: setattr(r, "ruleset_id", t)),
    ),
    "Simulate variant id": (
        "Simulate",
        _with("Simulate", lambda r, t: setattr(r.scenario.variant, "id", t)),
    ),
    "Simulate intervention unit_ids": (
        "Simulate",
        _with("Simulate", lambda r, t: r.scenario.interventions[0].unit_ids.append(t)),
    ),
    "GoalSeek target category": (
        "GoalSeek",
        _with("GoalSeek", lambda r, t: r.target.CopyFrom(sim.Target(category=t))),
    ),
    "Sensitivity lever": ("Sensitivity", _with("Sensitivity", lambda r, t: r.levers.append(t))),
    "Sweep dataset name": (
        "Sweep",
        _with(
            "Sweep",
            lambda r, t: r.units.CopyFrom(sim.UnitSelection(dataset=sim.DatasetUnits(dataset=t))),
        ),
    ),
    "CompareRulesets old id": (
        "CompareRulesets",
        _with("CompareRulesets", lambda r, t: setattr(r.old, "id", t)),
    ),
    "ScoreSurvey instrument_id": (
        "ScoreSurvey",
        _with("ScoreSurvey", lambda r, t: setattr(r.start, "instrument_id", t)),
    ),
    "ScoreSurvey respondent id": ("ScoreSurvey", _survey_with_id),
}


def _size(request: Message | list[Message]) -> int:
    items = request if isinstance(request, list) else [request]
    return sum(m.ByteSize() for m in items)


def _long_lines(path: Path | None) -> list[int]:
    if path is None or not path.exists():
        return []
    with open(path, "rb") as lines:
        return [len(line) for line in lines if len(line) > MAX_LINE_BYTES]


def test_long_ids_and_names_are_refused_with_memory_and_logs_bounded(
    spawn: Callable[..., harness.Server], tmp_path: Path
) -> None:
    counts = harness.tally("long strings")
    server = spawn("--decision-log", str(tmp_path / "decisions.jsonl"))
    largest = 0
    with server.channel() as channel:
        for method, build in CASES.values():  # warm-up: every method once, normal size
            harness.invoke(channel, method, build("x"), timeout=60)
        baseline = server.memory_kib("VmHWM") * 1024
        for label, (method, build) in CASES.items():
            for length in LENGTHS:
                request = build("id-" + "x" * length)
                largest = max(largest, _size(request))
                outcome = harness.invoke(channel, method, request, timeout=60)
                counts.tried += 1
                example = f"{label} ({length:,} chars): {outcome.code} {outcome.message[:120]}"
                if outcome.code in ("INTERNAL", "UNKNOWN"):
                    counts.fail("internal", example)
                elif outcome.code not in REFUSALS:
                    counts.fail("other", f"not refused: {example}")
                elif len(outcome.message.encode()) + outcome.details_bytes > MAX_ERROR_BYTES:
                    counts.fail("other", f"error of {outcome.details_bytes:,} bytes: {example}")
                if not server.alive():
                    counts.fail("other", f"the server died: {example}")
                    break
        if server.alive():
            grown = server.memory_kib("VmHWM") * 1024 - baseline
            if grown > 20 * largest + MEMORY_CONSTANT:
                counts.fail(
                    "other", f"peak RSS grew by {grown / 2**20:.0f} MiB (request {largest:,} B)"
                )
            after = harness.invoke(channel, "Score", inputs.valid_requests()["Score"])  # type: ignore[arg-type]
            if not after.ok:
                counts.fail("other", f"Score after the long strings: {after.code}")
    for path in (server.log_path, server.decision_log):
        for length in _long_lines(path):
            counts.fail("other", f"{path.name if path else ''}: a line of {length:,} bytes")
    assert counts.failures() == 0, counts.verdict()
