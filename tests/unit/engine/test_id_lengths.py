"""Ids and names are at most 256 characters, and memory follows the request's bytes (issue 8
item 7): one long id no longer makes every id of a batch as wide in a fixed-width array."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Callable

import pytest

from spi.v1 import scoring_pb2
from spi.v1 import simulation_pb2 as pb
from spi_engine import InvalidInputError, bundled
from spi_engine.api import whatif as answer_whatif
from spi_engine.api.scoring_messages import units_from_pb
from spi_engine.datasets import Datasets, dataset_from_table
from spi_engine.tabular import parse_csv
from spi_engine.text_limits import MAX_TEXT_LENGTH
from tests.unit.engine.api.test_survey import data, score_requests, score_survey, sources, start

LONG = "x" * (MAX_TEXT_LENGTH + 1)


def unit(**fields: object) -> scoring_pb2.UnitInput:
    values: dict[str, object] = {"internal": 70.0, "external": 80.0, "expert": 75.0}
    values["correction"] = 0.0
    values.update(fields)
    return scoring_pb2.UnitInput(**values)  # type: ignore[arg-type]


def test_a_unit_id_or_group_over_256_characters_is_named_with_the_other_problems() -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_pb([unit(unit_id="ok"), unit(unit_id=LONG, external=101.0), unit(group=LONG)])
    assert [(v.field, v.description) for v in caught.value.violations] == [
        ("units[1].unit_id", "expected at most 256 characters; got 257"),
        ("units[1].external", "expected a number from 0 to 100; got 101.0"),
        ("units[2].group", "expected at most 256 characters; got 257"),
    ]


def test_256_characters_are_accepted() -> None:
    units = units_from_pb([unit(unit_id="y" * MAX_TEXT_LENGTH)])
    assert len(units.ids[0]) == MAX_TEXT_LENGTH


SIZE = 20_000
CSV = "unit_id,internal,external,expert,correction\n" + "".join(
    f"u{i},70,80,75,0\n" for i in range(SIZE)
)


def _sensitivity(last_id: str) -> tuple[Callable[[], object], int]:
    """The units of a Sensitivity request picking all 20,000 units of a dataset by id."""
    text = CSV.replace(f"u{SIZE - 1},", f"{last_id},")
    data = dataset_from_table(parse_csv(text, "d.csv"), "d")
    sources = answer_whatif.Sources(bundled(), Datasets({"d": data}))
    ids = [f"u{i}" for i in range(SIZE - 1)] + [last_id]
    selection = pb.UnitSelection(dataset=pb.DatasetUnits(dataset="d", unit_ids=ids))
    request = pb.SensitivityRequest(ruleset_id="spi-2024", units=selection)
    # the selection is what reads the ids; the numeric work after it is the same for both
    return (lambda: answer_whatif.select_units(request.units, sources)), request.ByteSize()


def _peak(call: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_long_id_in_a_selection_costs_memory_in_proportion_to_its_bytes() -> None:
    short_call, short_size = _sensitivity("z")
    long_call, long_size = _sensitivity("z" * MAX_TEXT_LENGTH)
    extra = _peak(long_call) - _peak(short_call)
    # Fixed-width ids made this 20,000 x 256 x 4 bytes (20 MB) for 255 more request bytes.
    assert extra <= 20 * (long_size - short_size) + 1_000_000


def test_a_respondent_id_over_256_characters_is_refused() -> None:
    responses, _, _ = data()
    requests = list(score_requests(start(), responses, 500))
    requests[1].chunk.respondent_ids[3] = LONG
    with pytest.raises(InvalidInputError) as caught:
        score_survey(iter(requests), sources())
    assert caught.value.violations[0].field == "chunks[0].respondent_ids[3]"


@pytest.mark.parametrize("length", [MAX_TEXT_LENGTH, 10_000], ids=["longest allowed", "10,000"])
def test_score_survey_memory_stays_in_proportion_to_the_upload(length: int) -> None:
    responses, _, _ = data()
    requests = list(score_requests(start(), responses, 2000))
    requests[1].chunk.respondent_ids[3] = "r" * length
    size = sum(r.ByteSize() for r in requests)

    def answer() -> None:
        with contextlib.suppress(InvalidInputError):  # 10,000 characters: refused, named
            score_survey(iter(requests), sources())

    # 20x the upload plus 4 MB; one 10,000-character id in fixed-width arrays took ~100x more.
    assert _peak(answer) <= 20 * size + 4_000_000
