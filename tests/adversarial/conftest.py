"""Fixtures of the fault-and-abuse suite, and the per-class table printed at the end of the run.

- ``shared_server``: one ``spi-server`` subprocess (decision log on) for the classes that only
  send requests (garbage, numbers, wrong numbers).
- ``spawn``: a factory of further servers with their own flags, stopped at teardown.

The table lists, per class, the inputs tried and the INTERNAL answers, wrong numbers, stalls,
unrecorded answers and other failures (a refusal that does not name the field, a log line past
its bound, ...). Each test asserts its own counts are 0; the table shows them all in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.adversarial import harness


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    folder = tmp_path_factory.mktemp("adversarial-shared")
    running = harness.launch(folder, "--decision-log", str(folder / "decisions.jsonl"))
    yield running
    harness.stop(running)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., harness.Server]]:
    """``spawn("--flag", "value", ...)`` -> a running server in its own folder under tmp_path."""
    started: list[harness.Server] = []

    def start(*args: str) -> harness.Server:
        running = harness.launch(tmp_path / f"server-{len(started)}", *args)
        started.append(running)
        return running

    yield start
    for running in started:
        harness.stop(running)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not harness.TALLIES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault-and-abuse suite (tests/adversarial)")
    header = ("class", "tried", "INTERNAL", "wrong numbers", "stalls", "unrecorded", "other")
    widths = (22, 7, 9, 14, 7, 11, 6)
    write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for name, counts in sorted(harness.TALLIES.items()):
        row = (
            name,
            counts.tried,
            counts.internal,
            counts.wrong,
            counts.stalls,
            counts.unrecorded,
            counts.other,
        )
        write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    failing = [(n, c) for n, c in sorted(harness.TALLIES.items()) if c.failures()]
    for name, counts in failing:
        for example in counts.examples:
            write(f"  {name}: {example}")
