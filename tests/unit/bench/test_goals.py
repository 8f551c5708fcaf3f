"""The benchmark run's summary: every goal recorded once, verdicts from the measured figures."""

from __future__ import annotations

import pytest

from bench import __main__ as runner
from bench import _goals


@pytest.fixture(autouse=True)
def _fresh_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_goals, "LINES", [])


def test_a_goal_is_printed_at_once_and_kept_for_the_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _goals.goal("641-unit batch", "560 k units/s", "echo 1,000 k units/s", "56 %", ">= 50 %", True)
    _goals.goal("32 callers", "2,000 calls/s", "echo 3,600 calls/s", "55 %", ">= 70 %", False)
    _goals.figure("1M units", "64 ms", "loop 3 s", "48x faster")

    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        "SUMMARY 641-unit batch: 560 k units/s vs echo 1,000 k units/s = 56 %  [>= 50 %: met]"
    )
    assert printed[1].endswith("[>= 70 %: MISSED]")
    assert printed[2] == "SUMMARY 1M units: 64 ms vs loop 3 s = 48x faster"
    table = _goals.table(_goals.LINES).splitlines()
    assert table[0].startswith("| what | figure |")
    assert (
        table[2]
        == "| 641-unit batch | 560 k units/s | echo 1,000 k units/s | 56 % | >= 50 % | met |"
    )
    assert table[3].endswith("| >= 70 % | MISSED |")
    assert table[4].endswith("| 48x faster |  |  |")


def test_an_unknown_benchmark_is_refused_with_the_available_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert runner.main(["nonsense"]) == 2
    error = capsys.readouterr().err
    assert "unknown benchmark(s): nonsense" in error
    assert "core" in error
    assert "serving" in error


def test_the_run_ends_with_the_summary_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bench.core

    def fake(argv: list[str]) -> None:
        _goals.goal("fake goal", "2 ms", "4 ms", "2x", "< 3 ms", True)

    monkeypatch.setattr(bench.core, "main", fake)
    assert runner.main(["core"]) == 0
    out = capsys.readouterr().out
    assert "| fake goal | 2 ms | 4 ms | 2x | < 3 ms | met |" in out
    assert out.rstrip().endswith("goals: 1 met, 0 missed.")
