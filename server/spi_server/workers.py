"""``--processes N``: N server processes sharing one port through SO_REUSEPORT.

Python runs one handler at a time per process (the GIL), so a process per core can raise
throughput. The parent reserves the port (a bound, never listening socket with SO_REUSEPORT, so
port 0 works and no other program takes the port meanwhile), starts the workers, writes the port
file once every worker serves, forwards SIGHUP/SIGTERM/SIGINT to them, and exits 0 when they
all exited 0. When a worker dies on its own the others are stopped and the exit status is 1;
when a worker cannot start, all are stopped and the exit status is 2.

Each worker has its own metrics endpoint: --metrics-address HOST:PORT gives worker i the port
PORT + i (or a free port each when PORT is 0); the port file lists them.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from . import logs
from .app import write_port_file
from .config import Config, split_address
from .serving import serve

START_TIMEOUT = 60.0


def run_workers(config: Config) -> int:
    """Supervise ``config.processes`` workers until a signal stops them."""
    host, port = split_address(config.address, "--address")
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, remember)
    with contextlib.ExitStack() as stack:
        bound = stack.enter_context(_reserved_port(host, port))
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        if config.http_address:  # the HTTP door's port is shared by the workers the same way
            http_host, http_port = split_address(config.http_address, "--http-address")
            http_bound = stack.enter_context(_reserved_port(http_host, http_port))
            config = replace(config, http_address=f"{http_host}:{http_bound}")
        workers = _start(config, host, bound, Path(folder))
        ready = _await_ready(workers, received)
        if ready is None:
            _signal_all(workers, signal.SIGTERM)
            _join(workers, failed=True)
            logs.event(
                "cannot_start", 50, error="a worker process did not start; see its log lines"
            )
            return 2
        _write_parent_port_file(config, bound, ready)
        logs.event("workers_serving", port=bound, workers=[w["pid"] for w in ready])
        return _supervise(workers, received)


@contextlib.contextmanager
def _reserved_port(host: str, port: int) -> Iterator[int]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1" if host == "localhost" else host, port))
        yield int(sock.getsockname()[1])


def _start(config: Config, host: str, port: int, folder: Path) -> list[tuple[Any, Path]]:
    context = multiprocessing.get_context("spawn")
    started = []
    for index in range(config.processes):
        port_file = folder / f"worker-{index}.json"
        worker_config = replace(
            config,
            address=f"{host}:{port}",
            port_file=str(port_file),
            metrics_address=_metrics_address(config.metrics_address, index),
        )
        process = context.Process(target=_worker, args=(worker_config,), name=f"spi-worker-{index}")
        process.start()
        started.append((process, port_file))
    return started


def _worker(config: Config) -> None:
    logs.configure(config.log_level)
    raise SystemExit(serve(config))


def _metrics_address(address: str, index: int) -> str:
    if not address:
        return ""
    host, port = split_address(address, "--metrics-address")
    return f"{host}:{port + index if port else 0}"


def _await_ready(
    workers: list[tuple[Any, Path]], received: list[int]
) -> list[dict[str, Any]] | None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and not received:
        if any(not process.is_alive() for process, _ in workers):
            return None
        if all(path.exists() for _, path in workers):
            return [json.loads(path.read_text("utf-8")) for _, path in workers]
        time.sleep(0.05)
    return None


def _write_parent_port_file(config: Config, port: int, ready: list[dict[str, Any]]) -> None:
    if not config.port_file:
        return
    metrics_port, http_port = ready[0]["metrics_port"], ready[0].get("http_port")
    write_port_file(config.port_file, port, metrics_port, http_port, workers=ready)


def _supervise(workers: list[tuple[Any, Path]], received: list[int]) -> int:
    while True:
        while received:
            signum = received.pop(0)
            _signal_all(workers, signum)
            if signum != signal.SIGHUP:
                return _join(workers, failed=False)
        if any(not process.is_alive() for process, _ in workers):
            logs.event("worker_died", 50)
            _signal_all(workers, signal.SIGTERM)
            return _join(workers, failed=True)
        time.sleep(0.05)


def _signal_all(workers: list[tuple[Any, Path]], signum: int) -> None:
    for process, _ in workers:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signum)


def _join(workers: list[tuple[Any, Path]], failed: bool) -> int:
    for process, _ in workers:
        process.join()
    codes = [process.exitcode for process, _ in workers]
    return 1 if failed or any(code != 0 for code in codes) else 0
