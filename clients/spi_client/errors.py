"""The one exception the client raises for a failed call: :class:`SpiRpcError`.

It carries the gRPC status code, the server's message, and the field violations of a
``google.rpc.BadRequest`` (for INVALID_ARGUMENT), so a caller can point at the bad field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.protobuf import any_pb2

# googleapis-common-protos ships no type stubs; its messages are used as plain protobuf messages.
from google.rpc import error_details_pb2  # type: ignore[import-untyped]

if TYPE_CHECKING:  # grpc is imported when a failed call is read: the CLI in-process needs none
    import grpc


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: ``units[3].external`` and what was expected and got."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class SpiRpcError(Exception):
    """A call that ended with a status other than OK (after any retries)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        violations: tuple[FieldViolation, ...] = (),
        method: str = "",
    ) -> None:
        self.code = code
        self.message = message
        self.violations = violations
        self.method = method
        super().__init__(f"{method + ': ' if method else ''}{code.name}: {message}")

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError, method: str = "") -> SpiRpcError:
        """Read code, message and BadRequest field violations from a failed call."""
        import grpc

        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        message = (error.details() if hasattr(error, "details") else "") or ""
        return cls(code, message, _violations(error), method)


def _violations(error: grpc.RpcError) -> tuple[FieldViolation, ...]:
    from grpc_status import rpc_status

    try:
        status = rpc_status.from_call(error)
    except ValueError:  # a status whose details disagree with its code or message
        return ()
    if status is None:
        return ()
    found: list[FieldViolation] = []
    for detail in status.details:
        found.extend(_field_violations(detail))
    return tuple(found)


def _field_violations(detail: any_pb2.Any) -> list[FieldViolation]:
    if not detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
        return []
    request = error_details_pb2.BadRequest()
    detail.Unpack(request)
    return [FieldViolation(v.field, v.description) for v in request.field_violations]
