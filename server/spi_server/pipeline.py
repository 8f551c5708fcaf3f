"""What every spi.v1.SpiEngine call goes through, around its handler, in one place.

    bytes in ─▶ gate (refuse while draining) ─▶ caller (auth) ─▶ heavy-call limits ─▶ parse
          ─▶ handler (in a worker thread, or inline) ─▶ serialise ─▶ decision log (methods
          with ``decides``) ─▶ bytes out or a status ─▶ metrics, access log

The server is ``grpc.aio``: one event loop per process does the transport (reading, writing,
health, reflection, auth, limits), and the numeric work runs in a bounded thread pool (light or
heavy, see :mod:`spi_server.limits`), so an idle, slow or unread stream holds no thread and
cannot delay anyone else. **Inline calls** are the exception: a unary method whose work its
request bytes bound (:attr:`Method.inline_bytes`: Score, ScoreColumns, Summarize, ListRulesets,
GetRuleset) is answered on the loop itself when its request is that small, which saves the hop
to a worker thread and back (most of a 1-unit Score's cost). The bounds keep such an answer near
1 ms, so it delays the calls behind it on the loop no more than that; the deadline is checked
before the work as in a worker; with a decision log, the line is written in a worker thread (its
fsync joins the group commit and never holds the loop). Handlers are registered with raw bytes
in and out, so that garbage request bytes become an INVALID_ARGUMENT (not a crash) and the
decision log hashes exactly the bytes on the wire. The per-call steps take plain values, not gRPC objects:
:meth:`Pipeline.run` is one call on any transport (gate, auth, limits, deadline, decision log,
metrics, access log) and :meth:`Pipeline.unary_body`, :meth:`Pipeline.stream_body` and
:meth:`Pipeline.upload_body` the work of each kind of method on request bytes. The gRPC door
below and the HTTP door (:mod:`spi_server.http_door`, Connect protocol) both call them.

**Three kinds of method**, the same pipeline around each (:attr:`Method.kind`):

- ``UNARY``: ``handler(request, call) -> response``.
- ``SERVER_STREAM``: ``handler(request, call) -> Iterable[response]`` of bounded messages. The
  messages are built and serialised in the worker thread (the deadline and cancellation checked
  before each), hashed, and the decision recorded, all **before the first message is sent**: a
  stream whose decision cannot be recorded sends no data and ends UNAVAILABLE, and an error while
  building the stream sends no data either. Each message must then be taken by the caller within
  ``--stream-write-timeout`` (else DEADLINE_EXCEEDED); the gate is held until the last one is
  sent, so a drain lets the stream finish within the grace period.
- ``CLIENT_STREAM``: ``handler(requests, call) -> response``, where ``requests`` is an iterator
  of parsed request messages. The upload is received on the loop first (at most
  ``--stream-idle-timeout`` between messages, at most ``--max-upload-bytes`` in all), then the
  handler reads it in a worker thread; garbage bytes in any message become INVALID_ARGUMENT.
  A method with ``upload`` (:class:`Upload`: ``add`` each message, then ``finish``) is read as
  it arrives instead: each message in a worker while the loop receives the next (never a worker
  waiting for bytes); its first error is raised once the whole upload came, so the limits,
  the status and the decision's request hash are those of the received-first reading.

**Deadlines and cancellation reach the numeric work.** A call's deadline is the caller's, or
``--max-call-seconds`` when sooner. The handler runs with :func:`spi_engine.cancel.checking`
installed, so the engine's long computations stop at their next block once the deadline passed
or the caller cancelled; :meth:`Call.check_time` does the same for handlers.

**Decision log.** A call is recorded once: after its handler (unary, client stream), before its
first message (server stream), or when it is cancelled (CANCELLED), its deadline passes
(DEADLINE_EXCEEDED) or the drain's grace period ends under it (UNAVAILABLE). The line's
``request_sha256``/``response_sha256`` of a stream are taken over the stream's messages as gRPC
frames them, uncompressed: for each message one zero byte, its length as a 4-byte big-endian
number, then its bytes. A unary side is hashed as its bare bytes. A server stream the caller
stops reading after its decision was recorded keeps its recorded decision (the access log and
metrics show the CANCELLED or DEADLINE_EXCEEDED delivery).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, TypeVar

import grpc
from google.protobuf.message import DecodeError, Message

from spi_engine import __version__ as engine_version
from spi_engine.cancel import checking
from spi_engine.errors import LimitExceededError

from . import decisions, logs, status
from .auth import ANONYMOUS, Tokens, authorize, certificate_name
from .decisions import DecisionLog
from .errors import CancelledError, DeadlineExceededError, MalformedRequestError, ShuttingDownError
from .limits import HeavyCalls, Settings
from .metrics import Metrics, ruleset_label

Handler = Callable[[Any, "Call"], Any]
RawHandler = Callable[..., Any]
T = TypeVar("T")

UNARY = "unary"
SERVER_STREAM = "server_stream"
CLIENT_STREAM = "client_stream"
KINDS = (UNARY, SERVER_STREAM, CLIENT_STREAM)
DEADLINE_SLACK = 0.1
"""seconds: gRPC may end a call at its deadline a little before this process's clock reaches it,
so a call the transport ends this close to its deadline is DEADLINE_EXCEEDED, not CANCELLED"""


@dataclass(frozen=True)
class Method:
    """One RPC: its name, request class, handler, kind; ``decides`` = decision-logged;
    ``heavy`` = runs in the heavy pool under the heavy-call limits (see spi_server.limits)."""

    name: str
    request_type: type[Message]
    handler: Handler
    decides: bool = False
    kind: str = UNARY
    heavy: bool = False
    inline_bytes: int = 0
    """unary requests up to this many bytes are answered on the event loop itself, without the
    hop to a worker thread: only for methods whose work is bounded by their request bytes (see
    :meth:`Pipeline.run`); 0: always in a worker thread"""
    upload: Callable[[Call], Upload] | None = None
    """CLIENT_STREAM only, optional: the upload read as it arrives, each message in a worker
    while the next one is received (``handler`` is then not called)"""


class Upload(Protocol):
    """A client stream read message by message: ``add`` each (in order), then ``finish``."""

    def add(self, message: Any) -> None: ...

    def finish(self) -> Message: ...


@dataclass
class Call:
    """One call as its handler sees it; the handler notes the ruleset and unit count here."""

    method: str
    caller: str = ANONYMOUS
    decision_id: str = ""
    ruleset: tuple[str, str] = ("", "")
    units: int = 0
    door: str = "grpc"
    """the transport it came through: "grpc", or "http" (the Connect door), for the access log"""
    deadline: float | None = None
    """time.monotonic() by which the work must be done (None: no limit)"""
    deadline_source: str = "the caller's deadline"
    inline: bool = False
    """answered on the event loop (see :meth:`Pipeline.run`), not in a worker thread"""
    _reference: str = field(default="", repr=False)
    _stopped: BaseException | None = field(default=None, repr=False)
    _recorded: bool = field(default=False, repr=False)

    @property
    def reference(self) -> str:
        """A short random id of this call for the log, made when first asked for (on errors)."""
        if not self._reference:
            self._reference = os.urandom(6).hex()
        return self._reference

    def check_time(self) -> None:
        """Stop work the caller no longer waits for: its deadline passed or it cancelled."""
        if self._stopped is not None:
            raise self._stopped
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise self.expired()

    def stop(self, reason: BaseException) -> None:
        """Make the next :meth:`check_time` (in any thread) raise ``reason``."""
        if self._stopped is None:
            self._stopped = reason

    def expired(self) -> DeadlineExceededError:
        return DeadlineExceededError(f"{self.method}: {self.deadline_source} passed")

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def claim_record(self) -> bool:
        """True the first time only: a call is decision-logged once, whoever gets there first."""
        with _RECORD_LOCK:
            first, self._recorded = not self._recorded, True
            return first


_RECORD_LOCK = threading.Lock()
"""one lock for every call's :meth:`Call.claim_record` (held for two assignments)"""


def new_decision_id() -> str:
    """A random (version 4) UUID as text, from os.urandom like :func:`uuid.uuid4`: unique and
    unguessable, an audit id. The random bytes are drawn 4 KiB at a time (os.urandom lets go of
    the GIL, which the event loop would then have to win back for each call)."""
    raw = bytearray(_RANDOM.take(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _RandomBytes:
    """os.urandom drawn ahead, handed out once each; a forked child draws its own."""

    BLOCK = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)

    def take(self, size: int) -> bytes:
        with self._lock:
            if self._at + size > len(self._block):
                self._block, self._at = os.urandom(self.BLOCK), 0
            start, self._at = self._at, self._at + size
            return self._block[start : self._at]

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._block, self._at = b"", 0


_RANDOM = _RandomBytes()


class Frames:
    """sha256 of a stream of messages as gRPC frames them (see the module docstring)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, data: bytes) -> bytes:
        self._hash.update(b"\x00" + len(data).to_bytes(4, "big") + data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class Gate:
    """Counts calls in flight; once closed, refuses new ones (the server is draining).

    Entering and leaving cost one plain lock each (every call does both, on the event loop);
    :meth:`wait_idle`, called only while stopping and in tests, looks every few milliseconds.
    A call counts itself before it looks at the gate, so once :meth:`close` has returned, a
    call is either counted or refused, never let in unseen by :meth:`wait_idle`.
    """

    POLL_SECONDS = 0.002

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = True
        self.busy = 0
        self.sending = 0
        """gRPC calls not done yet: a call's answer is still being written after its handler
        has left the gate (:meth:`send_begins`, :meth:`send_ends`)"""

    def enter(self) -> None:
        with self._lock:
            self.busy += 1
            if self._open:
                return
            self.busy -= 1
        raise ShuttingDownError("the server is shutting down; retry on another instance")

    def leave(self) -> None:
        with self._lock:
            self.busy -= 1

    def __enter__(self) -> None:
        self.enter()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.leave()

    def close(self) -> None:
        with self._lock:
            self._open = False

    def send_begins(self) -> None:
        with self._lock:
            self.sending += 1

    def send_ends(self, _context: object = None) -> None:
        """A gRPC call is done: its last batch (answer and status) is in the kernel's send
        buffer, or the call was cancelled. A ``ServicerContext.add_done_callback`` callback."""
        with self._lock:
            self.sending -= 1

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is in flight; False when ``timeout`` seconds pass first."""
        return self._wait(lambda: self.busy, timeout)

    def wait_sent(self, timeout: float) -> bool:
        """Wait until every gRPC call is done, its answer written; False when ``timeout``
        seconds pass first."""
        return self._wait(lambda: self.sending, timeout)

    def _wait(self, count: Callable[[], int], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while count():
            if time.monotonic() >= deadline:
                return False
            time.sleep(self.POLL_SECONDS)
        return True


@dataclass
class Pipeline:
    """The per-call concerns shared by every method."""

    gate: Gate
    metrics: Metrics
    tokens: Tokens | None = None
    mutual_tls: bool = False
    decision_log: DecisionLog | None = None
    access_log: bool = True
    settings: Settings = field(default_factory=Settings)
    loaded: Callable[[], Collection[tuple[str, str]]] = lambda: ()
    """(id, sha256) of the loaded rulesets: the only ruleset ids used as metric labels"""
    cut_off: bool = False
    """set when the drain's grace period ended: calls stopped from now on are UNAVAILABLE"""
    _meters: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)
    _labels: dict[tuple[str, str], tuple[Any, str]] = field(
        default_factory=dict, init=False, repr=False
    )
    _pools: dict[bool, futures.ThreadPoolExecutor] = field(
        default_factory=dict, init=False, repr=False
    )
    _heavy: HeavyCalls = field(init=False, repr=False)
    _jobs: int = field(default=0, init=False, repr=False)
    _jobs_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.metrics.working.set_function(lambda: self._jobs)
        self._heavy = HeavyCalls(
            self.settings.max_heavy_per_caller, self.settings.max_heavy_per_method
        )
        self._pools[False] = futures.ThreadPoolExecutor(self.settings.workers, "spi-call")
        self._pools[True] = futures.ThreadPoolExecutor(self.settings.heavy_workers, "spi-heavy")

    def close(self, wait: bool = False) -> None:
        """Stop the worker threads (work still running stops at its next check); ``wait``: until
        they have."""
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=True)

    def rpc_handler(self, method: Method) -> grpc.RpcMethodHandler:
        """The gRPC (aio) handler of ``method``, for its kind (raw bytes in and out)."""
        raw = self.wrap(method)
        if method.kind == SERVER_STREAM:
            return grpc.unary_stream_rpc_method_handler(raw)
        if method.kind == CLIENT_STREAM:
            return grpc.stream_unary_rpc_method_handler(raw)
        return grpc.unary_unary_rpc_method_handler(raw)

    def wrap(self, method: Method) -> RawHandler:
        """The raw-bytes coroutine function of ``method``."""
        if method.kind not in KINDS:
            raise ValueError(f"method {method.name}: unknown kind {method.kind!r}")
        if method.kind == SERVER_STREAM:
            return self._server_stream(method)
        if method.kind == CLIENT_STREAM:
            return self._client_stream(method)
        return self._unary(method)

    # -- the transport-neutral steps ------------------------------------------------------------

    def begin(self, method: Method, time_remaining: float | None) -> tuple[Call, float]:
        """A new call to ``method``, counted, with its deadline (``time_remaining`` seconds of
        the caller's, or ``--max-call-seconds``, whichever comes first)."""
        self._labelled(self.metrics.requests, method.name).inc()
        call = Call(method.name)
        if method.decides:
            call.decision_id = new_decision_id()
        now = time.monotonic()
        limit = self.settings.max_call_seconds
        if time_remaining is not None and time_remaining <= limit:
            call.deadline = now + max(0.0, time_remaining)
        else:
            call.deadline = now + limit
            call.deadline_source = (
                f"the server's time limit per call ({limit:g} s, --max-call-seconds)"
            )
        return call, time.perf_counter()

    def inline(self, method: Method, size: int) -> bool:
        """Whether a light call to ``method`` with ``size`` request bytes is answered on the
        event loop: a unary method whose work its request bytes bound, within its bound."""
        return method.kind == UNARY and size <= method.inline_bytes and self.settings.inline

    async def work(self, heavy: bool, call: Call, job: Callable[[], T]) -> T:
        """``job()`` with ``call.check_time`` as the engine's check: in the light or heavy pool,
        or here on the event loop when the call is inline (its deadline checked first all the
        same)."""
        if call.inline:
            return _job(call, job)

        def run() -> T:
            with self._jobs_lock:
                self._jobs += 1
            try:
                return _job(call, job)
            finally:
                with self._jobs_lock:
                    self._jobs -= 1

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pools[heavy], run)

    def decided(
        self,
        method: Method,
        call: Call,
        request: Any,
        produce: Callable[[], tuple[T, Any]],
    ) -> T:
        """``produce()`` -> (result, response digest), then the decision recorded (in a worker)."""
        result: T | None = None
        response: Any = None
        error: Exception | None = None
        try:
            result, response = produce()
        except Exception as caught:
            error = caught
        error = self.record(method, call, (request, response), error)
        if error is not None:
            raise error
        return result  # type: ignore[return-value]  # produce() returned when error is None

    def record(
        self, method: Method, call: Call, digests: tuple[Any, Any], error: Exception | None
    ) -> Exception | None:
        """Decision-log the call once; a failure to record turns a success into an error."""
        if method.decides and self.decision_log is not None and call.claim_record():
            return self._decide(self.decision_log, call, digests, error)
        return error

    def stopped_by_transport(self, call: Call) -> Exception:
        """Why a call's task was cancelled: grace period over, deadline passed, or the caller."""
        if self.cut_off:
            reason: Exception = ShuttingDownError(
                f"{call.method}: cut off when the server's grace period for draining ended"
            )
        elif call.deadline is not None and time.monotonic() >= call.deadline - DEADLINE_SLACK:
            reason = call.expired()
        else:
            reason = CancelledError(f"{call.method}: the caller cancelled the call")
        call.stop(reason)
        return reason

    def finish(self, method: Method, call: Call, started: float, error: Exception | None) -> None:
        """Metrics and the access log of a finished call."""
        seconds = time.perf_counter() - started
        self._labelled(self.metrics.duration, method.name).observe(seconds)
        self._report(call, error, seconds)

    async def run(
        self,
        method: Method,
        call: Call,
        started: float,
        identify: Callable[[], None],
        size: int,
        request: Any,
        body: Callable[[Call, bool], Awaitable[T]],
    ) -> T:
        """One call on any transport: inside the gate, the caller identified (``identify`` sets
        ``call.caller`` or raises), under the heavy-call limits when heavy, ``body`` within the
        call's deadline, recorded, reported. A failed call raises its error (already recorded
        and reported): the transport turns it into its own status with
        :func:`spi_server.status.status_of`.

        A light call that :meth:`inline` allows runs ``body`` on the event loop: its work has
        nothing to wait for, so it needs no timer (unless it waits for its decision line to be
        written in a worker); :meth:`work` checks its deadline first."""
        error: Exception | None = None
        try:
            self.gate.enter()
            try:
                identify()
                if method.heavy or size > self.settings.light_request_bytes:
                    with self._heavy.held(method.name, call.caller):
                        async with asyncio.timeout(call.remaining()):
                            return await body(call, True)
                call.inline = self.inline(method, size)
                if call.inline and not self.records(method):
                    return await body(call, False)
                async with asyncio.timeout(call.remaining()):
                    return await body(call, False)
            finally:
                self.gate.leave()
        except TimeoutError:
            error = call.expired()
            call.stop(error)
        except asyncio.CancelledError:
            error = self.stopped_by_transport(call)
            self.record(method, call, (request, None), error)
            raise
        except Exception as caught:
            error = caught
        finally:
            if error is not None:
                call.stop(error)
                error = self.record(method, call, (request, None), error) or error
            self.finish(method, call, started, error)
        assert error is not None  # each way out of the try without a return set it
        raise error

    # -- the gRPC door --------------------------------------------------------------------------

    async def _serve(
        self,
        method: Method,
        context: grpc.aio.ServicerContext,
        size: int,
        request: Any,
        body: Callable[[Call, bool], Awaitable[T]],
    ) -> T:
        """One gRPC call through :meth:`run`; its error aborts the call with its status. The
        gate counts the call as sending until gRPC has written its answer."""
        self.gate.send_begins()
        context.add_done_callback(self.gate.send_ends)
        call, started = self.begin(method, context.time_remaining())

        def identify() -> None:
            self._authenticate(context, call)

        try:
            return await self.run(method, call, started, identify, size, request, body)
        except Exception as error:
            await context.abort_with_status(status.status_of(error, call.reference))
            raise  # not reached: abort_with_status raises

    def unary_body(self, method: Method, data: bytes) -> Callable[[Call, bool], Awaitable[bytes]]:
        """The work of a unary call on request bytes: parse, handle, serialise, decide."""

        async def body(call: Call, heavy: bool) -> bytes:
            def produce() -> tuple[bytes, bytes]:
                answer = method.handler(_parse(method.request_type, data), call)
                response: bytes = answer.SerializeToString()
                return response, response

            if call.inline and self.records(method):
                return await self._decided_inline(method, call, data, produce)
            return await self.work(heavy, call, lambda: self.decided(method, call, data, produce))

        return body

    def records(self, method: Method) -> bool:
        """Whether calls to ``method`` are written to the decision log."""
        return method.decides and self.decision_log is not None

    async def _decided_inline(
        self, method: Method, call: Call, request: Any, produce: Callable[[], tuple[T, Any]]
    ) -> T:
        """:meth:`decided` for an inline call: ``produce()`` here on the loop, the decision
        recorded in a worker thread (its fsync shared with other calls' by the decision log's
        group commit, and never holding the loop), before the answer leaves."""
        result: T | None = None
        response: Any = None
        error: Exception | None = None
        try:
            result, response = _job(call, produce)
        except Exception as caught:
            error = caught
        loop = asyncio.get_running_loop()
        digests = (request, response)
        error = await loop.run_in_executor(
            self._pools[False], self.record, method, call, digests, error
        )
        if error is not None:
            raise error
        return result  # type: ignore[return-value]  # produce() returned when error is None

    def stream_body(
        self, method: Method, data: bytes
    ) -> Callable[[Call, bool], Awaitable[list[bytes]]]:
        """The work of a server stream on request bytes: every message, decided, to be sent."""

        async def body(call: Call, heavy: bool) -> list[bytes]:
            def produce() -> tuple[list[bytes], Frames]:
                frames = Frames()
                messages = method.handler(_parse(method.request_type, data), call)
                return [frames.add(m.SerializeToString()) for m in _checked(messages, call)], frames

            return await self.work(heavy, call, lambda: self.decided(method, call, data, produce))

        return body

    def upload_body(
        self,
        method: Method,
        requests: AsyncIterator[bytes],
        frames: Frames,
        received: Callable[[], Awaitable[None]] | None = None,
    ) -> Callable[[Call, bool], Awaitable[bytes]]:
        """The work of a client stream: receive the upload (limits applied), ``received()``
        (the transport's last look for a cancellation), handle, decide. With ``method.upload``
        each message is parsed and read in a worker while the next one is received."""

        async def body(call: Call, heavy: bool) -> bytes:
            if method.upload is not None:
                finish = await self._read_as_received(
                    method, method.upload, requests, call, frames, heavy
                )
            else:
                chunks = [data async for data in self._receive(requests, call, frames)]

                def finish() -> Message:
                    answer: Message = method.handler(
                        _parsed(chunks, method.request_type, call), call
                    )
                    return answer

            if received is not None:
                await received()

            def produce() -> tuple[bytes, bytes]:
                response: bytes = finish().SerializeToString()
                return response, response

            return await self.work(heavy, call, lambda: self.decided(method, call, frames, produce))

        return body

    async def _read_as_received(
        self,
        method: Method,
        start: Callable[[Call], Upload],
        requests: AsyncIterator[bytes],
        call: Call,
        frames: Frames,
        heavy: bool,
    ) -> Callable[[], Message]:
        """Each message of the upload read by an :class:`Upload` (made by ``start`` in the first
        worker) in a worker, one at a time, while the loop receives the next: no worker waits for
        bytes. The first error stops the reading, not the receiving: it is raised once the whole
        upload came, as when the handler reads a received upload, so the limits, the timeouts,
        the error and the decision's request hash are the same."""
        reader: list[Upload] = []
        failed: list[Exception] = []
        pending: asyncio.Task[None] | None = None

        def step(data: bytes) -> None:
            if not reader:
                reader.append(start(call))
            reader[0].add(_parse(method.request_type, data))

        async def settle(task: asyncio.Task[None]) -> None:
            try:
                await task
            except Exception as error:
                failed.append(error)

        try:
            async for data in self._receive(requests, call, frames):
                if pending is not None:
                    await settle(pending)
                    pending = None
                if not failed:
                    job = functools.partial(step, data)
                    pending = asyncio.ensure_future(self.work(heavy, call, job))
            if pending is not None:
                await settle(pending)
                pending = None
        finally:
            if pending is not None:
                pending.cancel()

        def finish() -> Message:
            if failed:
                raise failed[0]
            if not reader:
                reader.append(start(call))
            return reader[0].finish()

        return finish

    def _unary(self, method: Method) -> RawHandler:
        async def handle(data: bytes, context: grpc.aio.ServicerContext) -> bytes:
            return await self._serve(
                method, context, len(data), data, self.unary_body(method, data)
            )

        return handle

    def _server_stream(self, method: Method) -> RawHandler:
        async def handle(data: bytes, context: grpc.aio.ServicerContext) -> None:
            messages = self.stream_body(method, data)

            async def body(call: Call, heavy: bool) -> None:
                for message in await messages(call, heavy):
                    await self._write(context, message, call)

            await self._serve(method, context, len(data), data, body)

        return handle

    def _client_stream(self, method: Method) -> RawHandler:
        async def handle(
            requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext
        ) -> bytes:
            frames = Frames()
            body = self.upload_body(method, requests, frames, lambda: _not_cancelled(context))
            return await self._serve(method, context, 0, frames, body)

        return handle

    async def _write(self, context: grpc.aio.ServicerContext, message: bytes, call: Call) -> None:
        timeout = self.settings.stream_write_timeout
        try:
            async with asyncio.timeout(timeout):
                await context.write(message)
        except TimeoutError:
            raise DeadlineExceededError(
                f"{call.method}: the caller took no message for {timeout:g} s "
                "(--stream-write-timeout)"
            ) from None
        except asyncio.CancelledError:
            raise
        except Exception:  # the transport refused the message: the call is over
            raise CancelledError(f"{call.method}: the caller is gone; the stream stopped") from None

    async def _receive(
        self, requests: AsyncIterator[bytes], call: Call, frames: Frames
    ) -> AsyncIterator[bytes]:
        """Each message of an upload as it comes (hashed), with the idle and size limits."""
        timeout, limit = self.settings.stream_idle_timeout, self.settings.max_upload_bytes
        total = 0
        iterator = aiter(requests)
        while True:
            try:
                async with asyncio.timeout(timeout):
                    data = await anext(iterator)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise DeadlineExceededError(
                    f"{call.method}: no message came for {timeout:g} s (--stream-idle-timeout)"
                ) from None
            total += len(data)
            if total > limit:
                raise LimitExceededError("upload bytes (--max-upload-bytes)", limit, total)
            yield frames.add(data)

    def _authenticate(self, context: grpc.aio.ServicerContext, call: Call) -> None:
        """Name the caller (its name is kept even when it may not call the method)."""
        if self.tokens is not None:
            token = self.tokens.identify(context.invocation_metadata())
            call.caller = token.name
            authorize(token, call.method)
        elif self.mutual_tls:
            call.caller = certificate_name(context.auth_context())

    # -- records and reports ----------------------------------------------------------------------

    def _labelled(self, metric: Any, *values: str) -> Any:
        """``metric.labels(*values)``, kept (prometheus_client returns the same child anyway)."""
        key = (metric, *values)
        child = self._meters.get(key)
        if child is None:
            child = self._meters[key] = metric.labels(*values)
        return child

    def _ruleset_label(self, ruleset: tuple[str, str]) -> str:
        """:func:`ruleset_label` over the rulesets loaded now, kept while they stay loaded."""
        loaded = self.loaded()
        kept = self._labels.get(ruleset)
        if kept is not None and kept[0] is loaded:
            return kept[1]
        if len(self._labels) >= LABELS_KEPT:
            self._labels.clear()
        label = self._labels[ruleset] = (loaded, ruleset_label(ruleset, loaded))
        return label[1]

    def _decide(
        self,
        log: DecisionLog,
        call: Call,
        digests: tuple[Any, Any],
        error: Exception | None,
    ) -> Exception | None:
        """Record the decision; a failure to record turns a success into an error."""
        request, response = digests
        line = decisions.entry(
            decision_id=call.decision_id,
            method=call.method,
            caller=call.caller,
            ruleset=call.ruleset,
            engine_version=engine_version,
            units=call.units,
            request=request,
            response=response if error is None else None,
            status=status.code_of(error).name if error is not None else "OK",
            message=status.message_of(error, call.reference) if error else "",
        )
        try:
            log.record(line)
        except Exception as failure:
            logs.event(
                "decision_log_failed",
                logging.ERROR,
                error=str(failure),
                decision_id=call.decision_id,
            )
            return error or failure
        return error

    def _report(self, call: Call, error: Exception | None, seconds: float) -> None:
        code = "OK" if error is None else status.code_of(error).name
        if error is not None:
            self._labelled(self.metrics.errors, call.method, code).inc()
        elif call.units:
            label = self._ruleset_label(call.ruleset)
            self._labelled(self.metrics.units, call.method, label).inc(call.units)
        if error is not None and code == "INTERNAL":
            _log_internal(call, error)
        if self.access_log or error is not None:
            logs.call(
                logging.INFO if code in _QUIET_CODES else logging.WARNING,
                call.method,
                call.door,
                call.caller,
                code,
                round(seconds * 1000, 3),
                call.units,
                call.ruleset[0],
                call.decision_id,
                status.message_of(error, call.reference) if error else "",
            )


LABELS_KEPT = 256
"""(ruleset ids, sha256s) whose metric label is kept; callers choose variants, so it is bounded"""
_QUIET_CODES = frozenset({"OK", "INVALID_ARGUMENT", "NOT_FOUND", "CANCELLED"})


def _log_internal(call: Call, error: Exception) -> None:
    logs.LOGGER.error(
        "internal_error",
        exc_info=(type(error), error, error.__traceback__),
        extra={
            "fields": {
                "method": call.method,
                "caller": call.caller,
                "reference": call.reference,
                "decision_id": call.decision_id,
            }
        },
    )


UPLOAD_END_WAIT = 0.05
"""seconds: a caller that cancels an upload ends its request stream too, and gRPC may report the
end a moment before the cancellation; the pipeline waits this long before taking the end as the
upload's, so that a cancelled upload is CANCELLED, not an incomplete upload (INVALID_ARGUMENT)"""


async def _not_cancelled(context: grpc.aio.ServicerContext) -> None:
    await asyncio.sleep(UPLOAD_END_WAIT)  # a cancellation arriving now cancels this task
    if context.cancelled():
        raise asyncio.CancelledError


def _job(call: Call, job: Callable[[], T]) -> T:
    """``job()`` unless the call is already over, with its deadline check installed."""
    call.check_time()
    with checking(call.check_time):
        return job()


def _checked(responses: Iterable[Message], call: Call) -> Iterator[Message]:
    """The handler's messages, the deadline and cancellation checked before each one."""
    for message in responses:
        call.check_time()
        yield message


def _parsed(chunks: Iterable[bytes], request_type: type[Message], call: Call) -> Iterator[Message]:
    """Parsed request messages, the deadline checked before each one."""
    for data in chunks:
        call.check_time()
        yield _parse(request_type, data)


def _parse(request_type: type[Message], data: bytes) -> Message:
    try:
        return request_type.FromString(data)
    except DecodeError as error:
        raise MalformedRequestError(
            f"the request bytes are not a {request_type.DESCRIPTOR.full_name} message ({error})"
        ) from None
