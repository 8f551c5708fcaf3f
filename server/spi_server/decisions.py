"""The decision log: an append-only JSONL file with one line per decision-logged call.

Those are Score, Summarize and the simulation RPCs (Simulate, GoalSeek, Sensitivity, Sweep,
EstimateUncertainty, CompareRulesets); see ``Method.decides`` in :mod:`spi_server.pipeline`.

Each line is written by ONE ``os.write`` on a file descriptor opened with O_APPEND, then the file
is fsynced before the answer leaves the server (concurrent calls share fsyncs: group commit). Appends never interleave, and a crash (of the
process or the machine) can at worst leave the LAST line cut short: earlier lines are never
touched. When the file is opened and its last line is cut, a newline is added first, so the cut
line stays alone and readers can skip it.

Problems are found at start, not later: a path that cannot be opened for appending, or a disk
with less free space than asked for, raises DecisionLogError and the server refuses to start.

A line::

    {"decision_id": "...", "time": "2026-...Z", "method": "Score", "caller": "planning-bot",
     "ruleset_id": "spi-2024", "ruleset_sha256": "...", "engine_version": "0.1.0", "units": 1,
     "request_sha256": "...", "response_sha256": "...", "status": "OK"}

A failed call is recorded too: its ``status`` is the code name, ``response_sha256`` is null and
``message`` says why.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from .errors import DecisionLogError

FIELDS = (
    "decision_id",
    "time",
    "method",
    "caller",
    "ruleset_id",
    "ruleset_sha256",
    "engine_version",
    "units",
    "request_sha256",
    "response_sha256",
    "status",
)


class Digest(Protocol):
    """A hash already taken (e.g. over the messages of a stream)."""

    def hexdigest(self) -> str: ...


def _sha256(data: bytes | Digest) -> str:
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else data.hexdigest()


class DecisionLog:
    """An open decision log. Thread-safe: each line is one atomic append, durable on return.

    Group commit: a caller whose line was already covered by another thread's fsync (one that
    started after its write) returns without an fsync of its own, so concurrent calls share
    fsyncs while every call still returns only once its line is on disk.
    """

    def __init__(self, path: str, min_free_bytes: int = 0) -> None:
        self.path = path
        self._fd = _open(path, min_free_bytes)
        self._cut_line = False
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0
        self._synced = 0

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append one line and make it durable; DecisionLogError when the disk refuses."""
        data = (json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
        try:
            with self._write_lock:
                if self._cut_line:
                    data = b"\n" + data
                written = os.write(self._fd, data)
                self._cut_line = written != len(data)
                self._written += 1
                mine = self._written
            if written == len(data):
                self._sync(mine)
        except OSError as error:
            raise DecisionLogError(
                f"decision log {self.path}: cannot append ({error.strerror})"
            ) from None
        if written != len(data):
            raise DecisionLogError(
                f"decision log {self.path}: wrote {written} of {len(data)} bytes"
            )

    def _sync(self, line: int) -> None:
        """fsync unless a later fsync already covered line number ``line``."""
        with self._sync_lock:
            if self._synced >= line:
                return
            covered = self._written
            os.fsync(self._fd)
            self._synced = covered

    def close(self) -> None:
        os.close(self._fd)


def _open(path: str, min_free_bytes: int) -> int:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
    except OSError as error:
        raise DecisionLogError(
            f"decision log {path}: cannot open for appending ({error.strerror})"
        ) from None
    try:
        _check_free_space(fd, path, min_free_bytes)
        _end_cut_line(fd, path)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_free_space(fd: int, path: str, min_free_bytes: int) -> None:
    stats = os.fstatvfs(fd)
    free = stats.f_bavail * stats.f_frsize
    if free < min_free_bytes:
        raise DecisionLogError(
            f"decision log {path}: expected at least {min_free_bytes // 2**20} MiB free on its disk; "
            f"got {free // 2**20} MiB (free some space or lower --decision-log-min-free-mb)"
        )


def _end_cut_line(fd: int, path: str) -> None:
    """Add a newline when the file ends in a line a crash cut short."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    with open(path, "rb") as reader:
        reader.seek(size - 1)
        last = reader.read(1)
    if last != b"\n":
        os.write(fd, b"\n")


def entry(
    *,
    decision_id: str,
    method: str,
    caller: str,
    ruleset: tuple[str, str],
    engine_version: str,
    units: int,
    request: bytes | Digest,
    response: bytes | Digest | None,
    status: str,
    message: str = "",
) -> dict[str, Any]:
    """One decision line as a dict (``ruleset`` is (id, sha256); sha256 may be empty).

    ``request`` and ``response`` are the bytes on the wire, or a Digest already taken over a
    stream of messages (see :mod:`spi_server.pipeline`).
    """
    line: dict[str, Any] = {
        "decision_id": decision_id,
        "time": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "method": method,
        "caller": caller,
        "ruleset_id": ruleset[0],
        "ruleset_sha256": ruleset[1] or None,
        "engine_version": engine_version,
        "units": units,
        "request_sha256": _sha256(request),
        "response_sha256": _sha256(response) if response is not None else None,
        "status": status,
    }
    if message:
        line["message"] = message
    return line
