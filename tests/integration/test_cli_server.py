"""`spi --server` prints byte for byte what `spi` prints in-process, and fails the same way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spi_client.cli import main as cli
from tests.catalogue import KNOWN

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = Path(
    os.environ.get("SPI_PUBLISHED_DIR", ROOT.parent / "shared" / "data" / "spi-published")
)
CSV = """unit_id,group,internal,external,expert,correction_integrity,correction_prevalence,note
kota-a,kota,80.5,85.25,70,0.5,0.25,first
kab-b,kabupaten,75.61,89.02,73.53,7.59,0,second
kota-c,kota,72,74,73,0,0,third
"""


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def units_csv(tmp_path: Path) -> str:
    path = tmp_path / "units.csv"
    path.write_text(CSV)
    return str(path)


def _commands(units_csv: str) -> list[list[str]]:
    single = [
        "--internal",
        "75.61",
        "--external",
        "89.02",
        "--expert",
        "73.53",
        "--correction",
        "7.59",
    ]
    commands = [
        ["score", "--ruleset", "spi-2024", *single],
        ["score", "--ruleset", "spi-2024", *single, "--format", "json"],
        ["score", "--ruleset", "spi-2023", "--input", units_csv],
        ["score", "--ruleset", "spi-2025", "--input", units_csv, "--format", "json"],
        ["summarize", "--ruleset", "spi-2024", "--input", units_csv],
        ["summarize", "--ruleset", "spi-2024", "--input", units_csv, "--format", "json"],
        ["rules", "list"],
        ["rules", "show", "spi-2022"],
    ]
    published = PUBLISHED / "results.csv"
    if published.exists():
        commands.append(["score", "--ruleset", "auto", "--input", str(published)])
    return commands


def test_server_mode_prints_the_same_bytes(
    server_address: str, units_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in _commands(units_csv):
        local = _run(capsys, argv)
        remote = _run(capsys, [*argv, "--server", server_address])
        assert local[0] == 0, (argv, local[2])
        assert remote == local, argv


def test_server_mode_reports_bad_input_like_in_process(
    server_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "score",
        "--ruleset",
        "spi-2024",
        "--internal",
        "101",
        "--external",
        "80",
        "--expert",
        "80",
        "--correction",
        "0",
    ]
    local = _run(capsys, argv)
    remote = _run(capsys, [*argv, "--server", server_address])
    assert (local[0], remote[0]) == (2, 2)
    assert (local[1], remote[1]) == ("", "")
    assert "101" in remote[2]


def test_server_refusals_read_like_in_process(
    server_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "score",
        "--ruleset",
        "spi-1999",
        "--internal",
        "70",
        "--external",
        "80",
        "--expert",
        "80",
        "--correction",
        "0",
    ]
    local = _run(capsys, argv)
    remote = _run(capsys, [*argv, "--server", server_address])
    assert local == (
        2,
        "",
        f"spi: error: unknown ruleset 'spi-1999'; known rulesets: {KNOWN}\n",
    )
    assert remote == local


def test_an_unreachable_server_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["rules", "list", "--server", "127.0.0.1:1", "--timeout", "2"]
    code, out, err = _run(capsys, argv)
    assert (code, out) == (1, "")
    assert err.startswith("spi: error: UNAVAILABLE: ")
