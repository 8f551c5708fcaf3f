"""Scoring: units and a ruleset in, one vectorised pass, published indexes and categories out.

    index_raw = w_int·internal + w_ext·external + w_exp·expert
                - f_int·correction_integrity - f_prev·correction_prevalence

With an inferred regional element (spi-2022), a unit listed in it subtracts
``((n - 1)·f_int·correction_integrity + m·U) / n`` instead of ``f_int·correction_integrity``
(:class:`~spi_engine.ruleset.RegionalRule`); when the element has a class table, a unit flagged
for it but not listed is an error. Without a class table the element is not applied.
    index     = round_half_up(clamp(index_raw, min, max), decimals)
    category  = the last category whose lower bound is <= index

The four contributions are computed first and added in a fixed order, so they add up to
``index_raw`` exactly, and a unit's result never depends on the other units in the batch.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .cancel import checkpoint
from .errors import InvalidInputError, Violation
from .numeric import FloatArray, IntArray, round_half_up_step, round_half_up_steps, steps_to_float
from .ruleset import Ruleset
from .units import BoolArray, Units, Where, api_where
from .version import __version__

NO_MARGIN = -1
"""Margin value where there is no category in that direction."""


@dataclass(frozen=True, eq=False)
class Scores:
    """Columnar results of one batch under one ruleset, in the order of ``units``."""

    units: Units
    ruleset: Ruleset
    engine_version: str
    index_raw: FloatArray
    index_steps: IntArray
    """the published index as integer counts of 10**-decimals"""
    category_codes: IntArray
    """position of each unit's category in ``ruleset.category_ids``"""
    contribution_internal: FloatArray
    contribution_external: FloatArray
    contribution_expert: FloatArray
    contribution_correction: FloatArray
    margin_up_steps: IntArray
    """smallest rise of the published index that reaches the next category; NO_MARGIN at the top"""
    margin_down_steps: IntArray
    """smallest fall that drops into the category below; NO_MARGIN at the bottom"""
    adjustment_steps: IntArray | None = None
    """a fixed published adjustment added to the rounded index (see :func:`with_adjustment`);
    None when there is none. ``index_raw`` and the contributions are the engine's, before it."""

    def __len__(self) -> int:
        return len(self.units)

    @property
    def index(self) -> FloatArray:
        """The published index as float64 (the nearest double to each 2-decimal value)."""
        return steps_to_float(self.index_steps, self.ruleset.decimals)

    @property
    def categories(self) -> tuple[str, ...]:
        ids = self.ruleset.category_ids
        return tuple(ids[code] for code in self.category_codes)


def score(ruleset: Ruleset, units: Units, *, where: Where = api_where) -> Scores:
    """Score every unit of ``units`` under ``ruleset`` in one vectorised pass.

    A batch of one unit (what a service sees most) takes a scalar path with the same operations
    in the same order, so the same bits, without the fixed cost of about 30 numpy calls.
    """
    if len(units) == 1:
        return _score_one(ruleset, units, where)
    checkpoint()
    return _score_batch(ruleset, units, where)


def _score_batch(ruleset: Ruleset, units: Units, where: Where) -> Scores:
    w_int, w_ext, w_exp = ruleset.weights
    f_int, f_prev = ruleset.correction_factors
    unsplit_factor = _unsplit_factor(ruleset, units, where)
    c_int = w_int * units.internal
    c_ext = w_ext * units.external
    c_exp = w_exp * units.expert
    integrity = f_int * units.correction_integrity
    classes = regional_classes(ruleset, units, where)
    if classes is not None:
        listed, n, m = classes
        regional = ((n - 1.0) * integrity + m * _unit_points(ruleset)) / n
        integrity = np.where(listed, regional, integrity)
    c_cor = -(
        integrity + f_prev * units.correction_prevalence + unsplit_factor * units.correction_unsplit
    )
    raw = ((c_int + c_ext) + c_exp) + c_cor
    low, high = ruleset.bounds
    steps = round_half_up_steps(np.minimum(np.maximum(raw, low), high), ruleset.decimals)
    bounds = np.asarray(ruleset.lower_bound_steps, dtype=np.int64)
    codes = np.searchsorted(bounds, steps, side="right").astype(np.int64) - 1
    up, down = _margins(bounds, codes, steps)
    return Scores(
        units=units,
        ruleset=ruleset,
        engine_version=__version__,
        index_raw=_frozen(raw),
        index_steps=_frozen(steps),
        category_codes=_frozen(codes),
        contribution_internal=_frozen(c_int),
        contribution_external=_frozen(c_ext),
        contribution_expert=_frozen(c_exp),
        contribution_correction=_frozen(c_cor),
        margin_up_steps=_frozen(up),
        margin_down_steps=_frozen(down),
    )


def _score_one(ruleset: Ruleset, units: Units, where: Where) -> Scores:
    """:func:`_score_batch` of one unit in Python floats and ints (tested bit for bit against it)."""
    w_int, w_ext, w_exp = ruleset.weights
    f_int, f_prev = ruleset.correction_factors
    unsplit_factor = _unsplit_factor(ruleset, units, where)
    internal, external, expert = units.internal.item(), units.external.item(), units.expert.item()
    integrity, prevalence = units.correction_integrity.item(), units.correction_prevalence.item()
    unsplit = units.correction_unsplit.item()
    c_int, c_ext, c_exp = w_int * internal, w_ext * external, w_exp * expert
    integrity_term = f_int * integrity
    classes = regional_classes(ruleset, units, where)
    if classes is not None and classes[0][0]:
        n, m = float(classes[1][0]), float(classes[2][0])
        integrity_term = ((n - 1.0) * integrity_term + m * _unit_points(ruleset)) / n
    c_cor = -(integrity_term + f_prev * prevalence + unsplit_factor * unsplit)
    raw = ((c_int + c_ext) + c_exp) + c_cor
    if math.isnan(raw):  # inf - inf: only from an unvalidated ruleset with a negative factor
        return _score_batch(ruleset, units, where)  # whatever numpy makes of it, as before
    low, high = ruleset.bounds
    steps = round_half_up_step(min(max(raw, low), high), ruleset.decimals)
    bounds = ruleset.lower_bound_steps
    code = bisect.bisect_right(bounds, steps) - 1
    up = bounds[code + 1] - steps if code < len(bounds) - 1 else NO_MARGIN
    down = steps - bounds[code] + 1 if code > 0 else NO_MARGIN
    floats = _frozen(np.array([raw, c_int, c_ext, c_exp, c_cor], dtype=np.float64))
    ints = _frozen(np.array([steps, code, up, down], dtype=np.int64))
    return Scores(
        units=units,
        ruleset=ruleset,
        engine_version=__version__,
        index_raw=floats[0:1],
        index_steps=ints[0:1],
        category_codes=ints[1:2],
        contribution_internal=floats[1:2],
        contribution_external=floats[2:3],
        contribution_expert=floats[3:4],
        contribution_correction=floats[4:5],
        margin_up_steps=ints[2:3],
        margin_down_steps=ints[3:4],
    )


def regional_classes(
    ruleset: Ruleset, units: Units, where: Where = api_where
) -> tuple[BoolArray, FloatArray, FloatArray] | None:
    """(listed, n, m) per unit under the ruleset's regional element; None when it has none or
    when it has no class table (the rule is not configured: the stated formula applies).

    A unit flagged for the element but not listed, or a listed unit whose correction is given only
    as a total (the element needs the survey-integrity part), is an error naming the unit.
    """
    rule = ruleset.regional
    if rule is None or not rule.configured:
        return None
    found = [rule.class_of(unit_id) for unit_id in units.ids]
    problems = [
        Violation(
            where(row, "flag" if known is None else "correction"),
            f"unit {units.ids[row]!r} is flagged {rule.flag!r}, but ruleset {ruleset.id!r} has no "
            "class (n, m) for it: the inferred regional rule cannot be applied to this unit"
            if known is None
            else f"ruleset {ruleset.id!r} applies its inferred regional rule to unit "
            f"{units.ids[row]!r}; expected correction_integrity and correction_prevalence "
            "instead of a total",
        )
        for row, known in enumerate(found)
        if (known is None and units.flags and units.flags[row] == rule.flag)
        or (known is not None and units.correction_unsplit[row] > 0)
    ]
    if problems:
        raise InvalidInputError(problems[:20])
    listed = np.array([known is not None for known in found], dtype=bool)
    n = np.array([1.0 if known is None else float(known[0]) for known in found])
    m = np.array([0.0 if known is None else float(known[1]) for known in found])
    return listed, n, m


def _unit_points(ruleset: Ruleset) -> float:
    return 0.0 if ruleset.regional is None else ruleset.regional.unit_points


def with_adjustment(scores: Scores, adjustment_steps: IntArray) -> Scores:
    """``scores`` with a fixed published adjustment added to each published index.

    Where a dataset publishes an index the rules do not reproduce, the difference (published minus
    the engine's baseline, in steps) is carried unchanged into every scenario, so that baselines
    equal the published figures and scenarios move from them. The adjusted index is clamped to the
    ruleset's bounds; categories and margins follow it.
    """
    rules = scores.ruleset
    adjustment = np.asarray(adjustment_steps, dtype=np.int64)
    low, high = (round_half_up_step(b, rules.decimals) for b in rules.bounds)
    steps = np.clip(scores.index_steps + adjustment, low, high).astype(np.int64)
    bounds = np.asarray(rules.lower_bound_steps, dtype=np.int64)
    codes = np.searchsorted(bounds, steps, side="right").astype(np.int64) - 1
    up, down = _margins(bounds, codes, steps)
    return replace(
        scores,
        index_steps=_frozen(steps),
        category_codes=_frozen(codes),
        margin_up_steps=_frozen(up),
        margin_down_steps=_frozen(down),
        adjustment_steps=_frozen(adjustment.copy()),
    )


def _unsplit_factor(ruleset: Ruleset, units: Units, where: Where) -> float:
    """The factor of a correction given only as a total: the parts' common factor."""
    f_int, f_prev = ruleset.correction_factors
    if f_int == f_prev:
        return f_int
    rows = np.flatnonzero(units.correction_unsplit > 0)
    if rows.size:
        raise InvalidInputError(
            [
                Violation(
                    where(int(row), "correction"),
                    f"ruleset {ruleset.id!r} weighs the correction parts differently (integrity "
                    f"{f_int!r}, prevalence {f_prev!r}); expected correction_integrity and "
                    "correction_prevalence instead of a total",
                )
                for row in rows[:20]
            ]
        )
    return 0.0


def _margins(bounds: IntArray, codes: IntArray, steps: IntArray) -> tuple[IntArray, IntArray]:
    top = bounds.size - 1
    next_bound = bounds[np.minimum(codes + 1, top)]
    up = np.where(codes < top, next_bound - steps, NO_MARGIN)
    down = np.where(codes > 0, steps - bounds[codes] + 1, NO_MARGIN)
    return up.astype(np.int64), down.astype(np.int64)


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array
