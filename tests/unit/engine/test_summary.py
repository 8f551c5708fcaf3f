"""spi_engine.summary: competition ranks with ties broken by the unrounded index, exact means."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from spi_engine import (
    InvalidInputError,
    Scores,
    Violation,
    bundled,
    score,
    summarize,
    units_from_columns,
)
from spi_engine.api.scoring_messages import summary_to_pb
from spi_engine.summary import group_summary, rank_order


def flat_scores(
    values: Sequence[float],
    groups: Sequence[str] | None = None,
    corrections: Sequence[float] | None = None,
) -> Scores:
    """Units with all three components at each value (index == value under spi-2024)."""
    return score(
        bundled().get("spi-2024"),
        units_from_columns(
            values,
            values,
            values,
            correction=[0.0] * len(values) if corrections is None else corrections,
            groups=groups,
            ids=[f"u{i}" for i in range(len(values))],
        ),
    )


def test_ties_in_the_published_index_are_ranked_by_the_unrounded_index() -> None:
    # Two units published at 85.35 (like the two 2024 ministries ranked 2nd and 3rd).
    scores = flat_scores([85.35, 90.0, 85.354, 80.0])
    assert scores.index.tolist() == [85.35, 90.0, 85.35, 80.0]
    ranks, order = rank_order(scores)
    assert ranks.tolist() == [3, 1, 2, 4]
    assert order.tolist() == [1, 2, 0, 3]


def test_identical_units_share_a_rank() -> None:
    ranks, order = rank_order(flat_scores([80.0, 85.0, 85.0, 70.0, 85.0]))
    assert ranks.tolist() == [4, 1, 1, 5, 1]
    assert order.tolist() == [1, 2, 4, 0, 3]  # equal units keep their batch order


@pytest.mark.parametrize(
    ("values", "ranks"),
    [
        ([50.0], [1]),
        ([60.0, 60.0, 60.0], [1, 1, 1]),
        ([10.0, 20.0, 30.0], [3, 2, 1]),
        ([70.0, 70.004, 70.0, 69.0], [2, 1, 2, 4]),
        ([99.999, 100.0], [2, 1]),
    ],
)
def test_competition_ranks(values: list[float], ranks: list[int]) -> None:
    assert rank_order(flat_scores(values))[0].tolist() == ranks


def test_clamped_units_are_ranked_by_their_raw_index() -> None:
    scores = flat_scores([2.0, 3.0], corrections=[10.0, 5.0])
    assert scores.index.tolist() == [0.0, 0.0]
    assert rank_order(scores)[0].tolist() == [2, 1]


@pytest.mark.parametrize(
    ("values", "mean_steps"),
    [
        ([72.43, 72.44], 7244),  # 72.435 rounds half up
        ([0.01, 0.02], 2),
        ([70.0, 71.0, 71.0], 7067),  # 70.666...
        ([73.0, 73.0, 73.01], 7300),  # 73.00333...
        ([78.21], 7821),
    ],
)
def test_mean_is_the_rounded_mean_of_published_indexes(
    values: list[float], mean_steps: int
) -> None:
    assert summarize(flat_scores(values)).overall.mean_steps == mean_steps


def test_mean_uses_published_not_raw_indexes() -> None:
    scores = flat_scores([72.0049, 72.0049, 72.0149])
    assert scores.index.tolist() == [72.0, 72.0, 72.01]
    # Published mean 72.00333 -> 72.00; the raw mean (72.00823) would give 72.01.
    assert summarize(scores).overall.mean_steps == 7200


def test_overall_and_groups() -> None:
    scores = flat_scores(
        [72.0, 75.0, 80.0, 79.0, 60.0, 73.0],
        groups=["kota", "kabupaten", "kota", "", "kabupaten", "kabupaten"],
    )
    summary = summarize(scores)
    assert summary.overall.group == ""
    assert summary.overall.units == 6
    assert summary.overall.category_counts == (2, 2, 2)
    assert summary.overall.mean_steps == 7317  # 439 / 6 = 73.1666...
    assert [g.group for g in summary.groups] == ["kabupaten", "kota"]
    kabupaten, kota = summary.groups
    assert (kabupaten.units, kabupaten.mean_steps, kabupaten.category_counts) == (
        3,
        6933,
        (1, 2, 0),
    )
    assert (kota.units, kota.mean_steps, kota.category_counts) == (2, 7600, (1, 0, 1))
    assert summary.ranks.tolist() == [5, 3, 1, 2, 6, 4]
    assert summary.order.tolist() == [2, 3, 1, 5, 0, 4]


def test_summary_message() -> None:
    scores = flat_scores([85.35, 90.0, 85.354], groups=["a", "a", "b"])
    response = summary_to_pb(summarize(scores))
    assert [(r.rank, r.result.unit_id) for r in response.ranking] == [
        (1, "u1"),
        (2, "u2"),
        (3, "u0"),
    ]
    assert response.overall.mean_index == 86.9  # (85.35 + 90 + 85.35) / 3 = 86.9
    assert [(g.group, g.units, g.mean_index) for g in response.groups] == [
        ("a", 2, 87.68),  # 87.675 -> 87.68
        ("b", 1, 85.35),
    ]
    assert [(c.category, c.count) for c in response.overall.categories] == [
        ("rentan", 0),
        ("waspada", 0),
        ("terjaga", 3),
    ]


def test_nothing_to_summarise() -> None:
    with pytest.raises(InvalidInputError) as caught:
        summarize(flat_scores([]))
    assert caught.value.violations == (
        Violation("units", "expected at least one unit to summarise"),
    )


def test_empty_group() -> None:
    with pytest.raises(InvalidInputError) as caught:
        group_summary(flat_scores([70.0]), np.array([], dtype=np.intp), "kota")
    assert caught.value.violations == (
        Violation("units", "group 'kota' has no units to summarise"),
    )
