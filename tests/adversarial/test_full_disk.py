"""A full decision-log disk: calls refused UNAVAILABLE, none answered unrecorded, no partial line.

Issue 8 items 10 and 14. The decision log lives on a 2 MiB tmpfs mounted for the test (root
only: without permission to mount, the test is skipped and says so). A filler file leaves about
FREE_BYTES free; then Score calls, with a chunked Sweep every SWEEP_EVERY calls, run until well
past the point where the disk is full:

- a call the log cannot record is refused UNAVAILABLE (never INTERNAL, never OK);
- every OK answer's decision id is in the log; a Sweep never delivers data and then fails;
- once the filler is removed, Score answers again, and every line of the log is whole JSON
  (a line cut by ENOSPC is truncated away, not left in the middle of the file).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from spi.v1 import engine_pb2
from spi.v1 import simulation_pb2 as sim

from . import harness, inputs

pytestmark = pytest.mark.adversarial

FREE_BYTES = 12 * 1024
CALLS = 80
SWEEP_EVERY = 8


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted at teardown; the test is skipped when mount is not permitted."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"full-disk class skipped: cannot mount a tmpfs ({mounted.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(disk: Path) -> Path:
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    filler = disk / "filler"
    with open(filler, "wb") as out:
        out.write(b"\0" * max(free - FREE_BYTES, 0))
    return filler


def _sweep(channel: grpc.Channel, counts: harness.Tally) -> harness.Outcome:
    """A chunked Sweep; data followed by an error is an answer without its record."""
    request = inputs.valid_requests()["Sweep"]
    assert isinstance(request, sim.SweepRequest)
    request.chunk_size = 5
    stream = channel.unary_stream(f"/{harness.SERVICE}/Sweep")(
        request.SerializeToString(), timeout=30
    )
    received: list[sim.SweepResponse] = []
    try:
        received.extend(sim.SweepResponse.FromString(data) for data in stream)
    except grpc.RpcError as error:
        outcome = harness.outcome_of(error)
        if any(r.HasField("points") for r in received):
            counts.fail("unrecorded", f"Sweep delivered data, then ended {outcome.code}")
        return outcome
    return harness.Outcome("OK", responses=list(received))


def _judge(outcome: harness.Outcome, counts: harness.Tally, answered: list[str]) -> None:
    counts.tried += 1
    if outcome.ok:
        answered.extend(harness.decision_ids(outcome))
    elif outcome.code in ("INTERNAL", "UNKNOWN"):
        counts.fail("internal", f"{outcome.code} {outcome.message[:200]}")
    elif outcome.code != "UNAVAILABLE":
        counts.fail("other", f"refused {outcome.code}, not UNAVAILABLE: {outcome.message[:200]}")


def test_a_full_decision_log_disk_refuses_and_leaves_whole_lines(
    small_disk: Path, spawn: Callable[..., harness.Server]
) -> None:
    counts = harness.tally("full disk")
    log = small_disk / "decisions.jsonl"
    server = spawn("--decision-log", str(log), "--decision-log-min-free-mb", "0", "--grace", "1")
    answered: list[str] = []
    score = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[inputs.unit("full-disk")])
    with server.channel() as channel:
        filler = _fill(small_disk)
        for number in range(CALLS):
            if number % SWEEP_EVERY == SWEEP_EVERY - 1:
                _judge(_sweep(channel, counts), counts, answered)
            else:
                _judge(harness.invoke(channel, "Score", score), counts, answered)
        refused = counts.tried - len(answered)
        if refused == 0:
            counts.fail("other", "the disk never filled: no call was refused")
        filler.unlink()
        after = [harness.invoke(channel, "Score", score) for _ in range(5)]
        for outcome in after:
            _judge(outcome, counts, answered)
        if not any(outcome.ok for outcome in after):
            counts.fail("other", f"no Score answered once space was freed: {after[-1].code}")
    lines = server.decisions(log)
    recorded = {line.get("decision_id") for line in lines}
    for decision_id in answered:
        if decision_id not in recorded:
            counts.fail("unrecorded", f"OK answer {decision_id} has no line")
    for line in lines:
        if "unparsed" in line:
            counts.fail("other", f"a partial line stays in the log: {line['unparsed'][:60]!r}")
    if log.exists() and log.stat().st_size and not log.read_bytes().endswith(b"\n"):
        counts.fail("other", "the log ends in a partial line")
    assert counts.failures() == 0, counts.verdict()
