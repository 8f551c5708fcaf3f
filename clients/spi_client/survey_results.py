"""Typed, frozen results of ScoreSurvey and SurveyProgress, each with ``to_frame()``.

Built from the response messages only (no arithmetic): absent optional values are NaN, enum
values become their lower-case names (``meets_target``, ``not_publishable``, ``speeder``).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Any

from spi.v1 import instrument_pb2 as ipb
from spi.v1 import survey_pb2 as pb
from spi_engine.survey.instrument import GROUP_NAMES

from .result_repr import ShortRepr

GROUPS = GROUP_NAMES


def _name(enum: Any, value: int, prefix: str) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


def _pandas() -> Any:
    # pandas is optional: imported only here, untyped (the client carries no pandas-stubs).
    return importlib.import_module("pandas")


def _opt(message: Any, name: str) -> float:
    return float(getattr(message, name)) if message.HasField(name) else math.nan


@dataclass(frozen=True)
class WeakDimension:
    """A dimension among the weakest of a unit, with the instrument's follow-up actions."""

    dimension_id: str
    label: str
    score: float
    category: str
    follow_up_actions: tuple[str, ...]


@dataclass(frozen=True)
class SurveyEntity:
    """One unit (``sub_unit_id`` "") or sub-unit; per-group tuples are (internal, external, expert)."""

    unit_id: str
    sub_unit_id: str
    respondents: tuple[int, int, int]
    response_rate: tuple[float, float, float]
    margin_of_error: tuple[float, float, float]
    adequacy: str
    status: str
    components: tuple[float, float, float]
    """as the index uses them (rounded; a sub-unit may take one from its unit)"""
    component_se: tuple[float, float, float]
    inherited: tuple[bool, bool, bool]
    dimensions: dict[str, float] = field(repr=False)
    """dimension id -> unrounded score (NaN without respondents)"""
    index: float
    category: str
    weakest: tuple[WeakDimension, ...] = field(repr=False)
    sub_unit_categories: dict[str, int] = field(repr=False)

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"unit_id": self.unit_id, "sub_unit_id": self.sub_unit_id}
        for g, group in enumerate(GROUPS):
            row[f"{group}_respondents"] = self.respondents[g]
            row[f"{group}_response_rate"] = self.response_rate[g]
            row[f"{group}_moe"] = self.margin_of_error[g]
        row |= {"adequacy": self.adequacy, "status": self.status}
        for g, group in enumerate(GROUPS):
            row[group] = self.components[g]
            row[f"{group}_se"] = self.component_se[g]
        row |= {"index": self.index, "category": self.category}
        row["weakest"] = ", ".join(w.dimension_id for w in self.weakest)
        return row


def _names(enum: Any, prefix: str) -> dict[int, str]:
    """Every value of ``enum`` by number, as :func:`_name` names it (looked up once)."""
    return {number: _name(enum, number, prefix) for number in enum.values()}


ADEQUACY_NAMES = _names(pb.SampleAdequacy, "SAMPLE_ADEQUACY_")
STATUS_NAMES = _names(pb.SurveyStatus, "SURVEY_STATUS_")
NAN = math.nan


def _entity(message: pb.SurveyEntityResult) -> SurveyEntity:
    """One entity: optional values read inline (thousands of entities per answer)."""
    groups, comps = list(message.groups), list(message.components)
    return SurveyEntity(
        unit_id=message.unit_id,
        sub_unit_id=message.sub_unit_id,
        respondents=tuple([int(g.respondents) for g in groups]),  # type: ignore[arg-type]
        response_rate=tuple(  # type: ignore[arg-type]
            [g.response_rate if g.HasField("response_rate") else NAN for g in groups]
        ),
        margin_of_error=tuple(  # type: ignore[arg-type]
            [g.margin_of_error if g.HasField("margin_of_error") else NAN for g in groups]
        ),
        adequacy=ADEQUACY_NAMES.get(message.adequacy)
        or _name(pb.SampleAdequacy, message.adequacy, "SAMPLE_ADEQUACY_"),
        status=STATUS_NAMES.get(message.status)
        or _name(pb.SurveyStatus, message.status, "SURVEY_STATUS_"),
        components=tuple(  # type: ignore[arg-type]
            [c.published if c.HasField("published") else NAN for c in comps]
        ),
        component_se=tuple(  # type: ignore[arg-type]
            [c.standard_error if c.HasField("standard_error") else NAN for c in comps]
        ),
        inherited=tuple([c.inherited for c in comps]),  # type: ignore[arg-type]
        dimensions={
            d.dimension_id: d.score if d.HasField("score") else NAN for d in message.dimensions
        },
        index=message.index if message.HasField("index") else NAN,
        category=message.category,
        weakest=tuple(
            [
                WeakDimension(
                    w.dimension_id, w.label, w.score, w.category, tuple(w.follow_up_actions)
                )
                for w in message.weakest
            ]
        ),
        sub_unit_categories={c.category: c.count for c in message.sub_unit_categories},
    )


@dataclass(frozen=True)
class ExcludedRespondent:
    """A respondent left out by screening, with every reason."""

    respondent_id: str
    unit_id: str
    reasons: tuple[str, ...]
    related_to: str


@dataclass(frozen=True)
class ScreeningResult:
    """What screening did: counts per reason, per unit, and the listed exclusions."""

    mode: str
    excluded: int
    reasons: dict[str, int]
    flagged_per_unit: dict[str, int]
    correction_points: dict[str, float]
    excluded_respondents: tuple[ExcludedRespondent, ...] = field(repr=False)
    excluded_truncated: bool
    local_rule_label: str


def _reason(value: int) -> str:
    return _name(ipb.ExclusionReason, value, "EXCLUSION_REASON_")


def _screening(message: pb.ScreeningSummary) -> ScreeningResult:
    return ScreeningResult(
        mode=_name(pb.ScreeningMode, message.mode, "SCREENING_MODE_"),
        excluded=message.excluded,
        reasons={_reason(r.reason): r.respondents for r in message.reasons},
        flagged_per_unit={u.unit_id: u.flagged for u in message.units},
        correction_points={u.unit_id: u.correction_points for u in message.units},
        excluded_respondents=tuple(
            ExcludedRespondent(
                e.respondent_id, e.unit_id, tuple(_reason(r) for r in e.reasons), e.related_to
            )
            for e in message.excluded_respondents
        ),
        excluded_truncated=message.excluded_truncated,
        local_rule_label=message.local_rule_label,
    )


@dataclass(frozen=True, repr=False)
class SurveyScoreResult(ShortRepr):
    """The answer of ScoreSurvey: units and sub-units, screening, and where the rules come from."""

    instrument_id: str
    instrument_sha256: str
    ruleset_id: str
    ruleset_sha256: str
    engine_version: str
    respondents_received: int
    respondents_scored: int
    units: tuple[SurveyEntity, ...] = field(repr=False)
    sub_units: tuple[SurveyEntity, ...] = field(repr=False)
    screening: ScreeningResult = field(repr=False)
    decision_id: str
    message: pb.ScoreSurveyResponse = field(repr=False, compare=False)

    def unit(self, unit_id: str, sub_unit_id: str = "") -> SurveyEntity:
        """One unit (or, with ``sub_unit_id``, one sub-unit) by id; KeyError when absent."""
        rows = self.sub_units if sub_unit_id else self.units
        for entity in rows:
            if entity.unit_id == unit_id and entity.sub_unit_id == sub_unit_id:
                return entity
        raise KeyError((unit_id, sub_unit_id))

    def to_frame(self, level: str = "units") -> Any:
        """A pandas DataFrame of the units (``level="units"``) or sub-units, one row each."""
        if level not in ("units", "sub_units"):
            raise ValueError(f"level: expected 'units' or 'sub_units'; got {level!r}")
        rows = self.units if level == "units" else self.sub_units
        return _pandas().DataFrame([e.row() for e in rows])


def score_survey_from_pb(message: pb.ScoreSurveyResponse) -> SurveyScoreResult:
    return SurveyScoreResult(
        instrument_id=message.instrument_id,
        instrument_sha256=message.instrument_sha256,
        ruleset_id=message.provenance.ruleset_id,
        ruleset_sha256=message.provenance.ruleset_sha256,
        engine_version=message.provenance.engine_version,
        respondents_received=message.respondents_received,
        respondents_scored=message.respondents_scored,
        units=tuple(_entity(u) for u in message.units),
        sub_units=tuple(_entity(u) for u in message.sub_units),
        screening=_screening(message.screening),
        decision_id=message.decision_id,
        message=message,
    )


@dataclass(frozen=True)
class ProgressRow:
    """Progress of one (unit or sub-unit, group); NaN where unknown."""

    unit_id: str
    sub_unit_id: str
    group: str
    population: int
    sampled: float
    respondents: int
    response_rate: float
    margin_of_error: float
    adequacy: str
    more_for_max_margin: int
    max_margin_reachable: bool
    more_for_target_margin: int
    target_margin_reachable: bool


@dataclass(frozen=True, repr=False)
class SurveyProgressResult(ShortRepr):
    """The answer of SurveyProgress: one row per row of the sample table."""

    instrument_id: str
    instrument_sha256: str
    max_margin: float
    target_margin: float
    rows: tuple[ProgressRow, ...] = field(repr=False)

    def to_frame(self) -> Any:
        return _pandas().DataFrame([vars(r) for r in self.rows])


def progress_from_pb(message: pb.SurveyProgressResponse) -> SurveyProgressResult:
    return SurveyProgressResult(
        instrument_id=message.instrument_id,
        instrument_sha256=message.instrument_sha256,
        max_margin=message.max_margin,
        target_margin=message.target_margin,
        rows=tuple(
            ProgressRow(
                unit_id=r.unit_id,
                sub_unit_id=r.sub_unit_id,
                group=GROUPS[r.group - 1] if 1 <= r.group <= 3 else "",
                population=r.population,
                sampled=_opt(r, "sampled"),
                respondents=r.respondents,
                response_rate=_opt(r, "response_rate"),
                margin_of_error=_opt(r, "margin_of_error"),
                adequacy=_name(pb.SampleAdequacy, r.adequacy, "SAMPLE_ADEQUACY_"),
                more_for_max_margin=r.more_for_max_margin,
                max_margin_reachable=r.max_margin_reachable,
                more_for_target_margin=r.more_for_target_margin,
                target_margin_reachable=r.target_margin_reachable,
            )
            for r in message.rows
        ),
    )
