"""Two scorings of the same units side by side: indexes, categories, deltas, counts and means.

Shared by scenarios (:mod:`spi_engine.scenario`) and rule-change impact (:mod:`spi_engine.impact`).
The two sides may use different rulesets, even different category schemes: a unit "changes
category" when its category id changes, and its direction is the change of its category's
position (lowest first) in its side's scheme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError, Violation
from .levers import BoolArray, frozen, rows_slice
from .numeric import FloatArray, IntArray, mean_steps, steps_to_float
from .scoring import Scores


@dataclass(frozen=True)
class Comparison:
    """Baseline (``before``) beside the scenario or new rules (``after``), unit by unit."""

    before: Scores
    after: Scores
    delta_steps: IntArray
    """after minus before, published index, in counts of 10**-decimals"""
    changed: BoolArray
    """the unit's category id differs"""
    direction: IntArray
    """+1 up a category, -1 down, 0 same position"""
    transitions: IntArray
    """units moving from category i (before's scheme) to j (after's scheme)"""
    counts_before: tuple[int, ...]
    counts_after: tuple[int, ...]
    mean_before_steps: int
    """simple mean of the published indexes, exact, half up (as the national index)"""
    mean_after_steps: int

    @property
    def ids(self) -> tuple[str, ...]:
        return self.before.units.ids

    @property
    def delta(self) -> FloatArray:
        """Index changes in points."""
        return steps_to_float(self.delta_steps, self.before.ruleset.decimals)

    @property
    def changed_rows(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.changed))

    @property
    def moved_up(self) -> int:
        return int(np.count_nonzero(self.direction > 0))

    @property
    def moved_down(self) -> int:
        return int(np.count_nonzero(self.direction < 0))

    @property
    def mean_before(self) -> float:
        return float(self.mean_before_steps / 10**self.before.ruleset.decimals)

    @property
    def mean_after(self) -> float:
        return float(self.mean_after_steps / 10**self.after.ruleset.decimals)

    def transition_list(self) -> tuple[tuple[str, str, int], ...]:
        """(from, to, units) for every pair with at least one unit, category order."""
        old, new = self.before.ruleset.category_ids, self.after.ruleset.category_ids
        rows, cols = np.nonzero(self.transitions)
        return tuple(
            (old[i], new[j], int(self.transitions[i, j]))
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
        )


def compare(before: Scores, after: Scores) -> Comparison:
    """Side by side; both sides must score the same number of units at the same precision."""
    if len(before) != len(after) or not len(before):
        raise InvalidInputError(
            [
                Violation(
                    "units",
                    f"expected the same, non-zero number of units on both sides; got {len(before)} and {len(after)}",
                )
            ]
        )
    if before.ruleset.decimals != after.ruleset.decimals:
        raise InvalidInputError(
            [
                Violation(
                    "ruleset.rounding.decimals",
                    f"expected both rulesets to publish with the same precision; got {before.ruleset.decimals} and {after.ruleset.decimals}",
                )
            ]
        )
    old_ids, new_ids = before.ruleset.category_ids, after.ruleset.category_ids
    old_codes, new_codes = before.category_codes, after.category_codes
    same_id = np.array([[a == b for b in new_ids] for a in old_ids], dtype=bool)
    transitions = np.zeros((len(old_ids), len(new_ids)), dtype=np.int64)
    np.add.at(transitions, (old_codes, new_codes), 1)
    return Comparison(
        before=before,
        after=after,
        delta_steps=frozen(after.index_steps - before.index_steps),
        changed=frozen(~same_id[old_codes, new_codes]),
        direction=frozen(np.sign(new_codes - old_codes).astype(np.int64)),
        transitions=frozen(transitions),
        counts_before=tuple(int(c) for c in transitions.sum(axis=1)),
        counts_after=tuple(int(c) for c in transitions.sum(axis=0)),
        mean_before_steps=mean_steps(before.index_steps),
        mean_after_steps=mean_steps(after.index_steps),
    )


def scores_slice(scores: Scores, start: int, stop: int) -> Scores:
    """The results of units ``start`` to ``stop`` of a batch, as their own Scores."""
    arrays = {
        name: frozen(np.array(getattr(scores, name)[start:stop]))
        for name in (
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
    }
    adjustment = scores.adjustment_steps
    return Scores(
        units=rows_slice(scores.units, start, stop),
        ruleset=scores.ruleset,
        engine_version=scores.engine_version,
        **arrays,
        adjustment_steps=None if adjustment is None else frozen(np.array(adjustment[start:stop])),
    )
