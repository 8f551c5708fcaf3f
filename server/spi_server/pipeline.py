"""What every spi.v1.SpiEngine call goes through, around its handler, in one place.

    bytes in ─▶ gate (refuse while draining) ─▶ caller (auth) ─▶ parse ─▶ handler ─▶ serialise
          ─▶ decision log (methods with ``decides``) ─▶ metrics, access log ─▶ bytes out or a status

Handlers are registered with raw bytes in and out, so that garbage request bytes become an
INVALID_ARGUMENT (not a crash) and the decision log hashes exactly the bytes on the wire.

**Three kinds of method**, the same pipeline around each (:attr:`Method.kind`):

- ``UNARY``: ``handler(request, call) -> response``.
- ``SERVER_STREAM``: ``handler(request, call) -> Iterable[response]``. The handler should do its
  work (and raise its errors) before it returns, and return a lazy iterable (a generator) of
  bounded messages; the pipeline checks the deadline and cancellation before each message and
  holds the gate until the last message is sent, so a drain lets the stream finish within the
  grace period. An error after the first message ends the stream with that error's status.
- ``CLIENT_STREAM``: ``handler(requests, call) -> response``, where ``requests`` is an iterator
  of parsed request messages; it checks the deadline and cancellation before each one, and
  garbage bytes in any of them become INVALID_ARGUMENT.

To add a client-streaming RPC (for example ``ScoreSurvey``): declare it in the proto as
``rpc ScoreSurvey(stream ScoreSurveyRequest) returns (ScoreSurveyResponse)``, write
``def score_survey(self, requests: Iterator[ScoreSurveyRequest], call: Call) -> ScoreSurveyResponse``
(set ``call.units`` and ``call.ruleset`` as it learns them), and list it with
``Method("ScoreSurvey", ScoreSurveyRequest, self.score_survey, decides=True, kind=CLIENT_STREAM)``;
:meth:`Pipeline.rpc_handler` registers each kind with the right gRPC handler.

**Decision log of a stream.** The line is written after the handler's last message (before the
call's OK status leaves), and its ``request_sha256``/``response_sha256`` are taken over the
stream's messages as gRPC frames them, uncompressed: for each message one zero byte, its length
as a 4-byte big-endian number, then its bytes. A unary side is hashed as its bare bytes. A stream
the caller abandons is recorded as CANCELLED.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message

from spi_engine import __version__ as engine_version

from . import decisions, logs, status
from .auth import ANONYMOUS, Tokens, authorize, certificate_name
from .decisions import DecisionLog
from .errors import CancelledError, DeadlineExceededError, MalformedRequestError, ShuttingDownError
from .metrics import Metrics

Handler = Callable[[Any, "Call"], Any]
RawHandler = Callable[[Any, grpc.ServicerContext], Any]

UNARY = "unary"
SERVER_STREAM = "server_stream"
CLIENT_STREAM = "client_stream"
KINDS = (UNARY, SERVER_STREAM, CLIENT_STREAM)


@dataclass(frozen=True)
class Method:
    """One RPC: its name, request message class, handler, kind; ``decides`` = decision-logged."""

    name: str
    request_type: type[Message]
    handler: Handler
    decides: bool = False
    kind: str = UNARY


@dataclass
class Call:
    """One call as its handler sees it; the handler notes the ruleset and unit count here."""

    method: str
    context: grpc.ServicerContext | None = None
    caller: str = ANONYMOUS
    decision_id: str = ""
    ruleset: tuple[str, str] = ("", "")
    units: int = 0
    _reference: str = field(default="", repr=False)

    @property
    def reference(self) -> str:
        """A short random id of this call for the log, made when first asked for (on errors)."""
        if not self._reference:
            self._reference = uuid.uuid4().hex[:12]
        return self._reference

    def check_time(self) -> None:
        """Stop work the caller no longer waits for: its deadline passed or it cancelled."""
        if self.context is None or self.context.is_active():
            return
        remaining = self.context.time_remaining()
        if remaining is not None and remaining <= 0:
            raise DeadlineExceededError(f"{self.method}: the caller's deadline passed")
        raise CancelledError(f"{self.method}: the caller cancelled the call")


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
    """Counts calls in flight; once closed, refuses new ones (the server is draining)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._open = True
        self.busy = 0

    def __enter__(self) -> None:
        with self._condition:
            if not self._open:
                raise ShuttingDownError("the server is shutting down; retry on another instance")
            self.busy += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._condition:
            self.busy -= 1
            if self.busy == 0:
                self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self._open = False

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is in flight; False when ``timeout`` seconds pass first."""
        with self._condition:
            return self._condition.wait_for(lambda: self.busy == 0, timeout)


@dataclass
class Pipeline:
    """The per-call concerns shared by every method."""

    gate: Gate
    metrics: Metrics
    tokens: Tokens | None = None
    mutual_tls: bool = False
    decision_log: DecisionLog | None = None
    access_log: bool = True
    _meters: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)
    """labelled metric children by label values: ``labels()`` costs more than a dict lookup"""

    def rpc_handler(self, method: Method) -> grpc.RpcMethodHandler:
        """The gRPC handler of ``method``, for its kind (raw bytes in and out)."""
        raw = self.wrap(method)
        if method.kind == SERVER_STREAM:
            return grpc.unary_stream_rpc_method_handler(raw)
        if method.kind == CLIENT_STREAM:
            return grpc.stream_unary_rpc_method_handler(raw)
        return grpc.unary_unary_rpc_method_handler(raw)

    def wrap(self, method: Method) -> RawHandler:
        """The raw-bytes handler of ``method``."""
        if method.kind not in KINDS:
            raise ValueError(f"method {method.name}: unknown kind {method.kind!r}")
        if method.kind == SERVER_STREAM:
            return self._server_stream(method)
        if method.kind == CLIENT_STREAM:
            return self._client_stream(method)
        return self._unary(method)

    def _labelled(self, metric: Any, *values: str) -> Any:
        """``metric.labels(*values)``, kept (prometheus_client returns the same child anyway)."""
        key = (metric, *values)
        child = self._meters.get(key)
        if child is None:
            child = self._meters[key] = metric.labels(*values)
        return child

    def _begin(self, method: Method, context: grpc.ServicerContext) -> tuple[Call, float]:
        self._labelled(self.metrics.requests, method.name).inc()
        call = Call(method.name, context)
        if method.decides:
            call.decision_id = str(uuid.uuid4())
        return call, time.perf_counter()

    def _record(
        self, method: Method, call: Call, digests: tuple[Any, Any], error: Exception | None
    ) -> Exception | None:
        """Decision-log the call (inside the gate, so a drain never closes the log under it)."""
        if method.decides and self.decision_log is not None:
            return self._decide(self.decision_log, call, digests, error)
        return error

    def _end(self, method: Method, call: Call, started: float, error: Exception | None) -> None:
        seconds = time.perf_counter() - started
        self._labelled(self.metrics.duration, method.name).observe(seconds)
        self._report(call, error, seconds)

    def _unary(self, method: Method) -> RawHandler:
        def handle(data: bytes, context: grpc.ServicerContext) -> bytes:
            call, started = self._begin(method, context)
            response: bytes | None = None
            error: Exception | None = None
            try:
                with self.gate:
                    try:
                        self._authenticate(context, call)
                        request = _parse(method.request_type, data)
                        response = method.handler(request, call).SerializeToString()
                    except Exception as caught:
                        error = caught
                    error = self._record(method, call, (data, response), error)
            except ShuttingDownError as refused:
                error = refused
            self._end(method, call, started, error)
            if error is not None or response is None:
                _abort(context, error or RuntimeError("the handler returned no response"), call)
            return response  # type: ignore[return-value]  # _abort raised otherwise

        return handle

    def _server_stream(self, method: Method) -> RawHandler:
        def handle(data: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
            call, started = self._begin(method, context)
            frames = Frames()
            error: Exception | None = None
            try:
                with self.gate:
                    try:
                        self._authenticate(context, call)
                        responses = method.handler(_parse(method.request_type, data), call)
                        for message in _checked(responses, call):
                            yield frames.add(message.SerializeToString())
                    except Exception as caught:
                        error = caught
                    except GeneratorExit:
                        error = CancelledError(f"{method.name}: the caller stopped reading")
                        self._record(method, call, (data, None), error)
                        raise
                    error = self._record(method, call, (data, frames), error)
            except ShuttingDownError as refused:
                error = refused
            finally:
                self._end(method, call, started, error)
            if error is not None:
                _abort(context, error, call)

        return handle

    def _client_stream(self, method: Method) -> RawHandler:
        def handle(requests: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
            call, started = self._begin(method, context)
            frames = Frames()
            response: bytes | None = None
            error: Exception | None = None
            try:
                with self.gate:
                    try:
                        self._authenticate(context, call)
                        parsed = _parsed(requests, method.request_type, call, frames)
                        response = method.handler(parsed, call).SerializeToString()
                    except Exception as caught:
                        error = caught
                    error = self._record(method, call, (frames, response), error)
            except ShuttingDownError as refused:
                error = refused
            self._end(method, call, started, error)
            if error is not None or response is None:
                _abort(context, error or RuntimeError("the handler returned no response"), call)
            return response  # type: ignore[return-value]  # _abort raised otherwise

        return handle

    def _authenticate(self, context: grpc.ServicerContext, call: Call) -> None:
        """Name the caller (its name is kept even when it may not call the method)."""
        if self.tokens is not None:
            token = self.tokens.identify(context.invocation_metadata())
            call.caller = token.name
            authorize(token, call.method)
        elif self.mutual_tls:
            call.caller = certificate_name(context.auth_context())

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
            self.metrics.errors.labels(call.method, code).inc()
        elif call.units:
            self._labelled(self.metrics.units, call.method, call.ruleset[0]).inc(call.units)
        if error is not None and code == "INTERNAL":
            _log_internal(call, error)
        if self.access_log or error is not None:
            logs.event(
                "call",
                logging.INFO if code in _QUIET_CODES else logging.WARNING,
                method=call.method,
                caller=call.caller,
                code=code,
                ms=round(seconds * 1000, 3),
                units=call.units,
                ruleset=call.ruleset[0],
                decision_id=call.decision_id,
                message=status.message_of(error, call.reference) if error else "",
            )


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


def _abort(context: grpc.ServicerContext, error: Exception, call: Call) -> None:
    context.abort_with_status(status.status_of(error, call.reference))
    raise error  # not reached: abort_with_status raises


def _checked(responses: Iterable[Message], call: Call) -> Iterator[Message]:
    """The handler's messages, the deadline and cancellation checked before each one."""
    for message in responses:
        call.check_time()
        yield message


def _parsed(
    requests: Iterator[bytes], request_type: type[Message], call: Call, frames: Frames
) -> Iterator[Message]:
    """Parsed request messages, hashed as they arrive, the deadline checked before each one."""
    for data in requests:
        call.check_time()
        yield _parse(request_type, frames.add(data))


def _parse(request_type: type[Message], data: bytes) -> Message:
    try:
        return request_type.FromString(data)
    except DecodeError as error:
        raise MalformedRequestError(
            f"the request bytes are not a {request_type.DESCRIPTOR.full_name} message ({error})"
        ) from None
