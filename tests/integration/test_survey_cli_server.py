"""`spi survey score | progress | screen` with `--server` print byte for byte what they print
in-process: the respondents go up as ScoreSurvey chunks, progress as SurveyProgress counts, and the
same messages come back, so every format, exit code and error message must come out identical."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from spi_client.cli import backend
from spi_client.cli import main as cli

pytestmark = pytest.mark.integration


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A small generated survey (with injected manipulation) as CSV and Parquet, and bad files."""
    folder = tmp_path_factory.mktemp("survey")
    for fmt in ("csv", "parquet"):
        argv = ["survey", "generate", "--out", str(folder / fmt), "--institutions", "8"]
        assert cli.main([*argv, "--respondents", "3000", "--seed", "11", "--format", fmt]) == 0
    lines = (folder / "csv" / "respondents.csv").read_text().splitlines()
    population = (folder / "csv" / "population.csv").read_text().splitlines()
    (folder / "dup.csv").write_text("\n".join([*lines[:3], lines[1]]) + "\n")
    # respondent ids beyond ASCII (a file's reader keeps them as UTF-8 bytes in-process)
    renamed = [x.replace("R0", "Ré-0", 1) if x.startswith("R0") else x for x in lines]
    (folder / "utf8.csv").write_text("\n".join(renamed) + "\n", "utf-8")
    (folder / "pop.csv").write_text(
        "\n".join(x for x in population if "kabupaten-001," not in x) + "\n"
    )
    return {
        "csv": str(folder / "csv" / "respondents.csv"),
        "parquet": str(folder / "parquet" / "respondents.parquet"),
        "population": str(folder / "csv" / "population.csv"),
        "dup": str(folder / "dup.csv"),
        "utf8": str(folder / "utf8.csv"),
        "pop_missing": str(folder / "pop.csv"),
    }


@pytest.fixture
def address(server_address: str) -> str:
    """The session's shared spi-server subprocess."""
    return server_address


def commands(files: dict[str, str]) -> list[list[str]]:
    csv, parquet, population = files["csv"], files["parquet"], files["population"]
    return [
        ["survey", "score", "--responses", csv, "--population", population],
        ["survey", "score", "--responses", parquet, "--population", population, "--sub-units"],
        ["survey", "score", "--responses", csv, "--sub-units", "--format", "json"],
        ["survey", "score", "--responses", csv, "--population", population, "--exclude-flagged", "--format", "csv", "--sub-units"],
        ["survey", "score", "--responses", csv, "--population", population, "--unit", "kabupaten-002"],
        ["survey", "progress", "--sample", population, "--responses", csv],
        ["survey", "progress", "--sample", population, "--responses", parquet, "--until", "2024-08-15", "--format", "csv"],
        ["survey", "screen", "--responses", csv, "--corrections"],
        ["survey", "screen", "--responses", parquet, "--format", "json"],
        ["survey", "screen", "--responses", csv, "--format", "csv"],
        ["survey", "screen", "--responses", files["utf8"], "--corrections"],
        ["survey", "score", "--responses", files["utf8"], "--exclude-flagged", "--format", "json"],
    ]  # fmt: skip


def test_every_survey_command_prints_the_same_bytes(
    address: str,
    survey: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In-process the respondents are scored as one validated batch; the server gets them in
    chunks (one of the default size here, then 6 of 500, then 2 of 1,024 and a shorter one),
    and the answer must not move."""
    for argv in commands(survey):
        expected = _run(capsys, argv)
        assert expected[0] == 0, (argv, expected[2])
        if survey["utf8"] in argv and "screen" in argv:
            assert "Ré-0000058" in expected[1]  # listed whole, not as b'...'
        sizes = (backend.CHUNK_ROWS,) if argv[1] == "progress" else (backend.CHUNK_ROWS, 500, 1024)
        for chunk_rows in sizes:
            monkeypatch.setattr(backend, "CHUNK_ROWS", chunk_rows)
            assert _run(capsys, [*argv, "--server", address]) == expected, (chunk_rows, argv)
        monkeypatch.undo()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_upload_shows_a_bar_on_a_terminal_only(
    address: str,
    survey: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = ["survey", "score", "--responses", survey["csv"], "--format", "csv"]
    monkeypatch.setattr(backend, "PROGRESS_FROM", 100)
    monkeypatch.setattr(backend, "CHUNK_ROWS", 500)
    code, plain, err = _run(capsys, [*argv, "--server", address])
    assert (code, err) == (0, "")
    for where in ([], ["--server", address]):  # in-process nothing is uploaded: no bar
        screen = Terminal()
        monkeypatch.setattr(sys, "stderr", screen)
        assert cli.main([*argv, *where]) == 0
        assert capsys.readouterr().out == plain
        drawn = screen.getvalue()
        if where:
            assert "\ruploading respondents [####--------------------]  16% 500/3,000" in drawn
            assert "\ruploading respondents [########################] 100% 3,000/3,000" in drawn
            assert drawn.endswith("\r")
        else:
            assert drawn == ""


def test_bad_files_fail_the_same_way(
    address: str, survey: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    csv, population = survey["csv"], survey["pop_missing"]
    cases = [
        ["survey", "score", "--responses", survey["dup"]],
        ["survey", "score", "--responses", csv, "--population", population],
        ["survey", "progress", "--responses", csv, "--sample", population],
        ["survey", "score", "--responses", csv, "--ruleset", "spi-2099"],
        ["survey", "score", "--responses", csv, "--unit", "nobody"],
    ]
    for argv in cases:
        expected = _run(capsys, argv)
        assert expected[0] == 2, (argv, expected)
        assert expected[2].startswith("spi: error: "), expected
        assert _run(capsys, [*argv, "--server", address]) == expected, argv
    first = next(
        i for i, line in enumerate(Path(csv).read_text().splitlines()) if ",kabupaten-001," in line
    )
    message = _run(capsys, cases[1])[2]
    assert (
        f"respondents.csv: line {first + 1}, column 'unit_id': unit 'kabupaten-001' has" in message
    )
