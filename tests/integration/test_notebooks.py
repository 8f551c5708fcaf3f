"""The example notebooks under examples/, executed top to bottom on a fresh kernel.

Each notebook ends with checks of its own answers, so a drifting number fails here. The kernel is
this interpreter (a kernelspec written for the test, so an installed "python3" kernel of another
environment is never picked), reached over local IPC sockets (no TCP port to race for, no
network); the planner's notebook starts its own spi-server on loopback. Stored notebooks carry no
outputs: what a reader sees is what a fresh run gives.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = {
    "planner-whatif.ipynb": 3,
    "survey-monitoring.ipynb": 3,
}
"""Notebook -> the plots it draws."""
KERNEL = "spi-engine-tests"
CELL_TIMEOUT = 240


@pytest.fixture(scope="module")
def kernel_home() -> Iterator[Path]:
    """A folder with a kernelspec for this interpreter, and room for the IPC sockets."""
    home = Path(tempfile.mkdtemp(prefix="spi-nb-"))  # short: a socket path has at most 107 bytes
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    command = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": command, "display_name": "spi-engine tests", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), "utf-8")
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_every_notebook_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_is_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_runs_top_to_bottom_with_its_plots(
    name: str, kernel_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_home))
    monkeypatch.delenv("SPI_SERVER", raising=False)  # the planner's notebook starts its own
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend shows plots
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    sockets = {"transport": "ipc", "ip": str(kernel_home / f"{name[:8]}-ipc")}
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},
        config=Config(KernelManager=sockets),
    )
    # Starts the kernel, runs every cell, stops the kernel; raises CellExecutionError (with the
    # cell and its traceback) on the first error.
    client.execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    plots = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(plots) == NOTEBOOKS[name]
