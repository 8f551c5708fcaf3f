"""The HTTP/1.1 door: spi.v1.SpiEngine over the Connect protocol, /healthz and the web page.

Systems that cannot speak gRPC (a PHP/Laravel back end, a shell script with curl, a browser)
call the same methods here, through the same :class:`~spi_server.pipeline.Pipeline` as the gRPC
door: the same gate (drain), ``Authorization: Bearer`` tokens, heavy-call limits, deadlines
(``Connect-Timeout-Ms``, capped by ``--max-call-seconds``), decision log, metrics and access
log, and the same handlers, so both doors give the same answers::

    curl -H 'Content-Type: application/json' -d '{"rulesetId": "spi-2024", "units": [...]}' \\
         http://localhost:8080/spi.v1.SpiEngine/Score

Routes (nothing else answers):

- ``POST /spi.v1.SpiEngine/<Method>``: Connect unary (``application/json``/``application/proto``)
  or, for Simulate, Sweep, CompareRulesets and ScoreSurvey, Connect streaming
  (``application/connect+json``/``application/connect+proto``); see :mod:`spi_server.connect`.
- ``GET /spi.v1.SpiEngine/<Method>?encoding=json&message=...``: Connect GET, for the unary
  methods the proto marks ``NO_SIDE_EFFECTS``.
- ``GET /healthz``: ``SERVING`` (200) or ``NOT_SERVING`` (503), for load balancers.
- ``GET /`` and ``GET /assets/...``: the files of the web root (``--web-root``, by default the
  page bundled in ``spi_server/web``), same-origin only: no CORS headers, and a
  Content-Security-Policy that lets the page load nothing from elsewhere.

The request decision-logged for an HTTP call is the request as protobuf binary (JSON is parsed,
then serialised deterministically), so ``request_sha256`` does not depend on JSON spacing; a
body that does not parse is hashed as received. Streamed answers are hashed as on the gRPC door.
The HTTP server is uvicorn (h11), run as a task on the process's shared loop.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote

from google.protobuf import descriptor_pb2
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from spi.v1 import engine_pb2

from . import connect
from .auth import authorize
from .connect import Codec, ProtocolError
from .errors import CancelledError, DeadlineExceededError, MalformedRequestError, ServerError
from .pipeline import CLIENT_STREAM, UNARY, Call, Frames, Method, Pipeline

T = TypeVar("T")
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SERVICE = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"]
PREFIX = f"/{SERVICE.full_name}/"
WEB_ROOT = Path(__file__).parent / "web"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
)
_NO_SIDE_EFFECTS = descriptor_pb2.MethodOptions.IdempotencyLevel.Value("NO_SIDE_EFFECTS")


def _safe_for_get(name: str) -> bool:
    method = SERVICE.methods_by_name.get(name)
    if method is None:
        return False
    return bool(method.GetOptions().idempotency_level == _NO_SIDE_EFFECTS)


class HttpDoor:
    """The ASGI application of the HTTP door."""

    def __init__(
        self,
        pipeline: Pipeline,
        methods: Sequence[Method],
        max_message_bytes: int,
        web_root: Path = WEB_ROOT,
    ) -> None:
        self.pipeline = pipeline
        self.methods = {method.name: method for method in methods}
        self.outputs: dict[str, type[Message]] = {
            name: GetMessageClass(SERVICE.methods_by_name[name].output_type)
            for name in self.methods
        }
        self.max_message_bytes = max_message_bytes
        self.web_root = web_root
        self.serving = False
        """/healthz answers SERVING while True (set by spi_server.app)"""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, verb = scope["path"], scope["method"]
        headers = _headers(scope)
        try:
            if path.startswith(PREFIX):
                await self._rpc(path[len(PREFIX) :], verb, scope, headers, receive, send)
            elif verb in ("GET", "HEAD"):
                await self._get(path, verb, send)
            else:
                await _plain(send, 405, f"{verb} {path}: only GET here", [(b"allow", b"GET")])
        except ProtocolError as error:
            await _error(send, connect.error_dict(error), error.http_status)
        except Exception as error:  # before the call began: a limit or a body that cannot be read
            await _error(send, connect.error_dict(error))

    # -- plain GETs -------------------------------------------------------------------------------

    async def _get(self, path: str, verb: str, send: Send) -> None:
        if path == "/healthz":
            serving = self.serving
            text = "SERVING" if serving else "NOT_SERVING"
            await _plain(send, 200 if serving else 503, text, head=verb == "HEAD")
            return
        found = self._static(path)
        if found is None:
            await _plain(send, 404, f"{path}: not found", head=verb == "HEAD")
            return
        data = found.read_bytes()
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        headers = [(b"content-type", kind.encode()), (b"cache-control", b"no-cache")]
        await _respond(send, 200, [*headers, *SECURITY_HEADERS], b"" if verb == "HEAD" else data)

    def _static(self, path: str) -> Path | None:
        """The file of the web root that ``path`` names (/ is index.html), never outside it."""
        if path == "/":
            relative = "index.html"
        elif path.startswith("/assets/"):
            relative = unquote(path[1:])
        else:
            return None
        root = self.web_root.resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    # -- calls ------------------------------------------------------------------------------------

    async def _rpc(
        self,
        name: str,
        verb: str,
        scope: Scope,
        headers: list[tuple[str, str]],
        receive: Receive,
        send: Send,
    ) -> None:
        method = self.methods.get(name)
        if method is None:
            known = ", ".join(sorted(self.methods))
            raise ProtocolError(404, "unimplemented", f"no method {name!r}; known: {known}")
        if verb == "GET" and method.kind == UNARY and _safe_for_get(name):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            await self._unary(method, headers, *_get_request(query), receive, send)
            return
        if verb != "POST":
            raise ProtocolError(405, "unimplemented", f"{verb} {PREFIX}{name}: expected POST")
        kind, _ = connect.content_type(_header(headers, "content-type"))
        if method.kind == UNARY and kind in connect.UNARY_TYPES:
            body = await self._body(receive)
            data = connect.decompress(
                body, _header(headers, "content-encoding"), self.max_message_bytes
            )
            codec = Codec(connect.UNARY_TYPES[kind])
            await self._unary(method, headers, codec, data, receive, send)
        elif method.kind != UNARY and kind in connect.STREAM_TYPES:
            codec = Codec(connect.STREAM_TYPES[kind])
            await self._stream(method, headers, codec, receive, send)
        else:
            wanted = connect.UNARY_TYPES if method.kind == UNARY else connect.STREAM_TYPES
            raise ProtocolError(
                415,
                "invalid_argument",
                f"{name}: expected Content-Type {' or '.join(wanted)}; got {kind or 'none'!r}",
            )

    def _begin(self, method: Method, headers: list[tuple[str, str]]) -> tuple[Call, float]:
        timeout = _header(headers, "connect-timeout-ms")
        if timeout and not (timeout.isdigit() and len(timeout) <= 10):
            raise ProtocolError(
                400,
                "invalid_argument",
                f"Connect-Timeout-Ms: expected milliseconds; got {timeout!r}",
            )
        call, started = self.pipeline.begin(method, int(timeout) / 1000 if timeout else None)
        call.door = "http"
        return call, started

    def _identify(self, call: Call, headers: list[tuple[str, str]]) -> Callable[[], None]:
        def identify() -> None:
            tokens = self.pipeline.tokens
            if tokens is not None:
                token = tokens.identify(headers)
                call.caller = token.name
                authorize(token, call.method)

        return identify

    async def _unary(
        self,
        method: Method,
        headers: list[tuple[str, str]],
        codec: Codec,
        data: bytes,
        receive: Receive,
        send: Send,
    ) -> None:
        pipeline, output = self.pipeline, self.outputs[method.name]
        call, started = self._begin(method, headers)

        async def body(call: Call, heavy: bool) -> bytes:
            binary = data
            if codec.name == connect.JSON:
                binary = await pipeline.work(
                    heavy, call, lambda: codec.to_binary(data, method.request_type)
                )
            answer = await pipeline.unary_body(method, binary)(call, heavy)
            if codec.name == connect.JSON:
                return await pipeline.work(heavy, call, lambda: codec.from_binary(answer, output))
            return answer

        identify = self._identify(call, headers)
        try:
            async with _hang_up_cancels(receive) as gone:
                answer = await _unless_gone(
                    gone, pipeline.run(method, call, started, identify, len(data), data, body)
                )
        except _HungUpError:
            return
        except Exception as error:
            await _error(send, connect.error_dict(error, call.reference))
            return
        sent = [
            (b"content-type", b"application/" + codec.name.encode()),
            (b"content-length", str(len(answer)).encode()),
        ]
        with contextlib.suppress(ServerError):  # the call is over: a caller gone is not news
            await self._write(send, call, _start(200, sent), final=False)
            await self._write(send, call, _chunk(answer), final=True)

    async def _stream(
        self,
        method: Method,
        headers: list[tuple[str, str]],
        codec: Codec,
        receive: Receive,
        send: Send,
    ) -> None:
        pipeline, output = self.pipeline, self.outputs[method.name]
        encoding = _header(headers, "connect-content-encoding")
        if encoding not in ("", *connect.ENCODINGS):
            raise ProtocolError(
                501, "unimplemented", f"Connect-Content-Encoding: expected gzip; got {encoding!r}"
            )
        upload = method.kind == CLIENT_STREAM
        # A server stream's request is read whole first, so that a hang-up can be watched for.
        chunks = _chunks(receive) if upload else _once(await self._body(receive, connect.PREFIX))
        requests = self._envelopes(chunks, codec, method, encoding)
        call, started = self._begin(method, headers)
        kind = f"application/connect+{codec.name}".encode()
        began: list[bool] = []

        async def begin() -> None:
            if not began:
                began.append(True)
                await self._write(send, call, _start(200, [(b"content-type", kind)]), False)

        async def streamed(call: Call, heavy: bool) -> bytes:
            first = await anext(requests, None)
            extra = await anext(requests, None)
            if first is None or extra is not None:
                got = "none" if first is None else "more than one"
                raise MalformedRequestError(
                    f"{method.name}: expected one request message; got {got}"
                )
            messages = await pipeline.stream_body(method, first)(call, heavy)
            if codec.name == connect.JSON:
                messages = await pipeline.work(
                    heavy, call, lambda: [codec.from_binary(m, output) for m in messages]
                )
            await begin()
            for message in messages:
                await self._write(send, call, _chunk(connect.envelope(message)), final=False)
            return b""

        async def uploaded(call: Call, heavy: bool) -> bytes:
            answer = await pipeline.upload_body(method, requests, frames)(call, heavy)
            if codec.name == connect.JSON:
                answer = await pipeline.work(heavy, call, lambda: codec.from_binary(answer, output))
            return connect.envelope(answer)

        frames = Frames()
        body = uploaded if upload else streamed
        request: Any = frames if upload else b""
        error: dict[str, Any] | None = None
        last = b""
        try:
            identify = self._identify(call, headers)
            async with _hang_up_cancels(None if upload else receive) as gone:
                last = await _unless_gone(
                    gone, pipeline.run(method, call, started, identify, 0, request, body)
                )
        except _HungUpError:
            return
        except Exception as caught:
            error = connect.error_dict(caught, call.reference)
        with contextlib.suppress(ServerError):  # the call is over: a caller gone is not news
            await begin()
            if last:
                await self._write(send, call, _chunk(last), final=False)
            await self._write(send, call, _chunk(connect.end_stream(error)), final=True)

    async def _envelopes(
        self, chunks: AsyncIterator[bytes], codec: Codec, method: Method, encoding: str
    ) -> AsyncIterator[bytes]:
        """The request messages of a stream, each as protobuf binary."""
        envelopes = connect.Envelopes(self.max_message_bytes)
        async for chunk in chunks:
            for flags, data in envelopes.feed(chunk):
                plain = data
                if flags & connect.COMPRESSED:
                    plain = connect.decompress(data, encoding or "gzip", self.max_message_bytes)
                yield codec.to_binary(plain, method.request_type)
        envelopes.close()

    async def _body(self, receive: Receive, extra: int = 0) -> bytes:
        """The whole request body: at most --max-message-bytes (+ ``extra`` for framing)."""
        parts: list[bytes] = []
        size = 0
        async for chunk in _chunks(receive):
            size += len(chunk)
            if size > self.max_message_bytes + extra:
                raise ProtocolError(
                    429,
                    "resource_exhausted",
                    f"the request is larger than {self.max_message_bytes} bytes "
                    "(--max-message-bytes)",
                )
            parts.append(chunk)
        return b"".join(parts)

    async def _write(self, send: Send, call: Call, message: dict[str, Any], final: bool) -> None:
        """One ASGI message, within --stream-write-timeout; ``final`` ends the answer."""
        if message["type"] == "http.response.body":
            message["more_body"] = not final
        timeout = self.pipeline.settings.stream_write_timeout
        try:
            async with asyncio.timeout(timeout):
                await send(message)
        except TimeoutError:
            raise DeadlineExceededError(
                f"{call.method}: the caller took no data for {timeout:g} s (--stream-write-timeout)"
            ) from None
        except OSError:
            raise CancelledError(f"{call.method}: the caller is gone") from None


def _get_request(query: Mapping[str, list[str]]) -> tuple[Codec, bytes]:
    """The codec and request bytes of a Connect GET (``encoding``, ``message``, ``base64``)."""
    encoding = (query.get("encoding") or [""])[0]
    if encoding not in (connect.JSON, connect.PROTO):
        raise ProtocolError(
            400, "invalid_argument", f"encoding: expected json or proto; got {encoding!r}"
        )
    if (query.get("compression") or ["identity"])[0] != "identity":
        raise ProtocolError(501, "unimplemented", "compression: only identity for GET")
    message = (query.get("message") or [""])[0]
    if (query.get("base64") or [""])[0] == "1":
        try:
            return Codec(encoding), base64.urlsafe_b64decode(message + "=" * (-len(message) % 4))
        except ValueError as error:
            raise ProtocolError(400, "invalid_argument", f"message: bad base64 ({error})") from None
    return Codec(encoding), message.encode("utf-8")


def _headers(scope: Scope) -> list[tuple[str, str]]:
    return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value.strip() for key, value in headers if key == name), "")


class _HungUpError(Exception):
    """The caller hung up: its call was cancelled and recorded; nothing is left to answer."""


@contextlib.asynccontextmanager
async def _hang_up_cancels(receive: Receive | None) -> AsyncIterator[Callable[[], bool]]:
    """Cancel the current task when the caller hangs up (the request must be read already), as
    gRPC cancels a call whose caller went away; yields whether that happened."""
    hung_up: list[bool] = []
    task = asyncio.current_task()
    if receive is None or task is None:
        yield lambda: False
        return

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        hung_up.append(True)
        task.cancel()

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        yield lambda: bool(hung_up)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _unless_gone(gone: Callable[[], bool], work: Awaitable[T]) -> T:
    """``await work``; _HungUpError (not a cancellation of the server's own) when the caller hung up."""
    try:
        return await work
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if not gone() or task is None:
            raise
        task.uncancel()
        raise _HungUpError() from None


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise CancelledError("the caller went away before the request ended")
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _start(code: int, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": code, "headers": headers}


def _chunk(data: bytes) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data}


async def _respond(send: Send, code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send(_start(code, [*headers, (b"content-length", str(len(body)).encode())]))
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _error(send: Send, error: dict[str, Any], status: int = 0) -> None:
    """A unary Connect error: its JSON, with the HTTP status of its code (or ``status``)."""
    status = status or connect.http_status_of(error)
    body = connect.error_json(error)
    await _respond(send, status, [(b"content-type", b"application/json")], body)


async def _plain(
    send: Send,
    code: int,
    text: str,
    extra: Sequence[tuple[bytes, bytes]] = (),
    head: bool = False,
) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *extra]
    await _respond(send, code, headers, b"" if head else (text + "\n").encode("utf-8"))
