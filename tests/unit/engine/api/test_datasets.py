"""ListDatasetUnits: the rows of a reference dataset with their inputs, for pickers."""

from __future__ import annotations

import pytest

from spi.v1 import scoring_pb2
from spi.v1 import simulation_pb2 as pb
from spi_engine import InvalidInputError, bundled
from spi_engine.api.datasets import list_dataset_units
from spi_engine.api.whatif import Limits, Sources
from spi_engine.datasets import Datasets, dataset_from_table
from spi_engine.errors import LimitExceededError, UnknownDatasetError
from spi_engine.tabular import parse_csv

SMALL = """year,institution_id,name,type,internal,external,expert,correction_integrity,correction_prevalence,index,flag
2023,1,"KOTA A, TIMUR",kota,80.38,88.31,71.02,4.18,0.00,75.36,
2023,9,KEMENTERIAN X,kementerian,80.00,80.00,80.00,0.00,0.00,,withheld_by_kpk
2024,3,PEMERINTAH KABUPATEN PROBOLINGGO,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,
2024,4,PEMERINTAH KOTA PROBOLINGGO,kota,76.49,87.63,75.02,3.74,0.00,75.86,
"""


def sources(limits: Limits | None = None) -> Sources:
    data = dataset_from_table(parse_csv(SMALL, "small.csv"), "small", "abc123")
    return Sources(bundled(), Datasets({"small": data}), limits or Limits())


def request(name: str = "", **selection: object) -> pb.ListDatasetUnitsRequest:
    chosen = pb.DatasetUnits(dataset="small", **selection)  # type: ignore[arg-type]
    return pb.ListDatasetUnitsRequest(units=pb.UnitSelection(dataset=chosen), name_contains=name)


def test_rows_come_with_their_inputs_name_year_and_published_index() -> None:
    answer = list_dataset_units(request(year=2024), sources())
    assert (answer.dataset, answer.dataset_sha256) == ("small", "abc123")
    first = answer.units[0]
    assert first.input == scoring_pb2.UnitInput(
        unit_id="3",
        group="kabupaten",
        internal=75.61,
        external=89.02,
        expert=73.53,
        correction_integrity=7.59,
        correction_prevalence=0.0,
    )
    assert (first.name, first.year, first.published_index, first.flag) == (
        "PEMERINTAH KABUPATEN PROBOLINGGO",
        2024,
        71.65,
        "",
    )
    assert [u.input.unit_id for u in answer.units] == ["3", "4"]


def test_name_search_ignores_case_and_keeps_file_order() -> None:
    answer = list_dataset_units(request("probolinggo"), sources())
    assert [u.input.unit_id for u in answer.units] == ["3", "4"]
    assert list_dataset_units(request("KABUPATEN prob"), sources()).units[0].input.unit_id == "3"


def test_no_name_matching_is_an_empty_answer() -> None:
    assert list(list_dataset_units(request("surabaya"), sources()).units) == []


def test_an_absent_published_index_stays_absent() -> None:
    row = list_dataset_units(request("kementerian"), sources()).units[0]
    assert not row.HasField("published_index")
    assert row.flag == "withheld_by_kpk"


def test_inline_units_are_an_error_naming_the_field() -> None:
    inline = pb.ListDatasetUnitsRequest(
        units=pb.UnitSelection(inline=pb.InlineUnits(units=[scoring_pb2.UnitInput()]))
    )
    with pytest.raises(InvalidInputError) as raised:
        list_dataset_units(inline, sources())
    assert raised.value.violations[0].field == "units"


def test_a_year_without_rows_is_an_error_with_the_field_path() -> None:
    with pytest.raises(InvalidInputError) as raised:
        list_dataset_units(request(year=2020), sources())
    assert raised.value.violations[0].field == "units.dataset.year"


def test_an_unknown_dataset_is_named() -> None:
    wrong = pb.ListDatasetUnitsRequest(
        units=pb.UnitSelection(dataset=pb.DatasetUnits(dataset="nope"))
    )
    with pytest.raises(UnknownDatasetError):
        list_dataset_units(wrong, sources())


def test_the_units_limit_applies() -> None:
    with pytest.raises(LimitExceededError):
        list_dataset_units(request(), sources(Limits(max_units=3)))
