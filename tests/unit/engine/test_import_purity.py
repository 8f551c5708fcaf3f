"""The core knows nothing of transport: importing spi_engine loads no grpc module, and neither
does the `spi` command working in-process (the client library loads grpc when first named)."""

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


def probe(prefix: str = "", probe_code: bool = True) -> dict[str, list[str]]:
    """Run the probe in a fresh interpreter; return what it imported and the grpc modules loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", prefix + (PROBE if probe_code else "")],
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
    assert "spi_engine.api.scoring_messages" in found["imported"]
    assert found["grpc"] == []


def test_the_probe_would_see_grpc() -> None:
    assert "grpc" in probe("import grpc\n")["grpc"]


CLI_PROBE = """
import contextlib, io, json, sys
from spi_client.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["score", "--ruleset", "spi-2024", "--internal", "75.61", "--external", "89.02",
                 "--expert", "73.53", "--correction", "7.59"])
grpc = sorted(m for m in sys.modules if m == "grpc" or m.startswith("grpc"))
print(json.dumps({"imported": [str(code)], "grpc": grpc}))
"""


def test_the_cli_in_process_loads_no_grpc() -> None:
    found = probe(CLI_PROBE, probe_code=False)
    assert found == {"imported": ["0"], "grpc": []}


def test_the_client_library_still_loads_grpc() -> None:
    found = probe("from spi_client import SpiClient\n" + CLI_PROBE, probe_code=False)
    assert "grpc" in found["grpc"]


WITHOUT_GRPC = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "grpc" or name.startswith("grpc"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
"""


def test_without_grpc_the_engine_and_the_cli_in_process_work() -> None:
    found = probe(WITHOUT_GRPC + CLI_PROBE, probe_code=False)
    assert found == {"imported": ["0"], "grpc": []}
    assert "spi_engine.scoring" in probe(WITHOUT_GRPC)["imported"]


def test_without_grpc_the_server_mode_names_the_extra_to_install() -> None:
    code = WITHOUT_GRPC + (
        "from spi_client.cli.main import main\n"
        "main(['score', '--server', 'localhost:1', '--ruleset', 'spi-2024', '--internal', '1',"
        " '--external', '1', '--expert', '1'])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.stderr == (
        "spi: error: --server: the client needs grpc: pip install 'spi-engine[client]'\n"
    )


def test_the_core_depends_on_numpy_and_protobuf_only() -> None:
    import re
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=\[ ]", spec, maxsplit=1)[0] for spec in project["dependencies"]}
    assert names == {"numpy", "protobuf"}
    extras = project["optional-dependencies"]
    assert {"grpcio", "prometheus-client"} <= {re.split(r"[<>=]", s)[0] for s in extras["server"]}
    assert {re.split(r"[<>=]", s)[0] for s in extras["client"]} == {"grpcio", "grpcio-status"}
