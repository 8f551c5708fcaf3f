"""The simulation handlers of spi.v1.SpiEngine: convert, call the library, convert.

The work is the RPC table's (:mod:`spi_engine.api.table`; the CLI in-process answers through it
too, so both give the same messages); a handler only hands it the rulesets, datasets and limits of the moment
and notes on the :class:`~spi_server.pipeline.Call` what the decision log and metrics need: the
units, and the ruleset id and sha256 (for a dataset scored year by year, or old and new rules,
the ids and hashes joined by commas). Streamed answers (Simulate, Sweep, CompareRulesets) are
generators: the work is done when the handler returns; the pipeline builds every chunk and
records the decision before it sends the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from spi.v1 import scoring_pb2
from spi.v1 import simulation_pb2 as pb
from spi_engine import Catalog
from spi_engine.api import table
from spi_engine.api.whatif import Limits
from spi_engine.datasets import Datasets

from .pipeline import SERVER_STREAM, Call, Method

StreamT = TypeVar("StreamT", pb.SimulateResponse, pb.SweepResponse, pb.CompareRulesetsResponse)


class WhatifService:
    """Handlers over the catalog and datasets that the callables return when a call starts."""

    def __init__(
        self, catalog: Callable[[], Catalog], datasets: Callable[[], Datasets], limits: Limits
    ) -> None:
        self.catalog = catalog
        self.datasets = datasets
        self.limits = limits

    def methods(self) -> tuple[Method, ...]:
        """Every simulation RPC but ListDatasets(Units) is recorded as a decision and runs as heavy."""
        stream = SERVER_STREAM
        return (
            Method("Simulate", pb.SimulateRequest, self.simulate, True, stream, heavy=True),
            Method("GoalSeek", pb.GoalSeekRequest, self.goal_seek, decides=True, heavy=True),
            Method("Sensitivity", pb.SensitivityRequest, self.sensitivity, True, heavy=True),
            Method("Sweep", pb.SweepRequest, self.sweep, decides=True, kind=stream, heavy=True),
            Method(
                "EstimateUncertainty",
                pb.EstimateUncertaintyRequest,
                self.estimate_uncertainty,
                decides=True,
                heavy=True,
            ),
            Method(
                "CompareRulesets",
                pb.CompareRulesetsRequest,
                self.compare_rulesets,
                decides=True,
                kind=stream,
                heavy=True,
            ),
            Method("ListDatasets", pb.ListDatasetsRequest, self.list_datasets),
            Method("ListDatasetUnits", pb.ListDatasetUnitsRequest, self.list_dataset_units),
        )

    def _answer(self, name: str, request: Any, call: Call) -> Any:
        """The RPC table's answer to ``request``, over the rulesets and datasets of the moment."""
        context = table.Context(
            self.catalog(), self.datasets(), limits=self.limits, decision_id=call.decision_id
        )
        return table.answer(name, request, context)

    def simulate(self, request: pb.SimulateRequest, call: Call) -> Iterator[pb.SimulateResponse]:
        responses = self._answer("Simulate", request, call)
        return _noted(responses, call, _simulation_note)

    def goal_seek(self, request: pb.GoalSeekRequest, call: Call) -> pb.GoalSeekResponse:
        response: pb.GoalSeekResponse = self._answer("GoalSeek", request, call)
        _note(call, len(response.units), [response.provenance])
        return response

    def sensitivity(self, request: pb.SensitivityRequest, call: Call) -> pb.SensitivityResponse:
        response: pb.SensitivityResponse = self._answer("Sensitivity", request, call)
        _note(call, len(response.units), [response.provenance])
        return response

    def sweep(self, request: pb.SweepRequest, call: Call) -> Iterator[pb.SweepResponse]:
        responses = self._answer("Sweep", request, call)
        return _noted(responses, call, _sweep_note)

    def estimate_uncertainty(
        self, request: pb.EstimateUncertaintyRequest, call: Call
    ) -> pb.EstimateUncertaintyResponse:
        response: pb.EstimateUncertaintyResponse = self._answer(
            "EstimateUncertainty", request, call
        )
        _note(call, len(response.units), [response.provenance])
        return response

    def compare_rulesets(
        self, request: pb.CompareRulesetsRequest, call: Call
    ) -> Iterator[pb.CompareRulesetsResponse]:
        responses = self._answer("CompareRulesets", request, call)
        return _noted(responses, call, _impact_note)

    def list_datasets(self, request: pb.ListDatasetsRequest, call: Call) -> pb.ListDatasetsResponse:
        return self._answer("ListDatasets", request, call)  # type: ignore[no-any-return]

    def list_dataset_units(
        self, request: pb.ListDatasetUnitsRequest, call: Call
    ) -> pb.ListDatasetUnitsResponse:
        return self._answer("ListDatasetUnits", request, call)  # type: ignore[no-any-return]


def _note(call: Call, units: int, provenances: Sequence[scoring_pb2.Provenance]) -> None:
    ids = list(dict.fromkeys(p.ruleset_id for p in provenances))
    hashes = list(dict.fromkeys(p.ruleset_sha256 for p in provenances))
    call.units = units
    call.ruleset = (",".join(ids), ",".join(hashes))


def _noted(
    responses: Iterable[StreamT], call: Call, note: Callable[[StreamT, Call], None]
) -> Iterator[StreamT]:
    """The stream, with the call noted from its first message (the summary)."""
    iterator = iter(responses)
    first = next(iterator)
    note(first, call)
    return _prepend(first, iterator)


def _prepend(first: StreamT, rest: Iterator[StreamT]) -> Iterator[StreamT]:
    yield first
    yield from rest


def _simulation_note(first: pb.SimulateResponse, call: Call) -> None:
    summary = first.summary
    _note(call, summary.units, [c.baseline for c in summary.comparisons])


def _sweep_note(first: pb.SweepResponse, call: Call) -> None:
    summary = first.summary
    _note(call, len(summary.units), [summary.provenance])


def _impact_note(first: pb.CompareRulesetsResponse, call: Call) -> None:
    comparison = first.summary.comparison
    _note(call, comparison.units, [comparison.baseline, comparison.scenario])
