"""Errors to gRPC statuses: the one table, and the rich details each status carries.

An error's class is looked up along its MRO, so the most specific row wins and a new subclass
inherits its parent's code. Anything not in the table is INTERNAL: its text stays in the server
log (with a traceback) and the caller gets only a reference to find it there.

INVALID_ARGUMENT carries a ``google.rpc.BadRequest`` with one field violation per bad field (at
most MAX_VIOLATIONS); NOT_FOUND a ``google.rpc.ResourceInfo`` (an unknown ruleset, dataset or
instrument); RESOURCE_EXHAUSTED a ``google.rpc.QuotaFailure``.

Whatever the caller sent, a status stays small: the message is at most MAX_MESSAGE characters,
a violation's field and description and a ResourceInfo description at most MAX_DESCRIPTION, the
name of a resource not found at most MAX_NAME. A longer text is shown by
:func:`spi_engine.errors.shown`: a readable prefix, its length and its sha256.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message

# googleapis-common-protos ships no type stubs; its messages are used as plain protobuf messages.
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status

from spi_engine.errors import (
    InvalidInputError,
    InvalidRulesetError,
    LimitExceededError,
    SpiError,
    UnknownDatasetError,
    UnknownRulesetError,
    Violation,
    shown,
)
from spi_engine.survey import UnknownInstrumentError

from .errors import (
    CancelledError,
    DeadlineExceededError,
    DecisionLogError,
    MalformedRequestError,
    PermissionDeniedError,
    ShuttingDownError,
    UnauthenticatedError,
)

MAX_VIOLATIONS = 20
MAX_DESCRIPTION = 300
MAX_MESSAGE = 1000
MAX_NAME = 256

TABLE: Mapping[type[BaseException], grpc.StatusCode] = {
    InvalidInputError: grpc.StatusCode.INVALID_ARGUMENT,
    InvalidRulesetError: grpc.StatusCode.INVALID_ARGUMENT,
    UnknownRulesetError: grpc.StatusCode.NOT_FOUND,
    UnknownDatasetError: grpc.StatusCode.NOT_FOUND,
    UnknownInstrumentError: grpc.StatusCode.NOT_FOUND,
    LimitExceededError: grpc.StatusCode.RESOURCE_EXHAUSTED,
    SpiError: grpc.StatusCode.FAILED_PRECONDITION,
    MalformedRequestError: grpc.StatusCode.INVALID_ARGUMENT,
    UnauthenticatedError: grpc.StatusCode.UNAUTHENTICATED,
    PermissionDeniedError: grpc.StatusCode.PERMISSION_DENIED,
    ShuttingDownError: grpc.StatusCode.UNAVAILABLE,
    DeadlineExceededError: grpc.StatusCode.DEADLINE_EXCEEDED,
    CancelledError: grpc.StatusCode.CANCELLED,
    DecisionLogError: grpc.StatusCode.UNAVAILABLE,
}
"""Error class -> status code. SpiError is the fallback for a domain error without a row."""


def code_of(error: BaseException) -> grpc.StatusCode:
    """The status code of ``error``: its nearest class in TABLE, else INTERNAL."""
    for cls in type(error).__mro__:
        if cls in TABLE:
            return TABLE[cls]
    return grpc.StatusCode.INTERNAL


def status_of(error: BaseException, reference: str = "") -> grpc.Status:
    """The status to abort a call with: code, message, and details for the caller to act on."""
    code = code_of(error)
    message = message_of(error, reference)
    details = [_pack(d) for d in _details(error)]
    proto = status_pb2.Status(code=code.value[0], message=message, details=details)
    return rpc_status.to_status(proto)


def message_of(error: BaseException, reference: str = "") -> str:
    """The message the caller sees: the error's text, or a reference for an INTERNAL error."""
    if code_of(error) is grpc.StatusCode.INTERNAL:
        return f"internal error (reference {reference}); the server log has the details"
    return _cut(str(error), MAX_MESSAGE)


def details_of(error: BaseException) -> list[Message]:
    """The rich details of ``error``'s status (also sent by the HTTP door's Connect errors)."""
    return _details(error)


def _details(error: BaseException) -> list[Message]:
    if isinstance(error, InvalidInputError | InvalidRulesetError):
        return [bad_request(error.violations)]
    if isinstance(error, UnknownRulesetError):
        known = ", ".join(error.known) or "none"
        return [
            error_details_pb2.ResourceInfo(
                resource_type="spi.v1.Ruleset",
                resource_name=_cut(error.ruleset_id, MAX_NAME),
                description=_cut(f"known rulesets: {known}", MAX_DESCRIPTION),
            )
        ]
    if isinstance(error, UnknownDatasetError):
        known = ", ".join(error.known) or "none"
        return [
            error_details_pb2.ResourceInfo(
                resource_type="spi.v1.Dataset",
                resource_name=_cut(error.name, MAX_NAME),
                description=_cut(f"known datasets: {known}", MAX_DESCRIPTION),
            )
        ]
    if isinstance(error, UnknownInstrumentError):
        known = ", ".join(error.known) or "none"
        return [
            error_details_pb2.ResourceInfo(
                resource_type="spi.v1.Instrument",
                resource_name=_cut(error.instrument_id, MAX_NAME),
                description=_cut(f"known instruments: {known}", MAX_DESCRIPTION),
            )
        ]
    if isinstance(error, LimitExceededError):
        violation = error_details_pb2.QuotaFailure.Violation(
            subject=_cut(error.what, MAX_NAME), description=_cut(str(error), MAX_DESCRIPTION)
        )
        return [error_details_pb2.QuotaFailure(violations=[violation])]
    return []


def bad_request(violations: Sequence[Violation]) -> error_details_pb2.BadRequest:
    """A BadRequest of at most MAX_VIOLATIONS field violations."""
    listed = violations[:MAX_VIOLATIONS]
    return error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field=_cut(v.field, MAX_DESCRIPTION),
                description=_cut(v.description, MAX_DESCRIPTION),
            )
            for v in listed
        ]
    )


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _cut(text: str, limit: int) -> str:
    """``text`` whole when short enough, else a prefix with its length and sha256."""
    return shown(text, limit, quote=False)
