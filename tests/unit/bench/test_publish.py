"""The docs' benchmark tables are a run's summary, copied in by bench._publish, never by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import __main__ as runner
from bench import _goals, _publish

SUMMARY = "Run of `python -m bench`: today.\n\n| what | figure |\n|---|---|\n| x | 1 ms |\n\ngoals: 0 met, 0 missed.\n"


def test_publishing_replaces_only_the_block(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text(SUMMARY, "utf-8")
    target = tmp_path / "doc.md"
    target.write_text(
        f"# Title\n\n{_publish.START}\nold table\n{_publish.END}\n\nAfter.\n", "utf-8"
    )
    assert _publish.main([str(summary), str(target)]) == 0
    text = target.read_text("utf-8")
    assert text == f"# Title\n\n{_publish.START}\n{SUMMARY.strip()}\n{_publish.END}\n\nAfter.\n"
    assert _publish.main([str(summary), str(target)]) == 0
    assert target.read_text("utf-8") == text


def test_a_target_without_its_markers_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text(SUMMARY, "utf-8")
    good = tmp_path / "good.md"
    good.write_text(f"{_publish.START}\nold\n{_publish.END}\n", "utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(f"{_publish.END}\nno start\n", "utf-8")
    assert _publish.main([str(summary), str(good), str(bad)]) == 2
    error = capsys.readouterr().err
    assert f"{bad}: expected one line" in error
    assert "got 0 start and 1 end marker(s)" in error
    assert good.read_text("utf-8") == f"{_publish.START}\nold\n{_publish.END}\n"


def test_a_missing_or_foreign_summary_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "doc.md"
    target.write_text(f"{_publish.START}\n{_publish.END}\n", "utf-8")
    assert _publish.main([str(tmp_path / "absent.md"), str(target)]) == 2
    assert "absent.md: no such summary" in capsys.readouterr().err
    foreign = tmp_path / "foreign.md"
    foreign.write_text("hello\n", "utf-8")
    assert _publish.main([str(foreign), str(target)]) == 2
    assert "expected a summary table" in capsys.readouterr().err


def test_the_run_writes_the_summary_it_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import bench.core

    monkeypatch.setattr(_goals, "LINES", [])
    monkeypatch.setattr(
        bench.core, "main", lambda argv: _goals.goal("g", "2 ms", "4 ms", "2x", "< 3 ms", False)
    )
    written = tmp_path / "out" / "summary.md"
    assert runner.main(["--summary", str(written), "core"]) == 0
    text = written.read_text("utf-8")
    assert text in capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0].startswith(f"Run of `python -m bench --summary {written} core`: ")
    assert "spi-engine " in lines[0]
    assert "| g | 2 ms | 4 ms | 2x | < 3 ms | MISSED |" in lines
    assert lines[-1] == "goals: 0 met, 1 missed."


def test_summary_without_a_file_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["core", "--summary"]) == 2
    assert "--summary needs a file name" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[3]
PUBLISHED = ("README.md", "docs/benchmarks.md")


def block(name: str) -> list[str]:
    """The lines between the summary markers of a published doc."""
    text = (ROOT / name).read_text("utf-8")
    assert text.count(_publish.START) == 1, name
    assert text.count(_publish.END) == 1, name
    return text.split(_publish.START, 1)[1].split(_publish.END, 1)[0].strip().splitlines()


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_docs_hold_a_whole_run_summary(name: str) -> None:
    lines = block(name)
    assert lines[0].startswith("Run of `python -m bench --summary out/bench-summary.md`: "), name
    assert lines[2] == "| what | figure | baseline in the same run | ratio | goal | verdict |"
    assert lines[-1].startswith("goals: "), name


def test_the_readme_and_the_benchmarks_page_show_the_same_run() -> None:
    assert block("README.md") == block("docs/benchmarks.md")


def test_the_whole_output_of_that_run_is_kept_beside_it() -> None:
    output = (ROOT / "docs/bench-output.txt").read_text("utf-8")
    lines = block("docs/benchmarks.md")
    table = "\n".join(line for line in lines[2:-1] if line)
    assert table in output  # as that run printed it
    assert lines[-1] in output
