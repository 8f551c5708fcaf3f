"""Conversion between spi.v1 messages and engine values: pure named functions, one per direction.

The server uses these; so does the CLI in-process, which is why its output is byte-identical
with and without ``--server``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from spi.v1 import engine_pb2, scoring_pb2

from ..cancel import checked
from ..numeric import steps_to_float
from ..scoring import NO_MARGIN, Scores
from ..summary import GroupSummary, Summary
from ..text_limits import too_long
from ..units import MAX_VIOLATIONS, NUMERIC_COLUMNS, Flagged, Row, Units, units_from_rows


def units_from_pb(units: Sequence[scoring_pb2.UnitInput], prefix: str = "units") -> Units:
    """Validated Units from UnitInput messages.

    Absent components are errors, not zeros; so is an absent correction (a unit gives
    ``correction``, both parts, or all three) and an explicit NaN anywhere. Every problem of
    every unit is reported in one error. An id or group longer than 256 characters is an error
    too (:mod:`spi_engine.text_limits`).
    """
    ids = tuple([u.unit_id for u in units])
    groups = tuple([u.group for u in units])
    found = Flagged()
    for column, name, texts in ((-2, "unit_id", ids), (-1, "group", groups)):
        long = too_long(texts, _field(prefix, name))
        found.items.extend((_row_of(v.field), column, v) for v in long[:MAX_VIOLATIONS])
        found.count += len(long)
    return units_from_rows(
        [_given_row(u) for u in checked(units)],
        ids,
        groups,
        where=lambda row, field: f"{prefix}[{row}].{field}",
        flagged=found if found.count else None,
    )


def _field(prefix: str, name: str) -> Callable[[int], str]:
    return lambda row: f"{prefix}[{row}].{name}"


def _row_of(field: str) -> int:
    """3 from ``units[3].unit_id``."""
    return int(field.rpartition("[")[2].partition("]")[0])


def _given_row(unit: scoring_pb2.UnitInput) -> Row:
    """A unit's values in the order of ``GIVEN_COLUMNS``; None for an absent field."""
    return (
        unit.internal if unit.HasField("internal") else None,
        unit.external if unit.HasField("external") else None,
        unit.expert if unit.HasField("expert") else None,
        unit.correction_integrity if unit.HasField("correction_integrity") else None,
        unit.correction_prevalence if unit.HasField("correction_prevalence") else None,
        unit.correction if unit.HasField("correction") else None,
    )


def units_to_pb(units: Units) -> list[scoring_pb2.UnitInput]:
    """UnitInput messages for ``units``: the inverse of :func:`units_from_pb`.

    A correction given only as a total travels as ``correction``; otherwise as its two parts.
    """
    columns = zip(
        units.ids,
        units.groups,
        *(getattr(units, name).tolist() for name in NUMERIC_COLUMNS),
        strict=True,
    )
    messages = []
    for unit_id, group, internal, external, expert, integrity, prevalence, unsplit in columns:
        message = scoring_pb2.UnitInput(
            unit_id=unit_id, group=group, internal=internal, external=external, expert=expert
        )
        if unsplit > 0:
            message.correction = unsplit
        else:
            message.correction_integrity = integrity
            message.correction_prevalence = prevalence
        messages.append(message)
    return messages


def provenance_to_pb(scores: Scores) -> scoring_pb2.Provenance:
    return scoring_pb2.Provenance(
        ruleset_id=scores.ruleset.id,
        ruleset_sha256=scores.ruleset.sha256,
        engine_version=scores.engine_version,
        index_decimals=scores.ruleset.decimals,
    )


def results_to_pb(scores: Scores) -> list[scoring_pb2.UnitResult]:
    """One UnitResult per unit, in batch order."""
    return [scoring_pb2.UnitResult(**fields) for fields in _result_fields(scores)]


def _result_fields(scores: Scores) -> Iterator[dict[str, Any]]:
    """Each unit's UnitResult as constructor keywords, sub-messages as dicts (built in place)."""
    rules = scores.ruleset
    scale = 10**rules.decimals
    columns = zip(
        scores.units.ids,
        scores.units.groups,
        scores.index_raw.tolist(),
        scores.index_steps.tolist(),
        scores.category_codes.tolist(),
        scores.contribution_internal.tolist(),
        scores.contribution_external.tolist(),
        scores.contribution_expert.tolist(),
        scores.contribution_correction.tolist(),
        scores.margin_up_steps.tolist(),
        scores.margin_down_steps.tolist(),
        strict=True,
    )
    for unit_id, group, raw, steps, code, c_int, c_ext, c_exp, c_cor, up, down in columns:
        fields: dict[str, Any] = {
            "unit_id": unit_id,
            "group": group,
            "index_raw": raw,
            "index": steps / scale,  # correctly rounded, as steps_to_float
            "category": rules.category_ids[code],
            "contributions": {
                "internal": c_int,
                "external": c_ext,
                "expert": c_exp,
                "correction": c_cor,
            },
        }
        if up != NO_MARGIN:
            fields["margin_up"] = {"category": rules.category_ids[code + 1], "points": up / scale}
        if down != NO_MARGIN:
            fields["margin_down"] = {
                "category": rules.category_ids[code - 1],
                "points": down / scale,
            }
        yield fields


def score_response_to_pb(scores: Scores, decision_id: str = "") -> engine_pb2.ScoreResponse:
    response = engine_pb2.ScoreResponse(
        provenance=provenance_to_pb(scores), decision_id=decision_id
    )
    for fields in _result_fields(scores):
        response.results.add(**fields)
    return response


def group_summary_to_pb(summary: GroupSummary, scores: Scores) -> engine_pb2.GroupSummary:
    rules = scores.ruleset
    return engine_pb2.GroupSummary(
        group=summary.group,
        units=summary.units,
        mean_index=float(steps_to_float(np.array([summary.mean_steps]), rules.decimals)[0]),
        categories=[
            engine_pb2.CategoryCount(category=cid, count=count)
            for cid, count in zip(rules.category_ids, summary.category_counts, strict=True)
        ],
    )


def summary_to_pb(summary: Summary, decision_id: str = "") -> engine_pb2.SummarizeResponse:
    scores = summary.scores
    results = results_to_pb(scores)
    ranking = [
        engine_pb2.RankedUnit(rank=int(summary.ranks[i]), result=results[i])
        for i in summary.order.tolist()
    ]
    return engine_pb2.SummarizeResponse(
        ranking=ranking,
        overall=group_summary_to_pb(summary.overall, scores),
        groups=[group_summary_to_pb(g, scores) for g in summary.groups],
        provenance=provenance_to_pb(scores),
        decision_id=decision_id,
    )
