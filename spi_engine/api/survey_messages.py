"""Survey messages (``spi.v1`` survey.proto) to and from the survey library, pure.

Inputs: a RespondentChunk becomes validated Responses whose bad values are named by the message
they came in (``chunks[3].answers[item=int_trans_1].codes[17]``); population entries become a
Population (``start.population[2].sampled``). Outputs: SurveyScores, a Screening and Progress
become response messages. Every float is the library's own (rounding happens where the
ruleset says: published components and the index).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import numpy as np

from spi.v1 import instrument_pb2 as ipb
from spi.v1 import survey_pb2 as pb

from ..errors import InvalidInputError, Violation
from ..numeric import steps_to_float
from ..survey import Population, Progress, Responses, SurveyScores, population_from_columns
from ..survey.instrument import GROUP_NAMES, Instrument
from ..survey.labels import Labels, as_strings, factorize_pair
from ..survey.reasons import REASONS, reasons_of
from ..survey.results import MISSING_COMPONENT, NOT_PUBLISHED, SCORED, EntityScores
from ..survey.screening import Screening
from ..text_limits import check_lengths
from .respondent_chunks import answer_column, packed_items, responses_from_chunk, text_column

GROUPS = len(GROUP_NAMES)
STATUS_CODES = {
    SCORED: pb.SURVEY_STATUS_SCORED,
    NOT_PUBLISHED: pb.SURVEY_STATUS_NOT_PUBLISHABLE,
    MISSING_COMPONENT: pb.SURVEY_STATUS_MISSING_COMPONENT,
}
ADEQUACY_CODES = (
    pb.SAMPLE_ADEQUACY_NOT_PUBLISHABLE,
    pb.SAMPLE_ADEQUACY_PUBLISHABLE,
    pb.SAMPLE_ADEQUACY_MEETS_TARGET,
)
"""SampleAdequacy of each library adequacy level (sampling.NOT_PUBLISHABLE = 0, ...)."""
CHUNK_FIELDS = {
    "respondent_id": "respondent_ids[{row}]",
    "unit_id": "unit_ids.codes[{row}]",
    "sub_unit_id": "sub_unit_ids.codes[{row}]",
    "group": "groups[{row}]",
    "completion_seconds": "completion_seconds[{row}]",
    "device_fingerprint": "device_fingerprints.codes[{row}]",
    "submitted_at": "submitted_at[{row}]",
}


def chunk_where(chunk: int, packed: frozenset[str] = frozenset()) -> Callable[[int, str], str]:
    """How a value of chunk ``chunk`` is named: its field in the message, and its row there
    (``packed_codes[row]`` for the items in ``packed``, ``codes[row]`` for the others)."""

    def where(row: int, column: str) -> str:
        field = "packed_codes" if column in packed else "codes"
        pattern = CHUNK_FIELDS.get(column, f"answers[item={{column}}].{field}[{{row}}]")
        return f"chunks[{chunk}]." + pattern.format(row=row, column=column)

    return where


def chunk_responses(instrument: Instrument, chunk: ipb.RespondentChunk, index: int) -> Responses:
    """Validated Responses of chunk ``index``; every bad value is named by its field there."""
    return responses_from_chunk(
        instrument,
        chunk,
        prefix=f"chunks[{index}]",
        where=chunk_where(index, packed_items(chunk)),
    )


def concat_responses(parts: Sequence[Responses]) -> Responses:
    """The respondents of every part, in order, as one batch (labels re-factorised)."""
    if len(parts) == 1:
        return parts[0]
    pairs = factorize_pair(
        np.concatenate([p.units.values() for p in parts]),
        np.concatenate([p.sub_units.values() for p in parts]),
    )
    return Responses(
        instrument=parts[0].instrument,
        respondent_ids=np.concatenate([p.respondent_ids for p in parts]),
        units=pairs.first,
        sub_units=pairs.second,
        cells=pairs.cells,
        cell_keys=pairs.keys,
        groups=np.concatenate([p.groups for p in parts]),
        answers=np.concatenate([p.answers for p in parts], axis=1),
        completion_seconds=np.concatenate([p.completion_seconds for p in parts]),
        devices=np.concatenate([p.devices for p in parts]),
        submitted_at=np.concatenate([p.submitted_at for p in parts]),
    )


def group_names(groups: Sequence[int]) -> list[str]:
    """Names of RespondentGroup values; an invalid value keeps its enum name (for messages)."""
    return [
        GROUP_NAMES[g - 1]
        if 1 <= g <= GROUPS
        else ipb.RespondentGroup.Name(g)
        if g in ipb.RespondentGroup.values()
        else str(g)
        for g in groups
    ]


def population_from_pb(entries: Sequence[ipb.PopulationEntry], prefix: str) -> Population:
    """A validated Population; bad values are named ``<prefix>[row].<field>``."""
    check_lengths(
        ([e.unit_id for e in entries], lambda i: f"{prefix}[{i}].unit_id"),
        ([e.sub_unit_id for e in entries], lambda i: f"{prefix}[{i}].sub_unit_id"),
    )
    return population_from_columns(
        [e.unit_id for e in entries],
        group_names([e.group for e in entries]),
        np.array([e.population for e in entries], dtype=np.int64),
        sampled=np.array([e.sampled for e in entries], dtype=np.int64),
        sub_unit_ids=[e.sub_unit_id for e in entries],
        where=lambda row, column: f"{prefix}[{row}].{column}",
    )


def population_to_pb(population: Population | None) -> list[ipb.PopulationEntry]:
    """PopulationEntry messages of a Population (none for None): the inverse of
    :func:`population_from_pb`."""
    if population is None:
        return []
    return [
        ipb.PopulationEntry(
            unit_id=unit,
            sub_unit_id=sub,
            group=cast(ipb.RespondentGroup, group + 1),
            population=size,
            sampled=sampled,
        )
        for unit, sub, group, size, sampled in zip(
            population.unit_ids,
            population.sub_unit_ids,
            population.groups.tolist(),
            population.population.tolist(),
            population.sampled.tolist(),
            strict=True,
        )
    ]


def _optional(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _listed(array: Any, whole: bool = False) -> list[Any]:
    """``array`` as (nested) Python lists, None where NaN; whole numbers as int."""
    values = np.asarray(array, dtype=np.float64)
    missing = np.isnan(values)
    if whole:
        cells = np.where(missing, 0, values).astype(np.int64).astype(object)
    else:
        cells = values.astype(object)
    cells[missing] = None
    listed: list[Any] = cells.tolist()
    return listed


def _names(codes: Any, names: Sequence[str]) -> list[Any]:
    """Category names of ``codes`` (any shape); "" for -1."""
    table = np.array([*names, ""], dtype=object)
    listed: list[Any] = table[np.asarray(codes)].tolist()
    return listed


def _groups_pb(c: dict[str, Any], row: int) -> list[pb.GroupSample]:
    return [
        pb.GroupSample(
            group=cast(ipb.RespondentGroup, g + 1),
            respondents=c["respondents"][row][g],
            population=c["population"][row][g],
            sampled=c["sampled"][row][g],
            response_rate=c["rate"][row][g],
            margin_of_error=c["moe"][row][g],
        )
        for g in range(GROUPS)
    ]


def _dimensions_pb(c: dict[str, Any], ids: Sequence[str], row: int) -> list[pb.DimensionScore]:
    return [
        pb.DimensionScore(
            dimension_id=dimension,
            respondents=c["dim_n"][row][d],
            score=c["dim_score"][row][d],
            standard_error=c["dim_se"][row][d],
            category=c["dim_category"][row][d],
        )
        for d, dimension in enumerate(ids)
    ]


def _components_pb(c: dict[str, Any], row: int) -> list[pb.ComponentScore]:
    return [
        pb.ComponentScore(
            group=cast(ipb.RespondentGroup, g + 1),
            respondents=c["comp_n"][row][g],
            score=c["comp_score"][row][g],
            standard_error=c["comp_se"][row][g],
            published=c["published"][row][g],
            inherited=c["inherited"][row][g],
            category=c["comp_category"][row][g],
        )
        for g in range(GROUPS)
    ]


def _weakest_pb(scores: SurveyScores, c: dict[str, Any], row: int) -> list[pb.WeakDimension]:
    inst = scores.instrument
    return [
        pb.WeakDimension(
            dimension_id=inst.dimension_ids[d],
            label=inst.dimension_labels[d],
            score=c["dim_score"][row][d],
            category=c["dim_category"][row][d],
            follow_up_actions=inst.follow_up_actions[d],
        )
        for d in c["weakest"][row]
        if d >= 0
    ]


def _columns(scores: SurveyScores, entities: EntityScores) -> dict[str, Any]:
    """Every array of ``entities`` as Python lists, converted once (not per value)."""
    est, categories = entities.estimates, scores.ruleset.category_ids
    scored = entities.status == SCORED
    index = steps_to_float(entities.index_steps, scores.ruleset.decimals)
    return {
        "respondents": est.respondents.tolist(),
        "population": _listed(est.population, whole=True),
        "sampled": _listed(est.sampled, whole=True),
        "rate": _listed(est.response_rate),
        "moe": _listed(est.margin_of_error),
        "dim_n": est.dimension_n.tolist(),
        "dim_score": _listed(est.dimension_score),
        "dim_se": _listed(est.dimension_se),
        "dim_category": _names(entities.dimension_category, categories),
        "comp_n": est.component_n.tolist(),
        "comp_score": _listed(np.where(est.component_n > 0, est.component_score, np.nan)),
        "comp_se": _listed(est.component_se),
        "published": _listed(entities.components),
        "inherited": entities.inherited.tolist(),
        "comp_category": _names(entities.component_category, categories),
        "adequacy": est.adequacy.tolist(),
        "status": entities.status.tolist(),
        "correction": entities.correction.tolist(),
        "index_raw": _listed(np.where(scored, entities.index_raw, np.nan)),
        "index": _listed(np.where(scored, index, np.nan)),
        "category": _names(np.where(scored, entities.index_category, -1), categories),
        "weakest": entities.weakest.tolist(),
    }


def entities_to_pb(scores: SurveyScores, entities: EntityScores) -> list[pb.SurveyEntityResult]:
    """One result message per unit (or sub-unit) of ``entities``."""
    c = _columns(scores, entities)
    dims = scores.instrument.dimension_ids
    return [
        pb.SurveyEntityResult(
            unit_id=entities.unit_ids[row],
            sub_unit_id=entities.sub_unit_ids[row],
            groups=_groups_pb(c, row),
            adequacy=ADEQUACY_CODES[c["adequacy"][row]],
            status=STATUS_CODES[c["status"][row]],
            dimensions=_dimensions_pb(c, dims, row),
            components=_components_pb(c, row),
            correction_integrity=c["correction"][row][0],
            correction_prevalence=c["correction"][row][1],
            index_raw=c["index_raw"][row],
            index=c["index"][row],
            category=c["category"][row],
            weakest=_weakest_pb(scores, c, row),
        )
        for row in range(len(entities))
    ]


def add_sub_unit_counts(scores: SurveyScores, units: list[pb.SurveyEntityResult]) -> None:
    """Fill each unit's sub-units per category (units that have sub-units)."""
    names = (*scores.ruleset.category_ids, "not_scored")
    for message, counts in zip(units, scores.sub_unit_categories.tolist(), strict=True):
        if sum(counts):
            message.sub_unit_categories.extend(
                pb.SubUnitCount(category=n, count=c) for n, c in zip(names, counts, strict=True)
            )


def screening_to_pb(
    screening: Screening | None,
    responses: Responses | None,
    mode: pb.ScreeningMode,
    list_limit: int,
    corrections: Any = None,
) -> pb.ScreeningSummary:
    """What screening did: counts per reason and per unit; the excluded respondents up to
    ``list_limit`` (0: none listed)."""
    if screening is None or responses is None:
        return pb.ScreeningSummary(mode=pb.SCREENING_MODE_OFF)
    flagged = screening.unit_flagged
    points = corrections.integrity if corrections is not None else np.zeros(len(screening.unit_ids))
    summary = pb.ScreeningSummary(
        mode=mode,
        excluded=int(screening.excluded.sum()),
        reasons=[
            pb.ReasonCount(
                reason=cast(ipb.ExclusionReason, r), respondents=int(flagged[:, r].sum())
            )
            for r in REASONS
        ],
        units=[
            pb.UnitScreening(
                unit_id=screening.unit_ids[u],
                respondents=int(screening.unit_respondents[u]),
                flagged=int(flagged[u, 0]),
                correction_points=float(points[u]),
            )
            for u in np.flatnonzero(flagged[:, 0] > 0).tolist()
        ],
        local_rule_label=corrections.label if corrections is not None else "",
    )
    _list_excluded(summary, screening, responses, list_limit)
    return summary


def _list_excluded(
    summary: pb.ScreeningSummary, screening: Screening, responses: Responses, limit: int
) -> None:
    if limit <= 0:
        return
    rows = np.flatnonzero(screening.excluded)
    summary.excluded_truncated = bool(rows.size > limit)
    rows = rows[:limit]
    related_rows = screening.related_row[rows]
    # ids as text (a file's reader may give UTF-8 bytes); only the rows listed are decoded
    ids = as_strings(responses.respondent_ids[rows]).tolist()
    related_ids = as_strings(responses.respondent_ids[np.maximum(related_rows, 0)]).tolist()
    units = responses.units.take(rows).values().tolist()
    for i, r in enumerate(rows.tolist()):
        bits = int(screening.reasons[r])
        summary.excluded_respondents.append(
            pb.ExcludedRespondent(
                respondent_id=ids[i],
                unit_id=units[i],
                reasons=[cast(ipb.ExclusionReason, k) for k in reasons_of(bits)],
                related_to=related_ids[i] if related_rows[i] >= 0 else "",
            )
        )


def progress_to_pb(progress: Progress) -> list[pb.ProgressRow]:
    """One row per row of the population table."""
    return [
        pb.ProgressRow(
            unit_id=progress.unit_ids[i],
            sub_unit_id=progress.sub_unit_ids[i],
            group=cast(ipb.RespondentGroup, int(progress.groups[i]) + 1),
            population=int(progress.population[i]),
            sampled=None if np.isnan(progress.sampled[i]) else int(progress.sampled[i]),
            respondents=int(progress.respondents[i]),
            response_rate=_optional(progress.response_rate[i]),
            margin_of_error=_optional(progress.margin_of_error[i]),
            adequacy=ADEQUACY_CODES[int(progress.adequacy[i])],
            more_for_max_margin=int(progress.needed_for_max[i]),
            max_margin_reachable=bool(progress.reachable_max[i]),
            more_for_target_margin=int(progress.needed_for_target[i]),
            target_margin_reachable=bool(progress.reachable_target[i]),
        )
        for i in range(len(progress))
    ]


def _labels_pb(labels: Labels, rows: slice, into: ipb.TextColumn) -> None:
    """The labels at ``rows`` into ``into``: the names present (in label order) and codes into
    them, found by counting (no sort)."""
    codes = labels.codes[rows]
    present = np.bincount(codes, minlength=max(len(labels.names), 1)) > 0
    rank = np.cumsum(present) - 1
    names = np.array(labels.names or [""], dtype=object)[present]
    into.dictionary.extend(names.tolist())
    into.codes.extend(rank[codes].tolist())


def chunk_of(
    responses: Responses,
    rows: slice,
    *,
    packed: bool = True,
    into: ipb.RespondentChunk | None = None,
) -> ipb.RespondentChunk:
    """The respondents at ``rows`` as one RespondentChunk (optional columns only when known),
    written into ``into`` when given (a request's own chunk: no copy); answers as
    ``packed_codes`` (``packed=False``: as ``codes``, what clients sent before packed_codes)."""
    inst = responses.instrument
    chunk = ipb.RespondentChunk() if into is None else into
    chunk.respondent_ids.extend(as_strings(responses.respondent_ids[rows]).tolist())
    _labels_pb(responses.units, rows, chunk.unit_ids)
    _labels_pb(responses.sub_units, rows, chunk.sub_unit_ids)
    chunk.groups.extend(cast("list[ipb.RespondentGroup]", (responses.groups[rows] + 1).tolist()))
    chunk.answers.extend(
        answer_column(item, responses.answers[i, rows], packed=packed)
        for i, item in enumerate(inst.item_ids)
    )
    seconds, times = responses.completion_seconds[rows], responses.submitted_at[rows]
    devices = as_strings(responses.devices[rows])
    if not np.isnan(seconds).all():
        chunk.completion_seconds.extend(seconds.tolist())
    if not np.isnan(times).all():
        chunk.submitted_at.extend(times.tolist())
    if bool((devices != "").any()):
        chunk.device_fingerprints.CopyFrom(text_column(devices))
    return chunk


def score_requests(
    start: pb.ScoreSurveyStart, responses: Responses, chunk_rows: int, *, packed: bool = True
) -> Iterator[pb.ScoreSurveyRequest]:
    """A whole ScoreSurvey upload: ``start`` (with the respondent count), the respondents in
    chunks of ``chunk_rows`` (answers as ``packed_codes``; ``packed=False``: as ``codes``), then
    the end message with the totals."""
    if chunk_rows < 1:
        raise InvalidInputError([Violation("chunk_rows", f"expected >= 1; got {chunk_rows}")])
    first = pb.ScoreSurveyStart()
    first.CopyFrom(start)
    first.expected_respondents = len(responses)
    yield pb.ScoreSurveyRequest(start=first)
    starts = range(0, len(responses), chunk_rows)
    for row in starts:
        request = pb.ScoreSurveyRequest()
        chunk_of(responses, slice(row, row + chunk_rows), packed=packed, into=request.chunk)
        yield request
    yield pb.ScoreSurveyRequest(
        end=pb.ScoreSurveyEnd(respondents=len(responses), chunks=len(starts))
    )


def response_counts(responses: Responses) -> list[pb.ResponseCount]:
    """Respondents per (unit, sub-unit, group): what SurveyProgress needs of the responses, in
    the order each cell first appears."""
    return cell_counts(responses)[0]


def cell_counts(responses: Responses) -> tuple[list[pb.ResponseCount], Any]:
    """Respondents per (unit, sub-unit, group) cell, in the order each cell first appears, and
    each cell's first row."""
    keys = responses.cells * GROUPS + responses.groups
    cells, first, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")  # the earliest row of a unit is its first entry's
    cells, first, counts = cells[order], first[order], counts[order]
    units = np.array(responses.units.names or ("",), dtype=str)[responses.units.codes[first]]
    subs = np.array(responses.sub_units.names or ("",), dtype=str)[responses.sub_units.codes[first]]
    entries = [
        pb.ResponseCount(
            unit_id=u, sub_unit_id=s, group=cast(ipb.RespondentGroup, g + 1), respondents=n
        )
        for u, s, g, n in zip(
            units.tolist(), subs.tolist(), (cells % GROUPS).tolist(), counts.tolist(), strict=True
        )
    ]
    return entries, first
