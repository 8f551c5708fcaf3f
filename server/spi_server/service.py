"""The spi.v1.SpiEngine handlers: convert the request, call the engine, convert the result.

Each handler takes a parsed request and the :class:`~spi_server.pipeline.Call` it belongs to,
and returns the response message. Errors are raised as they are (spi_engine's errors); the
pipeline maps them to statuses. Nothing here knows about bytes, auth, logs or metrics.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence

import numpy as np

import spi_engine
from spi.v1 import engine_pb2, ruleset_pb2, scoring_pb2
from spi_engine import Catalog, Ruleset, Units
from spi_engine.convert import score_response_to_pb, summary_to_pb, units_from_pb
from spi_engine.convert_columns import (
    columns_where,
    score_columns_response_to_pb,
    units_from_columns_pb,
)
from spi_engine.errors import InvalidInputError, InvalidRulesetError, LimitExceededError, Violation
from spi_engine.ruleset import message_from_binary, message_from_text, sha256_of
from spi_engine.validation import validate

from .pipeline import Call, Method


class SpiEngineService:
    """Handlers over the catalog that ``catalog()`` returns when a call starts."""

    def __init__(self, catalog: Callable[[], Catalog], max_units: int) -> None:
        self.catalog = catalog
        self.max_units = max_units

    def methods(self) -> tuple[Method, ...]:
        """The service's methods; Score and Summarize are recorded as decisions."""
        return (
            Method("ListRulesets", engine_pb2.ListRulesetsRequest, self.list_rulesets),
            Method("GetRuleset", engine_pb2.GetRulesetRequest, self.get_ruleset),
            Method("ValidateRuleset", engine_pb2.ValidateRulesetRequest, self.validate_ruleset),
            Method("Score", engine_pb2.ScoreRequest, self.score, decides=True),
            Method("Summarize", engine_pb2.SummarizeRequest, self.summarize, decides=True),
            Method(
                "ScoreColumns", engine_pb2.ScoreColumnsRequest, self.score_columns, decides=True
            ),
        )

    def list_rulesets(
        self, request: engine_pb2.ListRulesetsRequest, call: Call
    ) -> engine_pb2.ListRulesetsResponse:
        return engine_pb2.ListRulesetsResponse(
            rulesets=[
                engine_pb2.RulesetSummary(
                    id=r.id, label=r.label, year=r.year, sha256=r.sha256, origin=r.origin
                )
                for r in self.catalog()
            ]
        )

    def get_ruleset(
        self, request: engine_pb2.GetRulesetRequest, call: Call
    ) -> engine_pb2.GetRulesetResponse:
        rules = self._ruleset(request.ruleset_id, call)
        return engine_pb2.GetRulesetResponse(
            ruleset=rules.to_message(), sha256=rules.sha256, origin=rules.origin
        )

    def validate_ruleset(
        self, request: engine_pb2.ValidateRulesetRequest, call: Call
    ) -> engine_pb2.ValidateRulesetResponse:
        try:
            message = _ruleset_message(request)
        except InvalidRulesetError as error:
            return _validation(ruleset_pb2.Ruleset(), error.violations)
        return _validation(message, validate(message))

    def score(self, request: engine_pb2.ScoreRequest, call: Call) -> engine_pb2.ScoreResponse:
        call.units = len(request.units)
        rules = self._ruleset(request.ruleset_id, call)
        scores = spi_engine.score(rules, self._units(request.units, call))
        call.check_time()
        return score_response_to_pb(scores, call.decision_id)

    def score_columns(
        self, request: engine_pb2.ScoreColumnsRequest, call: Call
    ) -> engine_pb2.ScoreColumnsResponse:
        columns = request.columns
        call.units = len(columns.internal) // 8
        rules = self._ruleset(request.ruleset_id, call)
        if call.units > self.max_units:
            raise LimitExceededError("units per request", self.max_units, call.units)
        units = units_from_columns_pb(columns, texts=False)
        call.check_time()
        scores = spi_engine.score(rules, units, where=columns_where())
        call.check_time()
        return score_columns_response_to_pb(scores, call.decision_id)

    def summarize(
        self, request: engine_pb2.SummarizeRequest, call: Call
    ) -> engine_pb2.SummarizeResponse:
        call.units = len(request.units)
        rules = self._ruleset(request.ruleset_id, call)
        summary = spi_engine.summarize(spi_engine.score(rules, self._units(request.units, call)))
        call.check_time()
        return summary_to_pb(summary, call.decision_id)

    def _ruleset(self, ruleset_id: str, call: Call) -> Ruleset:
        call.ruleset = (ruleset_id, "")
        if not ruleset_id:
            raise InvalidInputError(
                [Violation("ruleset_id", "expected a ruleset id such as 'spi-2024'; got nothing")]
            )
        rules = self.catalog().get(ruleset_id)
        call.ruleset = (rules.id, rules.sha256)
        return rules

    def _units(self, units: Sequence[scoring_pb2.UnitInput], call: Call) -> Units:
        if len(units) > self.max_units:
            raise LimitExceededError("units per request", self.max_units, len(units))
        converted = _converted(units, call) if len(units) > CHUNK else units_from_pb(units)
        call.check_time()
        return converted


CHUNK = 8192
"""units converted between two deadline checks: converting 100,000 takes about 0.2 s"""


def _converted(units: Sequence[scoring_pb2.UnitInput], call: Call) -> Units:
    """``units_from_pb(units)``, chunk by chunk with the deadline checked between chunks; any
    error is reported by converting the whole request, so rows are counted over all of it."""
    parts = []
    for start in range(0, len(units), CHUNK):
        call.check_time()
        try:
            parts.append(units_from_pb(units[start : start + CHUNK]))
        except InvalidInputError:
            return units_from_pb(units)
    return _joined(parts) or units_from_pb(units)


def _joined(parts: Sequence[Units]) -> Units | None:
    """The units of ``parts`` one after the other (None: a field this cannot join)."""
    values: dict[str, object] = {}
    for each in dataclasses.fields(Units):
        items = [getattr(part, each.name) for part in parts]
        if all(isinstance(item, tuple) for item in items):
            values[each.name] = tuple(itertools.chain.from_iterable(items))
        elif all(isinstance(item, np.ndarray) for item in items):
            joined = np.concatenate(items)
            joined.flags.writeable = False
            values[each.name] = joined
        else:
            return None
    return Units(**values)  # type: ignore[arg-type]


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
