"""What every spi.v1.SpiEngine call goes through, around its handler, in one place.

    bytes in ─▶ gate (refuse while draining) ─▶ caller (auth) ─▶ parse ─▶ handler ─▶ serialise
          ─▶ decision log (Score, Summarize) ─▶ metrics, access log ─▶ bytes out or a status

Handlers are registered with raw bytes in and out, so that garbage request bytes become an
INVALID_ARGUMENT (not a crash) and the decision log hashes exactly the bytes on the wire.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
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

Handler = Callable[[Any, "Call"], Message]
RawHandler = Callable[[bytes, grpc.ServicerContext], bytes]


@dataclass(frozen=True)
class Method:
    """One RPC: its name, request message class and handler; ``decides`` = decision-logged."""

    name: str
    request_type: type[Message]
    handler: Handler
    decides: bool = False


@dataclass
class Call:
    """One call as its handler sees it; the handler notes the ruleset and unit count here."""

    method: str
    context: grpc.ServicerContext | None = None
    caller: str = ANONYMOUS
    decision_id: str = ""
    ruleset: tuple[str, str] = ("", "")
    units: int = 0
    reference: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def check_time(self) -> None:
        """Stop work the caller no longer waits for: its deadline passed or it cancelled."""
        if self.context is None or self.context.is_active():
            return
        remaining = self.context.time_remaining()
        if remaining is not None and remaining <= 0:
            raise DeadlineExceededError(f"{self.method}: the caller's deadline passed")
        raise CancelledError(f"{self.method}: the caller cancelled the call")


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

    def wrap(self, method: Method) -> RawHandler:
        """The raw-bytes handler of ``method``."""
        requests = self.metrics.requests.labels(method.name)
        duration = self.metrics.duration.labels(method.name)

        def handle(data: bytes, context: grpc.ServicerContext) -> bytes:
            started = time.perf_counter()
            requests.inc()
            call = Call(method.name, context)
            if method.decides:
                call.decision_id = str(uuid.uuid4())
            try:
                with self.gate:
                    outcome = self._run(method, call, context, data)
            except ShuttingDownError as refused:
                outcome = refused
            seconds = time.perf_counter() - started
            duration.observe(seconds)
            error = outcome if isinstance(outcome, Exception) else None
            self._report(call, error, seconds)
            if isinstance(outcome, Exception):
                context.abort_with_status(status.status_of(outcome, call.reference))
                raise outcome  # not reached: abort_with_status raises
            return outcome

        return handle

    def _run(
        self, method: Method, call: Call, context: grpc.ServicerContext, data: bytes
    ) -> bytes | Exception:
        """The response bytes, or the error the call ends with."""
        response: bytes | None = None
        error: Exception | None = None
        try:
            self._authenticate(context, call)
            request = _parse(method.request_type, data)
            response = method.handler(request, call).SerializeToString()
        except Exception as caught:
            error = caught
        if method.decides and self.decision_log is not None:
            error = self._decide(self.decision_log, call, data, response, error)
        if error is not None or response is None:
            return error or RuntimeError("the handler returned no response")
        return response

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
        data: bytes,
        response: bytes | None,
        error: Exception | None,
    ) -> Exception | None:
        """Record the decision; a failure to record turns a success into an error."""
        line = decisions.entry(
            decision_id=call.decision_id,
            method=call.method,
            caller=call.caller,
            ruleset=call.ruleset,
            engine_version=engine_version,
            units=call.units,
            request=data,
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
            self.metrics.units.labels(call.method, call.ruleset[0]).inc(call.units)
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


def _parse(request_type: type[Message], data: bytes) -> Message:
    try:
        return request_type.FromString(data)
    except DecodeError as error:
        raise MalformedRequestError(
            f"the request bytes are not a {request_type.DESCRIPTOR.full_name} message ({error})"
        ) from None
