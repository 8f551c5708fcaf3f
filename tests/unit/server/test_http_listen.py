"""The HTTP door's listening socket: Nagle off, or every small answer waits 40 ms."""

from __future__ import annotations

import socket

from spi_server.http_listen import _bind


def test_the_listening_socket_says_tcp_so_connections_get_nodelay() -> None:
    # asyncio sets TCP_NODELAY on an accepted connection only when its socket's proto is TCP;
    # accepted sockets copy the listening socket's proto. With proto 0 (the default), Nagle
    # held each answer's body until the caller's delayed ACK: 44 ms p50 for a 1-unit Score.
    sock = _bind("127.0.0.1", 0, shared=False)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()
