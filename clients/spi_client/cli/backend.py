"""Where the `spi` command's work happens: in this process, or on a server.

Both backends take validated Units and return the same spi.v1 response messages, so everything
after them (rendering) is shared and the two modes print byte-identical output. The simulation
requests (what-if) are built once by the command and answered here through the RPC table
:mod:`spi_engine.api.table` (the one the server's handlers dispatch through) or by the server.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import spi_engine.survey as sv
from spi.v1 import engine_pb2
from spi.v1 import simulation_pb2 as sim
from spi.v1 import survey_pb2 as survey
from spi_engine import Catalog, Units, bundled, load_file
from spi_engine.api import survey as answer_survey
from spi_engine.api import table
from spi_engine.api.scoring_columns import score_response_from_columns, units_to_columns_pb
from spi_engine.api.scoring_messages import units_to_pb
from spi_engine.api.survey_messages import score_requests
from spi_engine.api.whatif import Limits
from spi_engine.catalog import load_directory
from spi_engine.datasets import Datasets, load_dataset
from spi_engine.errors import InvalidInputError, Violation

from .progress import Progress

CHUNK_ROWS = 65_536
"""Respondents per uploaded RespondentChunk (the server accepts up to 100,000)."""
PROGRESS_FROM = 100_000
"""Respondents from which the upload shows a progress bar (on a terminal only)."""
RULESET_FILE_SUFFIXES = (".txtpb", ".binpb", ".pb", ".textproto")
ANY_NUMBER = sys.maxsize
"""Units per Score or Summarize request in-process: no limit (the server has --max-units)."""


def is_ruleset_file(reference: str) -> bool:
    """A ``--ruleset`` value names a file when it ends like one or contains a path separator."""
    return reference.endswith(RULESET_FILE_SUFFIXES) or "/" in reference


def dataset_reference(reference: str) -> tuple[str, str]:
    """(name, path) of an in-process ``--dataset``: ``NAME=PATH``, or a path named by its stem.

    >>> dataset_reference("../data/results.csv"), dataset_reference("published=results.csv")
    (('results', '../data/results.csv'), ('published', 'results.csv'))
    """
    name, equals, path = reference.partition("=")
    if equals and name and "/" not in name:
        return name, path
    return Path(reference).stem, reference


class Backend(Protocol):
    def ruleset_ids(self) -> tuple[str, ...]: ...
    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse: ...
    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse: ...
    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse: ...
    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse: ...
    def use_ruleset(self, reference: str) -> str: ...
    def use_dataset(self, reference: str) -> str: ...
    def simulate(self, request: sim.SimulateRequest) -> Iterator[sim.SimulateResponse]: ...
    def goal_seek(self, request: sim.GoalSeekRequest) -> sim.GoalSeekResponse: ...
    def sensitivity(self, request: sim.SensitivityRequest) -> sim.SensitivityResponse: ...
    def sweep(self, request: sim.SweepRequest) -> Iterator[sim.SweepResponse]: ...
    def estimate_uncertainty(
        self, request: sim.EstimateUncertaintyRequest
    ) -> sim.EstimateUncertaintyResponse: ...
    def compare_rulesets(
        self, request: sim.CompareRulesetsRequest
    ) -> Iterator[sim.CompareRulesetsResponse]: ...
    def list_datasets(self) -> sim.ListDatasetsResponse: ...
    def score_survey(
        self, start: survey.ScoreSurveyStart, responses: sv.Responses
    ) -> survey.ScoreSurveyResponse: ...
    def survey_progress(
        self, request: survey.SurveyProgressRequest
    ) -> survey.SurveyProgressResponse: ...
    def close(self) -> None: ...


def local_catalog(directory: str) -> Catalog:
    """The bundled rulesets, with those in ``directory`` added; a file's id replaces a bundled one.

    An id given by two files in ``directory`` is an error.
    """
    found = load_directory(directory)
    Catalog({}).with_rulesets(found)  # raises on an id loaded twice from the directory
    return Catalog({**dict(bundled().rulesets), **{rules.id: rules for rules in found}})


class LocalBackend:
    """The engine in this process, with the bundled rulesets (and ruleset files by path).

    Requests are answered through :func:`spi_engine.api.table.answer`, the table the server's
    handlers dispatch through too; a survey file the command has read and validated goes
    straight to ScoreSurvey's answer (:func:`spi_engine.api.survey.score_responses`), which a
    server reaches after decoding the same respondents from their chunks.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or bundled()
        self.datasets = Datasets({})

    def ruleset_ids(self) -> tuple[str, ...]:
        return self.catalog.ids

    def context(self, max_units: int = Limits.max_units) -> table.Context:
        """The rulesets and datasets loaded so far; Score and Summarize take any number of units."""
        return table.Context(self.catalog, self.datasets, limits=Limits(max_units=max_units))

    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse:
        request = engine_pb2.ScoreRequest(
            ruleset_id=self.use_ruleset(ruleset), units=units_to_pb(units)
        )
        response: engine_pb2.ScoreResponse = table.answer(
            "Score", request, self.context(ANY_NUMBER)
        )
        return response

    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse:
        request = engine_pb2.SummarizeRequest(
            ruleset_id=self.use_ruleset(ruleset), units=units_to_pb(units)
        )
        response: engine_pb2.SummarizeResponse = table.answer(
            "Summarize", request, self.context(ANY_NUMBER)
        )
        return response

    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse:
        request = engine_pb2.ListRulesetsRequest()
        response: engine_pb2.ListRulesetsResponse = table.answer(
            "ListRulesets", request, self.context()
        )
        return response

    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse:
        request = engine_pb2.GetRulesetRequest(ruleset_id=self.use_ruleset(ruleset))
        response: engine_pb2.GetRulesetResponse = table.answer(
            "GetRuleset", request, self.context()
        )
        return response

    def use_ruleset(self, reference: str) -> str:
        """The id to put in a request; a ruleset file is loaded (replacing a ruleset of its id)."""
        if not is_ruleset_file(reference) or Path(reference).is_dir():
            return reference
        rules = load_file(reference)
        self.catalog = Catalog({**dict(self.catalog.rulesets), rules.id: rules})
        return rules.id

    def use_dataset(self, reference: str) -> str:
        """The name to put in a request; the results file (``PATH`` or ``NAME=PATH``) is loaded."""
        name, path = dataset_reference(reference)
        if name not in self.datasets.datasets:
            loaded = {**dict(self.datasets.datasets), name: load_dataset(path, name)}
            self.datasets = Datasets(loaded)
        return name

    def simulate(self, request: sim.SimulateRequest) -> Iterator[sim.SimulateResponse]:
        stream: Iterator[sim.SimulateResponse] = table.answer("Simulate", request, self.context())
        return stream

    def goal_seek(self, request: sim.GoalSeekRequest) -> sim.GoalSeekResponse:
        response: sim.GoalSeekResponse = table.answer("GoalSeek", request, self.context())
        return response

    def sensitivity(self, request: sim.SensitivityRequest) -> sim.SensitivityResponse:
        response: sim.SensitivityResponse = table.answer("Sensitivity", request, self.context())
        return response

    def sweep(self, request: sim.SweepRequest) -> Iterator[sim.SweepResponse]:
        stream: Iterator[sim.SweepResponse] = table.answer("Sweep", request, self.context())
        return stream

    def estimate_uncertainty(
        self, request: sim.EstimateUncertaintyRequest
    ) -> sim.EstimateUncertaintyResponse:
        response: sim.EstimateUncertaintyResponse = table.answer(
            "EstimateUncertainty", request, self.context()
        )
        return response

    def compare_rulesets(
        self, request: sim.CompareRulesetsRequest
    ) -> Iterator[sim.CompareRulesetsResponse]:
        stream: Iterator[sim.CompareRulesetsResponse] = table.answer(
            "CompareRulesets", request, self.context()
        )
        return stream

    def list_datasets(self) -> sim.ListDatasetsResponse:
        response: sim.ListDatasetsResponse = table.answer(
            "ListDatasets", sim.ListDatasetsRequest(), self.context()
        )
        return response

    def score_survey(
        self, start: survey.ScoreSurveyStart, responses: sv.Responses
    ) -> survey.ScoreSurveyResponse:
        """ScoreSurvey's answer for the file's respondents, which the command has validated:
        they are not encoded into chunks and decoded again, as a server must."""
        context = self.context()
        return answer_survey.score_responses(start, responses, context.survey())

    def survey_progress(
        self, request: survey.SurveyProgressRequest
    ) -> survey.SurveyProgressResponse:
        response: survey.SurveyProgressResponse = table.answer(
            "SurveyProgress", request, self.context()
        )
        return response

    def close(self) -> None:
        return None


class RemoteBackend:
    """A spi-engine server, through the Python client."""

    def __init__(self, target: str, **options: Any) -> None:
        try:
            from ..client import SpiClient
        except ImportError as error:  # grpc comes with an extra: the core does not need it
            missing = f"the client needs {error.name}: pip install 'spi-engine[client]'"
            raise InvalidInputError([Violation("--server", missing)]) from None

        self.client = SpiClient(target, **options)

    def _check(self, ruleset: str) -> None:
        if is_ruleset_file(ruleset):
            raise InvalidInputError(
                [
                    Violation(
                        "--ruleset",
                        f"a ruleset file ({ruleset}) can only be used in-process; load it into the "
                        "server with `spi-server --rulesets DIR` and pass its id",
                    )
                ]
            )

    def ruleset_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.list_rulesets().rulesets)

    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse:
        self._check(ruleset)
        request = engine_pb2.ScoreColumnsRequest(
            ruleset_id=ruleset, columns=units_to_columns_pb(units)
        )
        response: engine_pb2.ScoreColumnsResponse = self.client.rpc("ScoreColumns", request)
        return score_response_from_columns(units, response)

    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse:
        self._check(ruleset)
        request = engine_pb2.SummarizeRequest(ruleset_id=ruleset, units=units_to_pb(units))
        response: engine_pb2.SummarizeResponse = self.client.rpc("Summarize", request)
        return response

    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse:
        response: engine_pb2.ListRulesetsResponse = self.client.rpc(
            "ListRulesets", engine_pb2.ListRulesetsRequest()
        )
        return response

    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse:
        self._check(ruleset)
        response: engine_pb2.GetRulesetResponse = self.client.rpc(
            "GetRuleset", engine_pb2.GetRulesetRequest(ruleset_id=ruleset)
        )
        return response

    def use_ruleset(self, reference: str) -> str:
        self._check(reference)
        return reference

    def use_dataset(self, reference: str) -> str:
        """A dataset loaded on the server, by name (a file path is refused: it would be the client's)."""
        if "/" in reference or reference.endswith(".csv"):
            raise InvalidInputError(
                [
                    Violation(
                        "--dataset",
                        f"a results file ({reference}) can only be used in-process; load it into "
                        "the server with `spi-server --dataset NAME=PATH` and pass NAME",
                    )
                ]
            )
        return reference

    def simulate(self, request: sim.SimulateRequest) -> Iterator[sim.SimulateResponse]:
        stream: Iterator[sim.SimulateResponse] = self.client.stream("Simulate", request)
        return stream

    def goal_seek(self, request: sim.GoalSeekRequest) -> sim.GoalSeekResponse:
        response: sim.GoalSeekResponse = self.client.rpc("GoalSeek", request)
        return response

    def sensitivity(self, request: sim.SensitivityRequest) -> sim.SensitivityResponse:
        response: sim.SensitivityResponse = self.client.rpc("Sensitivity", request)
        return response

    def sweep(self, request: sim.SweepRequest) -> Iterator[sim.SweepResponse]:
        stream: Iterator[sim.SweepResponse] = self.client.stream("Sweep", request)
        return stream

    def estimate_uncertainty(
        self, request: sim.EstimateUncertaintyRequest
    ) -> sim.EstimateUncertaintyResponse:
        response: sim.EstimateUncertaintyResponse = self.client.rpc("EstimateUncertainty", request)
        return response

    def compare_rulesets(
        self, request: sim.CompareRulesetsRequest
    ) -> Iterator[sim.CompareRulesetsResponse]:
        stream: Iterator[sim.CompareRulesetsResponse] = self.client.stream(
            "CompareRulesets", request
        )
        return stream

    def list_datasets(self) -> sim.ListDatasetsResponse:
        response: sim.ListDatasetsResponse = self.client.rpc(
            "ListDatasets", sim.ListDatasetsRequest()
        )
        return response

    def score_survey(
        self, start: survey.ScoreSurveyStart, responses: sv.Responses
    ) -> survey.ScoreSurveyResponse:
        requests = uploaded(start, responses)
        response: survey.ScoreSurveyResponse = self.client.stream_in("ScoreSurvey", requests)
        return response

    def survey_progress(
        self, request: survey.SurveyProgressRequest
    ) -> survey.SurveyProgressResponse:
        response: survey.SurveyProgressResponse = self.client.rpc("SurveyProgress", request)
        return response

    def close(self) -> None:
        self.client.close()


def uploaded(
    start: survey.ScoreSurveyStart, responses: sv.Responses
) -> Iterator[survey.ScoreSurveyRequest]:
    """The ScoreSurvey upload (:func:`spi_engine.api.survey_messages.score_requests`: start, chunks of
    CHUNK_ROWS respondents, end), with a progress bar on a terminal for large files."""
    total = len(responses)
    shown = None if total >= PROGRESS_FROM else False
    with Progress("uploading respondents", total, enabled=shown) as bar:
        for request in score_requests(start, responses, CHUNK_ROWS):
            yield request
            if request.HasField("chunk"):
                bar.advance(len(request.chunk.respondent_ids))
