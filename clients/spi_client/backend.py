"""Where the `spi` command's work happens: in this process, or on a server.

Both backends take validated Units and return the same spi.v1 response messages, so everything
after them (rendering) is shared and the two modes print byte-identical output. The simulation
requests (what-if) are built once by the command and answered here by
:mod:`spi_engine.answer_whatif` (the functions the server's handlers call) or by the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from spi.v1 import engine_pb2
from spi.v1 import simulation_pb2 as sim
from spi.v1 import survey_pb2 as survey
from spi_engine import (
    Catalog,
    Ruleset,
    Units,
    answer_survey,
    answer_whatif,
    bundled,
    load_file,
    score,
    summarize,
)
from spi_engine.convert import score_response_to_pb, summary_to_pb, units_to_pb
from spi_engine.convert_columns import score_response_from_columns, units_to_columns_pb
from spi_engine.datasets import Datasets, load_dataset
from spi_engine.errors import InvalidInputError, Violation

RULESET_FILE_SUFFIXES = (".txtpb", ".binpb", ".pb", ".textproto")


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
        self, requests: Iterable[survey.ScoreSurveyRequest]
    ) -> survey.ScoreSurveyResponse: ...
    def survey_progress(
        self, request: survey.SurveyProgressRequest
    ) -> survey.SurveyProgressResponse: ...
    def close(self) -> None: ...


class LocalBackend:
    """The engine in this process, with the bundled rulesets (and ruleset files by path)."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or bundled()
        self.datasets = Datasets({})

    def resolve(self, reference: str) -> Ruleset:
        if is_ruleset_file(reference) and not Path(reference).is_dir():
            return load_file(reference)
        return self.catalog.get(reference)

    def ruleset_ids(self) -> tuple[str, ...]:
        return self.catalog.ids

    def score(self, ruleset: str, units: Units) -> engine_pb2.ScoreResponse:
        return score_response_to_pb(score(self.resolve(ruleset), units))

    def summarize(self, ruleset: str, units: Units) -> engine_pb2.SummarizeResponse:
        return summary_to_pb(summarize(score(self.resolve(ruleset), units)))

    def list_rulesets(self) -> engine_pb2.ListRulesetsResponse:
        return engine_pb2.ListRulesetsResponse(
            rulesets=[
                engine_pb2.RulesetSummary(
                    id=r.id, label=r.label, year=r.year, sha256=r.sha256, origin=r.origin
                )
                for r in self.catalog
            ]
        )

    def get_ruleset(self, ruleset: str) -> engine_pb2.GetRulesetResponse:
        rules = self.resolve(ruleset)
        return engine_pb2.GetRulesetResponse(
            ruleset=rules.to_message(), sha256=rules.sha256, origin=rules.origin
        )

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

    def sources(self) -> answer_whatif.Sources:
        return answer_whatif.Sources(self.catalog, self.datasets)

    def simulate(self, request: sim.SimulateRequest) -> Iterator[sim.SimulateResponse]:
        return answer_whatif.simulate(request, self.sources())

    def goal_seek(self, request: sim.GoalSeekRequest) -> sim.GoalSeekResponse:
        return answer_whatif.goal_seek(request, self.sources())

    def sensitivity(self, request: sim.SensitivityRequest) -> sim.SensitivityResponse:
        return answer_whatif.sensitivity(request, self.sources())

    def sweep(self, request: sim.SweepRequest) -> Iterator[sim.SweepResponse]:
        return answer_whatif.sweep(request, self.sources())

    def estimate_uncertainty(
        self, request: sim.EstimateUncertaintyRequest
    ) -> sim.EstimateUncertaintyResponse:
        return answer_whatif.estimate_uncertainty(request, self.sources())

    def compare_rulesets(
        self, request: sim.CompareRulesetsRequest
    ) -> Iterator[sim.CompareRulesetsResponse]:
        return answer_whatif.compare_rulesets(request, self.sources())

    def list_datasets(self) -> sim.ListDatasetsResponse:
        return answer_whatif.list_datasets(sim.ListDatasetsRequest(), self.sources())

    def survey_sources(self) -> answer_survey.SurveySources:
        return answer_survey.SurveySources(self.catalog, answer_survey.bundled_instruments())

    def score_survey(
        self, requests: Iterable[survey.ScoreSurveyRequest]
    ) -> survey.ScoreSurveyResponse:
        return answer_survey.score_survey(requests, self.survey_sources())

    def survey_progress(
        self, request: survey.SurveyProgressRequest
    ) -> survey.SurveyProgressResponse:
        return answer_survey.survey_progress(request, self.survey_sources())

    def close(self) -> None:
        return None


class RemoteBackend:
    """A spi-engine server, through the Python client."""

    def __init__(self, target: str, **options: Any) -> None:
        from .client import SpiClient

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
        self, requests: Iterable[survey.ScoreSurveyRequest]
    ) -> survey.ScoreSurveyResponse:
        response: survey.ScoreSurveyResponse = self.client.stream_in("ScoreSurvey", requests)
        return response

    def survey_progress(
        self, request: survey.SurveyProgressRequest
    ) -> survey.SurveyProgressResponse:
        response: survey.SurveyProgressResponse = self.client.rpc("SurveyProgress", request)
        return response

    def close(self) -> None:
        self.client.close()
