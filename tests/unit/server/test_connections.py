"""spi_server.connections counts this process's established TCP connections on given ports
(from /proc), so a drain can wait for the last callers to close theirs."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

from spi_server import connections

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="counted from Linux's /proc")


def test_a_connection_counts_on_its_server_port_until_the_client_closes_it() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        assert connections.established([port]) == 0
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        try:
            # the accepted end has the server's port; the client's end has its own
            assert connections.established([port]) == 1
            assert connections.established([client.getsockname()[1]]) == 1
            assert connections.established([port + 1 if port < 65535 else port - 1]) == 0
            threading.Timer(0.1, client.close).start()
            started = time.monotonic()
            assert connections.wait_closed([port], 5.0) == 0
            assert time.monotonic() - started < 4.0  # it returned when the client closed
        finally:
            accepted.close()
            client.close()


def test_waiting_stops_at_its_bound_and_says_how_many_are_left() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):  # held open by the client
            accepted, _ = listener.accept()
            with accepted:
                started = time.monotonic()
                assert connections.wait_closed([port], 0.2) == 1
                assert 0.2 <= time.monotonic() - started < 2.0
