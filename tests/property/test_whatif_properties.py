"""Properties of the what-if library that hold for every shipped ruleset and any valid input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spi_engine import score
from spi_engine.goal import REACHED, goal_seek
from spi_engine.levers import COMPONENT_LEVERS, LEVERS, applicable
from spi_engine.plan import cheapest_plan
from spi_engine.scenario import Intervention, Scenario, simulate
from spi_engine.sweep import Axis, sweep_levers
from spi_engine.uncertainty import estimate_uncertainty, monte_carlo, sampling_from_errors
from tests.property.strategies import (
    SHIPPED_IDS,
    batches,
    rows_to_units,
    ruleset_of,
    two_decimals,
)

each_ruleset = pytest.mark.parametrize("ruleset_id", SHIPPED_IDS)
RESULT_FIELDS = (
    "index_raw",
    "index_steps",
    "category_codes",
    "margin_up_steps",
    "margin_down_steps",
)

targets = st.one_of(
    st.sampled_from(["rentan", "waspada", "terjaga"]),
    st.integers(min_value=0, max_value=10_000).map(lambda n: n / 100),
)
costs = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)


@each_ruleset
@given(rows=batches())
def test_the_empty_scenario_returns_the_baseline_exactly(
    ruleset_id: str, rows: list[dict[str, Any]]
) -> None:
    rules, units = ruleset_of(ruleset_id), rows_to_units(rows)
    run = simulate(rules, units, Scenario())
    baseline = score(rules, units)
    for side in (run.comparison.before, run.comparison.after):
        for name in RESULT_FIELDS:
            assert getattr(side, name).tobytes() == getattr(baseline, name).tobytes()
    assert not run.comparison.changed.any()
    assert not run.capped.any()


@each_ruleset
@given(rows=batches(), lever=st.sampled_from(COMPONENT_LEVERS), rise=st.floats(0.0, 150.0))
def test_raising_a_component_never_lowers_index_or_category(
    ruleset_id: str, rows: list[dict[str, Any]], lever: str, rise: float
) -> None:
    run = simulate(
        ruleset_of(ruleset_id), rows_to_units(rows), Scenario((Intervention(lever, "add", rise),))
    )
    comparison = run.comparison
    assert np.all(comparison.after.index_raw >= comparison.before.index_raw)
    assert np.all(comparison.delta_steps >= 0)
    assert np.all(comparison.direction >= 0)


def add(lever: str, value: float) -> Scenario:
    return Scenario((Intervention(lever, "add", value),))


@each_ruleset
@given(rows=batches(max_size=4), target=targets)
def test_goal_seek_answers_reach_the_target_and_one_step_less_does_not(
    ruleset_id: str, rows: list[dict[str, Any]], target: str | float
) -> None:
    rules, units = ruleset_of(ruleset_id), rows_to_units(rows)
    seek = goal_seek(rules, units, target)
    goal = seek.goal
    for row in range(len(units)):
        one = units.take([row])
        for j, lever in enumerate(seek.levers):
            steps = int(seek.change_steps[row, j])
            if seek.status[row, j] != REACHED or steps == 0:
                continue
            sign = 1 if steps > 0 else -1
            reached = simulate(rules, one, add(lever, steps / 100)).comparison.after.index_steps[0]
            short = simulate(
                rules, one, add(lever, (steps - sign) / 100)
            ).comparison.after.index_steps[0]
            if goal.direction[row] > 0:
                assert reached >= goal.steps[row] > short
            else:
                assert reached <= goal.steps[row] < short


@each_ruleset
@given(rows=batches(max_size=6), target=targets, prices=st.lists(costs, min_size=6, max_size=6))
def test_the_cheapest_plan_costs_no_more_than_any_single_lever(
    ruleset_id: str, rows: list[dict[str, Any]], target: str | float, prices: list[float]
) -> None:
    rules, units = ruleset_of(ruleset_id), rows_to_units(rows)
    priced = dict(zip(LEVERS, prices, strict=True))
    plan = cheapest_plan(rules, units, target, priced)
    seek = goal_seek(rules, units, target, list(plan.levers))
    single = np.where(
        seek.status == REACHED, np.abs(seek.change_steps) * plan.cost_per_point / 100, np.inf
    )
    reachable = np.isfinite(single).any(axis=1)
    assert np.all(plan.feasible[reachable])
    cost = np.where(plan.feasible, plan.cost, np.inf)
    assert np.all(cost <= single.min(axis=1) + 1e-9)
    assert np.all(plan.lp_cost[plan.feasible] <= plan.cost[plan.feasible] + 1e-9)
    moving = plan.feasible & (plan.goal.direction > 0)
    assert np.all(plan.new_index_steps[moving] >= plan.goal.steps[moving])


@each_ruleset
@given(
    rows=batches(max_size=5),
    lever=st.sampled_from(LEVERS),
    values=st.lists(two_decimals, min_size=1, max_size=6),
)
def test_a_sweep_equals_the_individual_scenarios(
    ruleset_id: str, rows: list[dict[str, Any]], lever: str, values: list[float]
) -> None:
    rules, units = ruleset_of(ruleset_id), rows_to_units(rows)
    assume(applicable(units)[:, LEVERS.index(lever)].all())
    result = sweep_levers(rules, units, [Axis(lever, np.array(values))])
    for i, value in enumerate(values):
        after = simulate(
            rules, units, Scenario((Intervention(lever, "set", value),))
        ).comparison.after
        assert result.index_raw[:, i].tobytes() == after.index_raw.tobytes()
        assert result.category_codes[:, i].tolist() == after.category_codes.tolist()


errors = st.lists(st.floats(min_value=0.0, max_value=5.0, allow_nan=False), min_size=3, max_size=3)


@given(rows=batches(max_size=5), spread=errors, seed=st.integers(0, 2**32))
def test_the_same_seed_gives_identical_monte_carlo_output(
    rows: list[dict[str, Any]], spread: list[float], seed: int
) -> None:
    units = rows_to_units(rows)
    sampling = sampling_from_errors([spread] * len(units))
    rules = ruleset_of("spi-2024")
    first = monte_carlo(rules, units, sampling, draws=500, seed=seed)
    again = monte_carlo(rules, units, sampling, draws=500, seed=seed)
    for name in ("probabilities", "mean_index", "standard_error", "ci_low_steps", "ci_high_steps"):
        assert getattr(first, name).tobytes() == getattr(again, name).tobytes()


@given(rows=batches(max_size=4), spread=errors, seed=st.integers(0, 1000))
def test_monte_carlo_agrees_with_the_analytic_answer(
    rows: list[dict[str, Any]], spread: list[float], seed: int
) -> None:
    units = rows_to_units(rows)
    sampling = sampling_from_errors([spread] * len(units))
    rules = ruleset_of("spi-2025")
    exact = estimate_uncertainty(rules, units, sampling).probabilities
    drawn = monte_carlo(rules, units, sampling, draws=4000, seed=seed).probabilities
    # Five Monte Carlo standard errors, plus the probability one draw carries (p near 0 or 1).
    allowed = 5 * np.sqrt(exact * (1 - exact) / 4000) + 2 / 4000
    assert np.all(np.abs(drawn - exact) <= allowed)
