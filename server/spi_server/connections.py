"""What this server's own TCP connections still have to deliver, read from ``/proc`` (Linux).

A drain stops gRPC only once the answers of the calls it waited for have reached their callers'
machines (see :func:`wait_delivered`). A call counts as done when its last bytes are in the
kernel's send buffer, not when the caller has them; stopping then closes the socket with the
caller's window updates unread in the receive buffer, so the kernel resets the connection and
throws away what it had not sent yet: the caller loses the end of its answer ("Connection reset
by peer"). Bytes the caller's kernel has acknowledged are safe: a reset after them only closes
the connection.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection
from dataclasses import dataclass

TCP_TABLES = ("/proc/self/net/tcp", "/proc/self/net/tcp6")
ESTABLISHED = "01"
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Outgoing:
    """This process's established connections on some ports, and the bytes they have written
    that the other side has not acknowledged yet."""

    connections: int
    unacknowledged: int


def outgoing(ports: Collection[int]) -> Outgoing | None:
    """This process's established TCP connections on its side's ``ports``; None when that
    cannot be known here (no ``/proc``)."""
    try:
        inodes = _socket_inodes()
        connections = unacknowledged = 0
        for table in TCP_TABLES:
            with open(table, encoding="ascii") as rows:
                next(rows, None)  # the header
                for row in rows:
                    # sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
                    fields = row.split()
                    if len(fields) < 10 or fields[3] != ESTABLISHED or fields[9] not in inodes:
                        continue
                    if int(fields[1].rpartition(":")[2], 16) in ports:
                        connections += 1
                        unacknowledged += int(fields[4].partition(":")[0], 16)
    except (OSError, ValueError):
        return None
    return Outgoing(connections, unacknowledged)


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed since it was listed
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def wait_delivered(ports: Collection[int], seconds: float) -> Outgoing | None:
    """Wait at most ``seconds`` until every byte written on ``ports`` has been acknowledged;
    what is left then (None: not known here, and no wait)."""
    deadline = time.monotonic() + seconds
    left = outgoing(ports)
    while left and left.unacknowledged and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        left = outgoing(ports)
    return left
