"""The server's own TCP connections, counted from ``/proc`` (Linux).

A drain waits, after the last call has finished, until the clients of the calls that were in
flight have closed their connections (briefly: see :func:`wait_closed`). The last bytes of an
answer can still be in the kernel's send buffer when the call counts as finished; if the process
exits then, with the client's window updates unread in the receive buffer, the kernel resets the
connection and the client loses the end of its answer ("Connection reset by peer"). A client
that has its whole answer and the server's GOAWAY closes the connection itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection

TCP_TABLES = ("/proc/self/net/tcp", "/proc/self/net/tcp6")
ESTABLISHED = "01"
POLL_SECONDS = 0.02


def established(ports: Collection[int]) -> int | None:
    """How many established TCP connections this process holds on its side's ``ports``; None
    when that cannot be known here (no ``/proc``)."""
    try:
        inodes = _socket_inodes()
        count = 0
        for table in TCP_TABLES:
            with open(table, encoding="ascii") as rows:
                next(rows, None)  # the header
                for row in rows:
                    fields = row.split()
                    if len(fields) < 10 or fields[3] != ESTABLISHED or fields[9] not in inodes:
                        continue
                    if int(fields[1].rpartition(":")[2], 16) in ports:
                        count += 1
    except (OSError, ValueError):
        return None
    return count


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


def wait_closed(ports: Collection[int], seconds: float) -> int | None:
    """Wait at most ``seconds`` until no connection is left on ``ports``; the number left
    (None: not known here, and no wait)."""
    deadline = time.monotonic() + seconds
    left = established(ports)
    while left and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        left = established(ports)
    return left
