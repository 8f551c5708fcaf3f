"""Text, JSON and CSV of the survey answers (`spi survey score | progress | screen`).

Only this module turns the spi.v1 survey messages (ScoreSurveyResponse, SurveyProgressResponse)
into text; they are the same in-process and from a server, so both modes print the same bytes.
Unrounded values (dimension scores, margins) are rounded half up here, at the output edge.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from spi.v1 import instrument_pb2 as ipb
from spi.v1 import survey_pb2 as pb
from spi_engine.numeric import half_up_text
from spi_engine.survey import text_table
from spi_engine.survey.instrument import GROUP_NAMES

Row = dict[str, Any]
GROUPS = GROUP_NAMES
PERCENT_DECIMALS = 2


def _name(enum: Any, value: int, prefix: str) -> str:
    """``SAMPLE_ADEQUACY_MEETS_TARGET`` -> ``meets_target``."""
    return str(enum.Name(value)).removeprefix(prefix).lower()


def half_up(value: float, decimals: int) -> str:
    return half_up_text(float(value), decimals)


def percent(message: Any, field: str) -> str:
    """A fraction field as a percentage; '' when the optional field is absent."""
    if not message.HasField(field):
        return ""
    return half_up(getattr(message, field) * 100.0, PERCENT_DECIMALS) + "%"


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


def _heading(instrument_id: str, sha256: str, what: str) -> str:
    return f"instrument {instrument_id} ({sha256[:12]}): {what}"


def _section(title: str, rows: Sequence[Row]) -> list[str]:
    return ["", title, text_table(rows)]


# ScoreSurvey ------------------------------------------------------------------------------------


def _component(component: pb.ComponentScore, decimals: int) -> str:
    if not component.HasField("published"):
        return ""
    return half_up(component.published, decimals) + ("*" if component.inherited else "")


def entity_row(entity: pb.SurveyEntityResult, decimals: int, corrected: bool = False) -> Row:
    """A unit or sub-unit: respondents per group, internal margin, adequacy, components, index;
    with ``corrected`` the correction points applied too (a local rule's)."""
    scored = entity.status == pb.SURVEY_STATUS_SCORED
    components = {GROUPS[c.group - 1]: _component(c, decimals) for c in entity.components}
    internal = next((g for g in entity.groups if g.group == ipb.RESPONDENT_GROUP_INTERNAL), None)
    return {
        "unit_id": entity.unit_id,
        "sub_unit_id": entity.sub_unit_id,
        "respondents": "/".join(str(g.respondents) for g in entity.groups),
        "internal_moe": percent(internal, "margin_of_error") if internal else "",
        "adequacy": _name(pb.SampleAdequacy, entity.adequacy, "SAMPLE_ADEQUACY_"),
        **{name: components.get(name, "") for name in GROUPS},
        **({"correction": _correction(entity, decimals)} if corrected else {}),
        "index": half_up(entity.index, decimals) if entity.HasField("index") else "",
        "category": entity.category
        if scored
        else _name(pb.SurveyStatus, entity.status, "SURVEY_STATUS_"),
    }


def _correction(entity: pb.SurveyEntityResult, decimals: int) -> str:
    return half_up(entity.correction_integrity + entity.correction_prevalence, decimals)


def weakest_rows(units: Sequence[pb.SurveyEntityResult], decimals: int) -> list[Row]:
    return [
        {
            "unit_id": unit.unit_id,
            "dimension": weak.label,
            "score": half_up(weak.score, decimals),
            "category": weak.category,
            "follow_up": "; ".join(weak.follow_up_actions),
        }
        for unit in units
        for weak in unit.weakest
    ]


def category_rows(units: Sequence[pb.SurveyEntityResult]) -> list[Row]:
    return [
        {"unit_id": unit.unit_id, **{c.category: c.count for c in unit.sub_unit_categories}}
        for unit in units
        if unit.sub_unit_categories
    ]


def score_heading(answer: pb.ScoreSurveyResponse) -> str:
    scored = sum(u.status == pb.SURVEY_STATUS_SCORED for u in answer.units)
    left_out = answer.respondents_received - answer.respondents_scored
    excluded = f" ({left_out:,} flagged left out)" if answer.screening.excluded else ""
    return _heading(
        answer.instrument_id,
        answer.instrument_sha256,
        f"{answer.respondents_scored:,} respondents scored{excluded}, {len(answer.units):,} "
        f"units; ruleset {answer.provenance.ruleset_id}; index published for {scored:,} of "
        f"{len(answer.units):,} units",
    )


def picked(entities: Sequence[Any], units: Sequence[str]) -> list[Any]:
    """The entities (units, sub-units, progress rows) of ``units``; all when none are named."""
    return [e for e in entities if e.unit_id in units] if units else list(entities)


def score_parts(
    answer: pb.ScoreSurveyResponse, sub_units: bool, units: Sequence[str] = ()
) -> dict[str, Any]:
    decimals = answer.provenance.index_decimals
    shown = picked(answer.units, units)
    corrected = bool(answer.screening.local_rule_label)
    parts: dict[str, Any] = {
        "heading": score_heading(answer),
        "units": [entity_row(u, decimals, corrected) for u in shown],
    }
    if sub_units:
        chosen = picked(answer.sub_units, units)
        parts["sub_units"] = [entity_row(s, decimals, corrected) for s in chosen]
        parts["sub_unit_categories"] = category_rows(shown)
    parts["weakest"] = weakest_rows(shown, decimals)
    if answer.screening.local_rule_label:
        parts["correction_label"] = answer.screening.local_rule_label
    return parts


def score_text(answer: pb.ScoreSurveyResponse, sub_units: bool, units: Sequence[str] = ()) -> str:
    parts = score_parts(answer, sub_units, units)
    lines = [parts["heading"]]
    if "correction_label" in parts:
        lines.append(f"correction points: {parts['correction_label']}")
    lines += _section("units", parts["units"])
    if sub_units:
        lines += _section("sub-units", parts["sub_units"])
        lines += _section("sub-units per category", parts["sub_unit_categories"])
    title = "weakest dimensions of scored units, with follow-up actions"
    lines += _section(title, parts["weakest"])
    return "\n".join(lines) + "\n"


def score_json(answer: pb.ScoreSurveyResponse, sub_units: bool, units: Sequence[str] = ()) -> str:
    return as_json(score_parts(answer, sub_units, units))


def score_csv(answer: pb.ScoreSurveyResponse, sub_units: bool, units: Sequence[str] = ()) -> str:
    """One row per unit, then per sub-unit (their unit_id and sub_unit_id tell them apart)."""
    decimals = answer.provenance.index_decimals
    entities = [*answer.units, *(answer.sub_units if sub_units else ())]
    entities = picked(entities, units)
    corrected = bool(answer.screening.local_rule_label)
    return rows_csv([entity_row(e, decimals, corrected) for e in entities])


# Screening (a ScoreSurvey with screening on) ----------------------------------------------------


def _reason(value: int) -> str:
    return _name(ipb.ExclusionReason, value, "EXCLUSION_REASON_")


def excluded_rows(summary: pb.ScreeningSummary) -> list[Row]:
    return [
        {
            "respondent_id": r.respondent_id,
            "unit_id": r.unit_id,
            "reasons": ",".join(_reason(k) for k in r.reasons),
            "related_to": r.related_to,
        }
        for r in summary.excluded_respondents
    ]


def screen_parts(answer: pb.ScoreSurveyResponse) -> dict[str, Any]:
    summary = answer.screening
    counts = [{"reason": _reason(c.reason), "respondents": c.respondents} for c in summary.reasons]
    counts.append({"reason": "any (excluded)", "respondents": summary.excluded})
    what = f"{summary.excluded:,} of {answer.respondents_received:,} respondents flagged"
    parts: dict[str, Any] = {
        "heading": _heading(answer.instrument_id, answer.instrument_sha256, what),
        "counts": counts,
        "excluded": excluded_rows(summary),
    }
    if summary.excluded_truncated:
        parts["truncated"] = f"only the first {len(summary.excluded_respondents):,} are listed"
    if summary.local_rule_label:
        parts["local_corrections"] = {
            "label": summary.local_rule_label,
            "units": [
                {
                    "unit_id": u.unit_id,
                    "respondents": u.respondents,
                    "flagged": half_up(100.0 * u.flagged / max(u.respondents, 1), 2) + "%",
                    "local_points": half_up(u.correction_points, 2),
                }
                for u in summary.units
            ],
        }
    return parts


def screen_text(answer: pb.ScoreSurveyResponse) -> str:
    parts = screen_parts(answer)
    lines = [parts["heading"]]
    lines += _section("flagged per reason", parts["counts"])
    lines += _section("excluded respondents", parts["excluded"])
    if "truncated" in parts:
        lines.append(f"({parts['truncated']})")
    if "local_corrections" in parts:
        local = parts["local_corrections"]
        title = f"LOCAL correction points (units with flagged respondents) - {local['label']}"
        lines += _section(title, local["units"])
    return "\n".join(lines) + "\n"


def screen_json(answer: pb.ScoreSurveyResponse) -> str:
    return as_json(screen_parts(answer))


def screen_csv(answer: pb.ScoreSurveyResponse) -> str:
    return rows_csv(excluded_rows(answer.screening))


# SurveyProgress ---------------------------------------------------------------------------------


def _needed(count: int, reachable: bool) -> Any:
    return count if reachable else "unreachable"


def progress_rows(answer: pb.SurveyProgressResponse, units: Sequence[str] = ()) -> list[Row]:
    wide = f"more_for_{half_up(answer.max_margin * 100.0, 0)}pct"
    target = f"more_for_{half_up(answer.target_margin * 100.0, 0)}pct"
    return [
        {
            "unit_id": row.unit_id,
            "sub_unit_id": row.sub_unit_id,
            "group": GROUPS[row.group - 1],
            "population": row.population,
            "sampled": row.sampled if row.HasField("sampled") else "",
            "respondents": row.respondents,
            "response_rate": percent(row, "response_rate"),
            "moe": percent(row, "margin_of_error"),
            wide: _needed(row.more_for_max_margin, row.max_margin_reachable),
            target: _needed(row.more_for_target_margin, row.target_margin_reachable),
        }
        for row in picked(answer.rows, units)
    ]


def progress_heading(answer: pb.SurveyProgressResponse, responses: int) -> str:
    units = len({row.unit_id for row in answer.rows})
    what = f"{responses:,} responses so far; {len(answer.rows):,} sample rows in {units:,} units"
    return _heading(answer.instrument_id, answer.instrument_sha256, what)


def progress_text(
    answer: pb.SurveyProgressResponse, responses: int, units: Sequence[str] = ()
) -> str:
    table = text_table(progress_rows(answer, units))
    return f"{progress_heading(answer, responses)}\n\n{table}\n"


def progress_json(
    answer: pb.SurveyProgressResponse, responses: int, units: Sequence[str] = ()
) -> str:
    heading = progress_heading(answer, responses)
    return as_json({"heading": heading, "rows": progress_rows(answer, units)})


def progress_csv(
    answer: pb.SurveyProgressResponse, responses: int, units: Sequence[str] = ()
) -> str:
    del responses
    return rows_csv(progress_rows(answer, units))
