"""The process's event loop, on a thread of its own, shared by every server in the process.

``spi-server`` keeps its main thread for signals (as before the move to ``grpc.aio``) and runs
the gRPC transport on this loop; tests start several servers in one process, all on the same
loop (gRPC's asyncio stack wants one loop per process). :func:`run` hands a coroutine to the
loop from any other thread and waits for its result.

The loop holds gRPC's asyncio state (its completion queue and the reader it adds to the loop) for
as long as it runs, and lets go of it on its own thread when it stops. Without that hold, the
last ``grpc.aio`` server or channel to be freed shuts the state down on whichever thread frees it:
it removes the reader and closes its socket from, say, the main thread while the loop thread may
already be running that reader, which then reads a closed descriptor and prints a traceback
(``PollerCompletionQueue._handle_events``, ``OSError: [Errno 9]``; grpc/grpc#34139). CI saw that
from a server that freed its half-started transport on the main thread when it could not start.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from grpc._cython import cygrpc

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def shared() -> asyncio.AbstractEventLoop:
    """The process's loop, started on a daemon thread the first time it is asked for."""
    global _loop, _thread
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def forever() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(_hold_grpc, ready)
                loop.run_forever()

            _thread = threading.Thread(target=forever, name="spi-loop", daemon=True)
            _thread.start()
            ready.wait()
            _loop = loop
        return _loop


def _hold_grpc(ready: threading.Event) -> None:
    cygrpc.init_grpc_aio()  # counted: gRPC's own servers and channels add to the same count
    ready.set()


def _let_go_and_stop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        cygrpc.shutdown_grpc_aio()  # the last holder shuts gRPC's state down here, on the loop
    finally:
        loop.stop()


def run(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coroutine`` on the shared loop and return its result (from a thread not the loop's)."""
    return asyncio.run_coroutine_threadsafe(coroutine, shared()).result(timeout)


def stop(timeout: float = 5.0) -> None:
    """Stop the shared loop and wait for its thread, before the process exits: a loop still
    running while the interpreter shuts down can run gRPC's completion-queue callback on a
    closed file descriptor and print a traceback (grpc/grpc#34139). The loop lets go of gRPC's
    state on its own thread first (see the module's docstring); a server or channel still
    referenced shuts it down when freed, with this loop no longer running. Servers on it must
    have stopped first; a later :func:`shared` starts a new loop."""
    global _loop, _thread
    with _lock:
        loop, thread, _loop, _thread = _loop, _thread, None, None
    if loop is None or thread is None:
        return
    loop.call_soon_threadsafe(_let_go_and_stop, loop)
    thread.join(timeout)
    if not thread.is_alive():
        loop.close()
