"""What keeps one call, or one caller, from taking the server: heavy-call limits and timeouts.

Two thread pools run the numeric work (but for the small inline calls of
spi_server.pipeline.Method.inline_bytes, answered on the event loop): ``--workers`` threads for
light calls (ListRulesets, GetRuleset, ValidateRuleset, ListDatasets, SurveyProgress, and Score or
Summarize requests up to ``--light-request-bytes``) and ``--heavy-workers`` threads for heavy
ones (Simulate, GoalSeek, Sensitivity, Sweep, EstimateUncertainty, CompareRulesets,
ScoreSurvey, and larger Score or Summarize requests). Heavy calls therefore never delay a light
one by taking its thread; they queue for the heavy pool instead, and that queue is bounded: a
caller may have ``--max-heavy-per-caller`` heavy calls in progress (running or queued) and each
heavy method ``--max-heavy-per-method``; one more is refused at once with RESOURCE_EXHAUSTED
naming the limit (retry later, or spread the work).

Streams are bounded in time: ``--stream-idle-timeout`` between two messages of an upload,
``--stream-write-timeout`` for the caller to take one message of a server stream, and
``--max-call-seconds`` for the whole call (the caller's own deadline wins when it is sooner).
An upload is received on the event loop (at most ``--max-upload-bytes``); its numeric work runs
in a worker only for a message already received, so a slow or silent uploader holds no thread,
only its bytes.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from spi_engine.errors import LimitExceededError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """The flags of this module, with their defaults."""

    workers: int = 4
    heavy_workers: int = 2
    light_request_bytes: int = 64 * 1024
    max_heavy_per_caller: int = 8
    max_heavy_per_method: int = 8
    stream_idle_timeout: float = 30.0
    stream_write_timeout: float = 30.0
    max_call_seconds: float = 600.0
    max_upload_bytes: int = 512 * MIB
    inline: bool = True
    """answer small light calls on the event loop (see spi_server.pipeline.Method.inline_bytes);
    False: every call in a worker thread"""


class HeavyCalls:
    """Counts heavy calls in progress per caller and per method; refuses one past a limit."""

    def __init__(self, per_caller: int, per_method: int) -> None:
        self.per_caller = per_caller
        self.per_method = per_method
        self._lock = threading.Lock()
        self._callers: Counter[str] = Counter()
        self._methods: Counter[str] = Counter()

    @contextlib.contextmanager
    def held(self, method: str, caller: str) -> Iterator[None]:
        """One heavy call of ``caller`` to ``method`` for the duration of the ``with`` block."""
        with self._lock:
            if self._methods[method] >= self.per_method:
                raise LimitExceededError(
                    f"heavy {method} calls in progress (--max-heavy-per-method)",
                    self.per_method,
                    self._methods[method] + 1,
                )
            if self._callers[caller] >= self.per_caller:
                raise LimitExceededError(
                    f"heavy calls in progress for caller {caller!r} (--max-heavy-per-caller)",
                    self.per_caller,
                    self._callers[caller] + 1,
                )
            self._methods[method] += 1
            self._callers[caller] += 1
        try:
            yield
        finally:
            with self._lock:
                self._methods[method] -= 1
                self._callers[caller] -= 1
                self._methods += Counter()  # drop the zeros: the dicts stay as small as the load
                self._callers += Counter()

    def in_progress(self) -> int:
        with self._lock:
            return sum(self._methods.values())
