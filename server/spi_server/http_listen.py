"""The HTTP door's listener: uvicorn (h11) as a task on the process's shared event loop.

The socket is bound here (so port 0 works and the bound port is known before serving), with
SO_REUSEPORT when the gRPC door shares its port between processes too (``--processes``). TLS
uses the gRPC door's ``--tls-cert`` and ``--tls-key``. uvicorn logs only warnings; the calls
are logged by the pipeline like gRPC calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass
from typing import Any

import uvicorn

from .config import Config, ConfigError, split_address

KEEP_ALIVE_SECONDS = 5


@dataclass
class HttpListener:
    """A started uvicorn server, its task and its bound port."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    async def stop(self, grace: float) -> None:
        """Stop listening, let answers under way finish within ``grace`` seconds, then close."""
        self.server.config.timeout_graceful_shutdown = max(1, round(grace))
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.task), grace + 2.0)
        if not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def listen(app: Any, config: Config) -> HttpListener:
    """Serve the ASGI ``app`` on ``--http-address``; ConfigError when it cannot listen there."""
    host, port = split_address(config.http_address, "--http-address")
    sock = _bind(host, port, config.processes > 1)
    settings = uvicorn.Config(
        app,
        http="h11",
        lifespan="off",
        log_config=None,
        log_level=logging.WARNING,
        access_log=False,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        ssl_certfile=config.tls_cert or None,
        ssl_keyfile=config.tls_key or None,
    )
    server = uvicorn.Server(settings)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            error = task.exception()
            raise ConfigError(f"--http-address {config.http_address}: cannot serve ({error})")
        await asyncio.sleep(0.01)
    return HttpListener(server, task, int(sock.getsockname()[1]))


def _bind(host: str, port: int, shared: bool) -> socket.socket:
    name = "127.0.0.1" if host == "localhost" else host
    family = socket.AF_INET6 if ":" in name else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle off (TCP_NODELAY) only on connections whose
    # socket says TCP, and with Nagle on, an answer written as headers then body waits for the
    # caller's delayed ACK: 40 ms per call.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((name, port))
    except OSError as error:
        sock.close()
        raise ConfigError(
            f"--http-address {host}:{port}: cannot listen there ({error.strerror})"
        ) from None
    sock.set_inheritable(False)
    return sock
