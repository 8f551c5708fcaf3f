"""The process's event loop, on a thread of its own, shared by every server in the process.

``spi-server`` keeps its main thread for signals (as before the move to ``grpc.aio``) and runs
the gRPC transport on this loop; tests start several servers in one process, all on the same
loop (gRPC's asyncio stack wants one loop per process). :func:`run` hands a coroutine to the
loop from any other thread and waits for its result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

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
                loop.call_soon(ready.set)
                loop.run_forever()

            _thread = threading.Thread(target=forever, name="spi-loop", daemon=True)
            _thread.start()
            ready.wait()
            _loop = loop
        return _loop


def run(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coroutine`` on the shared loop and return its result (from a thread not the loop's)."""
    return asyncio.run_coroutine_threadsafe(coroutine, shared()).result(timeout)


def stop(timeout: float = 5.0) -> None:
    """Stop the shared loop and wait for its thread, before the process exits: a loop still
    running while the interpreter shuts down can run gRPC's completion-queue callback on a
    closed file descriptor and print a traceback (grpc/grpc#34139). Servers on it must have
    stopped first; a later :func:`shared` starts a new loop."""
    global _loop, _thread
    with _lock:
        loop, thread, _loop, _thread = _loop, _thread, None, None
    if loop is None or thread is None:
        return
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout)
    if not thread.is_alive():
        loop.close()
