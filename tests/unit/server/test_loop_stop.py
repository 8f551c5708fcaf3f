"""spi-server stops its event loop before the process exits (grpc/grpc#34139: a loop still
running at interpreter shutdown can run gRPC's completion-queue callback on a closed descriptor
and print a traceback; CI saw one from a server that could not start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import threading
from spi_server import loop, serving
from spi_server.config import parse
status = serving.serve(parse(["--address", "127.0.0.1:0", "--http-address", "",
                              "--rulesets", {folder!r}]))
print(status, sorted(t.name for t in threading.enumerate() if t.name == "spi-loop"),
      loop.shared().is_running())
loop.stop()
"""


def test_a_server_that_cannot_start_exits_with_its_loop_stopped(tmp_path: Path) -> None:
    folder = str(tmp_path)
    (tmp_path / "bad.txtpb").write_text("not a ruleset", "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(folder=folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # the loop was stopped (a later caller gets a fresh one, running)
    assert done.stdout.strip() == "2 [] True", done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot_start" in done.stderr
