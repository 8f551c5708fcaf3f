"""Round trips of the what-if inputs through their spi.v1 messages (spi_engine.api.whatif_inputs)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from spi.v1 import simulation_pb2 as pb
from spi_engine.api.whatif_inputs import (
    axes_from_pb,
    axes_to_pb,
    costs_from_pb,
    costs_to_pb,
    sampling_from_pb,
    sampling_to_pb,
    scenario_from_pb,
    scenario_to_pb,
    target_from_pb,
    target_to_pb,
    variant_from_pb,
    variant_to_pb,
)
from spi_engine.levers import LEVERS
from spi_engine.scenario import OPERATIONS, Intervention, Scenario
from spi_engine.sweep import Axis
from spi_engine.uncertainty import sampling_from_errors, sampling_from_respondents
from spi_engine.variants import Variant

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
names = st.text(max_size=8)
id_lists = st.lists(names, max_size=3).map(tuple)

interventions = st.builds(
    Intervention,
    lever=st.sampled_from(LEVERS),
    operation=st.sampled_from(OPERATIONS),
    value=finite,
    unit_ids=id_lists,
    groups=id_lists,
)
variants = st.builds(
    Variant,
    id=names,
    label=names,
    weights=st.none() | st.tuples(finite, finite, finite),
    lower_bounds=st.lists(st.tuples(names, finite), max_size=3).map(tuple),
    correction_factors=st.none() | st.tuples(finite, finite),
    note=names,
)
scenarios = st.builds(
    Scenario,
    interventions=st.lists(interventions, max_size=4).map(tuple),
    variant=st.none() | variants,
    name=names,
)


def wire(message: pb.Scenario) -> pb.Scenario:
    """The message as the other side of a connection parses it."""
    return pb.Scenario.FromString(message.SerializeToString())


@given(scenarios)
def test_a_scenario_round_trips(scenario: Scenario) -> None:
    assert scenario_from_pb(wire(scenario_to_pb(scenario))) == scenario


@given(variants)
def test_a_variant_round_trips(variant: Variant) -> None:
    assert variant_from_pb(variant_to_pb(variant)) == variant


@given(st.sampled_from(["rentan", "waspada", "terjaga", ""]) | finite)
def test_a_target_round_trips(target: str | float) -> None:
    assert target_from_pb(target_to_pb(target)) == target


non_negative = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@given(
    st.dictionaries(st.sampled_from(LEVERS), non_negative, min_size=1),
    st.data(),
)
def test_costs_and_bounds_round_trip(costs: dict[str, float], data: st.DataObject) -> None:
    bounds = data.draw(st.dictionaries(st.sampled_from(sorted(costs)), non_negative))
    assert costs_from_pb(costs_to_pb(costs, bounds)) == (costs, bounds)


grid_values = st.lists(
    st.integers(min_value=0, max_value=10_000).map(lambda n: n / 100), min_size=1, max_size=20
)


@given(st.lists(st.tuples(st.sampled_from(LEVERS), grid_values), min_size=1, max_size=2))
def test_axes_round_trip(pairs: list[tuple[str, list[float]]]) -> None:
    axes = [Axis(lever, np.array(values)) for lever, values in pairs]
    back = axes_from_pb(axes_to_pb(axes), max_values=1000)
    assert [(a.lever, a.values.tolist()) for a in back] == [
        (a.lever, a.values.tolist()) for a in axes
    ]


errors = st.floats(min_value=0, max_value=50, allow_nan=False)
counts = st.integers(min_value=1, max_value=5000)
deviations = st.floats(min_value=0, max_value=40, allow_nan=False)


@given(st.lists(st.tuples(errors, errors, errors), min_size=1, max_size=6))
def test_standard_errors_round_trip(rows: list[tuple[float, float, float]]) -> None:
    sampling = sampling_from_errors(rows)
    back = sampling_from_pb(sampling_to_pb(sampling), len(rows))
    assert back.standard_errors.tobytes() == sampling.standard_errors.tobytes()


@given(
    st.lists(
        st.tuples(
            st.tuples(counts, counts, counts),
            st.tuples(deviations, deviations, deviations),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_respondent_samples_round_trip(
    rows: list[tuple[tuple[int, ...], tuple[float, ...], bool]],
) -> None:
    respondents = [list(r) for r, _, _ in rows]
    spread = [list(s) for _, s, _ in rows]
    population = [[n * 3 if finite_ else np.nan for n in r] for r, _, finite_ in rows]
    sampling = sampling_from_respondents(respondents, spread, population)
    back = sampling_from_pb(sampling_to_pb(sampling), len(rows))
    for name in ("standard_errors", "respondents", "deviations", "population"):
        assert getattr(back, name).tobytes() == getattr(sampling, name).tobytes(), name


def test_one_sampling_entry_applies_to_every_unit() -> None:
    message = sampling_to_pb(sampling_from_errors([[1.0, 2.0, 3.0]]))
    assert sampling_from_pb(message, 4).standard_errors.tolist() == [[1.0, 2.0, 3.0]] * 4
