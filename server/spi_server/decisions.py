"""The decision log: an append-only JSONL file with one line per decision-logged call.

Those are Score, Summarize and the simulation RPCs (Simulate, GoalSeek, Sensitivity, Sweep,
EstimateUncertainty, CompareRulesets); see ``Method.decides`` in :mod:`spi_server.pipeline`.

Each line is written by ONE ``os.write`` on a file descriptor opened with O_APPEND, under an
exclusive ``flock`` (worker processes of ``--processes`` share the file), then the file is
fsynced before the answer leaves the server (concurrent calls share fsyncs: group commit).
Appends never interleave. A line is at most ``logs.MAX_LINE_BYTES`` bytes (each string in it at
most ``logs.MAX_FIELD_CHARS`` characters; a longer one, such as a caller's 4 MB ruleset id, is
kept as a prefix, its length and its sha256).

**Write errors.** When a write fails or is cut short (ENOSPC, EFBIG, EIO), the file is truncated
back to the end of its last complete line and the call fails (DecisionLogError, UNAVAILABLE):
the log stays valid JSON lines. Only a crash can leave the LAST line cut short; when the file is
opened and its last line is cut, a newline is added first, so the cut line stays alone and
readers can skip it.

**Rotation.** After each group commit's fsync the open file is checked:

- renamed (``mv``, logrotate's default ``create`` mode): lines go on into the renamed file, where
  they are durable, until SIGHUP (:meth:`DecisionLog.reopen`) opens the path again; a warning is
  logged once. Configure logrotate with ``postrotate kill -HUP PID`` (and ``delaycompress`` if
  it compresses). ``copytruncate`` is not needed;
- deleted (no name left, so its lines would be lost): the log is opened again at the same path
  AUTOMATICALLY, the lines not yet known durable are written again into the new file and made
  durable there, then the call answers. This is safer than refusing every call until someone
  sends SIGHUP: no answer leaves unrecorded and service goes on. When the path cannot be opened
  again (its folder is gone, no permission), every decision-logged call fails UNAVAILABLE
  ("decision log ... was deleted and cannot be opened again") rather than answer unrecorded,
  until the path can be opened (each call tries again) or SIGHUP succeeds.

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

import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from . import logs
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
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_KEEP = ("decision_id", "time", "method", "status")
"""Fields a line never shortens (short by construction)."""

Writer = Callable[[int, bytes], int]
"""How a line is written: ``os.write`` (tests inject faults here)."""


class Digest(Protocol):
    """A hash already taken (e.g. over the messages of a stream)."""

    def hexdigest(self) -> str: ...


def _sha256(data: bytes | Digest) -> str:
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else data.hexdigest()


class DecisionLog:
    """An open decision log. Thread-safe: each line is one atomic append, durable on return.

    Group commit: a caller whose line was already covered by another thread's fsync (one that
    started after its write) returns without an fsync of its own, so concurrent calls share
    fsyncs while every call still returns only once its line is on disk, in a file that still
    has a name. Lines appended but not yet known durable are kept in memory (``_pending``) until
    then, to be written again if the file turns out deleted.
    """

    def __init__(self, path: str, min_free_bytes: int = 0, writer: Writer = os.write) -> None:
        self.path = path
        self._write = writer
        self._fd = _open(path, min_free_bytes)
        self._cut_line = False
        self._write_lock = threading.Lock()
        """guards the descriptor, the counters and the pending lines"""
        self._sync_lock = threading.Lock()
        """one fsync (or reopen) at a time; taken before ``_write_lock`` when both are"""
        self._written = 0
        self._synced = 0
        self._pending: list[tuple[int, bytes]] = []
        self._renamed_noted = False

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append one line and make it durable; DecisionLogError when that cannot be done."""
        data = (logs.bounded_json(dict(entry), _ENCODER, keep=_KEEP) + "\n").encode()
        with self._write_lock:
            self._append(self._fd, b"\n" + data if self._cut_line else data)
            self._cut_line = False
            self._written += 1
            mine = self._written
            self._pending.append((mine, data))
        try:
            self._sync(mine)
        except DecisionLogError:
            # The call is refused: its line is not written again into a new file later.
            with self._write_lock:
                self._pending = [p for p in self._pending if p[0] != mine]
            raise

    def reopen(self) -> bool:
        """Open the path again (SIGHUP after a rotation); True when it was a different file.

        Lines already appended stay where they are (made durable first), or, when that file
        was deleted, are written again into the new one. DecisionLogError when the path cannot
        be opened: the current file stays.
        """
        with self._sync_lock, self._write_lock:
            if _identity_of_path(self.path) == _identity(self._fd):
                return False
            self._switch()
            return True

    def close(self) -> None:
        """Close the file; a later record fails (DecisionLogError), never writes elsewhere."""
        with self._sync_lock, self._write_lock:
            if self._fd >= 0:
                os.close(self._fd)
            self._fd = -1  # not a number a file opened later may reuse

    def _append(self, fd: int, data: bytes) -> None:
        """One write under the file lock; on failure the file is cut back to where it ended."""
        if fd < 0:
            raise DecisionLogError(f"decision log {self.path}: closed (the server is stopping)")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                end = os.fstat(fd).st_size
                written = self._write_all_or_cut(fd, data, end)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError as error:
            raise DecisionLogError(
                f"decision log {self.path}: cannot append ({error.strerror})"
            ) from None
        if written != len(data):
            raise DecisionLogError(
                f"decision log {self.path}: wrote {written} of {len(data)} bytes "
                "(the disk is full?); the partial line was removed"
            )

    def _write_all_or_cut(self, fd: int, data: bytes, end: int) -> int:
        """Write ``data``; when that fails or is cut short, truncate the file back to ``end``."""
        try:
            written = self._write(fd, data)
        except OSError:
            self._cut_back(fd, end)
            raise
        if written != len(data):
            self._cut_back(fd, end)
        return written

    def _cut_back(self, fd: int, end: int) -> None:
        """Remove a partial line; if even that fails, the next line starts on a new line."""
        try:
            os.ftruncate(fd, end)
        except OSError as error:
            self._cut_line = True
            logs.event(
                "decision_log_partial_line",
                logging.ERROR,
                path=self.path,
                error=error.strerror,
                detail="a cut line stays in the file; the next line starts on a new line",
            )

    def _sync(self, line: int) -> None:
        """Make line number ``line`` durable, unless a later fsync already did.

        The check for a deleted or renamed file comes AFTER the fsync, so no deletion can slip
        between the check and the answer unnoticed.
        """
        with self._sync_lock:
            if self._synced >= line:
                return
            with self._write_lock:
                fd, covered = self._fd, self._written
            self._fsync(fd)
            if self._deleted(fd):
                with self._write_lock:
                    self._switch()
                    covered = self._written
            else:
                self._note_renamed(fd)
            self._synced = covered
            with self._write_lock:
                self._pending = [p for p in self._pending if p[0] > covered]

    def _switch(self) -> None:
        """Open the path again (both locks held); move the pending lines when the file is gone.

        On success every line appended so far is durable in a file with a name. On failure
        (DecisionLogError) nothing changed: the next call tries again.
        """
        old = self._fd
        self._fsync(old)
        deleted = self._deleted(old)
        moved = len(self._pending) if deleted else 0
        try:
            new = _open(self.path, 0)
        except DecisionLogError as error:
            if not deleted:
                raise
            raise DecisionLogError(
                f"decision log {self.path} was deleted and cannot be opened again ({error}); "
                "the call is refused rather than answered unrecorded"
            ) from None
        try:
            if moved:
                self._append(new, b"".join(data for _, data in self._pending))
            self._fsync(new)
        except BaseException:
            os.close(new)
            raise
        self._fd = new
        os.close(old)
        self._synced, self._pending, self._renamed_noted = self._written, [], False
        logs.event(
            "decision_log_reopened",
            logging.WARNING if deleted else logging.INFO,
            path=self.path,
            previous_file="deleted" if deleted else "renamed",
            lines_written_again=moved,
        )

    def _fsync(self, fd: int) -> None:
        try:
            os.fsync(fd)
        except OSError as error:
            raise DecisionLogError(
                f"decision log {self.path}: cannot make lines durable ({error.strerror})"
            ) from None

    def _deleted(self, fd: int) -> bool:
        """True when the open file has no name left (its lines would be lost with it).

        A file the path still names is never taken for deleted, whatever links it reports.
        """
        return _links(fd) == 0 and _identity_of_path(self.path) != _identity(fd)

    def _note_renamed(self, fd: int) -> None:
        """Warn once when the path no longer names the open file (it was renamed)."""
        if self._renamed_noted or _identity_of_path(self.path) == _identity(fd):
            return
        self._renamed_noted = True
        logs.event(
            "decision_log_renamed",
            logging.WARNING,
            path=self.path,
            detail="lines go on into the renamed file until SIGHUP opens the path again",
        )


def _identity(fd: int) -> tuple[int, int]:
    """(device, inode) of an open file."""
    stat = os.fstat(fd)
    return stat.st_dev, stat.st_ino


def _links(fd: int) -> int:
    """How many names an open file has: 0 once it was deleted."""
    return os.fstat(fd).st_nlink


def _identity_of_path(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None when there is none."""
    try:
        stat = os.stat(path)
    except OSError:  # gone, or its folder no longer readable: not the open file either way
        return None
    return stat.st_dev, stat.st_ino


def _open(path: str, min_free_bytes: int) -> int:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
    except OSError as error:
        raise DecisionLogError(
            f"decision log {path}: cannot open for appending ({error.strerror})"
        ) from None
    try:
        _check_free_space(fd, path, min_free_bytes)
        fcntl.flock(fd, fcntl.LOCK_EX)  # another worker process may be appending a line
        try:
            _end_cut_line(fd, path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
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
