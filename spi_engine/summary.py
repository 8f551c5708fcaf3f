"""Rankings and means of scored units, as KPK computes them.

Ranks: by published index, ties broken by the unrounded index (two 2024 ministries at 85.35 were
ranked 2nd and 3rd); units equal in both share a rank (competition ranking: 1, 2, 2, 4).
Means: the simple mean of the units' published indexes, rounded half up, computed in integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError, Violation, shown
from .numeric import IntArray, mean_steps
from .scoring import Scores


@dataclass(frozen=True)
class GroupSummary:
    """Count, mean published index and units per category of one group."""

    group: str
    units: int
    mean_steps: int
    """mean published index as counts of 10**-decimals"""
    category_counts: tuple[int, ...]
    """units per category, in the ruleset's order (lowest first)"""


@dataclass(frozen=True, eq=False)
class Summary:
    """Ranks of every unit, and summaries overall and per group."""

    scores: Scores
    ranks: IntArray
    """rank of each unit, in the order of ``scores``"""
    order: npt.NDArray[np.intp]
    """unit positions from rank 1 down"""
    overall: GroupSummary
    groups: tuple[GroupSummary, ...]


def rank_order(scores: Scores) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """(ranks, order): competition ranks by published then unrounded index, highest first.

    Equal units keep their batch order within ``order``; their rank is the same.
    """
    steps, raw = scores.index_steps, scores.index_raw
    order = np.lexsort((-raw, -steps)).astype(np.intp)
    sorted_steps, sorted_raw = steps[order], raw[order]
    new_rank = np.ones(order.size, dtype=bool)
    new_rank[1:] = (sorted_steps[1:] != sorted_steps[:-1]) | (sorted_raw[1:] != sorted_raw[:-1])
    positions = np.arange(1, order.size + 1, dtype=np.int64)
    rank_sorted = np.maximum.accumulate(np.where(new_rank, positions, 0))
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = rank_sorted
    return ranks, order


def group_summary(scores: Scores, rows: npt.NDArray[np.intp], group: str = "") -> GroupSummary:
    """Summary of the units at ``rows``."""
    if rows.size == 0:
        raise InvalidInputError(
            [Violation("units", f"group {shown(group)} has no units to summarise")]
        )
    counts = np.bincount(scores.category_codes[rows], minlength=len(scores.ruleset.category_ids))
    return GroupSummary(
        group=group,
        units=int(rows.size),
        mean_steps=mean_steps(scores.index_steps[rows]),
        category_counts=tuple(int(c) for c in counts),
    )


def summarize(scores: Scores) -> Summary:
    """Ranks, the overall summary, and one summary per non-empty group name (sorted)."""
    if len(scores) == 0:
        raise InvalidInputError([Violation("units", "expected at least one unit to summarise")])
    ranks, order = rank_order(scores)
    groups = np.asarray(scores.units.groups, dtype=object)
    names = sorted({g for g in scores.units.groups if g})
    return Summary(
        scores=scores,
        ranks=ranks,
        order=order,
        overall=group_summary(scores, np.arange(len(scores), dtype=np.intp)),
        groups=tuple(group_summary(scores, np.flatnonzero(groups == name), name) for name in names),
    )
