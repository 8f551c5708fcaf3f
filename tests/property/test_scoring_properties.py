"""Properties of scoring that hold for every shipped ruleset and any valid input."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spi_engine import Scores, score
from spi_engine.api.scoring_messages import (
    results_to_pb,
    score_response_to_pb,
    units_from_pb,
    units_to_pb,
)
from tests.property.strategies import (
    NAN,
    SHIPPED_IDS,
    batches,
    column_bytes,
    component_scores,
    correction_points,
    rows_to_units,
    ruleset_of,
    two_decimals,
    unit_rows,
)

COMPONENTS = ("internal", "external", "expert")
PARTS = ("correction_integrity", "correction_prevalence")
FIELDS = (
    "index_raw",
    "index_steps",
    "category_codes",
    "contribution_internal",
    "contribution_external",
    "contribution_expert",
    "contribution_correction",
    "margin_up_steps",
    "margin_down_steps",
)

each_ruleset = pytest.mark.parametrize("ruleset_id", SHIPPED_IDS)


def score_rows(ruleset_id: str, rows: list[dict[str, Any]]) -> Scores:
    return score(ruleset_of(ruleset_id), rows_to_units(rows))


def field_bytes(scores: Scores, rows: list[int] | None = None) -> dict[str, bytes]:
    """Every result column as raw bytes (optionally only ``rows``): equal means bit for bit."""
    picked = {name: getattr(scores, name) for name in FIELDS}
    if rows is not None:
        picked = {name: values[rows] for name, values in picked.items()}
    return {name: np.ascontiguousarray(values).tobytes() for name, values in picked.items()}


@each_ruleset
@given(rows=batches())
def test_index_within_bounds(ruleset_id: str, rows: list[dict[str, Any]]) -> None:
    scores = score_rows(ruleset_id, rows)
    assert ((scores.index_steps >= 0) & (scores.index_steps <= 10_000)).all()
    assert ((scores.index >= 0.0) & (scores.index <= 100.0)).all()
    assert (
        (scores.category_codes >= 0) & (scores.category_codes < len(scores.ruleset.category_ids))
    ).all()


@each_ruleset
@given(
    row=unit_rows(),
    component=st.sampled_from(COMPONENTS),
    values=st.lists(component_scores, min_size=2, max_size=2).map(sorted),
)
def test_non_decreasing_in_each_component(
    ruleset_id: str, row: dict[str, Any], component: str, values: list[float]
) -> None:
    low, high = ({**row, component: value} for value in values)
    before, after = score_rows(ruleset_id, [low]), score_rows(ruleset_id, [high])
    assert after.index_raw[0] >= before.index_raw[0]
    assert after.index_steps[0] >= before.index_steps[0]
    assert after.category_codes[0] >= before.category_codes[0]


@each_ruleset
@given(
    row=unit_rows(),
    part=st.sampled_from((*PARTS, "correction")),
    values=st.lists(correction_points, min_size=2, max_size=2).map(sorted),
)
def test_non_increasing_in_each_correction_part(
    ruleset_id: str, row: dict[str, Any], part: str, values: list[float]
) -> None:
    if part == "correction":  # the total alone
        row = {**row, "correction_integrity": NAN, "correction_prevalence": NAN}
    else:
        other = PARTS[1 - PARTS.index(part)]
        row = {**row, "correction": NAN, other: 0.0 if math.isnan(row[other]) else row[other]}
    low, high = ({**row, part: value} for value in values)
    before, after = score_rows(ruleset_id, [low]), score_rows(ruleset_id, [high])
    assert after.index_raw[0] <= before.index_raw[0]
    assert after.index_steps[0] <= before.index_steps[0]
    assert after.category_codes[0] <= before.category_codes[0]


@each_ruleset
@given(rows=batches(min_size=2, max_size=40))
def test_category_non_decreasing_in_the_index(ruleset_id: str, rows: list[dict[str, Any]]) -> None:
    scores = score_rows(ruleset_id, rows)
    order = np.argsort(scores.index_steps, kind="stable")
    assert (np.diff(scores.category_codes[order]) >= 0).all()
    rules = scores.ruleset
    assert scores.categories == tuple(rules.category_of_steps(int(s)) for s in scores.index_steps)


@each_ruleset
@given(rows=batches(max_size=12))
def test_batch_result_equals_single_results(ruleset_id: str, rows: list[dict[str, Any]]) -> None:
    batch = score_rows(ruleset_id, rows)
    batch_messages = results_to_pb(batch)
    for i, row in enumerate(rows):
        single = score_rows(ruleset_id, [row])
        assert field_bytes(single) == field_bytes(batch, [i])
        assert results_to_pb(single)[0] == batch_messages[i]


@each_ruleset
@given(data=st.data(), rows=batches(min_size=2))
def test_unit_order_does_not_change_any_result(
    ruleset_id: str, data: st.DataObject, rows: list[dict[str, Any]]
) -> None:
    permutation = data.draw(st.permutations(range(len(rows))))
    original = score_rows(ruleset_id, rows)
    shuffled = score_rows(ruleset_id, [rows[i] for i in permutation])
    assert field_bytes(shuffled) == field_bytes(original, list(permutation))


@each_ruleset
@given(rows=batches())
def test_same_input_gives_byte_identical_output(
    ruleset_id: str, rows: list[dict[str, Any]]
) -> None:
    first = score_response_to_pb(score_rows(ruleset_id, rows))
    second = score_response_to_pb(score_rows(ruleset_id, [dict(row) for row in rows]))
    assert first.SerializeToString(deterministic=True) == second.SerializeToString(
        deterministic=True
    )
    assert first.SerializeToString() == second.SerializeToString()


@each_ruleset
@given(rows=batches())
def test_contributions_add_up_to_index_raw(ruleset_id: str, rows: list[dict[str, Any]]) -> None:
    scores = score_rows(ruleset_id, rows)
    parts = (
        scores.contribution_internal,
        scores.contribution_external,
        scores.contribution_expert,
        scores.contribution_correction,
    )
    in_engine_order = ((parts[0] + parts[1]) + parts[2]) + parts[3]
    assert in_engine_order.tobytes() == scores.index_raw.tobytes()
    for i in range(len(scores)):
        assert abs(math.fsum(float(p[i]) for p in parts) - scores.index_raw[i]) <= 1e-9
    assert (scores.contribution_correction <= 0).all()


@each_ruleset
@given(rows=batches())
def test_units_round_trip_through_messages(ruleset_id: str, rows: list[dict[str, Any]]) -> None:
    units = rows_to_units(rows)
    again = units_from_pb(units_to_pb(units))
    assert column_bytes(again) == column_bytes(units)
    assert (again.ids, again.groups) == (units.ids, units.groups)
    assert field_bytes(score(ruleset_of(ruleset_id), again)) == field_bytes(
        score(ruleset_of(ruleset_id), units)
    )


def exact(value: float) -> Fraction:
    """The decimal a float was written as (0.305 -> 305/1000), as an exact fraction."""
    return Fraction(Decimal(repr(value)))


def exact_steps(ruleset_id: str, row: dict[str, float]) -> int:
    """The published index computed in exact decimal arithmetic, rounded half up."""
    rules = ruleset_of(ruleset_id)
    value = Fraction(0)
    for weight, name in zip(rules.weights, COMPONENTS, strict=True):
        value += exact(weight) * exact(row[name])
    for factor, name in zip(rules.correction_factors, PARTS, strict=True):
        value -= exact(factor) * exact(row[name])
    low, high = (exact(bound) for bound in rules.bounds)
    scale: int = 10**rules.decimals
    halfway_up = min(max(value, low), high) * scale + Fraction(1, 2)
    return halfway_up.numerator // halfway_up.denominator


@each_ruleset
@given(
    values=st.tuples(two_decimals, two_decimals, two_decimals),
    parts=st.tuples(
        st.integers(0, 3000).map(lambda n: n / 100), st.integers(0, 3000).map(lambda n: n / 100)
    ),
)
def test_published_inputs_round_exactly(
    ruleset_id: str, values: tuple[float, float, float], parts: tuple[float, float]
) -> None:
    row: dict[str, Any] = dict(zip(COMPONENTS, values, strict=True)) | dict(
        zip(PARTS, parts, strict=True)
    )
    row |= {"correction": NAN, "id": "", "group": ""}
    assert score_rows(ruleset_id, [row]).index_steps.tolist() == [exact_steps(ruleset_id, row)]
