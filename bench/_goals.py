"""The goals a benchmark run checks, gathered so that ``python -m bench`` ends with one table.

Each benchmark module calls :func:`goal` (or :func:`figure` for a line with no target) as it
measures; the line is printed at once, and ``python -m bench`` prints every line of the run again
at its end as a Markdown table: the summary that ``python -m bench._publish`` copies into
docs/benchmarks.md and the README.
"""

from __future__ import annotations

from dataclasses import dataclass

MET = "met"
MISSED = "MISSED"


@dataclass(frozen=True)
class Line:
    what: str
    figure: str
    baseline: str
    ratio: str
    target: str
    verdict: str


LINES: list[Line] = []


def goal(what: str, figure: str, baseline: str, ratio: str, target: str, met: bool) -> Line:
    """Record and print one goal of the issue's, measured against a baseline of the same run."""
    return _add(Line(what, figure, baseline, ratio, target, MET if met else MISSED))


def figure(what: str, figure: str, baseline: str, ratio: str) -> Line:
    """Record and print one figure with its baseline, no target."""
    return _add(Line(what, figure, baseline, ratio, "", ""))


def _add(line: Line) -> Line:
    LINES.append(line)
    verdict = f"  [{line.target}: {line.verdict}]" if line.target else ""
    print(f"SUMMARY {line.what}: {line.figure} vs {line.baseline} = {line.ratio}{verdict}")
    return line


def table(lines: list[Line]) -> str:
    """The lines as a Markdown table."""
    rows = [
        "| what | figure | baseline in the same run | ratio | goal | verdict |",
        "|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {x.what} | {x.figure} | {x.baseline} | {x.ratio} | {x.target} | {x.verdict} |"
        for x in lines
    ]
    return "\n".join(rows)


def summary(heading: str, lines: list[Line]) -> str:
    """The run's summary as Markdown: its heading, the table and the count of goals met."""
    met = sum(line.verdict == MET for line in lines)
    missed = sum(line.verdict == MISSED for line in lines)
    return f"{heading}\n\n{table(lines)}\n\ngoals: {met} met, {missed} missed.\n"
