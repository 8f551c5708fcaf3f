"""The one-unit path (Python scalars in units_from_rows and score) against the vectorised path.

A batch of one unit skips the vectorised checks and arithmetic; these properties prove that it
gives the same bytes: the same ScoreResponse, the same Units columns, and for bad input the same
error class, field paths and messages. The vectorised side is the same unit at position 0 of a
two-unit batch whose second unit is plainly valid, so every result and every violation of
``units[0]`` comes from the vectorised code.

Inputs are arbitrary: any float64 (NaN, infinities, -0.0, subnormals, the float64 maximum) or
absent, in every field, under the shipped rulesets and under generated ones (other weights,
correction factors that differ, 0 to 6 decimals, other index bounds and category schemes).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given, reject
from hypothesis import strategies as st

from spi.v1 import engine_pb2, scoring_pb2
from spi_engine import (
    InvalidInputError,
    InvalidRulesetError,
    Ruleset,
    Scores,
    Units,
    bundled,
    score,
)
from spi_engine.api.scoring_messages import score_response_to_pb, units_from_pb
from spi_engine.ruleset import from_message
from tests.property.strategies import NAN, column_bytes, rows_to_units, unit_rows

FIELDS = (
    "internal",
    "external",
    "expert",
    "correction_integrity",
    "correction_prevalence",
    "correction",
)
FILLER = scoring_pb2.UnitInput(
    unit_id="filler", internal=50.0, external=50.0, expert=50.0, correction=0.0
)
"""Valid under every ruleset, with correction 0: adds no result or violation to unit 0's."""
SCORE_COLUMNS = (
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

any_value = st.one_of(
    st.floats(),
    st.floats(min_value=-1.0, max_value=101.0),
    st.integers(min_value=0, max_value=10_000).map(lambda n: n / 100),
    st.integers(min_value=0, max_value=3_000).map(lambda n: n / 100),
    st.sampled_from([0.0, -0.0, 100.0, 5e-324, -5e-324, 1.7976931348623157e308, 99.995]),
)
"""Published-looking values, values near the ranges' ends, and any float64 at all."""

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)


@st.composite
def unit_inputs(draw: st.DrawFn) -> scoring_pb2.UnitInput:
    """A UnitInput with each field present (any value) or absent; components mostly present."""
    unit = scoring_pb2.UnitInput(unit_id=draw(text), group=draw(text))
    for name in FIELDS:
        if draw(st.integers(min_value=0, max_value=9)) < (9 if name in FIELDS[:3] else 5):
            setattr(unit, name, draw(any_value))
    return unit


@st.composite
def rulesets(draw: st.DrawFn) -> Ruleset:
    """A shipped ruleset, or one derived from it with other numbers (validated as usual)."""
    base = draw(st.sampled_from([bundled().get(i) for i in bundled().ids]))
    if draw(st.booleans()):
        return base
    rules = base.to_message()
    rules.id = "generated"
    a = draw(st.integers(min_value=0, max_value=10_000))
    b = draw(st.integers(min_value=0, max_value=10_000 - a))
    w = rules.weights
    w.internal, w.external, w.expert = a / 10_000, b / 10_000, (10_000 - a - b) / 10_000
    factors = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.floats(0.0, 3.0))
    rules.correction.integrity.factor = draw(factors)
    rules.correction.prevalence.factor = draw(factors)
    decimals = draw(st.integers(min_value=0, max_value=6))
    rules.rounding.decimals = decimals
    low = draw(st.integers(min_value=0, max_value=30))
    high = draw(st.integers(min_value=70, max_value=100))
    rules.bounds.min, rules.bounds.max = float(low), float(high)
    scale = 10**decimals
    steps = draw(
        st.lists(
            st.integers(min_value=low * scale + 1, max_value=high * scale),
            max_size=3,
            unique=True,
        )
    )
    bounds = [float(low)] + [s / scale for s in sorted(steps)]
    del rules.categories.categories[:]
    for i, bound in enumerate(bounds):
        rules.categories.categories.add(id=f"c{i}", label=f"C{i}", lower_bound=bound)
    try:
        return from_message(rules)
    except InvalidRulesetError:
        reject()


def outcome(run: Callable[[], tuple[Units, engine_pb2.ScoreResponse]]) -> tuple[Any, ...]:
    """("ok", Units columns, response bytes) or ("error", class, violations, message)."""
    try:
        with np.errstate(over="ignore"):  # numpy warns when a sum reaches infinity; Python not
            units, response = run()
    except Exception as error:
        return ("error", type(error), getattr(error, "violations", None), str(error))
    return ("ok", column_bytes(units), response.SerializeToString())


def one_unit(rules: Ruleset, unit: scoring_pb2.UnitInput) -> tuple[Any, ...]:
    def run() -> tuple[Units, engine_pb2.ScoreResponse]:
        units = units_from_pb([unit])
        return units, score_response_to_pb(score(rules, units), "decision")

    return outcome(run)


def first_of_two(rules: Ruleset, unit: scoring_pb2.UnitInput) -> tuple[Any, ...]:
    def run() -> tuple[Units, engine_pb2.ScoreResponse]:
        units = units_from_pb([unit, FILLER])
        both = score_response_to_pb(score(rules, units), "decision")
        response = engine_pb2.ScoreResponse(
            results=[both.results[0]], provenance=both.provenance, decision_id="decision"
        )
        return units.take([0]), response

    return outcome(run)


@given(rules=rulesets(), unit=unit_inputs())
def test_one_unit_gives_the_bytes_and_errors_of_the_vectorised_path(
    rules: Ruleset, unit: scoring_pb2.UnitInput
) -> None:
    assert one_unit(rules, unit) == first_of_two(rules, unit)


def columns(scores_of: Callable[[], Scores]) -> tuple[Any, ...]:
    """Each result column's dtype, shape, writeability and bytes; or the error."""
    try:
        with np.errstate(over="ignore"):
            scores = scores_of()
    except InvalidInputError as error:
        return ("error", error.violations)
    return tuple(
        (c.dtype, c.shape, c.flags.writeable, c.tobytes())
        for c in (getattr(scores, name)[:1] for name in SCORE_COLUMNS)
    )


@given(rules=rulesets(), row=unit_rows())
def test_one_unit_scores_equal_the_vectorised_scores_column_by_column(
    rules: Ruleset, row: dict[str, Any]
) -> None:
    filler = {**row, **{name: 50.0 for name in FIELDS[:3]}, "correction": 0.0}
    filler.update(correction_integrity=NAN, correction_prevalence=NAN)
    units = rows_to_units([row, filler])
    single = columns(lambda: score(rules, units.take([0])))
    assert single == columns(lambda: score(rules, units))


def test_a_nan_index_from_an_unvalidated_ruleset_is_left_to_the_vectorised_path() -> None:
    rules = dataclasses.replace(bundled().get("spi-2024"), correction_factors=(-1e308, 1e308))
    row = {name: 50.0 for name in FIELDS[:3]} | {"id": "", "group": "", "correction": NAN}
    row |= {"correction_integrity": 100.0, "correction_prevalence": 100.0}
    units = rows_to_units([row, row])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        single, pair = score(rules, units.take([0])), score(rules, units)
    assert np.isnan(single.index_raw[0])
    for name in SCORE_COLUMNS:
        assert getattr(single, name).tobytes() == getattr(pair, name)[:1].tobytes(), name
