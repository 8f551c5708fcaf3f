"""A tiny instrument for hand-computed survey cases (shared by the survey unit tests)."""

from __future__ import annotations

from typing import Any

import numpy as np

from spi_engine.survey import Instrument, parse_instrument, responses_from_columns
from spi_engine.survey.responses import Responses

TINY = """
id: "tiny" label: "Tiny test instrument (local, not KPK's)" version: "1"
provenance { source: "tests" basis: BASIS_ASSUMED note: "hand-computed test cases" }
answer_codes { yes: 1 no: 2 dont_know: 9 }
dimensions { id: "open" label: "Openness" group: RESPONDENT_GROUP_INTERNAL
  follow_up_actions: "Publish fees" }
dimensions { id: "gifts" label: "Gifts" group: RESPONDENT_GROUP_INTERNAL
  follow_up_actions: "Gratification control" follow_up_actions: "Firm sanctions" }
dimensions { id: "service" label: "Service" group: RESPONDENT_GROUP_EXTERNAL }
dimensions { id: "view" label: "Expert view" group: RESPONDENT_GROUP_EXPERT }
items { id: "o1" group: RESPONDENT_GROUP_INTERNAL dimension: "open" answer_type: ANSWER_TYPE_LIKERT scale_points: 5 }
items { id: "o2" group: RESPONDENT_GROUP_INTERNAL dimension: "open" answer_type: ANSWER_TYPE_LIKERT_REVERSED scale_points: 5 }
items { id: "g1" group: RESPONDENT_GROUP_INTERNAL dimension: "gifts" answer_type: ANSWER_TYPE_YES_NO good_answer: GOOD_ANSWER_NO }
items { id: "s1" group: RESPONDENT_GROUP_EXTERNAL dimension: "service" answer_type: ANSWER_TYPE_LIKERT scale_points: 4 }
items { id: "v1" group: RESPONDENT_GROUP_EXPERT dimension: "view" answer_type: ANSWER_TYPE_LIKERT scale_points: 5 }
sampling { confidence_z: 1.96 proportion: 0.5 target_margin: 0.05 max_margin: 0.10
  min_respondents: 2 groups: RESPONDENT_GROUP_INTERNAL
  reference { source: "tests" basis: BASIS_ASSUMED note: "test" } }
screening { speeder_min_seconds: 30 speeder_min_seconds_per_item: 5 straight_line_min_items: 2
  max_submissions_per_device: 1 identical_answers_alpha: 1e-9
  burst_window_seconds: 600 burst_min_respondents: 3 burst_max_differing_items: 0
  reference { source: "tests" basis: BASIS_ASSUMED note: "test thresholds" } }
local_integrity_rule { label: "Local rule (not KPK's): test" free_percent: 10
  points_per_percent: 0.5 max_points: 10
  reasons: EXCLUSION_REASON_DUPLICATE_DEVICE
  reference { source: "tests" basis: BASIS_ASSUMED note: "test rule" } }
"""


def tiny() -> Instrument:
    return parse_instrument(TINY, "tiny")


def tiny_responses(rows: list[dict[str, Any]], instrument: Instrument | None = None) -> Responses:
    """Responses from row dicts: id, unit, group, optional sub, answers by item id (None = missing)."""
    inst = instrument or tiny()
    answers = {
        item: [row.get(item) for row in rows]
        for item in inst.item_ids
        if any(item in row for row in rows)
    }
    return responses_from_columns(
        inst,
        respondent_ids=[row["id"] for row in rows],
        unit_ids=[row["unit"] for row in rows],
        groups=[row["group"] for row in rows],
        answers=answers,
        sub_unit_ids=[row.get("sub", "") for row in rows],
        completion_seconds=[row.get("seconds", np.nan) for row in rows],
        device_fingerprints=[row.get("device", "") for row in rows],
        submitted_at=[row.get("time", np.nan) for row in rows],
    )
