"""One server process: start it, log that it serves, then act on signals until it stops.

SIGHUP reloads ``--rulesets``, the ``--dataset`` files, ``--instruments``, ``--tokens`` and
reopens the decision log. SIGTERM or SIGINT drains: health NOT_SERVING, new calls refused, calls
in flight finish within ``--grace`` seconds, exit 0. Exit 2 when the server cannot start.
``spi-server`` (:mod:`spi_server.main`) runs it, and so does each ``--processes`` worker
(:mod:`spi_server.workers`).
"""

from __future__ import annotations

import collections
import signal
import time
from types import FrameType

from spi_engine import SpiError

from . import app, logs, loop
from .config import Config, ConfigError
from .errors import ServerError

EXIT_OK = 0
EXIT_CANNOT_START = 2
POLL_SECONDS = 0.05


def serve(config: Config) -> int:
    """Run one server process until SIGTERM/SIGINT; the signals are handled in this thread.
    The event loop is stopped before it returns (whether the server started or not)."""
    try:
        return _serve(config)
    finally:
        loop.stop()
        logs.flush()  # lines whose batch was due on the loop just stopped


def _serve(config: Config) -> int:
    pending: collections.deque[int] = collections.deque()

    def remember(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, remember)
    try:
        server = app.start(config)
    except (ConfigError, ServerError, SpiError) as error:
        logs.event("cannot_start", 50, error=str(error))
        return EXIT_CANNOT_START
    logs.event(
        "serving",
        address=config.address,
        port=server.port,
        http_address=config.http_address or None,
        http_port=server.http_port,
        metrics_port=server.metrics_port,
        rulesets=list(server.rulesets.current().ids),
        datasets=list(server.datasets.current().names) if server.datasets else [],
        tls=bool(config.tls_cert),
        mutual_tls=bool(config.client_ca),
        tokens=bool(config.tokens),
        decision_log=config.decision_log or None,
        reflection=config.reflection,
    )
    return _wait(server, pending)


def _wait(server: app.Server, pending: collections.deque[int]) -> int:
    while True:
        while not pending:
            time.sleep(POLL_SECONDS)
        signum = pending.popleft()
        if signum == signal.SIGHUP:
            server.reload()
            continue
        logs.event("draining", signal=signal.Signals(signum).name, grace=server.config.grace)
        finished = server.stop()
        logs.event("stopped", all_calls_finished=finished)
        return EXIT_OK
