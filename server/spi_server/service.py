"""The scoring and ruleset RPCs of spi.v1.SpiEngine, answered through the engine's RPC table.

Each handler notes on its :class:`~spi_server.pipeline.Call` what the pipeline records (the
ruleset and its sha256, the number of units), then lets :func:`spi_engine.api.table.answer` turn
the request into the response, the same function the CLI's in-process backend calls, so both
give the same message. The call's deadline check runs between the answer's steps (and every
1,024 units, through :mod:`spi_engine.cancel`). Nothing here knows about bytes, auth, logs or
metrics: errors travel as the engine raises them and the pipeline maps them to statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from spi.v1 import engine_pb2
from spi_engine import Catalog
from spi_engine.api import table
from spi_engine.api.survey import SurveyLimits
from spi_engine.api.whatif import Limits
from spi_engine.datasets import Datasets

from .pipeline import Call, Method

DECIDING = ("Score", "ScoreColumns", "Summarize")
"""The methods of this service whose calls are decisions (recorded in the decision log)."""
NO_DATASETS = Datasets({})
SURVEY_LIMITS = SurveyLimits()
"""(the scoring RPCs use no datasets and no survey limits; made once, not per call)"""
INLINE_BYTES = {
    "ListRulesets": 1024,
    "GetRuleset": 1024,
    "Score": 2048,
    "Summarize": 2048,
    "ScoreColumns": 32768,
}
"""Requests up to this many bytes are answered on the event loop, without the hop to a worker
thread (:attr:`spi_server.pipeline.Method.inline_bytes`). Each method's work is bounded by its
request bytes (ListRulesets and GetRuleset by the loaded catalog), and the bounds keep the
longest such answer, and so the longest wait it can cause a call behind it on the loop, near
1 ms: measured worst 1.2 ms (a Summarize of 43 units, each its own group) and 1.6 ms for JSON on
the HTTP door (a ScoreColumns of 466 units with groups), on the shared 2-core machine of
docs/serving-floor.md (``python -m bench.serving --inline-worst``). About 45 units in rows, 800
in columns (so a 641-unit ScoreColumns batch). ValidateRuleset (a ruleset text to parse) and the
what-if and survey methods, whose small request can ask for much work, always run in a worker
thread."""


class SpiEngineService:
    """Handlers over the catalog that ``catalog()`` returns when a call starts."""

    def __init__(self, catalog: Callable[[], Catalog], max_units: int) -> None:
        self.catalog = catalog
        self.max_units = max_units
        self._limits = Limits(max_units=max_units)

    def methods(self) -> tuple[Method, ...]:
        """The service's methods, in engine.proto's order; the DECIDING ones are decisions."""
        names = ("ListRulesets", "GetRuleset", "ValidateRuleset", "Score", "ScoreColumns")
        return tuple(
            Method(
                name,
                table.RPCS_BY_NAME[name].request,
                self._handler(name),
                name in DECIDING,
                inline_bytes=INLINE_BYTES.get(name, 0),
            )
            for name in (*names, "Summarize")
        )

    def _handler(self, name: str) -> Callable[[Any, Call], Message]:
        def handle(request: Any, call: Call) -> Message:
            _note_request(request, call)
            context = table.Context(
                self.catalog(),
                NO_DATASETS,
                limits=self._limits,
                survey_limits=SURVEY_LIMITS,
                decision_id=call.decision_id,
                checkpoint=call.check_time,
            )
            response: Message = table.answer(name, request, context)
            _note_response(response, call)
            return response

        return handle


def _note_request(request: Any, call: Call) -> None:
    """The ruleset asked for, and the units in the request, before any work (so a refused call
    is recorded with them too)."""
    call.ruleset = (getattr(request, "ruleset_id", ""), "")
    if isinstance(request, engine_pb2.ScoreColumnsRequest):
        call.units = len(request.columns.internal) // 8
    elif isinstance(request, engine_pb2.ScoreRequest | engine_pb2.SummarizeRequest):
        call.units = len(request.units)


def _note_response(response: Message, call: Call) -> None:
    """The ruleset that answered, with its sha256 (metrics label loaded rulesets by both)."""
    if isinstance(response, engine_pb2.GetRulesetResponse):
        call.ruleset = (response.ruleset.id, response.sha256)
    elif _has_provenance(type(response)):
        provenance = response.provenance  # type: ignore[attr-defined]
        call.ruleset = (provenance.ruleset_id, provenance.ruleset_sha256)


def _has_provenance(message_type: type[Message]) -> bool:
    """Whether answers of this type carry a provenance (asked once per type)."""
    name = message_type.DESCRIPTOR.full_name
    known = _PROVENANCE.get(name)
    if known is None:
        known = _PROVENANCE[name] = "provenance" in message_type.DESCRIPTOR.fields_by_name
    return known


_PROVENANCE: dict[str, bool] = {}
