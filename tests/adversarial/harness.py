"""Helpers of the fault-and-abuse suite: real servers, raw calls, tallies (the inputs: inputs.py).

Everything here drives the service from the outside: an ``spi-server`` subprocess on 127.0.0.1,
the gRPC wire (raw bytes or spi.v1 messages) and its logs. Nothing imports the server's internals,
so the suite runs unchanged against whatever the server becomes inside.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from spi.v1 import engine_pb2

SERVICE = "spi.v1.SpiEngine"
START_TIMEOUT = 60.0
DATA_LIMIT = 3 * 2**30
"""RLIMIT_DATA of every server: a runaway allocation fails inside it instead of eating the
machine (the suite's memory bound is far below; see test_long_strings)."""
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", 64 * 2**20),
    ("grpc.max_receive_message_length", 64 * 2**20),
]
DECIDING = (
    "Score",
    "ScoreColumns",
    "Summarize",
    "Simulate",
    "GoalSeek",
    "Sensitivity",
    "Sweep",
    "EstimateUncertainty",
    "CompareRulesets",
    "ScoreSurvey",
)
"""Methods whose calls the decision log records."""


# --- the tally printed at the end of the run (see conftest.py) ---------------------------------


@dataclass
class Tally:
    """What one class of inputs did: every count but ``tried`` must stay 0."""

    tried: int = 0
    internal: int = 0
    wrong: int = 0
    stalls: int = 0
    unrecorded: int = 0
    other: int = 0
    examples: list[str] = field(default_factory=list)

    def fail(self, kind: str, example: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < EXAMPLES:
            flat = " | ".join(example.split("\n"))
            self.examples.append(f"{kind}: {flat[:300]}")

    def failures(self) -> int:
        return self.internal + self.wrong + self.stalls + self.unrecorded + self.other

    def verdict(self) -> str:
        """An assertion message listing the first failures."""
        return f"{self}\n  " + "\n  ".join(self.examples)


TALLIES: dict[str, Tally] = {}
EXAMPLES = int(os.environ.get("SPI_ADVERSARIAL_EXAMPLES", "5"))
"""Failures listed per class (all are counted)."""


def tally(name: str) -> Tally:
    """The tally of the class ``name`` (created on first use)."""
    return TALLIES.setdefault(name, Tally())


# --- servers ------------------------------------------------------------------------------------


@dataclass
class Server:
    """A running ``spi-server`` subprocess."""

    process: subprocess.Popen[bytes]
    folder: Path
    port: int = 0
    metrics_port: int | None = None
    decision_log: Path | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address, options=CHANNEL_OPTIONS)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text("utf-8", errors="replace").splitlines()

    def events(self, name: str) -> list[dict[str, Any]]:
        """The JSON log lines with this event."""
        found = []
        for line in self.log_lines():
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict) and parsed.get("event") == name:
                found.append(parsed)
        return found

    def decisions(self, path: Path | None = None) -> list[dict[str, Any]]:
        """The decision log's lines; a line that is not JSON is kept as {"unparsed": text}."""
        target = path or self.decision_log
        if target is None or not target.exists():
            return []
        lines = []
        for text in target.read_text("utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(text))
            except ValueError:
                lines.append({"unparsed": text})
        return lines

    def memory_kib(self, key: str = "VmHWM") -> int:
        """VmHWM (peak resident set) or VmRSS of the server, in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {key} in /proc/{self.process.pid}/status")

    def alive(self) -> bool:
        return self.process.poll() is None


def server_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "spi-server"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "spi_server.main", *args]


def launch(folder: Path, *args: str) -> Server:
    """Start spi-server on 127.0.0.1:0 and wait until it writes its port file."""
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "port.json"
    port_file.unlink(missing_ok=True)
    command = server_command(
        "--address", "127.0.0.1:0", "--http-address", "", "--port-file", str(port_file), *args
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPI_")}
    with open(folder / "server.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, env=environment)
    resource.prlimit(process.pid, resource.RLIMIT_DATA, (DATA_LIMIT, DATA_LIMIT))
    server = Server(process, folder)
    deadline = time.monotonic() + START_TIMEOUT
    while not port_file.exists() or not port_file.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"spi-server did not start: {server.log_path.read_text()}")
        time.sleep(0.05)
    ports = json.loads(port_file.read_text("utf-8"))
    server.port, server.metrics_port = ports["port"], ports.get("metrics_port")
    if "--decision-log" in args:
        server.decision_log = Path(args[args.index("--decision-log") + 1])
    return server


def stop(server: Server, wait: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``wait`` seconds."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(wait)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


# --- calls --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How one call ended: the status code's name, the message, field violations, responses."""

    code: str
    message: str = ""
    fields: tuple[str, ...] = ()
    details_bytes: int = 0
    responses: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == "OK"


def method_kind(name: str) -> tuple[bool, bool]:
    """(client streaming, server streaming) of an spi.v1.SpiEngine method."""
    method = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods_by_name[name]
    return method.client_streaming, method.server_streaming


def message_classes(name: str) -> tuple[type[Message], type[Message]]:
    """(request class, response class) of an spi.v1.SpiEngine method."""
    method = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods_by_name[name]
    return (
        message_factory.GetMessageClass(method.input_type),
        message_factory.GetMessageClass(method.output_type),
    )


def method_names() -> list[str]:
    return [m.name for m in engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods]


def _encode(item: Message | bytes) -> bytes:
    return item if isinstance(item, bytes) else item.SerializeToString()


def invoke(
    channel: grpc.Channel,
    name: str,
    request: Message | bytes | Sequence[Message | bytes],
    *,
    timeout: float = 30.0,
    metadata: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Call ``name`` with a message or raw bytes (a sequence of them for an upload)."""
    client_streaming, server_streaming = method_kind(name)
    path = f"/{SERVICE}/{name}"
    _, response_class = message_classes(name)
    try:
        if client_streaming:
            items = request if isinstance(request, list | tuple) else [request]
            upload = channel.stream_unary(path)
            raw = upload(iter([_encode(i) for i in items]), timeout=timeout, metadata=metadata)
            return Outcome("OK", responses=[response_class.FromString(raw)])
        assert isinstance(request, Message | bytes)
        if server_streaming:
            stream = channel.unary_stream(path)
            answers = [
                response_class.FromString(r)
                for r in stream(_encode(request), timeout=timeout, metadata=metadata)
            ]
            return Outcome("OK", responses=answers)
        raw = channel.unary_unary(path)(_encode(request), timeout=timeout, metadata=metadata)
        return Outcome("OK", responses=[response_class.FromString(raw)])
    except grpc.RpcError as error:
        return outcome_of(error)


def outcome_of(error: grpc.RpcError) -> Outcome:
    """The status of a failed call, with the BadRequest field paths when it carries one."""
    code = error.code().name  # type: ignore[attr-defined]
    message = error.details() or ""  # type: ignore[attr-defined]
    fields: list[str] = []
    size = 0
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError as mismatch:  # the details say another code than the call (cut trailers)
        return Outcome(code, f"{message} [{mismatch}]", (), _trailer_bytes(error))
    if status is not None:
        size = status.ByteSize()
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields.extend(v.field for v in bad.field_violations)
    return Outcome(code, message, tuple(fields), size)


def _trailer_bytes(error: grpc.RpcError) -> int:
    trailers = error.trailing_metadata() or ()  # type: ignore[attr-defined]
    return sum(len(key) + len(value) for key, value in trailers)


def health(channel: grpc.Channel, timeout: float = 5.0) -> str:
    """The server's overall health status name, or the error code's name."""
    try:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=timeout
        )
    except grpc.RpcError as error:
        return str(error.code().name)  # type: ignore[attr-defined]
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))


def decision_ids(outcome: Outcome) -> list[str]:
    """The decision ids an OK answer carries (a stream carries it in its first message)."""
    found = []
    for response in outcome.responses:
        found.extend(_decision_ids(response))
    return found


def _decision_ids(message: Message) -> Iterator[str]:
    for descriptor, value in message.ListFields():
        if descriptor.name == "decision_id" and value:
            yield value
        elif descriptor.message_type is not None and not descriptor.is_repeated:
            yield from _decision_ids(value)


def doubles(message: Message) -> Iterator[tuple[str, float]]:
    """(path, value) of every double or float set anywhere in ``message``."""
    for descriptor, value in message.ListFields():
        kind = descriptor.cpp_type
        if descriptor.message_type is not None:
            items = value if descriptor.is_repeated else [value]
            for i, item in enumerate(items):
                for path, number in doubles(item):
                    yield f"{descriptor.name}[{i}].{path}", number
        elif kind in (descriptor.CPPTYPE_DOUBLE, descriptor.CPPTYPE_FLOAT):
            items = value if descriptor.is_repeated else [value]
            for i, number in enumerate(items):
                yield f"{descriptor.name}[{i}]", number


def percentile(values: Iterable[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("inf")
    rank = max(int(-(-fraction * len(ordered) // 1)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]
