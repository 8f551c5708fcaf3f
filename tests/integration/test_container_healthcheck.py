"""The container's HEALTHCHECK script (deploy/docker/healthcheck.py) against a real spi-server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import ServerProcess

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).parents[2] / "deploy" / "docker" / "healthcheck.py"


def healthcheck(address: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPI_")}
    env["SPI_ADDRESS"] = address
    return subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def test_healthy_while_serving_unhealthy_once_stopped(
    spawn_server: Callable[..., ServerProcess],
) -> None:
    server = spawn_server()
    done = healthcheck(f"0.0.0.0:{server.port}")  # the image's wildcard address, asked locally
    assert (done.returncode, done.stdout.strip()) == (
        0,
        f"healthy: localhost:{server.port} 'spi.v1.SpiEngine': SERVING",
    )
    server.signal(signal.SIGTERM)
    assert server.wait(30) == 0
    done = healthcheck(f"127.0.0.1:{server.port}")
    assert done.returncode == 1
    assert done.stderr.startswith(f"unhealthy: 127.0.0.1:{server.port} 'spi.v1.SpiEngine': ")
