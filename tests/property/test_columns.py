"""The columnar form (ScoreColumns) against the row form (Score): the same numbers, bit for bit.

Every float of every unit's row-form result (ScoreResponse) must have the same 8 bytes as the
same unit's value in the columnar response, and the category and margins the same; bad values
must give the row form's messages, named the columnar way (``columns.external[17]``).
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spi.v1 import columns_pb2, engine_pb2
from spi_engine import InvalidInputError, Ruleset, Units, score
from spi_engine.api.scoring_columns import (
    score_columns_response_to_pb,
    score_response_from_columns,
    units_from_columns_pb,
    units_to_columns_pb,
)
from spi_engine.api.scoring_messages import score_response_to_pb, units_from_pb, units_to_pb
from tests.property.strategies import batches, column_bytes, rows_to_units, shipped_rulesets

FLOATS = ("index_raw", "index")
CONTRIBUTIONS = ("internal", "external", "expert", "correction")


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


def _column(results: columns_pb2.ResultColumns, name: str) -> list[bytes]:
    data = getattr(results, name)
    return [data[i : i + 8] for i in range(0, len(data), 8)]


def _rows(response: engine_pb2.ScoreResponse) -> list[dict[str, Any]]:
    rows = []
    for r in response.results:
        row: dict[str, Any] = {name: _bits(getattr(r, name)) for name in FLOATS}
        row |= {f"contribution_{n}": _bits(getattr(r.contributions, n)) for n in CONTRIBUTIONS}
        row["category"] = r.category
        for side in ("margin_up", "margin_down"):
            margin = getattr(r, side)
            row[side] = (margin.category, _bits(margin.points)) if r.HasField(side) else None
        rows.append(row)
    return rows


def _columnar_rows(response: engine_pb2.ScoreColumnsResponse) -> list[dict[str, Any]]:
    results = response.results
    names = (*FLOATS, *(f"contribution_{n}" for n in CONTRIBUTIONS))
    columns = {name: _column(results, name) for name in names}
    ups, downs = _column(results, "margin_up"), _column(results, "margin_down")
    rows = []
    for i, code in enumerate(results.category_codes):
        row: dict[str, Any] = {name: columns[name][i] for name in names}
        row["category"] = results.category_ids[code]
        up, down = struct.unpack("<d", ups[i])[0], struct.unpack("<d", downs[i])[0]
        row["margin_up"] = None if np.isnan(up) else (results.category_ids[code + 1], ups[i])
        row["margin_down"] = None if np.isnan(down) else (results.category_ids[code - 1], downs[i])
        rows.append(row)
    return rows


@given(rules=shipped_rulesets, rows=batches(max_size=40))
def test_columnar_results_equal_the_row_form_bit_for_bit(
    rules: Ruleset, rows: list[dict[str, Any]]
) -> None:
    units = rows_to_units(rows)
    by_rows = score(rules, units_from_pb(units_to_pb(units)))
    by_columns = score(rules, units_from_columns_pb(units_to_columns_pb(units)))
    row_form = score_response_to_pb(by_rows, "d")
    columnar = score_columns_response_to_pb(by_columns, "d")
    assert _columnar_rows(columnar) == _rows(row_form)
    assert columnar.provenance == row_form.provenance
    assert columnar.results.units == len(units)


@given(rows=batches(max_size=40))
def test_units_survive_the_columnar_form_unchanged(rows: list[dict[str, Any]]) -> None:
    units = rows_to_units(rows)
    back = units_from_columns_pb(units_to_columns_pb(units))
    assert column_bytes(back) == column_bytes(units)
    assert (back.ids, back.groups) == (units.ids, units.groups)


def _message(units: Units) -> columns_pb2.UnitColumns:
    return units_to_columns_pb(units)


def _f64(values: list[float]) -> bytes:
    return np.asarray(values, dtype="<f8").tobytes()


@given(
    bad=st.sampled_from([float("nan"), float("inf"), -0.5, 100.5]),
    row=st.integers(min_value=0, max_value=19),
    column=st.sampled_from(["internal", "external", "expert"]),
)
def test_bad_values_have_the_row_forms_messages_named_as_columns(
    bad: float, row: int, column: str
) -> None:
    values = {name: [70.0] * 20 for name in ("internal", "external", "expert")}
    values[column][row] = bad
    message = columns_pb2.UnitColumns(
        **{name: _f64(v) for name, v in values.items()}, correction=_f64([1.0] * 20)
    )
    rows_message = [
        engine_pb2.ScoreRequest().units.add(
            internal=values["internal"][i],
            external=values["external"][i],
            expert=values["expert"][i],
            correction=1.0,
        )
        for i in range(20)
    ]
    with pytest.raises(InvalidInputError) as by_rows:
        units_from_pb(rows_message)
    with pytest.raises(InvalidInputError) as by_columns:
        units_from_columns_pb(message)
    assert [(v.field, v.description) for v in by_columns.value.violations] == [
        (f"columns.{column}[{row}]", v.description) for v in by_rows.value.violations
    ]
    assert [v.field for v in by_rows.value.violations] == [f"units[{row}].{column}"]


def test_a_missing_correction_column_or_value_is_an_error_not_a_zero() -> None:
    three = _f64([70.0, 71.0, 72.0])
    absent = columns_pb2.UnitColumns(internal=three, external=three, expert=three)
    with pytest.raises(InvalidInputError) as error:
        units_from_columns_pb(absent)
    assert [(v.field, v.description) for v in error.value.violations] == [
        (
            "columns.correction",
            "expected 3 float64 values (24 bytes); got nothing (the column is absent)",
        )
    ]
    nan = columns_pb2.UnitColumns(
        internal=three, external=three, expert=three, correction=_f64([0.0, float("nan"), 1.0])
    )
    with pytest.raises(InvalidInputError) as error:
        units_from_columns_pb(nan)
    assert [v.field for v in error.value.violations] == ["columns.correction[1]"]


def test_columns_of_other_lengths_are_named() -> None:
    three, two = _f64([70.0, 71.0, 72.0]), _f64([70.0, 71.0])
    message = columns_pb2.UnitColumns(
        internal=three,
        external=two,
        expert=three + b"\x00",
        correction=three,
        unit_ids=["a", "b"],
    )
    with pytest.raises(InvalidInputError) as error:
        units_from_columns_pb(message)
    assert [v.field for v in error.value.violations] == [
        "columns.external",
        "columns.expert",
        "columns.unit_ids",
    ]
    empty = columns_pb2.UnitColumns()
    with pytest.raises(InvalidInputError, match=r"columns\.internal"):
        units_from_columns_pb(empty)


@given(rules=shipped_rulesets, rows=batches(max_size=40))
def test_the_row_form_rebuilt_from_columns_is_scores_answer_byte_for_byte(
    rules: Ruleset, rows: list[dict[str, Any]]
) -> None:
    units = rows_to_units(rows)
    row_form = score_response_to_pb(score(rules, units), "d")
    columnar = score_columns_response_to_pb(
        score(rules, units_from_columns_pb(units_to_columns_pb(units))), "d"
    )
    rebuilt = score_response_from_columns(units, columnar)
    assert rebuilt.SerializeToString(deterministic=True) == row_form.SerializeToString(
        deterministic=True
    )
