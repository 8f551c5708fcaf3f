"""The survey handlers of spi.v1.SpiEngine: ScoreSurvey (client streaming) and SurveyProgress.

The work is :mod:`spi_engine.api.survey` (the CLI in-process runs the same functions, so both
give the same messages); a handler hands it the rulesets, instruments and limits of the moment
and notes on the :class:`~spi_server.pipeline.Call` what the decision log and metrics need. The
upload is received by the pipeline (bounded by ``--max-upload-bytes`` and
``--stream-idle-timeout``, holding no thread while it waits for bytes) and read here as it
arrives (:class:`ScoreSurveyUpload`): each message is parsed, validated and folded (or, with
screening, kept) in a heavy worker while the next one is received, and the deadline and
cancellation are checked before each.

Instruments: the bundled ones plus every ``.txtpb`` / ``.binpb`` file of ``--instruments DIR``
(a file's instrument id wins over a bundled one of the same id); SIGHUP reloads the directory,
and a directory that fails to load leaves the previous instruments in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from spi.v1 import survey_pb2 as pb
from spi_engine import Catalog
from spi_engine.api import survey as answers
from spi_engine.api import table
from spi_engine.api.survey import SurveyLimits
from spi_engine.errors import Violation
from spi_engine.survey import Instrument, InvalidInstrumentError, load_instrument

from .pipeline import CLIENT_STREAM, Call, Method

SUFFIXES = (".txtpb", ".binpb")


def load_instruments(directory: str) -> dict[str, Instrument]:
    """The bundled instruments plus those in ``directory``; the first bad file raises."""
    found = answers.bundled_instruments()
    if not directory:
        return found
    folder = Path(directory)
    if not folder.is_dir():
        raise InvalidInstrumentError(
            [Violation("", "expected a directory of instrument files")], context=directory
        )
    origins: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES):
        instrument = load_instrument(path)
        if instrument.id in origins:
            raise InvalidInstrumentError(
                [Violation("id", f"expected one file per id; {origins[instrument.id]} has it too")],
                context=str(path),
            )
        origins[instrument.id] = str(path)
        found[instrument.id] = instrument
    return found


class Instruments:
    """The active instruments. A reload builds a whole new set, then swaps it in one assignment."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._instruments = load_instruments(directory)

    def current(self) -> Mapping[str, Instrument]:
        return self._instruments

    def reload(self) -> Mapping[str, Instrument]:
        """Load the directory again; on error the active set stays and the error is raised."""
        self._instruments = load_instruments(self.directory)
        return self._instruments


class SurveyService:
    """Handlers over the catalog and instruments that the callables return when a call starts."""

    def __init__(
        self,
        catalog: Callable[[], Catalog],
        instruments: Callable[[], Mapping[str, Instrument]],
        limits: SurveyLimits,
    ) -> None:
        self.catalog = catalog
        self.instruments = instruments
        self.limits = limits

    def methods(self) -> tuple[Method, ...]:
        """ScoreSurvey is recorded as a decision; SurveyProgress is monitoring only."""
        return (
            Method(
                "ScoreSurvey",
                pb.ScoreSurveyRequest,
                self.score_survey,
                decides=True,
                kind=CLIENT_STREAM,
                heavy=True,
                upload=self.score_survey_upload,
            ),
            Method("SurveyProgress", pb.SurveyProgressRequest, self.survey_progress),
        )

    def _answer(self, name: str, request: Any, call: Call) -> Any:
        """The RPC table's answer, over the rulesets and instruments of the moment."""
        context = table.Context(
            self.catalog(),
            instruments=self.instruments(),
            survey_limits=self.limits,
            decision_id=call.decision_id,
        )
        return table.answer(name, request, context)

    def score_survey(
        self, requests: Iterator[pb.ScoreSurveyRequest], call: Call
    ) -> pb.ScoreSurveyResponse:
        response: pb.ScoreSurveyResponse = self._answer("ScoreSurvey", requests, call)
        call.units = len(response.units)
        call.ruleset = (response.provenance.ruleset_id, response.provenance.ruleset_sha256)
        return response

    def score_survey_upload(self, call: Call) -> ScoreSurveyUpload:
        """ScoreSurvey read message by message as the upload arrives (same answer and errors as
        :meth:`score_survey`)."""
        context = table.Context(
            self.catalog(),
            instruments=self.instruments(),
            survey_limits=self.limits,
            decision_id=call.decision_id,
        )
        return ScoreSurveyUpload(answers.SurveyUpload(context.survey(), call.decision_id), call)

    def survey_progress(
        self, request: pb.SurveyProgressRequest, call: Call
    ) -> pb.SurveyProgressResponse:
        response: pb.SurveyProgressResponse = self._answer("SurveyProgress", request, call)
        call.units = len({row.unit_id for row in response.rows})
        return response


class ScoreSurveyUpload:
    """One ScoreSurvey call's upload, read as it arrives; notes units and ruleset on the call."""

    def __init__(self, upload: answers.SurveyUpload, call: Call) -> None:
        self.upload = upload
        self.call = call

    def add(self, message: pb.ScoreSurveyRequest) -> None:
        self.upload.add(message)

    def finish(self) -> pb.ScoreSurveyResponse:
        response = self.upload.finish()
        self.call.units = len(response.units)
        self.call.ruleset = (response.provenance.ruleset_id, response.provenance.ruleset_sha256)
        return response
