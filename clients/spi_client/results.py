"""Typed, frozen results of the client's calls, and the pure functions that build them.

Each ``*_from_pb`` function turns one spi.v1 response message into its result; nothing else in
the client reads response fields. ``to_frame()`` returns a pandas DataFrame (pandas is imported
only then, so it stays optional).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from spi.v1 import engine_pb2, ruleset_pb2, scoring_pb2

from .errors import FieldViolation
from .result_repr import ShortRepr


@dataclass(frozen=True)
class RulesetInfo:
    """A loaded ruleset, in short."""

    id: str
    label: str
    year: int
    sha256: str
    origin: str


@dataclass(frozen=True)
class RulesetDetail:
    """A ruleset in full, as the server holds it."""

    id: str
    sha256: str
    origin: str
    binary: bytes
    """the Ruleset message, serialised deterministically"""

    def message(self) -> ruleset_pb2.Ruleset:
        """A fresh copy of the Ruleset message (changing it changes nothing here)."""
        return ruleset_pb2.Ruleset.FromString(self.binary)


@dataclass(frozen=True)
class Validation:
    """The outcome of ValidateRuleset: every violation found."""

    valid: bool
    violations: tuple[FieldViolation, ...]
    ruleset_id: str
    sha256: str


@dataclass(frozen=True)
class Contributions:
    """What each term adds to ``index_raw``; the four add up to it."""

    internal: float
    external: float
    expert: float
    correction: float


@dataclass(frozen=True)
class Margin:
    """Index points to a neighbouring category."""

    category: str
    points: float


@dataclass(frozen=True)
class UnitResult:
    """One unit's result."""

    unit_id: str
    group: str
    index_raw: float
    index: float
    category: str
    contributions: Contributions
    margin_up: Margin | None
    margin_down: Margin | None


@dataclass(frozen=True)
class Provenance:
    """What the results can be reproduced from."""

    ruleset_id: str
    ruleset_sha256: str
    engine_version: str
    index_decimals: int


@dataclass(frozen=True, repr=False)
class ScoreResult(ShortRepr):
    """The results of one Score call, in request order."""

    results: tuple[UnitResult, ...]
    provenance: Provenance
    decision_id: str

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[UnitResult]:
        return iter(self.results)

    def __getitem__(self, position: int) -> UnitResult:
        return self.results[position]

    def to_frame(self, index: Any = None) -> Any:
        """A pandas DataFrame, one row per unit (``index`` becomes its index)."""
        return _frame([_row(r) for r in self.results], self.provenance, self.decision_id, index)


@dataclass(frozen=True)
class RankedUnit:
    rank: int
    result: UnitResult


@dataclass(frozen=True)
class CategoryCount:
    category: str
    count: int


@dataclass(frozen=True)
class GroupSummary:
    """Count, mean published index and units per category (lowest first) of a group."""

    group: str
    units: int
    mean_index: float
    categories: tuple[CategoryCount, ...]


@dataclass(frozen=True, repr=False)
class SummaryResult(ShortRepr):
    """The ranking and the summaries of one Summarize call."""

    ranking: tuple[RankedUnit, ...]
    overall: GroupSummary
    groups: tuple[GroupSummary, ...]
    provenance: Provenance
    decision_id: str

    def to_frame(self) -> Any:
        """The ranking as a pandas DataFrame, rank first."""
        rows = [{"rank": r.rank, **_row(r.result)} for r in self.ranking]
        return _frame(rows, self.provenance, self.decision_id, None)


def rulesets_from_pb(response: engine_pb2.ListRulesetsResponse) -> tuple[RulesetInfo, ...]:
    return tuple(RulesetInfo(r.id, r.label, r.year, r.sha256, r.origin) for r in response.rulesets)


def ruleset_from_pb(response: engine_pb2.GetRulesetResponse) -> RulesetDetail:
    binary = response.ruleset.SerializeToString(deterministic=True)
    return RulesetDetail(response.ruleset.id, response.sha256, response.origin, binary)


def validation_from_pb(response: engine_pb2.ValidateRulesetResponse) -> Validation:
    violations = tuple(FieldViolation(v.field, v.description) for v in response.violations)
    return Validation(response.valid, violations, response.ruleset_id, response.sha256)


def unit_result_from_pb(result: scoring_pb2.UnitResult) -> UnitResult:
    c = result.contributions
    return UnitResult(
        unit_id=result.unit_id,
        group=result.group,
        index_raw=result.index_raw,
        index=result.index,
        category=result.category,
        contributions=Contributions(c.internal, c.external, c.expert, c.correction),
        margin_up=_margin(result, "margin_up"),
        margin_down=_margin(result, "margin_down"),
    )


def provenance_from_pb(provenance: scoring_pb2.Provenance) -> Provenance:
    return Provenance(
        provenance.ruleset_id,
        provenance.ruleset_sha256,
        provenance.engine_version,
        provenance.index_decimals,
    )


def score_from_pb(response: engine_pb2.ScoreResponse) -> ScoreResult:
    return ScoreResult(
        results=tuple(unit_result_from_pb(r) for r in response.results),
        provenance=provenance_from_pb(response.provenance),
        decision_id=response.decision_id,
    )


def group_from_pb(summary: engine_pb2.GroupSummary) -> GroupSummary:
    counts = tuple(CategoryCount(c.category, c.count) for c in summary.categories)
    return GroupSummary(summary.group, summary.units, summary.mean_index, counts)


def summary_from_pb(response: engine_pb2.SummarizeResponse) -> SummaryResult:
    return SummaryResult(
        ranking=tuple(RankedUnit(r.rank, unit_result_from_pb(r.result)) for r in response.ranking),
        overall=group_from_pb(response.overall),
        groups=tuple(group_from_pb(g) for g in response.groups),
        provenance=provenance_from_pb(response.provenance),
        decision_id=response.decision_id,
    )


def _margin(result: scoring_pb2.UnitResult, name: str) -> Margin | None:
    if not result.HasField(name):
        return None
    margin = getattr(result, name)
    return Margin(margin.category, margin.points)


COLUMNS = (
    "unit_id",
    "group",
    "index",
    "index_raw",
    "category",
    "contribution_internal",
    "contribution_external",
    "contribution_expert",
    "contribution_correction",
    "margin_up_category",
    "margin_up_points",
    "margin_down_category",
    "margin_down_points",
)
"""The columns of a results DataFrame, before ``ruleset`` and ``ruleset_sha256``."""


def _row(result: UnitResult) -> dict[str, Any]:
    up, down = result.margin_up, result.margin_down
    return {
        "unit_id": result.unit_id,
        "group": result.group,
        "index": result.index,
        "index_raw": result.index_raw,
        "category": result.category,
        "contribution_internal": result.contributions.internal,
        "contribution_external": result.contributions.external,
        "contribution_expert": result.contributions.expert,
        "contribution_correction": result.contributions.correction,
        "margin_up_category": up.category if up else None,
        "margin_up_points": up.points if up else float("nan"),
        "margin_down_category": down.category if down else None,
        "margin_down_points": down.points if down else float("nan"),
    }


def _frame(rows: list[dict[str, Any]], provenance: Provenance, decision_id: str, index: Any) -> Any:
    # pandas is optional: imported only here, untyped (the client carries no pandas-stubs).
    pd: Any = importlib.import_module("pandas")

    frame = pd.DataFrame(rows, index=index, columns=list(rows[0]) if rows else list(COLUMNS))
    frame["ruleset"] = provenance.ruleset_id
    frame["ruleset_sha256"] = provenance.ruleset_sha256
    frame.attrs["decision_id"] = decision_id
    frame.attrs["engine_version"] = provenance.engine_version
    return frame
