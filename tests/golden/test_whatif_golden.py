"""Golden what-if scenarios: named planner questions in ``whatif/*.json`` with expected answers.

Each file has a ``kind`` (goal, plan, simulate, impact, uncertainty), a bundled ``ruleset``, its
``units`` (id, group, the three components and a correction as parts or as a total) and what is
expected. Index values are compared exactly at 2 decimals; probabilities within 1e-4.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from spi_engine import bundled, units_from_columns
from spi_engine.certainty import respondents_for_certainty
from spi_engine.goal import STATUSES, goal_seek
from spi_engine.impact import compare_rulesets
from spi_engine.plan import cheapest_plan
from spi_engine.scenario import Intervention, Scenario, simulate
from spi_engine.uncertainty import estimate_uncertainty, sampling_from_respondents
from spi_engine.units import Units
from spi_engine.variants import Variant, derive_variant

FOLDER = Path(__file__).parent / "whatif"
FILES = sorted(FOLDER.glob("*.json"))
Case = dict[str, Any]


def units_of(case: Case) -> Units:
    rows = case["units"]

    def column(name: str) -> list[float]:
        return [row.get(name, math.nan) for row in rows]

    return units_from_columns(
        column("internal"),
        column("external"),
        column("expert"),
        correction_integrity=column("correction_integrity"),
        correction_prevalence=column("correction_prevalence"),
        correction=column("correction"),
        ids=[row["id"] for row in rows],
        groups=[row.get("group", "") for row in rows],
    )


def variant_of(spec: Case) -> Variant:
    return Variant(
        id=spec["id"],
        weights=tuple(spec["weights"]) if "weights" in spec else None,
        lower_bounds=tuple(spec.get("lower_bounds", {}).items()),
        correction_factors=tuple(spec["correction_factors"])
        if "correction_factors" in spec
        else None,
        note=spec.get("note", ""),
    )


def check_goal(case: Case) -> None:
    seek = goal_seek(bundled().get(case["ruleset"]), units_of(case), case["target"])
    for row, unit_id in enumerate(seek.ids):
        for lever, expected in case["expect"][unit_id].items():
            if isinstance(expected, str):
                assert STATUSES[int(seek.status[row, seek.levers.index(lever)])] == expected, lever
            else:
                assert seek.change(row, lever) == expected, lever


def check_plan(case: Case) -> None:
    rules = bundled().get(case["ruleset"])
    plan = cheapest_plan(
        rules, units_of(case), case["target"], case["costs"], case.get("max_change")
    )
    for row, unit_id in enumerate(plan.ids):
        expected = case["expect"][unit_id]
        assert plan.changes(row) == expected["changes"]
        assert round(float(plan.cost[row]), 6) == expected["cost"]
        assert plan.new_index_steps[row] == round(expected["index"] * 100)
        assert rules.category_ids[int(plan.new_category_codes[row])] == expected["category"]


def check_simulate(case: Case) -> None:
    interventions = tuple(
        Intervention(
            step["lever"],
            step["operation"],
            step["value"],
            unit_ids=tuple(step.get("unit_ids", ())),
            groups=tuple(step.get("groups", ())),
        )
        for step in case["interventions"]
    )
    variant = variant_of(case["variant"]) if "variant" in case else None
    run = simulate(bundled().get(case["ruleset"]), units_of(case), Scenario(interventions, variant))
    got = run.comparison
    expect = case["expect"]
    assert got.before.index.tolist() == expect["index_before"]
    assert got.after.index.tolist() == expect["index_after"]
    assert list(got.after.categories) == expect["category_after"]
    assert list(got.counts_before) == expect["counts_before"]
    assert list(got.counts_after) == expect["counts_after"]
    assert (got.mean_before, got.mean_after) == (expect["mean_before"], expect["mean_after"])
    assert list(run.capped_rows) == expect["capped_rows"]


def check_impact(case: Case) -> None:
    base = bundled().get(case["ruleset"])
    impact = compare_rulesets(
        base, derive_variant(base, variant_of(case["variant"])), units_of(case)
    )
    expect = case["expect"]
    assert impact.changed is expect["changed"]
    assert impact.units_changing_category == expect["units_changing_category"]
    assert impact.units_changing_index == expect["units_changing_index"]
    assert [list(t) for t in impact.comparison.transition_list()] == expect["transitions"]


def check_uncertainty(case: Case) -> None:
    rules, units = bundled().get(case["ruleset"]), units_of(case)
    sampling = sampling_from_respondents(case["respondents"], case["deviations"])
    answer = estimate_uncertainty(rules, units, sampling)
    certainty = respondents_for_certainty(rules, units, sampling)
    expect = case["expect"]
    assert answer.standard_error.tolist() == pytest.approx(expect["standard_error"], abs=1e-4)
    assert answer.probabilities.ravel().tolist() == pytest.approx(
        np.ravel(expect["probabilities"]).tolist(), abs=1e-4
    )
    assert certainty.factor.tolist() == expect["factor"]
    assert certainty.respondents.tolist() == expect["respondents"]
    alone = [
        [None if math.isnan(v) else v for v in row] for row in certainty.respondents_alone.tolist()
    ]
    assert alone == expect["respondents_alone"]


CHECKS: dict[str, Callable[[Case], None]] = {
    "goal": check_goal,
    "plan": check_plan,
    "simulate": check_simulate,
    "impact": check_impact,
    "uncertainty": check_uncertainty,
}


def test_the_folder_has_scenarios() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_golden_scenario(path: Path) -> None:
    case = json.loads(path.read_text("utf-8"))
    assert case["name"] == path.stem, "the file is named after its scenario"
    assert case["kind"] in CHECKS, f"unknown kind {case['kind']!r}; known: {', '.join(CHECKS)}"
    CHECKS[case["kind"]](case)
