"""Fixtures that start real servers on 127.0.0.1, port 0.

- ``spawn_server``: a factory of ``spi-server`` subprocesses (the command users run); each
  reports its ports through --port-file, logs to a file, and is killed at teardown if still up.
- ``server`` / ``server_address``: one shared subprocess for the session, with a decision log
  and a metrics endpoint.
- ``start_inprocess``: a factory of servers in this process (``spi_server.app.start``), cheaper,
  for configurations (TLS, tokens, limits) and for faults injected with monkeypatch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from spi_client import SpiClient
from spi_server import app
from spi_server.config import Config

START_TIMEOUT = 60.0


@dataclass
class ServerProcess:
    """A running ``spi-server`` subprocess."""

    process: subprocess.Popen[bytes]
    folder: Path
    port: int = 0
    metrics_port: int | None = None
    http_port: int | None = None
    decision_log: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        lines = self.log_path.read_text("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait_for_log(self, event: str, count: int = 1, timeout: float = 30.0) -> dict[str, Any]:
        """The ``count``-th log line with this event, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.logs() if line.get("event") == event]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no {event!r} log line #{count} within {timeout} s: {self.logs()}")

    def wait_for_lines(
        self, match: Callable[[dict[str, Any]], bool], count: int = 1, timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The log lines ``match`` accepts, once there are ``count`` of them: the server writes
        its access lines once per event-loop turn, a moment after the answers may arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.logs() if match(line)]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"not {count} matching log lines within {timeout} s: {self.logs()}")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout)

    def client(self, **options: Any) -> SpiClient:
        return SpiClient(self.address, **options)


def server_command(*args: str) -> list[str]:
    """How to run spi-server: the installed script, else the module."""
    script = Path(sys.executable).parent / "spi-server"
    return (
        [str(script), *args]
        if script.exists()
        else [sys.executable, "-m", "spi_server.main", *args]
    )


def launch(folder: Path, *args: str, env: dict[str, str] | None = None) -> ServerProcess:
    """Start spi-server on 127.0.0.1:0 and wait until it reports its port."""
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "port.json"
    port_file.unlink(missing_ok=True)
    command = server_command(
        "--address", "127.0.0.1:0", "--http-address", "127.0.0.1:0", "--port-file", str(port_file)
    )
    command += args
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPI_")}
    environment.update(env or {})
    with open(folder / "server.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, env=environment)
    started = ServerProcess(process, folder)
    deadline = time.monotonic() + START_TIMEOUT
    while not port_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(
                f"spi-server did not start (exit {process.poll()}): "
                + started.log_path.read_text("utf-8")
            )
        time.sleep(0.05)
    ports = json.loads(port_file.read_text("utf-8"))
    started.port, started.metrics_port, started.extra = ports["port"], ports["metrics_port"], ports
    started.http_port = ports.get("http_port")
    return started


def stop(server: ServerProcess) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def spawn_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """A factory: ``spawn_server("--flag", "value", ...)`` -> ServerProcess, stopped at teardown."""
    started: list[ServerProcess] = []

    def spawn(*args: str, env: dict[str, str] | None = None, name: str = "") -> ServerProcess:
        server = launch(tmp_path / (name or f"server-{len(started)}"), *args, env=env)
        started.append(server)
        return server

    yield spawn
    for server in started:
        stop(server)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One spi-server for the session: decision log and metrics on."""
    folder = tmp_path_factory.mktemp("shared-server")
    decision_log = folder / "decisions.jsonl"
    running = launch(
        folder, "--metrics-address", "127.0.0.1:0", "--decision-log", str(decision_log)
    )
    running.decision_log = decision_log
    yield running
    stop(running)


@pytest.fixture(scope="session")
def server_address(server: ServerProcess) -> str:
    """host:port of the shared spi-server subprocess."""
    return server.address


@pytest.fixture
def client(server_address: str) -> Iterator[SpiClient]:
    with SpiClient(server_address, timeout=30.0) as connected:
        yield connected


@pytest.fixture
def start_inprocess() -> Iterator[Callable[..., app.Server]]:
    """A factory of servers in this process: ``start_inprocess(max_units=3)`` -> app.Server."""
    started: list[app.Server] = []

    def start(**settings: Any) -> app.Server:
        config = replace(Config(address="127.0.0.1:0", http_address="", grace=2.0), **settings)
        running = app.start(config)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop(0)
