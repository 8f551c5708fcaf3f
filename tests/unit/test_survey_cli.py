"""`spi survey generate | score | progress | screen` in-process: outputs, formats, exit codes and
bad files with their exact messages, on small generated surveys written to tmp_path."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from spi_client.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("survey")
    code = main(
        [
            "survey",
            "generate",
            "--out",
            str(folder),
            "--institutions",
            "6",
            "--respondents",
            "1200",
            "--seed",
            "7",
        ]
    )
    assert code == 0
    return folder


def test_generate_writes_the_files_and_says_what_it_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "survey",
        "generate",
        "--out",
        str(tmp_path),
        "--institutions",
        "6",
        "--respondents",
        "1200",
        "--seed",
        "7",
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "synthetic survey, seed 7, instrument example-survey (7a65d35c354e)"
    assert "1,200 respondents in 6 institutions (129 to 299 each)" in lines[1]
    assert lines[3].endswith(
        "1,200 rows; injected: speeder 2, straight_liner 1, duplicate_device 37, "
        "duplicate_answers 33, burst 80"
    )
    assert lines[4] == "  clean respondents: 1,047"
    rows = list(csv.DictReader(io.StringIO((tmp_path / "respondents.csv").read_text())))
    assert len(rows) == 1200
    assert len({r["unit_id"] for r in rows}) == 6
    truth = list(csv.DictReader(io.StringIO((tmp_path / "truth.csv").read_text())))
    assert sum(r["pattern"] != "clean" for r in truth) == 1200 - 1047


def test_generate_is_seeded_and_writes_parquet(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("a", "b"):
        assert (
            main(
                [
                    "survey",
                    "generate",
                    "--out",
                    str(tmp_path / name),
                    "--institutions",
                    "3",
                    "--respondents",
                    "300",
                    "--clean",
                ]
            )
            == 0
        )
    assert (tmp_path / "a/respondents.csv").read_bytes() == (
        tmp_path / "b/respondents.csv"
    ).read_bytes()
    code, out, _ = run(
        capsys,
        "survey",
        "generate",
        "--out",
        str(tmp_path / "p"),
        "--institutions",
        "3",
        "--respondents",
        "300",
        "--format",
        "parquet",
        "--clean",
    )
    assert code == 0
    assert "injected: none" in out
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "population.parquet",
        "respondents.parquet",
        "truth.parquet",
    ]


def test_generate_refuses_an_impossible_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "survey",
        "generate",
        "--out",
        str(tmp_path),
        "--institutions",
        "3",
        "--respondents",
        "20",
    )
    assert (code, out) == (2, "")
    assert err == (
        "spi: error: respondents: expected 30 to 2554 respondents per institution (30 >= 10) "
        "over 3 institutions; got 20 in total\n"
    )
