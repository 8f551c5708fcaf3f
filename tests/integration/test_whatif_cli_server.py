"""The what-if commands with `--server` print byte for byte what they print in-process.

A real `spi-server` subprocess (tests/integration/conftest.py's ``spawn_server``) serves the
reference datasets; in-process the same files are given as ``--dataset NAME=PATH``, so every
command, format, exit code, error message and plot file must come out identical.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spi_client.cli import main as cli
from spi_engine import bundled

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = (
    Path(os.environ.get("SPI_PUBLISHED_DIR", ROOT.parent / "shared" / "data" / "spi-published"))
    / "results.csv"
)
SMALL = """year,institution_id,name,type,internal,external,expert,correction_integrity,correction_prevalence,index,flag
2023,1,KABUPATEN SATU,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,
2023,2,KOTA DUA,kota,80.00,80.00,77.90,0.00,0.00,79.36,
2023,3,KABUPATEN TIGA,kabupaten,70.10,85.00,72.00,2.00,1.00,73.10,
2024,1,KABUPATEN SATU,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,
2024,2,KOTA DUA,kota,81.00,82.00,79.00,0.50,0.00,80.00,
2024,4,LEMBAGA EMPAT,lembaga,90.00,88.00,85.00,0.00,0.00,87.70,withheld_by_kpk
"""
UNIT = ["--ruleset", "spi-2024", "--internal", "75.61", "--external", "89.02"]
UNIT += ["--expert", "73.53", "--correction", "7.59", "--unit-id", "probolinggo"]
SAMPLE = ["--respondents", "internal=120", "--respondents", "external=200"]
SAMPLE += ["--respondents", "expert=10", "--sd", "internal=12", "--sd", "external=10"]
SAMPLE += ["--sd", "expert=9"]
COSTS = ["--cost", "internal=3", "--cost", "external=1", "--cost", "expert=5"]
COSTS += ["--cost", "correction=2", "--max", "external=5", "--max", "correction=3"]

Dataset = Callable[[str], str]
"""How a command names a dataset: NAME=PATH in-process, NAME with --server."""


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    small = tmp_path / "small.csv"
    small.write_text(SMALL, encoding="utf-8")
    units = tmp_path / "units.csv"
    units.write_text("".join(SMALL.splitlines(keepends=True)[:4]), encoding="utf-8")
    variant = tmp_path / "strict.txtpb"
    variant.write_text(
        bundled().get("spi-2024").to_text().replace("lower_bound: 78.0", "lower_bound: 80.5")
    )
    found = {"small": small, "units": units, "variant": variant}
    if PUBLISHED.exists():
        found["published"] = PUBLISHED
    return found


@pytest.fixture
def address(spawn_server: Callable[..., Any], files: dict[str, Path]) -> str:
    datasets = [
        f"--dataset={name}={files[name]}" for name in ("small", "published") if name in files
    ]
    return str(spawn_server(*datasets).address)


def commands(files: dict[str, Path], dataset: Dataset) -> list[list[str]]:
    units, small = str(files["units"]), dataset("small")
    found = [
        ["whatif", *UNIT, "--add", "external=3"],
        ["whatif", *UNIT, "--add", "external=20", "--format", "json"],
        ["whatif", "--input", units, "--ruleset", "spi-2023", "--set", "internal=80@id:1", "--format", "csv"],
        ["whatif", "--dataset", small, "--add", "external=5@group:kabupaten"],
        ["whatif", "--dataset", small, "--year", "2024", "--bound", "terjaga=80.5", "--format", "csv"],
        ["whatif", "--dataset", small, "--keep-withheld", "--changed-only", "--scale", "expert=1.02", "--format", "json"],
        ["goal", *UNIT, "--target", "waspada"],
        ["goal", *UNIT, "--target", "terjaga", *COSTS, "--format", "json"],
        ["goal", "--input", units, "--ruleset", "auto", "--target", "75", "--format", "csv"],
        ["goal", "--dataset", small, "--year", "2024", "--id", "2,1", "--target", "waspada"],
        ["sensitivity", *UNIT],
        ["sensitivity", "--dataset", small, "--year", "2023", "--format", "csv"],
        ["sweep", *UNIT, "--axis", "external=80:100:0.25"],
        ["sweep", *UNIT, "--axis", "external=90:100:5", "--axis", "internal=70:80:5", "--format", "csv"],
        ["sweep", "--dataset", small, "--year", "2024", "--axis", "expert=60,70,80", "--format", "json"],
        ["uncertainty", *UNIT, *SAMPLE, "--draws", "5000", "--seed", "2024"],
        ["uncertainty", "--dataset", small, "--year", "2023", "--se", "internal=1", "--se", "external=1", "--se", "expert=2", "--format", "csv"],
        ["rules", "diff", "spi-2023", "spi-2024", "--input", units],
        ["rules", "diff", "spi-2024", str(files["variant"]), "--dataset", small, "--year", "2024", "--format", "csv"],
        ["rules", "diff", "spi-2024", "spi-2024", "--bound", "terjaga=80.5", "--dataset", small, "--format", "json"],
    ]  # fmt: skip
    if "published" in files:
        published = dataset("published")
        found += [
            ["whatif", "--dataset", published, "--year", "2024", "--add", "external=2@group:kabupaten"],
            ["whatif", "--dataset", published, "--add", "external=2@group:kabupaten", "--format", "csv"],
            ["rules", "diff", "spi-2023", "spi-2024", "--dataset", published, "--year", "2024"],
        ]  # fmt: skip
    return found


def test_every_command_prints_the_same_bytes(
    address: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    local = commands(files, lambda name: f"{name}={files[name]}")
    remote = commands(files, lambda name: name)
    for here, there in zip(local, remote, strict=True):
        expected = _run(capsys, here)
        assert expected[0] == 0, (here, expected[2])
        assert _run(capsys, [*there, "--server", address]) == expected, there


def test_the_ci_gate_and_bad_input_fail_the_same_way(
    address: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    units = str(files["units"])
    cases = [
        (["rules", "diff", "spi-2023", "spi-2024", "--input", units, "--fail-on-change"], 3),
        (["rules", "diff", "spi-2024", "spi-2024", "--input", units, "--fail-on-change"], 0),
        (["whatif", *UNIT, "--add", "externl=3"], 2),
        (["whatif", *UNIT, "--add", "external=2@id:nobody"], 2),
        (["whatif", *UNIT, "--set", "external=120"], 2),
        (["goal", *UNIT, "--target", "blau"], 2),
        (["goal", *UNIT, "--target", "waspada", "--cost", "external=-1"], 2),
        (["sweep", *UNIT, "--axis", "external=0:100:0.01", "--axis", "internal=0:100:0.01"], 2),
        (["sweep", *UNIT, "--axis", "external=0:1e12:0.01"], 2),
        (["uncertainty", *UNIT, *SAMPLE, "--draws", "300000"], 2),
        (["uncertainty", *UNIT, *SAMPLE, "--level", "2"], 2),
        (["rules", "diff", "spi-2024", "spi-2099", "--input", units], 2),
    ]  # fmt: skip
    for argv, code in cases:
        expected = _run(capsys, argv)
        assert expected[0] == code, (argv, expected)
        assert _run(capsys, [*argv, "--server", address]) == expected, argv


def test_dataset_names_and_selections_on_the_server(
    address: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, ["whatif", "--dataset", "nope", "--server", address])
    known = "small, published" if "published" in files else "small"
    assert (code, out) == (2, "")
    assert (
        err
        == f"spi: error: unknown dataset 'nope'; known datasets: {', '.join(sorted(known.split(', ')))}\n"
    )
    code, _, err = _run(capsys, ["whatif", "--dataset", str(files["small"]), "--server", address])
    assert code == 2
    assert (
        "can only be used in-process; load it into the server with `spi-server --dataset NAME=PATH`"
        in err
    )
    argv = ["goal", "--dataset", "small", "--id", "1", "--target", "waspada", "--server", address]
    code, _, err = _run(capsys, argv)
    assert (code, err) == (
        2,
        "spi: error: units.dataset.unit_ids[0]: id '1' names several rows of dataset 'small' "
        "(years (2023, 2024)); expected a year to pick one\n",
    )
    code, out, _ = _run(capsys, ["datasets", "--server", address])
    assert code == 0
    assert out.splitlines()[0].split() == ["name", "rows", "years", "groups", "sha256", "origin"]
    rows = [line.split()[:4] for line in out.splitlines()[1:]]
    assert ["small", "6", "2023,2024", "kabupaten,kota,lembaga"] in rows


def test_plots_are_the_same_files(
    address: str, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib", reason="plots need the [plot] extra")
    plotted = [
        (["goal", *UNIT, "--target", "waspada", "--lever", "external"], ".png"),
        (["sensitivity", *UNIT], ".svg"),
        (["sweep", *UNIT, "--axis", "external=80:100:0.5"], ".png"),
        (["sweep", *UNIT, "--axis", "external=80:100:5", "--axis", "internal=60:100:5"], ".png"),
        (["uncertainty", *UNIT, *SAMPLE, "--draws", "2000"], ".png"),
        (["whatif", "--dataset", "{small}", "--year", "2023", "--add", "external=5@group:kabupaten"], ".png"),
    ]  # fmt: skip
    for number, (argv, suffix) in enumerate(plotted):
        here = [a.replace("{small}", f"small={files['small']}") for a in argv]
        there = [a.replace("{small}", "small") for a in argv]
        mine, theirs = tmp_path / f"{number}-local{suffix}", tmp_path / f"{number}-server{suffix}"
        assert _run(capsys, [*here, "--plot", str(mine)])[0] == 0, argv
        assert _run(capsys, [*there, "--plot", str(theirs), "--server", address])[0] == 0, argv
        assert mine.read_bytes() == theirs.read_bytes(), argv
