"""bench.cli runs the survey commands as a user does, in-process and with --server, and records
one summary line per command (a small case: the national one is `make bench`'s)."""

from __future__ import annotations

import pytest

from bench import _goals
from bench import cli as bench_cli


def test_the_cli_benchmark_times_every_command_and_finds_the_outputs_identical(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = len(_goals.LINES)
    assert bench_cli.main(["--repeat", "1", "--respondents", "3000", "--institutions", "20"]) == 0
    lines = _goals.LINES[before:]
    del _goals.LINES[before:]
    names = [line.what for line in lines]
    assert names == [
        "`spi survey score --sub-units`, 3,000 respondents of 20 institutions from CSV, in-process",
        "`spi survey progress`, 3,000 respondents of 20 institutions from CSV, in-process",
        "`spi survey screen --corrections`, 3,000 respondents of 20 institutions from CSV, in-process",
        "`spi survey generate`, 3,000 respondents of 20 institutions (CSV)",
    ]
    assert all(line.target == "" for line in lines)
    assert all("same output" in line.ratio for line in lines[:3])
    assert capsys.readouterr().out.count("identical") == 3
