"""Integrity screening: each rule on hand-made cases, and the local correction rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from spi_engine.survey import (
    bundled_instrument,
    excluded_rows,
    generate,
    responses_from_columns,
    screen,
)
from spi_engine.survey.responses import Responses
from spi_engine.survey.screening import (
    BURST,
    DUPLICATE_ANSWERS,
    DUPLICATE_DEVICE,
    SPEEDER,
    STRAIGHT_LINER,
)
from tests.unit.engine.survey.fixtures import tiny_responses


def _flags(screening: Any, reason: int) -> list[bool]:
    return (((screening.reasons >> reason) & 1) == 1).tolist()


def test_speeders_below_the_larger_of_both_thresholds() -> None:
    rows = [
        {"id": "a", "unit": "u", "group": "internal", "o1": 4, "o2": 2, "g1": 2, "seconds": 29.9},
        {"id": "b", "unit": "u", "group": "internal", "o1": 4, "o2": 2, "g1": 2, "seconds": 30.0},
        {"id": "c", "unit": "u", "group": "external", "s1": 3, "seconds": 20.0},
        {"id": "d", "unit": "u", "group": "external", "s1": 3},
    ]
    # three items answered: max(30, 3 * 5) = 30 seconds; one item: max(30, 5) = 30; unknown: never
    assert _flags(screen(tiny_responses(rows)), SPEEDER) == [True, False, True, False]


def test_straight_liners_give_one_code_to_normal_and_reversed_items() -> None:
    rows = [
        {"id": "a", "unit": "u", "group": "internal", "o1": 4, "o2": 4, "g1": 2},
        {"id": "b", "unit": "u", "group": "internal", "o1": 4, "o2": 2, "g1": 2},
        {"id": "c", "unit": "u", "group": "internal", "o1": 4, "o2": None, "g1": 2},
        {"id": "d", "unit": "u", "group": "internal", "o1": 9, "o2": 9, "g1": 2},
    ]
    assert _flags(screen(tiny_responses(rows)), STRAIGHT_LINER) == [True, False, False, False]


def test_later_submissions_from_one_device_in_one_unit_are_duplicates() -> None:
    base = {"group": "external", "s1": 3}
    rows = [
        {"id": "a", "unit": "u1", "device": "X", "time": 100.0, **base},
        {"id": "b", "unit": "u1", "device": "X", "time": 50.0, **base},
        {"id": "c", "unit": "u1", "device": "X", "time": 200.0, **base},
        {"id": "d", "unit": "u2", "device": "X", "time": 10.0, **base},
        {"id": "e", "unit": "u1", "device": "", "time": 10.0, **base},
        {"id": "f", "unit": "u1", "device": "", "time": 10.0, **base},
    ]
    result = screen(tiny_responses(rows))
    assert _flags(result, DUPLICATE_DEVICE) == [True, False, True, False, False, False]
    assert result.related_row.tolist()[:3] == [1, -1, 1]


def test_local_rule_turns_the_flagged_share_into_points() -> None:
    rows = []
    for unit, duplicates in (("u1", 3), ("u2", 2), ("u3", 0)):
        for i in range(10):
            device = "shared" if i <= duplicates else f"{unit}-{i}"
            rows.append(
                {
                    "id": f"{unit}-{i}",
                    "unit": unit,
                    "group": "external",
                    "s1": 3,
                    "device": device,
                    "time": float(i),
                }
            )
    corrections = screen(tiny_responses(rows)).local_corrections()
    assert corrections is not None
    assert corrections.unit_ids == ("u1", "u2", "u3")
    # 30% flagged: (30 - 10) * 0.5 = 10; 20%: 5; 0%: 0
    assert corrections.integrity.tolist() == [10.0, 5.0, 0.0]
    assert corrections.label.startswith("Local rule (not KPK's)")


def _survey(seed: int) -> tuple[dict[str, Any], Any]:
    data = generate(
        bundled_instrument(), institutions=3, respondents=2_400, seed=seed, manipulation=False
    )
    return {k: np.array(v, copy=True) for k, v in data.columns.items()}, data


def _responses(columns: dict[str, Any]) -> Responses:
    inst = bundled_instrument()
    return responses_from_columns(
        inst,
        respondent_ids=columns["respondent_id"],
        unit_ids=columns["unit_id"],
        groups=columns["group"],
        answers={i: columns[i] for i in inst.item_ids},
        completion_seconds=columns["completion_seconds"],
        device_fingerprints=columns["device_fingerprint"],
        submitted_at=columns["submitted_at"],
    )


def _staff(columns: dict[str, Any], unit: str, count: int) -> np.ndarray:
    return np.flatnonzero((columns["unit_id"] == unit) & (columns["group"] == "internal"))[:count]


def test_copied_answer_vectors_are_duplicates_but_best_answers_are_chance() -> None:
    columns, _ = _survey(11)
    inst = bundled_instrument()
    unit = columns["unit_id"][0]
    staff = _staff(columns, unit, 12)
    internal = [i for i, g in zip(inst.item_ids, inst.item_group, strict=True) if g == 0]
    for item in internal:
        columns[item][staff[1:5]] = columns[item][staff[0]]
    best = {
        i: (inst.item_points[k] if inst.bin_points[k, 0] == 0 else 1)
        for k, i in enumerate(inst.item_ids)
        if inst.item_group[k] == 0
    }
    for item in internal:
        kind = inst.item_kind[inst.item_index(item)]
        columns[item][staff[6:10]] = (
            2 if kind == 3 and item != "int_sos_training" else (1 if kind == 3 else best[item])
        )
    result = screen(_responses(columns))
    flagged = np.array(_flags(result, DUPLICATE_ANSWERS))
    assert flagged[staff[1:5]].all()
    assert not flagged[staff[0]]
    assert not flagged[staff[6:10]].any()
    assert set(result.related_row[staff[1:5]].tolist()) <= set(staff[:5].tolist())


def test_a_coordinated_burst_is_flagged_and_the_rest_of_its_unit_is_not() -> None:
    columns, _ = _survey(12)
    inst = bundled_instrument()
    unit = columns["unit_id"][0]
    staff = _staff(columns, unit, 30)
    members = staff[:12]
    template = staff[20]
    for item in inst.item_ids:
        if inst.item_group[inst.item_index(item)] == 0:
            columns[item][members] = columns[item][template]
    columns["int_trans_1"][members[::3]] = 9
    columns["submitted_at"][members] = columns["submitted_at"][template] + np.arange(12) * 60.0
    columns["submitted_at"][template] += 10 * 86_400.0
    result = screen(_responses(columns))
    flagged = np.array(_flags(result, BURST))
    assert flagged[members].all()
    assert int(flagged.sum()) == members.size


def test_clean_generated_data_has_few_flags() -> None:
    columns, _ = _survey(13)
    result = screen(_responses(columns))
    assert result.excluded.mean() <= 0.001


def test_every_excluded_respondent_is_reported_with_its_reasons() -> None:
    data = generate(bundled_instrument(), institutions=4, respondents=3_000, seed=5)
    responses = _responses(data.columns)
    result = screen(responses)
    rows = excluded_rows(result, responses)
    assert len(rows) == int(result.excluded.sum())
    assert {row["reasons"].split(",")[0] for row in rows} <= {
        "speeder",
        "straight_liner",
        "duplicate_device",
        "duplicate_answers",
        "burst",
    }
    devices = [row for row in rows if "duplicate_device" in row["reasons"]]
    assert devices
    assert all(row["related_to"] for row in devices)


@pytest.mark.parametrize("seed", [1, 2])
def test_injected_patterns_are_found(seed: int) -> None:
    data = generate(bundled_instrument(), institutions=8, respondents=8_000, seed=seed)
    result = screen(_responses(data.columns))
    for reason in (SPEEDER, STRAIGHT_LINER, DUPLICATE_DEVICE, DUPLICATE_ANSWERS, BURST):
        injected = data.truth == reason
        assert injected.any()
        assert np.array(_flags(result, reason))[injected].all(), reason
    assert result.excluded[data.truth == 0].mean() <= 0.001
