"""The core knows nothing of transport: importing spi_engine loads no grpc module."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import importlib, json, pkgutil, sys
import spi_engine
names = sorted(m.name for m in pkgutil.walk_packages(spi_engine.__path__, "spi_engine."))
for name in names:
    importlib.import_module(name)
grpc = sorted(m for m in sys.modules if m == "grpc" or m.startswith("grpc"))
print(json.dumps({"imported": names, "grpc": grpc}))
"""


def probe(prefix: str = "") -> dict[str, list[str]]:
    """Run the probe in a fresh interpreter; return what it imported and the grpc modules loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", prefix + PROBE],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    found: dict[str, list[str]] = json.loads(completed.stdout.strip().splitlines()[-1])
    return found


def test_importing_spi_engine_loads_no_grpc() -> None:
    found = probe()
    assert "spi_engine.scoring" in found["imported"]
    assert "spi_engine.convert" in found["imported"]
    assert found["grpc"] == []


def test_the_probe_would_see_grpc() -> None:
    assert "grpc" in probe("import grpc\n")["grpc"]
