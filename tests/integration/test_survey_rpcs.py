"""ScoreSurvey and SurveyProgress against a real server, driven by the real client.

One in-process server for the module (small survey limits, a decision log, an --instruments
directory). Its answers are compared with the library's numbers and, byte for byte (decision id
aside), with spi_engine.api.survey's, which is what the CLI in-process prints from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest

import spi_engine.survey as sv
from spi.v1 import survey_pb2 as pb
from spi_client import SpiClient, SpiRpcError
from spi_engine import bundled
from spi_engine.api import survey as answer_survey
from spi_engine.api.survey_messages import chunk_of, response_counts, score_requests
from spi_server import app
from spi_server.config import Config

RULES = bundled().get("spi-2024")
INSTRUMENT = sv.bundled_instrument()


@pytest.fixture(scope="module")
def survey() -> sv.SyntheticSurvey:
    return sv.generate(INSTRUMENT, institutions=4, respondents=1600, seed=5)


@pytest.fixture(scope="module")
def frame(survey: sv.SyntheticSurvey) -> object:
    import pandas as pd

    return pd.DataFrame(survey.columns)


@pytest.fixture(scope="module")
def responses(survey: sv.SyntheticSurvey) -> sv.Responses:
    c = survey.columns
    return sv.responses_from_columns(
        INSTRUMENT,
        respondent_ids=c["respondent_id"],
        unit_ids=c["unit_id"],
        groups=c["group"],
        answers={i: c[i] for i in INSTRUMENT.item_ids},
        sub_unit_ids=c["sub_unit_id"],
        completion_seconds=c["completion_seconds"],
        device_fingerprints=c["device_fingerprint"],
        submitted_at=c["submitted_at"],
    )


@pytest.fixture(scope="module")
def population(survey: sv.SyntheticSurvey) -> sv.Population:
    p = survey.population
    return sv.population_from_columns(
        p["unit_id"],
        p["group"],
        p["population"],
        sampled=p["sampled"],
        sub_unit_ids=p["sub_unit_id"],
    )


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[app.Server]:
    folder = tmp_path_factory.mktemp("instruments")
    log = tmp_path_factory.mktemp("decisions") / "decisions.jsonl"
    config = Config(
        address="127.0.0.1:0",
        http_address="",
        grace=2.0,
        decision_log=str(log),
        instruments=str(folder),
        max_respondents=5000,
        max_respondent_chunk=2000,
        max_population_rows=1000,
        max_listed_exclusions=10,
    )
    server = app.start(config)
    yield server
    server.stop(0)


@pytest.fixture
def client(running: app.Server) -> Iterator[SpiClient]:
    with SpiClient(running.target, timeout=60.0) as connected:
        yield connected


def sources(running: app.Server) -> answer_survey.SurveySources:
    assert running.instruments is not None
    return answer_survey.SurveySources(
        running.rulesets.current(),
        running.instruments.current(),
        app.survey_limits_of(running.config),
    )


def start_of(
    population: sv.Population, mode: pb.ScreeningMode = pb.SCREENING_MODE_OFF
) -> pb.ScoreSurveyStart:
    from spi_client.survey_client import population_entries

    return pb.ScoreSurveyStart(
        instrument_id="example-survey",
        ruleset_id="spi-2024",
        population=population_entries(population),
        screening=pb.ScreeningOptions(mode=mode, list_excluded=True),
    )


def bare(message: pb.ScoreSurveyResponse) -> bytes:
    copy = pb.ScoreSurveyResponse.FromString(message.SerializeToString())
    copy.decision_id = ""
    return copy.SerializeToString(deterministic=True)


def test_score_survey_equals_the_library(
    client: SpiClient, frame: object, responses: sv.Responses, population: sv.Population
) -> None:
    calls: list[tuple[int, int]] = []
    result = client.score_survey(
        frame,
        instrument="example-survey",
        ruleset="spi-2024",
        population=population,
        chunk_rows=500,
        progress=lambda sent, total: calls.append((sent, total)),
    )
    assert calls == [(500, 1600), (1000, 1600), (1500, 1600), (1600, 1600)]
    scores = sv.score_survey(responses, RULES, population=population)
    np.testing.assert_array_equal([u.index for u in result.units], scores.index(scores.units))
    assert [u.unit_id for u in result.units] == list(scores.units.unit_ids)
    assert len(result.sub_units) == len(scores.sub_units)
    assert result.instrument_sha256 == INSTRUMENT.sha256
    assert result.ruleset_sha256 == RULES.sha256
    assert result.decision_id
    table = result.to_frame("sub_units")
    assert list(table["unit_id"]) == [u.unit_id for u in result.sub_units]


def test_the_server_answers_the_in_process_bytes_whatever_the_chunking(
    client: SpiClient, running: app.Server, responses: sv.Responses, population: sv.Population
) -> None:
    start = start_of(population, pb.SCREENING_MODE_EXCLUDE_AND_CORRECT)
    local = answer_survey.score_survey(score_requests(start, responses, 1600), sources(running))
    assert local.screening.excluded > 0
    for rows in (97, 640, 1600):
        answer = client.stream_in("ScoreSurvey", score_requests(start, responses, rows))
        assert answer.decision_id
        assert bare(answer) == bare(local)


def test_an_old_client_sending_codes_gets_the_packed_answer(
    client: SpiClient, responses: sv.Responses, population: sv.Population
) -> None:
    """Answers as ``codes`` (clients before packed_codes) and as ``packed_codes`` (what the client
    sends now) give the same response bytes from the real server."""
    start = start_of(population)
    packed = client.stream_in("ScoreSurvey", score_requests(start, responses, 700))
    unpacked = list(score_requests(start, responses, 700, packed=False))
    assert unpacked[1].chunk.answers[0].codes
    assert not unpacked[1].chunk.answers[0].packed_codes
    assert bare(client.stream_in("ScoreSurvey", iter(unpacked))) == bare(packed)


def test_files_upload_like_frames(
    client: SpiClient, survey: sv.SyntheticSurvey, tmp_path: Path, frame: object
) -> None:
    paths = sv.write_survey(survey.columns, survey.population, survey.truth, INSTRUMENT, tmp_path)
    from_file = client.score_survey(
        paths["respondents"],
        instrument="example-survey",
        ruleset="spi-2024",
        population=paths["population"],
        screening="exclude",
        list_excluded=True,
    )
    from_frame = client.score_survey(
        frame,
        instrument="example-survey",
        ruleset="spi-2024",
        population=paths["population"],
        screening="exclude",
        list_excluded=True,
    )
    assert bare(from_file.message) == bare(from_frame.message)
    assert from_file.screening.excluded > len(from_file.screening.excluded_respondents) == 10
    assert from_file.screening.excluded_truncated


def rejected(client: SpiClient, requests: list[pb.ScoreSurveyRequest]) -> SpiRpcError:
    with pytest.raises(SpiRpcError) as raised:
        client.stream_in("ScoreSurvey", iter(requests))
    return raised.value


def test_bad_chunks_are_invalid_argument_with_field_violations(
    client: SpiClient, responses: sv.Responses, population: sv.Population
) -> None:
    first = chunk_of(responses, slice(0, 40), packed=False)
    second = chunk_of(responses, slice(40, 80), packed=False)
    second.answers[4].codes[3] = 12
    head = pb.ScoreSurveyRequest(start=start_of(population))
    error = rejected(
        client, [head, pb.ScoreSurveyRequest(chunk=first), pb.ScoreSurveyRequest(chunk=second)]
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    item = INSTRUMENT.item_ids[4]
    assert error.violations[0].field == f"chunks[1].answers[item={item}].codes[3]"
    assert "got 12" in error.violations[0].description
    second = chunk_of(responses, slice(40, 80))
    second.respondent_ids[0] = first.respondent_ids[1]
    error = rejected(
        client, [head, pb.ScoreSurveyRequest(chunk=first), pb.ScoreSurveyRequest(chunk=second)]
    )
    assert error.violations[0].field == "chunks[1].respondent_ids[0]"
    end = pb.ScoreSurveyRequest(end=pb.ScoreSurveyEnd(respondents=40, chunks=1))
    error = rejected(
        client, [head, pb.ScoreSurveyRequest(chunk=first), end, pb.ScoreSurveyRequest(chunk=second)]
    )
    assert error.violations[0].field == "chunks[1]"


def test_bad_packed_answers_are_invalid_argument_naming_the_packed_field(
    client: SpiClient, responses: sv.Responses, population: sv.Population
) -> None:
    head = pb.ScoreSurveyRequest(start=start_of(population))
    first, second = chunk_of(responses, slice(0, 40)), chunk_of(responses, slice(40, 80))
    item = INSTRUMENT.item_ids[4]
    short = pb.ScoreSurveyRequest(chunk=second)
    short.chunk.answers[4].packed_codes = second.answers[4].packed_codes[:-1]
    error = rejected(client, [head, pb.ScoreSurveyRequest(chunk=first), short])
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.violations[0].field == f"chunks[1].answers[item={item}].packed_codes"
    assert error.violations[0].description == "expected 40 bytes (one per respondent id); got 39"
    both = pb.ScoreSurveyRequest(chunk=second)
    both.chunk.answers[4].codes.extend([1] * 40)
    error = rejected(client, [head, pb.ScoreSurveyRequest(chunk=first), both])
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.violations[0].field == f"chunks[1].answers[item={item}]"
    assert "not both" in error.violations[0].description
    bad = pb.ScoreSurveyRequest(chunk=second)
    codes = bytearray(bad.chunk.answers[4].packed_codes)
    codes[3] = 12
    bad.chunk.answers[4].packed_codes = bytes(codes)
    error = rejected(client, [head, pb.ScoreSurveyRequest(chunk=first), bad])
    assert error.violations[0].field == f"chunks[1].answers[item={item}].packed_codes[3]"
    assert "got 12" in error.violations[0].description


def test_limits_are_resource_exhausted(
    client: SpiClient, responses: sv.Responses, population: sv.Population
) -> None:
    head = pb.ScoreSurveyRequest(start=start_of(population))
    copies = []
    for k in range(4):
        big = pb.ScoreSurveyRequest(chunk=chunk_of(responses, slice(0, 1600)))
        big.chunk.respondent_ids[:] = [f"{k}-{i}" for i in big.chunk.respondent_ids]
        copies.append(big)
    error = rejected(client, [head, *copies])
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "respondents per upload: at most 5,000" in error.message
    whole = pb.ScoreSurveyRequest(chunk=chunk_of(responses, slice(0, 1600)))
    whole.chunk.MergeFrom(chunk_of(responses, slice(0, 600)))  # 2200 rows in one chunk
    error = rejected(client, [head, whole])
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "respondents per chunk: at most 2,000" in error.message


def test_unknown_instrument_is_not_found(client: SpiClient, population: sv.Population) -> None:
    start = start_of(population)
    start.instrument_id = "no-such-survey"
    error = rejected(client, [pb.ScoreSurveyRequest(start=start)])
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert "no-such-survey" in error.message


def test_survey_progress_equals_the_library(
    client: SpiClient,
    running: app.Server,
    frame: object,
    responses: sv.Responses,
    population: sv.Population,
) -> None:
    half = frame.iloc[::2]  # type: ignore[attr-defined]
    result = client.survey_progress(half, instrument="example-survey", population=population)
    so_far = responses.take(np.arange(0, len(responses), 2))
    expected = sv.survey_progress(INSTRUMENT, population, so_far)
    assert [r.respondents for r in result.rows] == expected.respondents.tolist()
    assert [r.more_for_max_margin for r in result.rows] == expected.needed_for_max.tolist()
    assert result.to_frame().shape[0] == len(population)
    from spi_client.survey_client import population_entries

    request = pb.SurveyProgressRequest(
        instrument_id="example-survey",
        population=population_entries(population),
        responses=response_counts(so_far),
    )
    local = answer_survey.survey_progress(request, sources(running))
    assert client.rpc("SurveyProgress", request) == local


def test_score_survey_is_decision_logged(
    client: SpiClient, running: app.Server, frame: object, population: sv.Population
) -> None:
    result = client.score_survey(
        frame, instrument="example-survey", ruleset_id="spi-2024", population=population
    )
    lines = [
        json.loads(line) for line in Path(running.config.decision_log).read_text().splitlines()
    ]
    mine = [line for line in lines if line["decision_id"] == result.decision_id]
    assert len(mine) == 1
    assert mine[0]["method"] == "ScoreSurvey"
    assert mine[0]["ruleset_id"] == "spi-2024"
    assert mine[0]["units"] == len(result.units)


def test_extra_instruments_load_on_reload(
    client: SpiClient,
    running: app.Server,
    frame: object,
    responses: sv.Responses,
    population: sv.Population,
) -> None:
    text = (Path(sv.__file__).parents[1] / "instruments/example-survey.txtpb").read_text("utf-8")
    copy = text.replace('id: "example-survey"', 'id: "my-survey"', 1)
    assert copy != text
    Path(running.config.instruments, "my-survey.txtpb").write_text(copy, "utf-8")
    assert running.reload()
    mine = sv.parse_instrument(copy)
    result = client.score_survey(frame, instrument=mine, ruleset="spi-2024", population=population)
    assert result.instrument_id == "my-survey"
    start = start_of(population)
    start.instrument_id = "my-survey"
    chunk = pb.ScoreSurveyRequest(chunk=chunk_of(responses, slice(0, 400)))
    answer = client.stream_in("ScoreSurvey", [pb.ScoreSurveyRequest(start=start), chunk])
    assert answer.instrument_sha256 == mine.sha256


def test_survey_flags_and_environment() -> None:
    from spi_server.config import ConfigError, parse

    config = parse(
        ["--max-respondents", "10", "--max-respondent-chunk", "5"],
        env={"SPI_INSTRUMENTS": "/srv/instruments", "SPI_MAX_LISTED_EXCLUSIONS": "7"},
    )
    limits = app.survey_limits_of(config)
    assert (limits.max_respondents, limits.max_chunk_rows, limits.max_listed_exclusions) == (
        10,
        5,
        7,
    )
    assert config.instruments == "/srv/instruments"
    with pytest.raises(ConfigError, match="--max-respondents: expected 1 or more; got 0"):
        parse(["--max-respondents", "0"], env={})


def test_a_bad_instruments_directory_keeps_the_loaded_ones(running: app.Server) -> None:
    assert running.instruments is not None
    folder = Path(running.config.instruments)
    (folder / "broken.txtpb").write_text('id: "broken"', "utf-8")
    try:
        assert not running.reload()
        assert "example-survey" in running.instruments.current()
    finally:
        (folder / "broken.txtpb").unlink()
    assert running.reload()
