"""Answers to the survey requests: request messages in, a response message out, pure.

``score_survey`` reads a ScoreSurvey upload (a start message, RespondentChunk messages, an
optional end message), validates each chunk as it comes (values named like
``chunks[3].answers[item=int_trans_1].codes[17]``), folds it into exact integer statistics and
scores units and sub-units; any chunking gives a byte-identical response. With screening on,
the chunks are kept and screened together (duplicates and bursts span chunks). ``survey_progress``
answers SurveyProgress. The server's handlers call these, and so does the CLI in-process.
Limits bound the work (:class:`SurveyLimits`); past one a LimitExceededError names it.

>>> from spi.v1 import survey_pb2 as pb
>>> from spi_engine import bundled
>>> from spi_engine.survey import chunk_from_columns
>>> sources = SurveySources(bundled(), bundled_instruments())
>>> inst = sources.instruments["example-survey"]
>>> chunk = chunk_from_columns(inst, respondent_ids=["r1", "r2"], unit_ids=["u", "u"],
...     groups=["internal", "internal"], answers={"int_trans_1": [5, 4]})
>>> start = pb.ScoreSurveyStart(instrument_id="example-survey", ruleset_id="spi-2024")
>>> answer = score_survey([pb.ScoreSurveyRequest(start=start), pb.ScoreSurveyRequest(chunk=chunk)], sources)
>>> answer.units[0].unit_id, answer.units[0].groups[0].respondents, answer.units[0].status
('u', 2, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from spi.v1 import instrument_pb2 as ipb
from spi.v1 import survey_pb2 as pb

from ..catalog import Catalog
from ..errors import InvalidInputError, LimitExceededError, Violation
from ..ruleset import Ruleset
from ..survey import (
    Corrections,
    Population,
    Responses,
    Screening,
    SurveyStats,
    chunk_stats,
    score_stats,
    screen,
)
from ..survey import survey_progress as progress_of
from ..survey.instrument import (
    GROUP_NAMES,
    Instrument,
    ScreeningRules,
    UnknownInstrumentError,
    bundled_instrument,
    bundled_instrument_ids,
    from_message,
)
from ..survey.labels import as_strings, factorize_pair
from ..survey.stats import Layout
from ..text_limits import too_long
from .survey_messages import (
    add_sub_unit_counts,
    chunk_responses,
    chunk_where,
    concat_responses,
    entities_to_pb,
    group_names,
    population_from_pb,
    progress_to_pb,
    screening_to_pb,
)
from .upload_state import CellFold, SeenIds
from .whatif_results import provenance_of

DEFAULT_WEAKEST = 3
GROUPS = len(GROUP_NAMES)


@dataclass(frozen=True)
class SurveyLimits:
    """What one survey request may ask for (the server's flags set these)."""

    max_respondents: int = 2_000_000
    """respondents per ScoreSurvey upload"""
    max_chunk_rows: int = 100_000
    """respondents per RespondentChunk message"""
    max_population_rows: int = 500_000
    """entries of a population table (ScoreSurvey and SurveyProgress)"""
    max_listed_exclusions: int = 100_000
    """excluded respondents listed in a response when listing is asked for"""
    max_response_counts: int = 500_000
    """ResponseCount entries of a SurveyProgress request"""


@dataclass(frozen=True)
class SurveySources:
    """Where survey answers come from: rulesets, instruments by id, limits."""

    rulesets: Catalog
    instruments: Mapping[str, Instrument]
    limits: SurveyLimits = field(default_factory=SurveyLimits)


def bundled_instruments() -> dict[str, Instrument]:
    """Every bundled instrument by id."""
    return {i: bundled_instrument(i) for i in bundled_instrument_ids()}


def resolve_instrument(
    message: pb.ScoreSurveyStart | pb.SurveyProgressRequest,
    instruments: Mapping[str, Instrument],
    prefix: str,
) -> Instrument:
    """The instrument a request names (by id) or carries (validated)."""
    if message.WhichOneof("instrument_source") == "instrument":
        return from_message(message.instrument, f"{prefix}instrument")
    name = message.instrument_id
    if not name:
        raise InvalidInputError(
            [Violation(f"{prefix}instrument_id", "expected an instrument id or an instrument")]
        )
    if name not in instruments:
        raise UnknownInstrumentError(name, tuple(sorted(instruments)))
    return instruments[name]


def _screening_rules(instrument: Instrument, options: pb.ScreeningOptions) -> ScreeningRules:
    if not options.HasField("rules"):
        return instrument.screening
    message = ipb.Instrument.FromString(instrument.binary)
    message.screening.CopyFrom(options.rules)
    return from_message(message, "start.screening.rules").screening


@dataclass
class _Upload:
    """What the chunks of one upload have given so far."""

    instrument: Instrument
    keep_rows: bool
    chunks: int = 0
    respondents: int = 0
    fold: CellFold | None = None
    parts: list[Responses] = field(default_factory=list)
    seen: SeenIds = field(default_factory=SeenIds)
    """the respondent ids of the earlier chunks"""
    starts: list[int] = field(default_factory=list)
    """the first row (across the upload) of each chunk"""
    ended: bool = False


def _check_new_ids(upload: _Upload, responses: Responses, index: int) -> None:
    ids = as_strings(responses.respondent_ids)  # a file's reader may give UTF-8 bytes
    rows = upload.seen.repeated(ids)
    if rows.size:
        raise InvalidInputError(
            [
                Violation(
                    f"chunks[{index}].respondent_ids[{r}]",
                    f"expected unique respondent ids over the whole upload; {str(ids[r])!r} came in an "
                    "earlier chunk too",
                )
                for r in rows[:20].tolist()
            ]
        )
    upload.seen.add(ids)


def _check_room(upload: _Upload, rows: int, limits: SurveyLimits, what: str) -> None:
    """Refuse ``rows`` more respondents (``what``: "a chunk", "respondents") after the end
    message or beyond the upload's limit, before any work on them."""
    if upload.ended:
        raise InvalidInputError(
            [
                Violation(
                    f"chunks[{upload.chunks}]",
                    f"expected nothing after the end message; got {what}",
                )
            ]
        )
    if upload.respondents + rows > limits.max_respondents:
        raise LimitExceededError(
            "respondents per upload", limits.max_respondents, upload.respondents + rows
        )


def _add_chunk(upload: _Upload, chunk: ipb.RespondentChunk, limits: SurveyLimits) -> None:
    index, rows = upload.chunks, len(chunk.respondent_ids)
    _check_room(upload, rows, limits, "a chunk")
    if rows > limits.max_chunk_rows:
        raise LimitExceededError(
            f"chunks[{index}]: respondents per chunk", limits.max_chunk_rows, rows
        )
    _add_responses(upload, chunk_responses(upload.instrument, chunk, index))


def _add_responses(upload: _Upload, responses: Responses) -> None:
    """Fold validated respondents into the upload as its next chunk."""
    index, rows = upload.chunks, len(responses)
    _check_new_ids(upload, responses, index)
    if upload.keep_rows:
        upload.parts.append(responses)
    else:
        if upload.fold is None:
            upload.fold = CellFold(upload.instrument)
        upload.fold.add(chunk_stats(responses, row_offset=upload.respondents))
    upload.starts.append(upload.respondents)
    upload.chunks += 1
    upload.respondents += rows


def _end(upload: _Upload, end: pb.ScoreSurveyEnd) -> None:
    if upload.ended:
        raise InvalidInputError([Violation("end", "expected one end message; got a second")])
    for name, sent, got in (
        ("end.respondents", end.respondents, upload.respondents),
        ("end.chunks", end.chunks, upload.chunks),
    ):
        if sent != got:
            raise InvalidInputError(
                [Violation(name, f"the server received {got:,}; the end message says {sent:,}")]
            )
    upload.ended = True


def _part(upload: _Upload, message: pb.ScoreSurveyRequest, limits: SurveyLimits) -> None:
    part = message.WhichOneof("part")
    if part == "chunk":
        _add_chunk(upload, message.chunk, limits)
    elif part == "end":
        _end(upload, message.end)
    else:
        raise InvalidInputError(
            [
                Violation(
                    "start" if part == "start" else "part",
                    f"expected a chunk or the end message after {upload.chunks} chunk(s); "
                    f"got {part or 'an empty message'}",
                )
            ]
        )


def _start(messages: Iterator[pb.ScoreSurveyRequest]) -> pb.ScoreSurveyStart:
    first = next(messages, None)
    part = first.WhichOneof("part") if first is not None else None
    if first is None or part != "start":
        raise _no_start(part)
    return first.start


def _no_start(part: str | None) -> InvalidInputError:
    return InvalidInputError(
        [
            Violation(
                "start",
                f"expected a start message first (instrument, ruleset); got {part or 'nothing'}",
            )
        ]
    )


def _check_start(start: pb.ScoreSurveyStart, limits: SurveyLimits) -> None:
    if start.expected_respondents > limits.max_respondents:
        raise LimitExceededError(
            "respondents per upload", limits.max_respondents, start.expected_respondents
        )
    if len(start.population) > limits.max_population_rows:
        raise LimitExceededError(
            "population rows", limits.max_population_rows, len(start.population)
        )
    if start.weakest_dimensions < 0:
        raise InvalidInputError(
            [
                Violation(
                    "start.weakest_dimensions",
                    f"expected 0 (default 3) or more; got {start.weakest_dimensions}",
                )
            ]
        )


def score_survey(
    requests: Iterable[pb.ScoreSurveyRequest], sources: SurveySources, decision_id: str = ""
) -> pb.ScoreSurveyResponse:
    """Score one upload: a start message, chunks, optionally an end message."""
    upload = SurveyUpload(sources, decision_id)
    for message in requests:
        upload.add(message)
    return upload.finish()


def score_responses(
    start: pb.ScoreSurveyStart, responses: Responses, sources: SurveySources, decision_id: str = ""
) -> pb.ScoreSurveyResponse:
    """Score an upload whose respondents are already validated: the answer :func:`score_survey`
    gives for ``start`` and those respondents in chunks, without building the chunks."""
    upload = SurveyUpload(sources, decision_id)
    upload.add(pb.ScoreSurveyRequest(start=start))
    upload.add_responses(responses)
    return upload.finish()


class SurveyUpload:
    """One ScoreSurvey upload read message by message as it arrives (:meth:`add`), then
    answered (:meth:`finish`): what :func:`score_survey` does over an iterator, for a server
    that folds each chunk while the next one is on its way. Errors are those of
    :func:`score_survey`, raised by the message that causes them (or by :meth:`finish`)."""

    def __init__(self, sources: SurveySources, decision_id: str = "") -> None:
        self.sources = sources
        self.decision_id = decision_id
        self.start: pb.ScoreSurveyStart | None = None
        self.upload: _Upload | None = None

    def add(self, message: pb.ScoreSurveyRequest) -> None:
        """Read the next message of the upload (the first must be the start message)."""
        if self.upload is None:
            self._begin(_start(iter((message,))))
        else:
            _part(self.upload, message, self.sources.limits)

    def add_responses(self, responses: Responses) -> None:
        """Read respondents already validated for the upload's instrument (an in-process caller's,
        e.g. ``spi survey score`` without ``--server``) as the upload's next chunk, without
        encoding them into a chunk message and decoding it: the answer is the same, byte for
        byte, as for the same respondents uploaded in chunks of any size."""
        upload = self.upload
        if upload is None:
            raise _no_start("respondents")
        _check_room(upload, len(responses), self.sources.limits, "respondents")
        if responses.instrument.sha256 != upload.instrument.sha256:
            raise InvalidInputError(
                [
                    Violation(
                        f"chunks[{upload.chunks}]",
                        f"expected respondents of instrument {upload.instrument.id} "
                        f"({upload.instrument.sha256[:12]}); got {responses.instrument.id} "
                        f"({responses.instrument.sha256[:12]})",
                    )
                ]
            )
        _add_responses(upload, responses)

    def _begin(self, start: pb.ScoreSurveyStart) -> None:
        _check_start(start, self.sources.limits)
        instrument = resolve_instrument(start, self.sources.instruments, "start.")
        self.ruleset = self.sources.rulesets.get(start.ruleset_id)
        self.population = (
            population_from_pb(start.population, "start.population") if start.population else None
        )
        mode = start.screening.mode
        screening_on = mode in (pb.SCREENING_MODE_EXCLUDE, pb.SCREENING_MODE_EXCLUDE_AND_CORRECT)
        self.rules = _screening_rules(instrument, start.screening)
        if mode == pb.SCREENING_MODE_EXCLUDE_AND_CORRECT and instrument.local_rule is None:
            raise InvalidInputError(
                [
                    Violation(
                        "start.screening.mode",
                        f"instrument {instrument.id!r} has no local integrity rule to correct "
                        "with; got SCREENING_MODE_EXCLUDE_AND_CORRECT",
                    )
                ]
            )
        self.start = start
        self.upload = _Upload(instrument, keep_rows=screening_on)

    def finish(self) -> pb.ScoreSurveyResponse:
        """The answer to the messages read (after the last one)."""
        upload, start = self.upload, self.start
        if upload is None or start is None:
            raise _no_start(None)
        if upload.respondents == 0:
            raise InvalidInputError(
                [Violation("chunks", "expected at least one respondent; the upload had none")]
            )
        if start.expected_respondents and start.expected_respondents != upload.respondents:
            raise InvalidInputError(
                [
                    Violation(
                        "start.expected_respondents",
                        f"the server received {upload.respondents:,}; the start message says "
                        f"{start.expected_respondents:,}",
                    )
                ]
            )
        answer = _scored(start, upload, self.ruleset, self.population, self.rules, self.sources)
        answer.decision_id = self.decision_id
        return answer


def _upload_where(upload: _Upload) -> Callable[[int, str], str]:
    """Names a row across the upload by its chunk and its row there."""
    starts = np.array(upload.starts, dtype=np.int64)

    def where(row: int, column: str) -> str:
        chunk = int(np.searchsorted(starts, row, side="right")) - 1
        return chunk_where(chunk)(row - int(starts[chunk]), column)

    return where


def _screened(
    start: pb.ScoreSurveyStart, upload: _Upload, rules: ScreeningRules
) -> tuple[SurveyStats, Screening | None, Responses | None, Corrections | None]:
    if upload.fold is not None:
        return upload.fold.stats(), None, None, None
    everyone = concat_responses(upload.parts)
    screening = screen(everyone, rules=rules)
    corrections = None
    if start.screening.mode == pb.SCREENING_MODE_EXCLUDE_AND_CORRECT:
        corrections = screening.local_corrections()
    stats = chunk_stats(everyone, keep=~screening.excluded)
    return stats, screening, everyone, corrections


def _scored(
    start: pb.ScoreSurveyStart,
    upload: _Upload,
    ruleset: Ruleset,
    population: Population | None,
    rules: ScreeningRules,
    sources: SurveySources,
) -> pb.ScoreSurveyResponse:
    stats, screening, everyone, corrections = _screened(start, upload, rules)
    scores = score_stats(
        stats,
        ruleset,
        population=population,
        corrections=corrections,
        weakest=start.weakest_dimensions or DEFAULT_WEAKEST,
        where=_upload_where(upload),
    )
    units = entities_to_pb(scores, scores.units)
    add_sub_unit_counts(scores, units)
    listed = sources.limits.max_listed_exclusions if start.screening.list_excluded else 0
    excluded = int(screening.excluded.sum()) if screening is not None else 0
    return pb.ScoreSurveyResponse(
        instrument_id=upload.instrument.id,
        instrument_sha256=upload.instrument.sha256,
        provenance=provenance_of(ruleset, scores.engine_version),
        respondents_received=upload.respondents,
        respondents_scored=upload.respondents - excluded,
        units=units,
        sub_units=entities_to_pb(scores, scores.sub_units),
        screening=screening_to_pb(screening, everyone, start.screening.mode, listed, corrections),
    )


def _check_counts(entries: Sequence[pb.ResponseCount]) -> None:
    problems = [
        *too_long([e.unit_id for e in entries], lambda i: f"responses[{i}].unit_id"),
        *too_long([e.sub_unit_id for e in entries], lambda i: f"responses[{i}].sub_unit_id"),
    ]
    for row, entry in enumerate(entries):
        if not entry.unit_id:
            problems.append(Violation(f"responses[{row}].unit_id", "expected a unit id; got ''"))
        if not 1 <= entry.group <= GROUPS:
            problems.append(
                Violation(
                    f"responses[{row}].group",
                    f"expected internal, external or expert; got {group_names([entry.group])[0]}",
                )
            )
        if entry.respondents < 0:
            problems.append(
                Violation(
                    f"responses[{row}].respondents",
                    f"expected a count >= 0; got {entry.respondents}",
                )
            )
    if problems:
        raise InvalidInputError(problems[:20], total=len(problems))


def counts_stats(instrument: Instrument, entries: Sequence[pb.ResponseCount]) -> SurveyStats:
    """Statistics that hold only respondents per (unit, sub-unit, group): what progress needs."""
    _check_counts(entries)
    pairs = factorize_pair([e.unit_id for e in entries], [e.sub_unit_id for e in entries])
    cells = pairs.keys.size
    counts = np.zeros((cells, Layout.of(instrument).columns), dtype=np.int64)
    groups = np.array([e.group - 1 for e in entries], dtype=np.int64)
    slots, sums = exact_sums(
        pairs.cells * GROUPS + groups, np.array([e.respondents for e in entries], dtype=np.int64)
    )
    counts[slots // GROUPS, slots % GROUPS] = sums
    first = np.full(cells, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, pairs.cells, np.arange(len(entries), dtype=np.int64))
    n_sub = max(len(pairs.second.names), 1)
    units = np.array(pairs.first.names or [""], dtype=str)[pairs.keys // n_sub]
    subs = np.array(pairs.second.names or [""], dtype=str)[pairs.keys % n_sub]
    return SurveyStats(instrument, tuple(units.tolist()), tuple(subs.tolist()), counts, first)


def exact_sums(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, the int64 sum of ``values`` at each): sorted, then one reduceat, so every
    sum is exact whatever the sizes (no float64 partial sums, no np.add.at)."""
    if keys.size == 0:
        return keys, values
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.add.reduceat(values[order], starts)


def survey_progress(
    request: pb.SurveyProgressRequest, sources: SurveySources
) -> pb.SurveyProgressResponse:
    """Progress of every row of the request's sample table given the responses so far."""
    limits = sources.limits
    if len(request.population) > limits.max_population_rows:
        raise LimitExceededError(
            "population rows", limits.max_population_rows, len(request.population)
        )
    if len(request.responses) > limits.max_response_counts:
        raise LimitExceededError(
            "response counts", limits.max_response_counts, len(request.responses)
        )
    instrument = resolve_instrument(request, sources.instruments, "")
    if not request.population:
        raise InvalidInputError(
            [Violation("population", "expected the sampled lists (one entry per unit and group)")]
        )
    population = population_from_pb(request.population, "population")
    stats = counts_stats(instrument, request.responses)
    progress = progress_of(
        instrument, population, stats, where=lambda row, column: f"responses[{row}].{column}"
    )
    rule = instrument.sampling
    return pb.SurveyProgressResponse(
        instrument_id=instrument.id,
        instrument_sha256=instrument.sha256,
        max_margin=rule.max_margin,
        target_margin=rule.target_margin,
        rows=progress_to_pb(progress),
    )
