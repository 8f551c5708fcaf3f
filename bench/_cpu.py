"""CPU seconds a server process spends on a call, read from /proc (Linux), for bench and tests."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def settled(pid: int, quiet: float = 0.05, every: float = 0.5, limit: float = 120.0) -> float:
    """CPU seconds of ``pid`` once it used less than ``quiet`` s of CPU in ``every`` s of time."""
    deadline = time.monotonic() + limit
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(every)
        now = cpu_seconds(pid)
        if now - last < quiet:
            return now
        last = now
    raise TimeoutError(f"process {pid} kept working for {limit} s")


def spent(pid: int, call: Callable[[], object]) -> float:
    """CPU seconds ``pid`` spends on ``call()`` and whatever work it leaves running."""
    before = settled(pid)
    with contextlib.suppress(Exception):  # a call past its deadline raises; its CPU counts
        call()
    return settled(pid) - before
