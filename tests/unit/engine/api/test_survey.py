"""The pure ScoreSurvey / SurveyProgress answers: same results as the library, any chunking gives
identical bytes, bad uploads get precise field paths, limits name themselves."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spi_engine.survey as sv
from spi.v1 import instrument_pb2 as ipb
from spi.v1 import survey_pb2 as pb
from spi_engine import InvalidInputError, LimitExceededError, bundled
from spi_engine.api.survey import (
    SurveyLimits,
    SurveySources,
    SurveyUpload,
    bundled_instruments,
    score_responses,
    score_survey,
    survey_progress,
)
from spi_engine.api.survey_messages import (
    chunk_of,
    population_to_pb,
    response_counts,
    score_requests,
)
from spi_engine.survey.instrument import UnknownInstrumentError, from_message


@functools.cache
def data() -> tuple[sv.Responses, sv.Population, sv.SyntheticSurvey]:
    inst = sv.bundled_instrument()
    generated = sv.generate(inst, institutions=4, respondents=1600, seed=11)
    c = generated.columns
    responses = sv.responses_from_columns(
        inst,
        respondent_ids=c["respondent_id"],
        unit_ids=c["unit_id"],
        groups=c["group"],
        answers={i: c[i] for i in inst.item_ids},
        sub_unit_ids=c["sub_unit_id"],
        completion_seconds=c["completion_seconds"],
        device_fingerprints=c["device_fingerprint"],
        submitted_at=c["submitted_at"],
    )
    p = generated.population
    population = sv.population_from_columns(
        p["unit_id"],
        p["group"],
        p["population"],
        sampled=p["sampled"],
        sub_unit_ids=p["sub_unit_id"],
    )
    return responses, population, generated


def sources(**limits: int) -> SurveySources:
    return SurveySources(bundled(), bundled_instruments(), SurveyLimits(**limits))


population_pb = population_to_pb


def start(mode: pb.ScreeningMode = pb.SCREENING_MODE_OFF, **fields: object) -> pb.ScoreSurveyStart:
    _, population, _ = data()
    message = pb.ScoreSurveyStart(
        instrument_id="example-survey",
        ruleset_id="spi-2024",
        population=population_pb(population),
        screening=pb.ScreeningOptions(mode=mode, list_excluded=True),
    )
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def upload(
    chunk_rows: int, mode: pb.ScreeningMode = pb.SCREENING_MODE_OFF, packed: bool = True
) -> bytes:
    responses, _, _ = data()
    answer = score_survey(
        score_requests(start(mode), responses, chunk_rows, packed=packed), sources()
    )
    return answer.SerializeToString(deterministic=True)


def test_scores_equal_the_library() -> None:
    responses, population, _ = data()
    answer = score_survey(score_requests(start(), responses, 500), sources())
    scores = sv.score_survey(responses, bundled().get("spi-2024"), population=population)
    assert [u.unit_id for u in answer.units] == list(scores.units.unit_ids)
    index = scores.index(scores.units)
    for row, unit in enumerate(answer.units):
        assert unit.index == index[row] if unit.HasField("index") else np.isnan(index[row])
        se = [c.standard_error for c in unit.components]
        assert se == scores.units.estimates.component_se[row].tolist()
    assert len(answer.sub_units) == len(scores.sub_units)
    assert answer.respondents_received == len(responses) == answer.respondents_scored
    assert answer.instrument_sha256 == responses.instrument.sha256
    assert answer.provenance.ruleset_id == "spi-2024"


def test_screening_equals_the_library() -> None:
    responses, population, _ = data()
    answer = score_survey(
        score_requests(start(pb.SCREENING_MODE_EXCLUDE_AND_CORRECT), responses, 700), sources()
    )
    screening = sv.screen(responses)
    scores = sv.score_survey(
        responses,
        bundled().get("spi-2024"),
        population=population,
        exclude=screening.excluded,
        corrections=screening.local_corrections(),
    )
    assert answer.screening.excluded == int(screening.excluded.sum()) > 0
    assert len(answer.screening.excluded_respondents) == answer.screening.excluded
    assert answer.respondents_scored == len(responses) - answer.screening.excluded
    index = scores.index(scores.units)
    got = [u.index if u.HasField("index") else np.nan for u in answer.units]
    np.testing.assert_array_equal(got, index)
    assert "not KPK" in answer.screening.local_rule_label


@settings(max_examples=8, deadline=None)
@given(rows=st.integers(min_value=60, max_value=2000), screened=st.booleans())
def test_any_chunking_gives_identical_bytes(rows: int, screened: bool) -> None:
    mode = pb.SCREENING_MODE_EXCLUDE if screened else pb.SCREENING_MODE_OFF
    assert upload(rows, mode) == upload(1600, mode)


@settings(max_examples=8, deadline=None)
@given(
    rows=st.integers(min_value=60, max_value=2000),
    mode=st.sampled_from(
        [pb.SCREENING_MODE_OFF, pb.SCREENING_MODE_EXCLUDE, pb.SCREENING_MODE_EXCLUDE_AND_CORRECT]
    ),
    as_bytes=st.booleans(),
)
def test_validated_respondents_score_as_their_upload_does(
    rows: int, mode: pb.ScreeningMode, as_bytes: bool
) -> None:
    """In-process callers hand over validated respondents (ids as text or, from a file's reader,
    UTF-8 bytes); the answer is the upload's, byte for byte, however the upload is chunked."""
    responses, _, _ = data()
    if as_bytes:
        ids = np.char.encode(responses.respondent_ids.astype(str), "utf-8")
        responses = dataclasses.replace(responses, respondent_ids=ids)
    answer = score_responses(start(mode), responses, sources())
    assert answer.SerializeToString(deterministic=True) == upload(rows, mode)


def test_validated_respondents_are_checked_against_the_upload() -> None:
    responses, _, _ = data()
    with pytest.raises(InvalidInputError, match=r"^start: expected a start message first"):
        SurveyUpload(sources()).add_responses(responses)
    message = ipb.Instrument.FromString(responses.instrument.binary)
    message.id = "other-survey"
    other = dataclasses.replace(responses, instrument=from_message(message))
    with pytest.raises(InvalidInputError, match=r"chunks\[0\]: expected respondents of instrument"):
        score_responses(start(), other, sources())
    with pytest.raises(LimitExceededError, match="respondents per upload"):
        score_responses(start(), responses, sources(max_respondents=1000))
    ended = SurveyUpload(sources())
    ended.add(pb.ScoreSurveyRequest(start=start()))
    ended.add(pb.ScoreSurveyRequest(end=pb.ScoreSurveyEnd()))
    with pytest.raises(InvalidInputError, match=r"chunks\[0\]: expected nothing after the end"):
        ended.add_responses(responses)
    twice = SurveyUpload(sources())
    twice.add(pb.ScoreSurveyRequest(start=start()))
    twice.add_responses(responses)
    with pytest.raises(InvalidInputError, match=r"chunks\[1\]\.respondent_ids\[0\]"):
        twice.add_responses(responses)


def unpack(column: ipb.AnswerColumn) -> None:
    """``column`` rewritten in the first form (``codes``), as a client before packed_codes sends."""
    codes = np.frombuffer(column.packed_codes, dtype=np.int8).tolist()
    column.ClearField("packed_codes")
    column.codes.extend(codes)


@settings(max_examples=10, deadline=None)
@given(
    rows=st.integers(min_value=60, max_value=2000),
    screened=st.booleans(),
    forms=st.lists(st.booleans(), min_size=1, max_size=64),
)
def test_packed_and_unpacked_answers_give_identical_bytes_however_chunked(
    rows: int, screened: bool, forms: list[bool]
) -> None:
    """Each answer column of each chunk packed or not (a mix inside a chunk too): the same bytes
    as the whole upload packed, and as the whole upload in codes."""
    mode = pb.SCREENING_MODE_EXCLUDE if screened else pb.SCREENING_MODE_OFF
    responses, _, _ = data()
    mixed = list(score_requests(start(mode), responses, rows))
    position = 0
    for request in mixed:
        for column in request.chunk.answers if request.HasField("chunk") else ():
            if not forms[position % len(forms)]:
                unpack(column)
            position += 1
    answer = score_survey(mixed, sources()).SerializeToString(deterministic=True)
    assert answer == upload(1600, mode, packed=True) == upload(rows, mode, packed=False)


def test_the_upload_packs_answers_by_default() -> None:
    responses, _, _ = data()
    chunk = next(r.chunk for r in score_requests(start(), responses, 500) if r.HasField("chunk"))
    assert all(len(c.packed_codes) == 500 and not c.codes for c in chunk.answers)
    assert np.frombuffer(chunk.answers[0].packed_codes, np.int8).tolist() == (
        responses.answers[0, :500].tolist()
    )


def requests(
    *chunks: ipb.RespondentChunk, first: pb.ScoreSurveyStart | None = None
) -> Iterator[pb.ScoreSurveyRequest]:
    yield pb.ScoreSurveyRequest(start=first or start())
    for chunk in chunks:
        yield pb.ScoreSurveyRequest(chunk=chunk)


def chunks(count: int = 2, rows: int = 50, packed: bool = False) -> list[ipb.RespondentChunk]:
    """Chunks of the test survey; answers as ``codes`` (the first form) unless ``packed``."""
    responses, _, _ = data()
    return [
        chunk_of(responses, slice(i * rows, (i + 1) * rows), packed=packed) for i in range(count)
    ]


def violation(reqs: Iterator[pb.ScoreSurveyRequest]) -> str:
    with pytest.raises(InvalidInputError) as error:
        score_survey(reqs, sources())
    return str(error.value.violations[0])


def test_an_answer_out_of_scale_names_chunk_item_and_row() -> None:
    first, second = chunks()
    second.answers[0].codes[7] = 6
    text = violation(requests(first, second))
    assert text.startswith("chunks[1].answers[item=int_trans_1].codes[7]: ")
    assert "got 6" in text


def test_a_packed_answer_out_of_scale_names_its_packed_field_and_row() -> None:
    first, second = chunks(packed=True)
    codes = bytearray(second.answers[0].packed_codes)
    codes[7] = 6
    second.answers[0].packed_codes = bytes(codes)
    text = violation(requests(first, second))
    assert text.startswith("chunks[1].answers[item=int_trans_1].packed_codes[7]: ")
    assert "got 6" in text
    codes[7] = 0xFE  # -2 in two's complement: below the missing code
    second.answers[0].packed_codes = bytes(codes)
    assert "got -2" in violation(requests(first, second))


def test_packed_codes_of_the_wrong_length_both_forms_or_neither() -> None:
    first, second = chunks(packed=True)
    second.answers[2].packed_codes = second.answers[2].packed_codes[:-1]
    assert violation(requests(first, second)) == (
        "chunks[1].answers[item=int_trans_3].packed_codes: expected 50 bytes (one per "
        "respondent id); got 49"
    )
    first, second = chunks(packed=True)
    second.answers[2].codes.extend([1] * 50)
    assert violation(requests(first, second)).startswith(
        "chunks[1].answers[item=int_trans_3]: expected codes or packed_codes, not both; "
        "got 50 codes and 50 packed bytes"
    )
    first, second = chunks(packed=True)
    second.answers[2].ClearField("packed_codes")
    assert violation(requests(first, second)).startswith(
        "chunks[1].answers[item=int_trans_3]: expected 50 answer codes (packed_codes or codes, "
        "one per respondent id); got neither"
    )


def test_an_unknown_item_is_named() -> None:
    first, second = chunks()
    second.answers[3].item_id = "INT1_03"
    assert violation(requests(first, second)).startswith("chunks[1].answers[item=INT1_03]: ")


def test_columns_of_different_lengths() -> None:
    first, second = chunks()
    del second.answers[2].codes[-1]
    text = violation(requests(first, second))
    assert text.startswith("chunks[1].answers[item=int_trans_3].codes: expected 50 codes")
    first, second = chunks()
    del second.groups[-1]
    assert violation(requests(first, second)).startswith("chunks[1].groups: expected 50")


def test_a_repeated_respondent_across_chunks() -> None:
    first, second = chunks()
    second.respondent_ids[4] = first.respondent_ids[9]
    text = violation(requests(first, second))
    assert text.startswith("chunks[1].respondent_ids[4]: expected unique respondent ids")


@settings(max_examples=15, deadline=None)
@given(data_=st.data())
def test_a_repeated_respondent_is_found_in_any_earlier_chunk(data_: st.DataObject) -> None:
    """32 chunks of 50: an id of any earlier chunk repeated in a later one is named there (the
    earlier ids are kept in merged sorted runs, not one array per chunk)."""
    parts = chunks(count=32, rows=50)
    later = data_.draw(st.integers(min_value=1, max_value=31))
    earlier = data_.draw(st.integers(min_value=0, max_value=later - 1))
    row, source = data_.draw(st.integers(0, 49)), data_.draw(st.integers(0, 49))
    parts[later].respondent_ids[row] = parts[earlier].respondent_ids[source]
    with pytest.raises(InvalidInputError) as error:
        score_survey(requests(*parts), sources())
    assert [str(v).split(":")[0] for v in error.value.violations] == [
        f"chunks[{later}].respondent_ids[{row}]"
    ]


def test_a_chunk_after_the_end_and_wrong_totals() -> None:
    first, second = chunks()
    reqs = [
        pb.ScoreSurveyRequest(start=start()),
        pb.ScoreSurveyRequest(chunk=first),
        pb.ScoreSurveyRequest(end=pb.ScoreSurveyEnd(respondents=50, chunks=1)),
        pb.ScoreSurveyRequest(chunk=second),
    ]
    assert violation(iter(reqs)).startswith("chunks[1]: expected nothing after the end message")
    reqs[2].end.respondents = 49
    assert violation(iter(reqs[:3])).startswith("end.respondents: the server received 50")


def test_no_start_or_a_second_start() -> None:
    first, _ = chunks()
    assert violation(iter([pb.ScoreSurveyRequest(chunk=first)])).startswith(
        "start: expected a start message first"
    )
    text = violation(iter([pb.ScoreSurveyRequest(start=start())] * 2))
    assert text.startswith("start: expected a chunk or the end message")


def test_a_unit_missing_from_the_population_is_named_by_its_chunk_row() -> None:
    first, second = chunks()
    missing = start()
    keep = [e for e in missing.population if e.unit_id != second.unit_ids.dictionary[0]]
    del missing.population[:]
    missing.population.extend(keep)
    text = violation(requests(first, second, first=missing))
    assert text.startswith("chunks[")
    assert "no internal row in the population table" in text


def test_limits_name_themselves() -> None:
    with pytest.raises(LimitExceededError, match="respondents per upload: at most 60"):
        score_survey(requests(*chunks()), sources(max_respondents=60))
    with pytest.raises(LimitExceededError, match=r"chunks\[0\]: respondents per chunk: at most 40"):
        score_survey(requests(*chunks()), sources(max_chunk_rows=40))
    with pytest.raises(LimitExceededError, match="respondents per upload"):
        score_survey(requests(first=start(expected_respondents=10**9)), sources())


def test_unknown_instrument_and_local_rule() -> None:
    with pytest.raises(UnknownInstrumentError):
        score_survey(requests(*chunks(), first=start(instrument_id="nope")), sources())
    inline = start()
    inline.instrument.CopyFrom(sv.bundled_instrument().to_message())
    answer = score_survey(requests(*chunks(), first=inline), sources())
    assert answer.instrument_id == "example-survey"


def test_progress_equals_the_library() -> None:
    responses, population, _ = data()
    so_far = responses.take(np.arange(len(responses)) % 3 == 0)
    request = pb.SurveyProgressRequest(
        instrument_id="example-survey",
        population=population_pb(population),
        responses=response_counts(so_far),
    )
    answer = survey_progress(request, sources())
    expected = sv.survey_progress(responses.instrument, population, so_far)
    assert [r.respondents for r in answer.rows] == expected.respondents.tolist()
    assert [r.more_for_target_margin for r in answer.rows] == expected.needed_for_target.tolist()
    assert answer.max_margin == 0.10


def test_progress_errors() -> None:
    _, population, _ = data()
    request = pb.SurveyProgressRequest(
        instrument_id="example-survey",
        population=population_pb(population),
        responses=[
            pb.ResponseCount(unit_id="nowhere", group=ipb.RESPONDENT_GROUP_INTERNAL, respondents=3)
        ],
    )
    with pytest.raises(InvalidInputError, match=r"responses\[0\].unit_id: unit 'nowhere'"):
        survey_progress(request, sources())
    request.responses[0].respondents = -1
    with pytest.raises(InvalidInputError, match=r"responses\[0\].respondents: expected a count"):
        survey_progress(request, sources())
    with pytest.raises(LimitExceededError, match="population rows"):
        survey_progress(request, sources(max_population_rows=2))


def test_progress_on_day_0_with_no_responses() -> None:
    _, population, _ = data()
    request = pb.SurveyProgressRequest(
        instrument_id="example-survey", population=population_pb(population)
    )
    answer = survey_progress(request, sources())
    assert len(answer.rows) == len(population)
    assert {r.respondents for r in answer.rows} == {0}
    assert all(r.more_for_target_margin > 0 for r in answer.rows if r.population > 0)


@settings(max_examples=30, deadline=None)
@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u3"]),
            st.sampled_from(["", "s1"]),
            st.integers(min_value=1, max_value=3),
            st.integers(min_value=0, max_value=2**61),
        ),
        max_size=40,
    )
)
def test_progress_counts_sum_repeated_cells_exactly(
    entries: list[tuple[str, str, int, int]],
) -> None:
    """Respondents of entries of one (unit, sub-unit, group) add up exactly in int64, as
    np.add.at adds them (counts beyond 2**53 included: no float64 partial sums)."""
    from spi_engine.api.survey import counts_stats

    messages = [
        pb.ResponseCount(unit_id=u, sub_unit_id=s, group=g, respondents=n)  # type: ignore[arg-type]
        for u, s, g, n in entries
    ]
    stats = counts_stats(sv.bundled_instrument(), messages)
    cells = {key: i for i, key in enumerate(zip(stats.unit_ids, stats.sub_unit_ids, strict=True))}
    expected = np.zeros((len(cells), 3), dtype=np.int64)
    for u, s, g, n in entries:
        np.add.at(expected, (cells[(u, s)], g - 1), n)
    assert stats.counts[:, :3].tolist() == expected.tolist()
    assert not stats.counts[:, 3:].any()


@settings(max_examples=10, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=1600), max_size=6), seed=st.integers(0, 9))
def test_folding_chunks_as_they_come_equals_merging_their_statistics(
    cuts: list[int], seed: int
) -> None:
    """CellFold (the upload's fold) gives merge()'s statistics exactly, whatever the chunks and
    whichever cells come first (rows shuffled; some chunks empty, some with new cells)."""
    from spi_engine.api.survey import CellFold
    from spi_engine.survey.stats import merge

    responses, _, _ = data()
    order = np.random.default_rng(seed).permutation(len(responses))
    bounds = [0, *sorted(cuts), len(responses)]
    parts = []
    for start, stop in itertools.pairwise(bounds):
        rows = order[start:stop]
        part = sv.chunk_stats(
            sv.responses_from_columns(
                responses.instrument,
                respondent_ids=responses.respondent_ids[rows],
                unit_ids=responses.units.values()[rows],
                groups=responses.groups[rows] + 1,
                answers={
                    item: responses.answers[i, rows]
                    for i, item in enumerate(responses.instrument.item_ids)
                },
                sub_unit_ids=responses.sub_units.values()[rows],
            ),
            row_offset=start,
        )
        parts.append(part)
    fold = CellFold(responses.instrument)
    for part in parts:
        fold.add(part)
    merged = functools.reduce(merge, parts)
    folded = fold.stats()
    assert (folded.unit_ids, folded.sub_unit_ids) == (merged.unit_ids, merged.sub_unit_ids)
    assert folded.counts.tolist() == merged.counts.tolist()
    assert folded.first_row.tolist() == merged.first_row.tolist()
