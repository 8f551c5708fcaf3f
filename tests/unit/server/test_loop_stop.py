"""gRPC's asyncio state is shut down on the loop's own thread (grpc/grpc#34139).

The last ``grpc.aio`` server or channel to be freed shuts that state down on the thread that
frees it: it removes its reader from the loop and closes the reader's socket. From the main
thread, with the loop running, the loop may already be running that reader, which then reads a
closed descriptor and prints ``PollerCompletionQueue._handle_events ... OSError: [Errno 9]``.
CI saw it from a server that could not start. The race itself is rare (never reproduced here in
hundreds of runs), so these tests watch the loop's ``remove_reader``: every call must come from
the loop's thread, or arrive once the loop has stopped. Before the loop held gRPC's state, the
first test recorded ``("MainThread", True)``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SPY = """
import gc, threading
import grpc
from spi_server import loop, serving
from spi_server.config import parse

shared = loop.shared()
calls = []
remove_reader = shared.remove_reader

def spy(fd):
    calls.append((threading.current_thread().name, shared.is_running()))
    return remove_reader(fd)

shared.remove_reader = spy
"""

FREED_ON_THE_MAIN_THREAD = (
    SPY
    + """
async def start():
    server = grpc.aio.server()
    server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server

server = loop.run(start())
loop.run(server.stop(0))
del server
gc.collect()
loop.stop()
print(calls)

async def served():  # a later caller gets a fresh loop, on which gRPC serves again
    server = await start()
    await server.stop(0)
    return "served again"

print(loop.run(served()))
loop.stop()
"""
)

CANNOT_START = (
    SPY
    + """
status = serving.serve(parse(["--address", "127.0.0.1:0", "--http-address", "",
                              "--rulesets", {folder!r}]))
gc.collect()
print(calls)
print(status, [t.name for t in threading.enumerate() if t.name == "spi-loop"])
"""
)


def _run(script: str) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines(), done.stderr


def _unsafe(calls: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(thread, running) for thread, running in calls if thread != "spi-loop" and running]


def test_a_grpc_server_freed_on_the_main_thread_leaves_the_loop_on_the_loops_thread() -> None:
    lines, stderr = _run(FREED_ON_THE_MAIN_THREAD)
    calls = ast.literal_eval(lines[0])
    assert calls, "gRPC never removed its reader: the test no longer watches the shutdown"
    assert _unsafe(calls) == [], calls
    assert lines[1] == "served again"
    assert "Traceback" not in stderr


def test_a_server_that_cannot_start_exits_with_its_loop_stopped(tmp_path: Path) -> None:
    (tmp_path / "bad.txtpb").write_text("not a ruleset", "utf-8")
    lines, stderr = _run(CANNOT_START.format(folder=str(tmp_path)))
    calls = ast.literal_eval(lines[0])
    assert calls, "gRPC never removed its reader: the test no longer watches the shutdown"
    assert _unsafe(calls) == [], calls
    assert lines[1] == "2 []"  # exit 2, and no loop thread left running
    assert "Traceback" not in stderr
    assert "cannot_start" in stderr
