"""The Connect protocol's wire pieces: codecs, envelopes, error JSON and the HTTP status table.

What the HTTP door (:mod:`spi_server.http_door`) speaks, after https://connectrpc.com/docs/protocol:

- **Unary** (and GET for methods marked ``idempotency_level = NO_SIDE_EFFECTS``): the request is
  the body (``application/json`` or ``application/proto``, ``Content-Encoding: gzip`` allowed),
  the answer is the body of a 200; an error is the JSON ``{"code", "message", "details"}`` with
  the HTTP status :data:`HTTP_STATUS` gives its code.
- **Streams** (``application/connect+json`` or ``application/connect+proto``): request and
  answer are envelopes (one flags byte, a 4-byte big-endian length, the message); the answer is
  always a 200 that ends with an end-stream envelope (flags ``0x02``) whose JSON carries the
  error, if any, and metadata.

JSON is protobuf's JSON mapping (google.protobuf.json_format): the parser takes the camelCase
and the original field names alike and **refuses unknown fields** (a misspelt field is an error,
not a silently dropped input); answers are camelCase and list every field, defaults included,
so a caller never has to know that a missing field meant zero. An error's details are each
``{"type": "google.rpc.BadRequest", "value": base64 of the message, "debug": its JSON}``.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from spi_engine.errors import LimitExceededError

from . import status
from .errors import MalformedRequestError

END_STREAM = 0x02
COMPRESSED = 0x01
PREFIX = 5
JSON, PROTO = "json", "proto"
UNARY_TYPES = {"application/json": JSON, "application/proto": PROTO}
STREAM_TYPES = {"application/connect+json": JSON, "application/connect+proto": PROTO}
ENCODINGS = ("identity", "gzip")

HTTP_STATUS: dict[str, int] = {
    "canceled": 499,
    "unknown": 500,
    "invalid_argument": 400,
    "deadline_exceeded": 504,
    "not_found": 404,
    "already_exists": 409,
    "permission_denied": 403,
    "resource_exhausted": 429,
    "failed_precondition": 400,
    "aborted": 409,
    "out_of_range": 400,
    "unimplemented": 501,
    "internal": 500,
    "unavailable": 503,
    "data_loss": 500,
    "unauthenticated": 401,
}
"""Connect error code -> HTTP status of a unary error answer (the protocol's own table)."""


class ProtocolError(Exception):
    """A request the door refuses before it reaches a method: its HTTP status and Connect code."""

    def __init__(self, http_status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code


def connect_code(code: grpc.StatusCode) -> str:
    """The Connect name of a gRPC status code (CANCELLED is spelt "canceled")."""
    name = code.name.lower()
    return "canceled" if name == "cancelled" else name


def content_type(header: str) -> tuple[str, str]:
    """('application/json', '') from 'application/json; charset=utf-8', lower-cased."""
    kind, _, parameters = header.partition(";")
    return kind.strip().lower(), parameters.strip().lower()


@dataclass(frozen=True)
class Codec:
    """JSON or binary protobuf for one message class at a time."""

    name: str

    def to_binary(self, data: bytes, message_type: type[Message]) -> bytes:
        """The request as protobuf binary; MalformedRequestError names what is wrong."""
        if self.name == PROTO:
            return data
        message = message_type()
        name = message_type.DESCRIPTOR.full_name
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedRequestError(
                f"the request body is not UTF-8 JSON for {name} ({error})"
            ) from None
        try:
            json_format.Parse(text or "{}", message)
        except json_format.ParseError as error:
            raise MalformedRequestError(
                f"the request body is not a {name} in protobuf JSON ({error})"
            ) from None
        return message.SerializeToString(deterministic=True)

    def from_binary(self, data: bytes, message_type: type[Message]) -> bytes:
        """The answer in this codec, from its protobuf binary bytes."""
        if self.name == PROTO:
            return data
        message = message_type.FromString(data)
        return json_text(message).encode("utf-8")


def json_text(message: Message) -> str:
    """Compact camelCase protobuf JSON of ``message``, every field listed."""
    return json_format.MessageToJson(
        message, indent=None, always_print_fields_with_no_presence=True, ensure_ascii=False
    )


def decompress(data: bytes, encoding: str, limit: int) -> bytes:
    """``data`` decoded from ``encoding`` (identity or gzip), at most ``limit`` bytes."""
    if encoding in ("", "identity"):
        return data
    if encoding != "gzip":
        raise ProtocolError(
            501, "unimplemented", f"expected content encoding identity or gzip; got {encoding!r}"
        )
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        plain = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise MalformedRequestError(f"the gzip request body cannot be decoded ({error})") from None
    if len(plain) > limit:
        raise LimitExceededError("unzipped message bytes (--max-message-bytes)", limit, len(plain))
    return plain


def compress(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def envelope(data: bytes, flags: int = 0) -> bytes:
    return bytes([flags]) + len(data).to_bytes(4, "big") + data


class Envelopes:
    """Splits a byte stream into envelopes, at most ``limit`` bytes of message each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes]]:
        """(flags, message) of each envelope complete so far."""
        self._buffer.extend(chunk)
        while len(self._buffer) >= PREFIX:
            flags, size = self._buffer[0], int.from_bytes(self._buffer[1:PREFIX], "big")
            if size > self.limit:
                raise LimitExceededError("message bytes (--max-message-bytes)", self.limit, size)
            if len(self._buffer) < PREFIX + size:
                return
            data = bytes(self._buffer[PREFIX : PREFIX + size])
            del self._buffer[: PREFIX + size]
            yield flags, data

    def close(self) -> None:
        """MalformedRequestError when the stream ended inside an envelope."""
        if self._buffer:
            raise MalformedRequestError(
                f"the request stream ends inside an envelope ({len(self._buffer)} bytes left)"
            )


def error_dict(error: BaseException, reference: str = "") -> dict[str, Any]:
    """The Connect error of ``error``: same code, message and details as its gRPC status."""
    if isinstance(error, ProtocolError):
        return {"code": error.code, "message": str(error)}
    found: dict[str, Any] = {
        "code": connect_code(status.code_of(error)),
        "message": status.message_of(error, reference),
    }
    details = [_detail(message) for message in status.details_of(error)]
    if details:
        found["details"] = details
    return found


def _detail(message: Message) -> dict[str, Any]:
    return {
        "type": message.DESCRIPTOR.full_name,
        "value": base64.b64encode(message.SerializeToString()).decode("ascii").rstrip("="),
        "debug": json.loads(json_text(message)),
    }


def http_status_of(error: dict[str, Any]) -> int:
    return HTTP_STATUS.get(str(error["code"]), 500)


def error_json(error: dict[str, Any]) -> bytes:
    return json.dumps(error, ensure_ascii=False).encode("utf-8")


def end_stream(error: dict[str, Any] | None, metadata: Sequence[tuple[str, str]] = ()) -> bytes:
    """The end-stream envelope: the error if any, and metadata."""
    body: dict[str, Any] = {}
    if error is not None:
        body["error"] = error
    if metadata:
        grouped: dict[str, list[str]] = {}
        for key, value in metadata:
            grouped.setdefault(key, []).append(value)
        body["metadata"] = grouped
    return envelope(json.dumps(body, ensure_ascii=False).encode("utf-8"), END_STREAM)
