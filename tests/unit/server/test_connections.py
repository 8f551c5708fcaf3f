"""spi_server.connections reads, from /proc, this process's established TCP connections on given
ports and the bytes they have written that the other side has not acknowledged, so a drain can
wait until its answers are delivered before gRPC closes the sockets."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

from spi_server import connections

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="read from Linux's /proc")

CHUNK = 2**16


def test_a_connection_counts_on_its_own_side_s_port_only() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        assert connections.outgoing([port]) == connections.Outgoing(0, 0)
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            with accepted:
                # the accepted end has the server's port; the client's end has its own
                assert connections.outgoing([port]) == connections.Outgoing(1, 0)
                assert connections.outgoing([client.getsockname()[1]]) == connections.Outgoing(1, 0)
                other = port + 1 if port < 65535 else port - 1
                assert connections.outgoing([other]) == connections.Outgoing(0, 0)
        assert connections.outgoing([port]) == connections.Outgoing(0, 0)


def _stuffed(accepted: socket.socket) -> int:
    """Write to ``accepted`` until its send buffer is full (the peer reads nothing)."""
    accepted.setblocking(False)
    written = 0
    try:
        while True:
            written += accepted.send(b"x" * CHUNK)
    except BlockingIOError:
        return written


def test_bytes_the_peer_has_not_read_stay_unacknowledged_until_it_reads_them() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once
        client.connect(("127.0.0.1", port))
        accepted, _ = listener.accept()
        with client, accepted:
            written = _stuffed(accepted)
            waiting = connections.outgoing([port])
            assert waiting is not None
            assert waiting.connections == 1
            assert 0 < waiting.unacknowledged <= written

            def read_all() -> None:
                got = 0
                while got < written:
                    got += len(client.recv(CHUNK))

            reader = threading.Timer(0.1, read_all)
            reader.start()
            started = time.monotonic()
            assert connections.wait_delivered([port], 10.0) == connections.Outgoing(1, 0)
            assert time.monotonic() - started < 9.0  # it returned when the bytes arrived
            reader.join()


def test_waiting_stops_at_its_bound_and_says_what_is_left() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port))
        accepted, _ = listener.accept()
        with client, accepted:
            _stuffed(accepted)
            started = time.monotonic()
            left = connections.wait_delivered([port], 0.2)
            assert 0.2 <= time.monotonic() - started < 2.0
            assert left is not None
            assert left.connections == 1
            assert left.unacknowledged > 0


def test_an_idle_connection_needs_no_wait() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = listener.accept()
            with accepted:
                started = time.monotonic()
                assert connections.wait_delivered([port], 5.0) == connections.Outgoing(1, 0)
                assert time.monotonic() - started < 1.0
