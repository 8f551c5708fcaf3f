"""Goal seeking (single levers) and the cheapest multi-lever plan."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spi_engine import InvalidInputError, bundled, levers, score, units_from_columns
from spi_engine.goal import STATUSES, bisect, goal_seek, resolve_target, room_steps
from spi_engine.plan import cheapest_plan, fill
from spi_engine.scenario import Intervention, Scenario, simulate
from spi_engine.units import Units
from spi_engine.variants import Variant, derive_variant

RULES = bundled().get("spi-2024")


def probolinggo(total: bool = True) -> Units:
    """Kabupaten Probolinggo, SPI 2024: index 71.66 (published 71.65), rentan."""
    if total:
        return units_from_columns([75.61], [89.02], [73.53], correction=[7.59], ids=["probolinggo"])
    return units_from_columns(
        [75.61], [89.02], [73.53], correction_integrity=[7.59], correction_prevalence=[0.0]
    )


def index_after(units: Units, lever: str, change: float) -> int:
    run = simulate(RULES, units, Scenario((Intervention(lever, "add", change),)))
    return int(run.comparison.after.index_steps[0])


def test_smallest_external_rise_for_probolinggo_to_leave_rentan() -> None:
    seek = goal_seek(RULES, probolinggo(), "waspada")
    assert seek.change(0, "external") == 4.09
    assert index_after(probolinggo(), "external", 4.09) == 7300
    assert index_after(probolinggo(), "external", 4.08) == 7299
    assert seek.new_index_steps[0, seek.levers.index("external")] == 7300
    assert seek.new_value[0, seek.levers.index("external")] == pytest.approx(93.11)


@pytest.mark.parametrize(
    ("lever", "change"),
    [("internal", 4.4), ("external", 4.09), ("expert", 3.66), ("correction", -1.34)],
)
def test_every_lever_of_probolinggo(lever: str, change: float) -> None:
    seek = goal_seek(RULES, probolinggo(), "waspada")
    assert seek.change(0, lever) == change
    assert seek.reason(0, lever) == ""


def test_parts_levers_do_not_apply_to_a_total() -> None:
    seek = goal_seek(RULES, probolinggo(), "waspada")
    for lever in ("correction_integrity", "correction_prevalence"):
        assert seek.change(0, lever) is None
        assert "does not apply" in seek.reason(0, lever)


def test_a_correction_part_cannot_go_below_zero() -> None:
    seek = goal_seek(RULES, probolinggo(total=False), "waspada")
    assert seek.change(0, "correction_integrity") == -1.34
    assert seek.reason(0, "correction_prevalence") == (
        "not reachable with this lever alone: it would need a correction below 0"
    )


def test_a_score_above_100_is_not_reachable_with_one_lever() -> None:
    seek = goal_seek(RULES, probolinggo(), "terjaga")
    assert seek.change(0, "external") is None
    assert STATUSES[int(seek.status[0, 1])] == "needs_score_above_max"
    assert "score above 100" in seek.reason(0, "external")
    assert seek.change(0, "internal") == 20.79
    assert seek.change(0, "correction") == -6.34


def test_an_index_target_and_the_way_down() -> None:
    seek = goal_seek(RULES, probolinggo(), 70.0)
    assert seek.goal.direction.tolist() == [-1]
    assert seek.change(0, "expert") == -4.5
    assert index_after(probolinggo(), "expert", -4.5) <= 7000
    assert index_after(probolinggo(), "expert", -4.49) > 7000
    assert seek.change(0, "correction") == 1.66


def test_falling_into_a_lower_category() -> None:
    units = units_from_columns([80.0], [80.0], [80.0], correction=[0.0])
    seek = goal_seek(RULES, units, "waspada")
    assert seek.change(0, "external") == -6.12
    assert index_after(units, "external", -6.12) == 7799
    assert index_after(units, "external", -6.11) == 7800


def test_a_score_below_zero_is_reported() -> None:
    units = units_from_columns([80.0], [80.0], [80.0], correction=[0.0])
    seek = goal_seek(RULES, units, 10.0)
    assert STATUSES[int(seek.status[0, 1])] == "needs_score_below_min"


def test_already_there_needs_no_change() -> None:
    seek = goal_seek(RULES, probolinggo(), "rentan")
    assert seek.goal.direction.tolist() == [0]
    assert seek.change_steps.tolist() == [[0] * 6]
    assert [seek.change(0, lever) for lever in ("internal", "expert")] == [0.0, 0.0]


def test_a_lever_with_no_weight_has_no_effect() -> None:
    flat = derive_variant(RULES, Variant(id="no-expert", weights=(0.5, 0.5, 0.0)))
    seek = goal_seek(flat, probolinggo(), "terjaga")
    assert STATUSES[int(seek.status[0, 2])] == "no_effect"
    assert "weight is 0" in seek.reason(0, "expert")


def test_the_total_has_no_slope_when_the_parts_weigh_differently() -> None:
    uneven = derive_variant(RULES, Variant(id="uneven", correction_factors=(1.0, 0.5)))
    units = units_from_columns([80.0], [80.0], [70.0], correction=[0.0])
    seek = goal_seek(uneven, units, "terjaga")
    assert STATUSES[int(seek.status[0, 5])] == "not_applicable"
    assert seek.reached(0, "correction_integrity") is False


def test_a_subset_of_levers_keeps_their_order() -> None:
    seek = goal_seek(RULES, probolinggo(), "waspada", ["expert", "internal"])
    assert seek.levers == ("expert", "internal")
    assert seek.change(0, "internal") == 4.4


def test_a_batch_equals_its_units_one_by_one() -> None:
    rng = np.random.default_rng(5)
    values = np.round(rng.uniform(50, 95, (40, 3)), 2)
    units = units_from_columns(*values.T, correction=np.round(rng.uniform(0, 6, 40), 2))
    together = goal_seek(RULES, units, "terjaga")
    for row in (0, 17, 39):
        alone = goal_seek(RULES, units.take([row]), "terjaga")
        assert alone.change_steps.tolist()[0] == together.change_steps.tolist()[row]
        assert alone.status.tolist()[0] == together.status.tolist()[row]


def test_bisection_agrees_with_the_solved_answer() -> None:
    rng = np.random.default_rng(6)
    values = np.round(rng.uniform(50, 95, (30, 3)), 2)
    units = units_from_columns(
        *values.T,
        correction_integrity=np.round(rng.uniform(0, 6, 30), 2),
        correction_prevalence=np.zeros(30),
    )
    base = score(RULES, units)
    goal = resolve_target(RULES, base, "terjaga")
    columns = np.arange(5)
    slope = levers.slopes(RULES)[columns]
    move = np.sign(slope).astype(np.int64)[None, :] * goal.direction[:, None]
    room = room_steps(units, columns, move)
    cells = np.ones(room.shape, dtype=bool) & (goal.direction != 0)[:, None]
    found = bisect(RULES, units, goal, columns, move, room, cells)
    seek = goal_seek(RULES, units, "terjaga", list(levers.LEVERS[:5]))
    solved = np.where(seek.status == 0, np.abs(seek.change_steps), -1)
    assert np.where(cells, found, -1).tolist() == np.where(cells, solved, -1).tolist()


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "hijau",
            "expected a category of spi-2024 (rentan, waspada, terjaga) or an index; got 'hijau'",
        ),
        (100.5, "from 0 to 100 with at most 2 decimals; got 100.5"),
        (72.555, "got 72.555"),
        (float("nan"), "got nan"),
    ],
)
def test_bad_targets(target: str | float, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        goal_seek(RULES, probolinggo(), target)
    assert error.value.violations[0].field == "target"
    assert message in str(error.value)


def test_bad_levers() -> None:
    with pytest.raises(InvalidInputError, match=r"levers\[1\].*got 'extern'"):
        goal_seek(RULES, probolinggo(), "waspada", ["internal", "extern"])
    with pytest.raises(InvalidInputError, match="each lever once"):
        goal_seek(RULES, probolinggo(), "waspada", ["internal", "internal"])
    with pytest.raises(InvalidInputError, match="at least one lever"):
        goal_seek(RULES, probolinggo(), "waspada", [])


# The cheapest plan ------------------------------------------------------------------------------

COSTS = {"internal": 3.0, "external": 1.0, "expert": 5.0, "correction": 2.0}


def test_the_plan_fills_the_cheapest_index_point_first() -> None:
    plan = cheapest_plan(
        RULES, probolinggo(), "terjaga", COSTS, {"external": 5.0, "correction": 3.0}
    )
    # Cost per index point: external 1/0.328 = 3.05, correction 2/1 = 2, internal 3/0.305 = 9.8.
    assert plan.changes(0) == {"internal": 5.58, "external": 5.0, "correction": -3.0}
    assert plan.new_index_steps.tolist() == [7800]
    assert plan.cost[0] == pytest.approx(5.58 * 3 + 5 + 6)
    assert plan.lp_cost[0] <= plan.cost[0] <= plan.lp_cost[0] + 0.03


def test_the_plan_is_verified_by_scoring() -> None:
    plan = cheapest_plan(
        RULES, probolinggo(), "terjaga", COSTS, {"external": 5.0, "correction": 3.0}
    )
    changes = plan.changes(0)
    run = simulate(
        RULES,
        probolinggo(),
        Scenario(tuple(Intervention(lever, "add", value) for lever, value in changes.items())),
    )
    assert run.comparison.after.index_steps.tolist() == [7800]
    less = dict(changes, internal=changes["internal"] - 0.01)
    short = simulate(
        RULES, probolinggo(), Scenario(tuple(Intervention(k, "add", v) for k, v in less.items()))
    )
    assert short.comparison.after.index_steps.tolist() == [7799]


def test_the_plan_takes_a_single_lever_when_that_is_cheapest() -> None:
    plan = cheapest_plan(RULES, probolinggo(), "waspada", {"external": 1.0, "expert": 1.0})
    assert plan.changes(0) == {"expert": 3.66}
    assert plan.cost[0] == pytest.approx(3.66)
    assert plan.best_single_cost[0] == pytest.approx(3.66)


def test_too_tight_bounds_make_the_plan_infeasible() -> None:
    plan = cheapest_plan(RULES, probolinggo(), "terjaga", {"external": 1.0}, {"external": 2.0})
    assert plan.feasible.tolist() == [False]
    assert np.isnan(plan.cost[0])
    assert plan.new_index_steps.tolist() == [-1]


def test_free_levers_are_used_first() -> None:
    plan = cheapest_plan(RULES, probolinggo(), "waspada", {"external": 0.0, "internal": 1.0})
    assert plan.changes(0) == {"external": 4.09}
    assert plan.cost[0] == 0.0


def vertex_optimum(slope: np.ndarray, cost: np.ndarray, room: np.ndarray, gap: float) -> float:
    """Brute force over the LP's vertices: every lever at 0 or its room, except one partial lever."""
    best = np.inf
    count = slope.size
    for partial in range(count):
        others = [i for i in range(count) if i != partial]
        for full in itertools.product([0, 1], repeat=len(others)):
            points = np.zeros(count)
            points[others] = np.array(full) * room[others]
            rest = gap - float(slope @ points)
            points[partial] = max(rest, 0.0) / slope[partial]
            if points[partial] <= room[partial] + 1e-12:
                best = min(best, float(cost @ points))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_greedy_fill_is_the_lp_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    slope = rng.uniform(0.1, 1.0, 4)
    cost = rng.uniform(0.0, 5.0, 4)
    room = rng.uniform(0.0, 10.0, (1, 4))
    gap = float(rng.uniform(0.1, slope @ room[0]))
    points, lp_cost = fill(slope, cost, room, np.array([gap]))
    assert float(slope @ points[0]) == pytest.approx(gap)
    assert np.all(points[0] <= room[0] + 1e-12)
    assert lp_cost[0] == pytest.approx(vertex_optimum(slope, cost, room[0], gap))


def test_plans_for_many_units_never_cost_more_than_a_single_lever() -> None:
    rng = np.random.default_rng(8)
    values = np.round(rng.uniform(40, 99, (200, 3)), 2)
    units = units_from_columns(*values.T, correction=np.round(rng.uniform(0, 8, 200), 2))
    plan = cheapest_plan(RULES, units, "terjaga", COSTS, {"correction": 4.0})
    reached = plan.feasible
    assert np.all(plan.cost[reached] <= plan.best_single_cost[reached] + 1e-9)
    assert np.all(plan.lp_cost[reached] <= plan.cost[reached] + 1e-9)
    assert np.all(plan.new_index_steps[reached] >= 7800)
    assert not np.any(np.isfinite(plan.best_single_cost) & ~reached)


@pytest.mark.parametrize(
    ("costs", "bounds", "field"),
    [
        ({}, None, "costs"),
        ({"external": -1.0}, None, "costs.external"),
        ({"external": float("nan")}, None, "costs.external"),
        ({"externl": 1.0}, None, "costs.externl"),
        ({"external": 1.0}, {"internal": 2.0}, "max_change.internal"),
        ({"external": 1.0}, {"external": -2.0}, "max_change.external"),
    ],
)
def test_bad_costs_and_bounds(
    costs: dict[str, float], bounds: dict[str, float] | None, field: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        cheapest_plan(RULES, probolinggo(), "terjaga", costs, bounds)
    assert error.value.violations[0].field == field
