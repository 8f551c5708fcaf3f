"""Plain rows for people and adapters: survey results as lists of dicts with rounded values, and a
fixed-width text table. This is the output edge: numbers are rounded half up to the ruleset's
precision here and nowhere earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..numeric import FloatArray, half_up_texts
from .instrument import GROUP_NAMES
from .labels import as_strings
from .progress import Progress
from .reasons import REASON_NAMES, reasons_of
from .responses import Responses
from .results import STATUS_NAMES, EntityScores, SurveyScores
from .sampling import ADEQUACY_NAMES
from .screening import Screening

Row = dict[str, Any]


def _percent(values: FloatArray) -> list[str]:
    return [f"{text}%" if text else "" for text in half_up_texts(values * 100.0, 2)]


def entity_rows(scores: SurveyScores, entities: EntityScores) -> list[Row]:
    """One row per unit (or sub-unit): respondents per group (internal/external/expert), internal
    margin of error, adequacy, components (``*`` marks one taken from the unit), index, category."""
    rules = scores.ruleset
    est = entities.estimates
    index = half_up_texts(scores.index(entities), rules.decimals)
    components = [
        [
            text + ("*" if inherited else "")
            for text, inherited in zip(
                half_up_texts(entities.components[:, g], rules.decimals),
                entities.inherited[:, g].tolist(),
                strict=True,
            )
        ]
        for g in range(len(GROUP_NAMES))
    ]
    margins = _percent(est.margin_of_error[:, 0])
    rows = []
    for i in range(len(entities)):
        code = int(entities.index_category[i])
        rows.append(
            {
                "unit_id": entities.unit_ids[i],
                "sub_unit_id": entities.sub_unit_ids[i],
                "respondents": "/".join(str(int(n)) for n in est.respondents[i]),
                "internal_moe": margins[i],
                "adequacy": ADEQUACY_NAMES[int(est.adequacy[i])],
                "internal": components[0][i],
                "external": components[1][i],
                "expert": components[2][i],
                "index": index[i],
                "category": rules.category_ids[code]
                if code >= 0
                else STATUS_NAMES[int(entities.status[i])],
            }
        )
    return rows


def weakest_rows(scores: SurveyScores, entities: EntityScores, row: int) -> list[Row]:
    """The weakest dimensions of one unit (or sub-unit), with their follow-up actions."""
    inst, rules = scores.instrument, scores.ruleset
    values = entities.estimates.dimension_score[row]
    text = half_up_texts(values, rules.decimals)
    result = []
    for d in entities.weakest[row].tolist():
        if d < 0:
            continue
        code = int(entities.dimension_category[row, d])
        result.append(
            {
                "dimension": inst.dimension_labels[d],
                "score": text[d],
                "category": rules.category_ids[code] if code >= 0 else "",
                "follow_up": "; ".join(inst.follow_up_actions[d]),
            }
        )
    return result


def sub_unit_category_rows(scores: SurveyScores) -> list[Row]:
    """Per unit: how many of its sub-units fall in each category (and how many are not scored)."""
    names = (*scores.ruleset.category_ids, "not_scored")
    return [
        {"unit_id": unit, **{name: int(n) for name, n in zip(names, counts.tolist(), strict=True)}}
        for unit, counts in zip(scores.units.unit_ids, scores.sub_unit_categories, strict=True)
    ]


def excluded_rows(screening: Screening, responses: Responses) -> list[Row]:
    """Every flagged respondent with its reasons and the submission it repeats (if any)."""
    rows = np.flatnonzero(screening.reasons != 0)
    ids = as_strings(responses.respondent_ids)
    units = responses.units.values()
    result = []
    for r in rows.tolist():
        bits = int(screening.reasons[r])
        related = int(screening.related_row[r])
        result.append(
            {
                "respondent_id": str(ids[r]),
                "unit_id": str(units[r]),
                "reasons": ",".join(REASON_NAMES[k] for k in reasons_of(bits)),
                "related_to": str(ids[related]) if related >= 0 else "",
            }
        )
    return result


def progress_rows(progress: Progress) -> list[Row]:
    """One row per (unit or sub-unit, group): sample, respondents, rate, margin, more needed."""
    rates, margins = _percent(progress.response_rate), _percent(progress.margin_of_error)
    return [
        {
            "unit_id": progress.unit_ids[i],
            "sub_unit_id": progress.sub_unit_ids[i],
            "group": GROUP_NAMES[int(progress.groups[i])],
            "population": int(progress.population[i]),
            "sampled": "" if np.isnan(progress.sampled[i]) else int(progress.sampled[i]),
            "respondents": int(progress.respondents[i]),
            "response_rate": rates[i],
            "moe": margins[i],
            "more_for_10pct": int(progress.needed_for_max[i])
            if progress.reachable_max[i]
            else "unreachable",
            "more_for_5pct": int(progress.needed_for_target[i])
            if progress.reachable_target[i]
            else "unreachable",
        }
        for i in range(len(progress))
    ]


def text_table(rows: Sequence[Row], columns: Sequence[str] | None = None) -> str:
    """A fixed-width text table of ``rows`` (numbers right-aligned)."""
    if not rows:
        return "(none)"
    names = list(columns or rows[0].keys())
    cells = [[str(row.get(name, "")) for name in names] for row in rows]
    widths = [max(len(name), *(len(line[j]) for line in cells)) for j, name in enumerate(names)]
    numeric = [all(_numeric(line[j]) for line in cells) for j in range(len(names))]

    def render(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join(
        [render(names), render(["-" * w for w in widths]), *(render(line) for line in cells)]
    )


def _numeric(text: str) -> bool:
    bare = text.replace(".", "", 1).replace("%", "").replace("/", "").replace("*", "").lstrip("-")
    return bare.isdigit() or text == ""
