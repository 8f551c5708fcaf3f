"""The survey calls of SpiClient: respondents (a DataFrame, a CSV/Parquet file or column arrays)
validated locally, then uploaded to ScoreSurvey as columnar chunks; SurveyProgress from the
responses so far (sent as counts per unit, sub-unit and group).

The requests are built by :mod:`spi_engine.api.survey_messages` (the same pure functions the
in-process path uses), so a server and this process answer the same messages.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

import spi_engine.survey as sv
from spi.v1 import instrument_pb2 as ipb
from spi.v1 import survey_pb2 as pb
from spi_engine.api.survey_messages import (
    chunk_of,
    population_to_pb,
    response_counts,
    score_requests,
)
from spi_engine.api.upload_state import SeenIds
from spi_engine.survey.instrument_checks import RESERVED_COLUMNS
from spi_engine.survey.labels import as_strings

from .survey_results import (
    SurveyProgressResult,
    SurveyScoreResult,
    progress_from_pb,
    score_survey_from_pb,
)

ProgressCallback = Callable[[int, int], None]
"""Called after each chunk is handed to gRPC: (respondents sent so far, respondents in all)."""
MODES = {
    "off": pb.SCREENING_MODE_OFF,
    "exclude": pb.SCREENING_MODE_EXCLUDE,
    "exclude_and_correct": pb.SCREENING_MODE_EXCLUDE_AND_CORRECT,
}


class Caller(Protocol):
    def rpc(self, name: str, request: Any, *, timeout: float | None = None) -> Any: ...

    def stream_in(
        self, name: str, requests: Iterator[Any], *, timeout: float | None = None
    ) -> Any: ...


def instrument_of(instrument: str | sv.Instrument) -> sv.Instrument:
    """An Instrument object, a bundled instrument's id, or a path to a .txtpb / .binpb file."""
    if isinstance(instrument, sv.Instrument):
        return instrument
    if Path(instrument).suffix in (".txtpb", ".binpb"):
        return sv.load_instrument(instrument)
    return sv.bundled_instrument(instrument)


def _source(
    instrument: str | sv.Instrument, start: pb.ScoreSurveyStart | pb.SurveyProgressRequest
) -> sv.Instrument:
    """The instrument for local validation; ``start`` names it (a bundled id) or carries it."""
    inst = instrument_of(instrument)
    if isinstance(instrument, str) and inst.origin.startswith("bundled:"):
        start.instrument_id = inst.id
    else:
        start.instrument.CopyFrom(ipb.Instrument.FromString(inst.binary))
    return inst


def _columns(source: Any) -> Mapping[str, Any]:
    if hasattr(source, "columns") and hasattr(source, "to_numpy"):  # a pandas DataFrame
        return {str(name): source[name].to_numpy() for name in source.columns}
    if isinstance(source, Mapping):
        return source
    raise TypeError(
        "expected a pandas DataFrame, a CSV or Parquet path, or a mapping of column arrays; "
        f"got {type(source).__name__}"
    )


def responses_of(source: Any, instrument: sv.Instrument) -> sv.Responses:
    """Validated Responses from a DataFrame, a file path or a mapping of columns."""
    if isinstance(source, sv.Responses):
        return source
    if isinstance(source, str | Path):
        return sv.read_responses(source, instrument)
    columns = _columns(source)
    return sv.responses_from_columns(
        instrument,
        respondent_ids=columns["respondent_id"],
        unit_ids=columns["unit_id"],
        groups=columns["group"],
        answers={k: v for k, v in columns.items() if k not in RESERVED_COLUMNS},
        sub_unit_ids=columns.get("sub_unit_id"),
        completion_seconds=columns.get("completion_seconds"),
        device_fingerprints=columns.get("device_fingerprint"),
        submitted_at=columns.get("submitted_at"),
    )


def population_entries(population: Any) -> list[ipb.PopulationEntry]:
    """PopulationEntry messages from a Population, a CSV/Parquet path, a DataFrame or columns."""
    if isinstance(population, str | Path):
        population = sv.read_population(population)
    if not isinstance(population, sv.Population):
        c = _columns(population)
        population = sv.population_from_columns(
            c["unit_id"],
            c["group"],
            c["population"],
            sampled=c.get("sampled"),
            sub_unit_ids=c.get("sub_unit_id"),
        )
    return population_to_pb(population)


def _reported(
    requests: Iterator[pb.ScoreSurveyRequest], total: int, progress: ProgressCallback | None
) -> Iterator[pb.ScoreSurveyRequest]:
    sent = 0
    for request in requests:
        yield request
        if progress is not None and request.HasField("chunk"):
            sent += len(request.chunk.respondent_ids)
            progress(sent, total)


def score_survey(
    client: Caller,
    source: Any,
    *,
    instrument: str | sv.Instrument,
    ruleset: str,
    population: Any = None,
    chunk_rows: int = 50_000,
    progress: ProgressCallback | None = None,
    screening: str = "off",
    list_excluded: bool = False,
    weakest: int = 3,
    timeout: float | None = None,
) -> SurveyScoreResult:
    """Upload respondents to ScoreSurvey in chunks of ``chunk_rows``; see SpiClient.score_survey."""
    if screening not in MODES:
        raise ValueError(f"screening: expected one of {', '.join(MODES)}; got {screening!r}")
    start = pb.ScoreSurveyStart(
        ruleset_id=ruleset,
        screening=pb.ScreeningOptions(mode=MODES[screening], list_excluded=list_excluded),
        weakest_dimensions=weakest,
    )
    inst = _source(instrument, start)
    if population is not None:
        start.population.extend(population_entries(population))
    total, requests = _upload(start, source, inst, chunk_rows)
    answer = client.stream_in("ScoreSurvey", _reported(requests, total, progress), timeout=timeout)
    return score_survey_from_pb(answer)


def _upload(
    start: pb.ScoreSurveyStart, source: Any, inst: sv.Instrument, chunk_rows: int
) -> tuple[int, Iterator[pb.ScoreSurveyRequest]]:
    """(respondents, the requests): column arrays validated chunk by chunk as gRPC takes the
    requests (so the server reads a chunk while the next is validated); any other source, or
    columns of unequal lengths, validated whole first."""
    columns = None if isinstance(source, sv.Responses | str | Path) else _columns(source)
    if columns is None or chunk_rows < 1 or not _sliceable(columns):
        responses = responses_of(source, inst)
        return len(responses), score_requests(start, responses, chunk_rows)
    requests = _checked_chunks(start, columns, inst, chunk_rows)
    first = list(itertools.islice(requests, 2))  # a bad first chunk raises before any call
    return len(columns["respondent_id"]), itertools.chain(first, requests)


def _sliceable(columns: Mapping[str, Any]) -> bool:
    """Whether every column is an array or a list of one length (and the required ones are
    there): only then is validating chunk by chunk what validating them whole is."""
    for name in ("respondent_id", "unit_id", "group"):
        columns[name]  # a missing column raises KeyError, as responses_of does
    values = list(columns.values())
    kinds = all(isinstance(v, np.ndarray | list | tuple) for v in values)
    return kinds and len({len(v) for v in values}) == 1


def _checked_chunks(
    start: pb.ScoreSurveyStart, columns: Mapping[str, Any], inst: sv.Instrument, chunk_rows: int
) -> Iterator[pb.ScoreSurveyRequest]:
    """The upload of ``columns``, each chunk validated as it is taken. A chunk that fails (or
    repeats an earlier chunk's respondent id) has the whole columns validated, so the error is
    the one validating them whole gives: every bad row named across the upload."""
    size = len(columns["respondent_id"])
    first = pb.ScoreSurveyStart()
    first.CopyFrom(start)
    first.expected_respondents = size
    yield pb.ScoreSurveyRequest(start=first)
    seen = SeenIds()
    rows = range(0, size, chunk_rows)
    for row in rows:
        part = {name: values[row : row + chunk_rows] for name, values in columns.items()}
        try:
            responses = responses_of(part, inst)
            ids = as_strings(responses.respondent_ids)
            if seen.repeated(ids).size:
                raise ValueError("a respondent id of an earlier chunk")
            seen.add(ids)
        except Exception:
            responses_of(columns, inst)  # raises the error of the whole columns
            raise
        request = pb.ScoreSurveyRequest()
        chunk_of(responses, slice(0, len(responses)), into=request.chunk)
        yield request
    yield pb.ScoreSurveyRequest(end=pb.ScoreSurveyEnd(respondents=size, chunks=len(rows)))


def survey_progress(
    client: Caller,
    responses: Any,
    *,
    instrument: str | sv.Instrument,
    population: Any,
    timeout: float | None = None,
) -> SurveyProgressResult:
    """Progress from the responses so far (counted locally); see SpiClient.survey_progress."""
    request = pb.SurveyProgressRequest(population=population_entries(population))
    inst = _source(instrument, request)
    so_far = responses_of(responses, inst)
    request.responses.extend(response_counts(so_far))
    return progress_from_pb(client.rpc("SurveyProgress", request, timeout=timeout))


class SurveyCalls:
    """The survey methods of SpiClient (a mixin over its ``rpc`` and ``stream_in``)."""

    def score_survey(
        self,
        source: Any,
        *,
        instrument: Any,
        ruleset_id: str = "",
        population: Any = None,
        chunk_rows: int = 50_000,
        progress: ProgressCallback | None = None,
        screening: str = "off",
        list_excluded: bool = False,
        weakest: int = 3,
        timeout: float | None = None,
        ruleset: str = "",
    ) -> SurveyScoreResult:
        """Score respondents through the ScoreSurvey stream.

        ``source``: a pandas DataFrame, a CSV or Parquet path, or a mapping of column arrays
        (respondent_id, unit_id, group, optional sub_unit_id, item columns, ...), validated here
        against ``instrument`` (a bundled id, an Instrument, or a .txtpb path) and sent in
        chunks of ``chunk_rows`` (column arrays: each chunk validated as it is sent, the error
        still that of the whole columns; a bad chunk after the first cancels the call);
        ``progress(sent, total)`` is called after each chunk.
        ``population``: a Population, a file path, a DataFrame or columns. ``screening``: "off",
        "exclude" or "exclude_and_correct". The result has ``to_frame("units" | "sub_units")``.
        ``ruleset_id`` as in every other method; ``ruleset`` is its older name, still accepted.
        """
        if ruleset and ruleset_id and ruleset != ruleset_id:
            raise TypeError(
                f"give ruleset_id (or its older name ruleset), not both: {ruleset_id!r}, {ruleset!r}"
            )
        if not (ruleset_id or ruleset):
            raise TypeError("score_survey() needs ruleset_id, e.g. ruleset_id='spi-2024'")
        return score_survey(
            cast(Caller, self),
            source,
            instrument=instrument,
            ruleset=ruleset_id or ruleset,
            population=population,
            chunk_rows=chunk_rows,
            progress=progress,
            screening=screening,
            list_excluded=list_excluded,
            weakest=weakest,
            timeout=timeout,
        )

    def survey_progress(
        self, responses: Any, *, instrument: Any, population: Any, timeout: float | None = None
    ) -> SurveyProgressResult:
        """Response rate, margin reached and responses still needed per row of ``population``
        (the sampled lists) from the responses so far (any source score_survey accepts)."""
        return survey_progress(
            cast(Caller, self),
            responses,
            instrument=instrument,
            population=population,
            timeout=timeout,
        )
