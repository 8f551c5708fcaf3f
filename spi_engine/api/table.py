"""One table: each RPC of spi.v1.SpiEngine, its messages, its streaming kind, its answer.

The RPC names, request and response classes and streaming kinds are read from the service
descriptor (engine.proto), never restated; each is joined here with the function that answers
it. The server's handlers and the CLI's in-process backend both call :func:`answer`, so a
request gets the same response message either way. An answer function takes the request (for
a client-streaming RPC, an iterable of requests) and a :class:`Context`, and returns the
response (for a server-streaming RPC, an iterator of responses). Importing this module fails
when an RPC has no answer or an answer has no RPC.

>>> from spi.v1 import engine_pb2
>>> from spi_engine import bundled
>>> [rpc.name for rpc in RPCS][:3], RPCS_BY_NAME["Simulate"].kind
(['ListRulesets', 'GetRuleset', 'ValidateRuleset'], 'server_stream')
>>> response = answer("GetRuleset", engine_pb2.GetRulesetRequest(ruleset_id="spi-2024"),
...     Context(bundled()))
>>> response.ruleset.id
'spi-2024'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from spi.v1 import engine_pb2
from spi.v1 import simulation_pb2 as sim
from spi.v1 import survey_pb2 as survey

from ..catalog import Catalog
from ..datasets import Datasets
from ..survey.instrument import Instrument
from . import datasets as answer_datasets
from . import scoring
from . import survey as answer_survey
from . import whatif as answer_whatif
from .rpcs import CLIENT_STREAM, SERVER_STREAM, SERVICE, UNARY, declared

__all__ = [
    "ANSWERS",
    "CLIENT_STREAM",
    "RPCS",
    "RPCS_BY_NAME",
    "SERVER_STREAM",
    "SERVICE",
    "UNARY",
    "Answer",
    "Context",
    "Rpc",
    "answer",
]


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Context:
    """What answers come from: rulesets, datasets, instruments, limits, and the call's ids."""

    rulesets: Catalog
    datasets: Datasets = field(default_factory=lambda: Datasets({}))
    instruments: Mapping[str, Instrument] | None = None
    """survey instruments by id; None: the bundled ones, loaded only when a survey RPC asks"""
    limits: answer_whatif.Limits = field(default_factory=answer_whatif.Limits)
    survey_limits: answer_survey.SurveyLimits = field(default_factory=answer_survey.SurveyLimits)
    decision_id: str = ""
    """echoed in the responses that carry one (the server's decision log id)"""
    checkpoint: Callable[[], None] = _nothing
    """called between the steps of a scoring answer (the server checks its deadline there)"""

    def whatif(self) -> answer_whatif.Sources:
        return answer_whatif.Sources(self.rulesets, self.datasets, self.limits)

    def survey(self) -> answer_survey.SurveySources:
        instruments = self.instruments
        if instruments is None:
            instruments = answer_survey.bundled_instruments()
        return answer_survey.SurveySources(self.rulesets, instruments, self.survey_limits)


Answer = Callable[[Any, Context], Any]


def _list_rulesets(
    request: engine_pb2.ListRulesetsRequest, context: Context
) -> engine_pb2.ListRulesetsResponse:
    return scoring.list_rulesets(request, context.rulesets)


def _get_ruleset(
    request: engine_pb2.GetRulesetRequest, context: Context
) -> engine_pb2.GetRulesetResponse:
    return scoring.get_ruleset(request, context.rulesets)


def _validate_ruleset(
    request: engine_pb2.ValidateRulesetRequest, context: Context
) -> engine_pb2.ValidateRulesetResponse:
    return scoring.validate_ruleset(request)


def _score(request: engine_pb2.ScoreRequest, context: Context) -> engine_pb2.ScoreResponse:
    limit = context.limits.max_units
    return scoring.score(request, context.rulesets, limit, context.decision_id, context.checkpoint)


def _score_columns(
    request: engine_pb2.ScoreColumnsRequest, context: Context
) -> engine_pb2.ScoreColumnsResponse:
    limit = context.limits.max_units
    return scoring.score_columns(
        request, context.rulesets, limit, context.decision_id, context.checkpoint
    )


def _summarize(
    request: engine_pb2.SummarizeRequest, context: Context
) -> engine_pb2.SummarizeResponse:
    limit = context.limits.max_units
    return scoring.summarize(
        request, context.rulesets, limit, context.decision_id, context.checkpoint
    )


def _simulate(request: sim.SimulateRequest, context: Context) -> Iterator[sim.SimulateResponse]:
    return answer_whatif.simulate(request, context.whatif(), context.decision_id)


def _goal_seek(request: sim.GoalSeekRequest, context: Context) -> sim.GoalSeekResponse:
    return answer_whatif.goal_seek(request, context.whatif(), context.decision_id)


def _sensitivity(request: sim.SensitivityRequest, context: Context) -> sim.SensitivityResponse:
    return answer_whatif.sensitivity(request, context.whatif(), context.decision_id)


def _sweep(request: sim.SweepRequest, context: Context) -> Iterator[sim.SweepResponse]:
    return answer_whatif.sweep(request, context.whatif(), context.decision_id)


def _estimate_uncertainty(
    request: sim.EstimateUncertaintyRequest, context: Context
) -> sim.EstimateUncertaintyResponse:
    return answer_whatif.estimate_uncertainty(request, context.whatif(), context.decision_id)


def _compare_rulesets(
    request: sim.CompareRulesetsRequest, context: Context
) -> Iterator[sim.CompareRulesetsResponse]:
    return answer_whatif.compare_rulesets(request, context.whatif(), context.decision_id)


def _list_datasets(request: sim.ListDatasetsRequest, context: Context) -> sim.ListDatasetsResponse:
    return answer_whatif.list_datasets(request, context.whatif())


def _score_survey(
    requests: Iterable[survey.ScoreSurveyRequest], context: Context
) -> survey.ScoreSurveyResponse:
    return answer_survey.score_survey(requests, context.survey(), context.decision_id)


def _survey_progress(
    request: survey.SurveyProgressRequest, context: Context
) -> survey.SurveyProgressResponse:
    return answer_survey.survey_progress(request, context.survey())


def _list_dataset_units(
    request: sim.ListDatasetUnitsRequest, context: Context
) -> sim.ListDatasetUnitsResponse:
    return answer_datasets.list_dataset_units(request, context.whatif())


ANSWERS: Mapping[str, Answer] = {
    "ListRulesets": _list_rulesets,
    "GetRuleset": _get_ruleset,
    "ValidateRuleset": _validate_ruleset,
    "Score": _score,
    "ScoreColumns": _score_columns,
    "Summarize": _summarize,
    "Simulate": _simulate,
    "GoalSeek": _goal_seek,
    "Sensitivity": _sensitivity,
    "Sweep": _sweep,
    "EstimateUncertainty": _estimate_uncertainty,
    "CompareRulesets": _compare_rulesets,
    "ListDatasets": _list_datasets,
    "ListDatasetUnits": _list_dataset_units,
    "ScoreSurvey": _score_survey,
    "SurveyProgress": _survey_progress,
}
"""RPC name -> answer function: the one row to add with a new RPC."""


@dataclass(frozen=True)
class Rpc:
    """One RPC as engine.proto declares it, with its answer."""

    name: str
    request: type[Message]
    response: type[Message]
    kind: str
    """UNARY, SERVER_STREAM or CLIENT_STREAM"""
    answer: Answer


def _rpcs() -> tuple[Rpc, ...]:
    names = [rpc.name for rpc in declared()]
    if set(names) != set(ANSWERS):
        missing = sorted(set(names) - set(ANSWERS))
        extra = sorted(set(ANSWERS) - set(names))
        raise RuntimeError(f"RPCs without an answer: {missing}; answers without an RPC: {extra}")
    return tuple(
        Rpc(rpc.name, rpc.request, rpc.response, rpc.kind, ANSWERS[rpc.name]) for rpc in declared()
    )


RPCS: tuple[Rpc, ...] = _rpcs()
"""Every RPC of spi.v1.SpiEngine, in the order of engine.proto."""
RPCS_BY_NAME: Mapping[str, Rpc] = {rpc.name: rpc for rpc in RPCS}


def answer(name: str, request: Any, context: Context) -> Any:
    """The response (or the iterator of responses) to ``request``, by RPC name."""
    return RPCS_BY_NAME[name].answer(request, context)
