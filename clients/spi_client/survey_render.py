"""Text, JSON and CSV of the survey answers (`spi survey score | progress | screen`).

An answer arrives here as plain rows (lists of dicts of already rounded values, the library's
report rows), the same in-process and from a server, so both modes print the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import spi_engine.survey as sv
from spi_engine.numeric import format_steps, round_half_up_steps
from spi_engine.survey import text_table
from spi_engine.survey.screening import REASON_NAMES

Row = dict[str, Any]


@dataclass(frozen=True)
class ScoreAnswer:
    heading: str
    units: list[Row]
    sub_units: list[Row] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)
    weakest: list[Row] = field(default_factory=list)
    correction_label: str = ""


@dataclass(frozen=True)
class ProgressAnswer:
    heading: str
    rows: list[Row]


@dataclass(frozen=True)
class ScreenAnswer:
    heading: str
    excluded: list[Row]
    counts: list[Row]
    corrections: list[Row] = field(default_factory=list)
    correction_label: str = ""


def rows_csv(rows: Sequence[Row]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _section(title: str, rows: Sequence[Row]) -> list[str]:
    return ["", title, text_table(rows)]


def score_text(answer: ScoreAnswer) -> str:
    lines = [answer.heading]
    if answer.correction_label:
        lines.append(f"correction points: {answer.correction_label}")
    lines += _section("units", answer.units)
    if answer.sub_units:
        lines += _section("sub-units", answer.sub_units)
        lines += _section("sub-units per category", answer.categories)
    lines += _section(
        "weakest dimensions of publishable units, with follow-up actions", answer.weakest
    )
    return "\n".join(lines) + "\n"


def score_json(answer: ScoreAnswer) -> str:
    body: dict[str, Any] = {"heading": answer.heading, "units": answer.units}
    if answer.sub_units:
        body["sub_units"] = answer.sub_units
        body["sub_unit_categories"] = answer.categories
    body["weakest"] = answer.weakest
    if answer.correction_label:
        body["correction_label"] = answer.correction_label
    return as_json(body)


def score_csv(answer: ScoreAnswer) -> str:
    """One row per unit, then per sub-unit (their unit_id and sub_unit_id tell them apart)."""
    return rows_csv(answer.units + answer.sub_units)


def progress_text(answer: ProgressAnswer) -> str:
    return f"{answer.heading}\n\n{text_table(answer.rows)}\n"


def screen_text(answer: ScreenAnswer) -> str:
    lines = [answer.heading]
    lines += _section("flagged per reason", answer.counts)
    lines += _section("excluded respondents", answer.excluded)
    if answer.correction_label:
        lines += _section(
            f"LOCAL correction points - {answer.correction_label}", answer.corrections
        )
    return "\n".join(lines) + "\n"


def screen_json(answer: ScreenAnswer) -> str:
    body: dict[str, Any] = {
        "heading": answer.heading,
        "counts": answer.counts,
        "excluded": answer.excluded,
    }
    if answer.correction_label:
        body["local_corrections"] = {
            "label": answer.correction_label,
            "units": answer.corrections,
        }
    return as_json(body)


# Answers from the library's results (the in-process backend) ---------------------------------


def _count_heading(inst: sv.Instrument, what: str) -> str:
    return f"instrument {inst.id} ({inst.sha256[:12]}): {what}"


def score_answer(scores: sv.SurveyScores, responses: int, sub_units: bool) -> ScoreAnswer:
    units = scores.units
    rows = sv.entity_rows(scores, units)
    published = np.flatnonzero(units.index_steps >= 0)
    weakest = [
        {"unit_id": units.unit_ids[i], **row}
        for i in published.tolist()
        for row in sv.weakest_rows(scores, units, i)
    ]
    scored = int(published.size)
    heading = _count_heading(
        scores.instrument,
        f"{responses:,} respondents, {len(units):,} units; ruleset {scores.ruleset.id}; "
        f"index published for {scored:,} of {len(units):,} units",
    )
    if not sub_units:
        return ScoreAnswer(heading, rows, weakest=weakest, correction_label=scores.correction_label)
    return ScoreAnswer(
        heading,
        rows,
        sv.entity_rows(scores, scores.sub_units),
        sv.sub_unit_category_rows(scores),
        weakest,
        scores.correction_label,
    )


def progress_answer(progress: sv.Progress, inst: sv.Instrument, responses: int) -> ProgressAnswer:
    rows = sv.progress_rows(progress)
    units = len(set(progress.unit_ids))
    heading = _count_heading(inst, f"{responses:,} responses so far in {units:,} units")
    return ProgressAnswer(heading, rows)


def screen_answer(
    screening: sv.Screening, responses: sv.Responses, corrections: bool
) -> ScreenAnswer:
    excluded = sv.excluded_rows(screening, responses)
    flagged = screening.unit_flagged.sum(axis=0)
    counts = [
        {"reason": name, "respondents": int(flagged[k])}
        for k, name in enumerate(REASON_NAMES)
        if k > 0
    ]
    counts.append({"reason": "any (excluded)", "respondents": int(flagged[0])})
    heading = _count_heading(
        responses.instrument,
        f"{int(flagged[0]):,} of {len(responses):,} respondents flagged",
    )
    local = screening.local_corrections() if corrections else None
    if local is None:
        return ScreenAnswer(heading, excluded, counts)
    shares = _percent_text(screening.unit_flagged[:, 0], screening.unit_respondents)
    points = _fixed(local.integrity, 2)
    rows = [
        {"unit_id": u, "respondents": int(n), "flagged": share, "local_points": p}
        for u, n, share, p in zip(
            local.unit_ids, screening.unit_respondents.tolist(), shares, points, strict=True
        )
    ]
    return ScreenAnswer(heading, excluded, counts, rows, local.label)


def _percent_text(parts: Any, totals: Any) -> list[str]:
    shares = 100.0 * np.asarray(parts, dtype=np.float64) / np.maximum(totals, 1)
    return [f"{text}%" for text in _fixed(shares, 2)]


def _fixed(values: Any, decimals: int) -> list[str]:
    """Half up, as everywhere at the output edge."""
    steps = round_half_up_steps(np.asarray(values, dtype=np.float64), decimals)
    return [format_steps(int(s), decimals) for s in steps.tolist()]
