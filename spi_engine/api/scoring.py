"""Answers to the ruleset and scoring requests (ListRulesets, GetRuleset, ValidateRuleset,
Score, Summarize): request message in, response message out, pure.

The server's handlers and the CLI in-process answer these through :mod:`spi_engine.api.table`.

>>> from spi.v1 import engine_pb2
>>> from spi_engine import bundled
>>> answer = get_ruleset(engine_pb2.GetRulesetRequest(ruleset_id="spi-2024"), bundled())
>>> answer.ruleset.id, len(answer.sha256)
('spi-2024', 64)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from spi.v1 import engine_pb2, ruleset_pb2, scoring_pb2

from ..catalog import Catalog
from ..errors import InvalidInputError, InvalidRulesetError, LimitExceededError, Violation
from ..ruleset import Ruleset, message_from_binary, message_from_text, sha256_of
from ..scoring import score as score_units
from ..summary import summarize as summarize_scores
from ..units import Units
from ..validation import validate
from .scoring_columns import columns_where, score_columns_response_to_pb, units_from_columns_pb
from .scoring_messages import score_response_to_pb, summary_to_pb, units_from_pb


def _nothing() -> None:
    return None


def list_rulesets(
    request: engine_pb2.ListRulesetsRequest, rulesets: Catalog
) -> engine_pb2.ListRulesetsResponse:
    """Every ruleset of the catalog, by id."""
    return engine_pb2.ListRulesetsResponse(
        rulesets=[
            engine_pb2.RulesetSummary(
                id=r.id, label=r.label, year=r.year, sha256=r.sha256, origin=r.origin
            )
            for r in rulesets
        ]
    )


def get_ruleset(
    request: engine_pb2.GetRulesetRequest, rulesets: Catalog
) -> engine_pb2.GetRulesetResponse:
    """One ruleset, whole, with its sha256 and origin."""
    rules = ruleset_of(request.ruleset_id, rulesets)
    return engine_pb2.GetRulesetResponse(
        ruleset=rules.to_message(), sha256=rules.sha256, origin=rules.origin
    )


def validate_ruleset(
    request: engine_pb2.ValidateRulesetRequest,
) -> engine_pb2.ValidateRulesetResponse:
    """Every violation of a ruleset given as text or binary (an invalid one is an answer)."""
    try:
        message = _ruleset_message(request)
    except InvalidRulesetError as error:
        return _validation(ruleset_pb2.Ruleset(), error.violations)
    return _validation(message, validate(message))


def score(
    request: engine_pb2.ScoreRequest,
    rulesets: Catalog,
    max_units: int,
    decision_id: str = "",
    checkpoint: Callable[[], None] = _nothing,
) -> engine_pb2.ScoreResponse:
    """Index and category of every unit; ``checkpoint`` runs between the steps (deadlines)."""
    rules = ruleset_of(request.ruleset_id, rulesets)
    scores = score_units(rules, units_of(request.units, max_units, checkpoint))
    checkpoint()
    return score_response_to_pb(scores, decision_id)


def score_columns(
    request: engine_pb2.ScoreColumnsRequest,
    rulesets: Catalog,
    max_units: int,
    decision_id: str = "",
    checkpoint: Callable[[], None] = _nothing,
) -> engine_pb2.ScoreColumnsResponse:
    """Score's answer for units given as columns, as columns (values named ``columns.x[i]``)."""
    rules = ruleset_of(request.ruleset_id, rulesets)
    size = len(request.columns.internal) // 8
    if size > max_units:
        raise LimitExceededError("units per request", max_units, size)
    units = units_from_columns_pb(request.columns, texts=False)
    checkpoint()
    scores = score_units(rules, units, where=columns_where())
    checkpoint()
    return score_columns_response_to_pb(scores, decision_id)


def summarize(
    request: engine_pb2.SummarizeRequest,
    rulesets: Catalog,
    max_units: int,
    decision_id: str = "",
    checkpoint: Callable[[], None] = _nothing,
) -> engine_pb2.SummarizeResponse:
    """Counts and averages by group; ``checkpoint`` runs between the steps (deadlines)."""
    rules = ruleset_of(request.ruleset_id, rulesets)
    summary = summarize_scores(score_units(rules, units_of(request.units, max_units, checkpoint)))
    checkpoint()
    return summary_to_pb(summary, decision_id)


def ruleset_of(ruleset_id: str, rulesets: Catalog) -> Ruleset:
    """The ruleset a request names; an empty id is an error naming ``ruleset_id``."""
    if not ruleset_id:
        raise InvalidInputError(
            [Violation("ruleset_id", "expected a ruleset id such as 'spi-2024'; got nothing")]
        )
    return rulesets.get(ruleset_id)


def units_of(
    units: Sequence[scoring_pb2.UnitInput], max_units: int, checkpoint: Callable[[], None]
) -> Units:
    """The request's units, at most ``max_units`` of them."""
    if len(units) > max_units:
        raise LimitExceededError("units per request", max_units, len(units))
    converted = units_from_pb(units)
    checkpoint()
    return converted


def _ruleset_message(request: engine_pb2.ValidateRulesetRequest) -> ruleset_pb2.Ruleset:
    content = request.WhichOneof("content")
    if content == "text":
        return message_from_text(request.text, "text")
    if content == "binary":
        return message_from_binary(request.binary, "binary")
    raise InvalidRulesetError(
        [Violation("content", "expected the ruleset as text or binary; got neither")]
    )


def _validation(
    message: ruleset_pb2.Ruleset, violations: Sequence[Violation]
) -> engine_pb2.ValidateRulesetResponse:
    return engine_pb2.ValidateRulesetResponse(
        valid=not violations,
        violations=[
            engine_pb2.FieldViolation(field=v.field, description=v.description) for v in violations
        ],
        ruleset_id=message.id,
        sha256="" if violations else sha256_of(message),
    )
