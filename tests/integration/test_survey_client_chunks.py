"""SpiClient.score_survey validates column arrays chunk by chunk as gRPC takes the upload: the
same answer as validating them whole, the same error (rows named across the upload, the same
exception type), a bad first chunk before any call, a bad later chunk cancelling the call."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import spi_engine.survey as sv
from spi_client import SpiClient
from spi_client.survey_client import responses_of
from spi_engine.errors import InvalidInputError
from spi_server import app

pytestmark = pytest.mark.integration

INSTRUMENT = sv.bundled_instrument()


@pytest.fixture
def columns() -> dict[str, Any]:
    survey = sv.generate(INSTRUMENT, institutions=3, respondents=120, seed=11)
    wanted = ("respondent_id", "unit_id", "sub_unit_id", "group", *INSTRUMENT.item_ids)
    return {name: np.array(survey.columns[name]) for name in wanted}


def whole_error(columns: dict[str, Any]) -> str:
    with pytest.raises(InvalidInputError) as raised:
        responses_of(columns, INSTRUMENT)
    return str(raised.value)


def lines(path: Path, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = path.read_text("utf-8").splitlines() if path.exists() else []
        if len(found) >= count:
            return [json.loads(line) for line in found]
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} decision lines in {path}")


def score(client: SpiClient, columns: dict[str, Any]) -> Any:
    return client.score_survey(
        columns, instrument=INSTRUMENT.id, ruleset_id="spi-2024", chunk_rows=40
    )


def test_chunked_validation_answers_as_whole_validation(
    start_inprocess: Callable[..., app.Server], columns: dict[str, Any]
) -> None:
    running = start_inprocess()
    with SpiClient(running.target) as client:
        chunked = score(client, columns)
        whole = client.score_survey(
            responses_of(columns, INSTRUMENT),
            instrument=INSTRUMENT.id,
            ruleset_id="spi-2024",
            chunk_rows=40,
        )
    assert chunked.message.units == whole.message.units
    assert chunked.message.sub_units == whole.message.sub_units


def test_a_bad_row_in_a_later_chunk_is_named_across_the_upload_and_cancels_the_call(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, columns: dict[str, Any]
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log))
    columns["group"] = columns["group"].astype(object)
    columns["group"][100] = "nobody"
    with SpiClient(running.target) as client, pytest.raises(InvalidInputError) as raised:
        score(client, columns)
    assert "respondents[100].group" in str(raised.value)
    assert str(raised.value) == whole_error(columns)
    (line,) = lines(log, 1)
    assert line["status"] == "CANCELLED"


def test_a_respondent_id_of_an_earlier_chunk_is_the_whole_columns_error(
    start_inprocess: Callable[..., app.Server], columns: dict[str, Any]
) -> None:
    running = start_inprocess()
    columns["respondent_id"] = columns["respondent_id"].astype(object)
    columns["respondent_id"][90] = columns["respondent_id"][5]
    with SpiClient(running.target) as client, pytest.raises(InvalidInputError) as raised:
        score(client, columns)
    assert "respondents[90].respondent_id" in str(raised.value)
    assert str(raised.value) == whole_error(columns)


def test_a_bad_first_chunk_raises_before_any_call(
    start_inprocess: Callable[..., app.Server], tmp_path: Path, columns: dict[str, Any]
) -> None:
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log))
    columns["unit_id"] = columns["unit_id"].astype(object)
    columns["unit_id"][3] = ""
    with SpiClient(running.target) as client, pytest.raises(InvalidInputError) as raised:
        score(client, columns)
    assert str(raised.value) == whole_error(columns)
    with SpiClient(running.target) as client:
        score(client, {**columns, "unit_id": np.array(["u"] * 120)})
    (line,) = lines(log, 1)
    assert line["status"] == "OK"  # the only call the server saw
