"""Bursts: many near-identical answers from one unit in a short window (coordinated answering).

A respondent is a suspect when at least ``burst_min_respondents`` respondents of its unit and
group (itself included) submit within ``burst_window_seconds`` of it with answers that differ from
its own on at most ``burst_max_differing_items`` items. A suspect is flagged when chance does not
explain that many near-identical neighbours: the count is compared with a binomial whose rate is
how often the unit's respondents outside the window are near-identical to it, shrunk towards how
often a fixed sample of all respondents of its group are (``PRIOR_RESPONDENTS`` pseudo-respondents,
so that a unit whose whole staff answered in the burst still has a baseline). The Chernoff bound
on the binomial tail must be below ``identical_answers_alpha``.

Neighbours are searched in time order, up to ``MAX_OFFSET`` positions away, one offset at a time
(vectorised over respondents).
"""

from __future__ import annotations

import math

import numpy as np

from ..numeric import FloatArray, IntArray
from .instrument import ScreeningRules
from .responses import Responses
from .sums import count_by

PAIR_BLOCK = 2_000_000
"""Pairs compared at a time."""
MAX_OFFSET = 512
NATIONAL_SAMPLE = 1_024
"""Respondents of a group sampled (with a fixed seed) for the baseline of all units."""
PRIOR_RESPONDENTS = 20
BASELINE_SEED = 0


def bursts(
    responses: Responses, rules: ScreeningRules, key: IntArray, times: FloatArray
) -> tuple[IntArray, IntArray]:
    """(rows flagged as burst members, the first respondent of each one's window)."""
    none = np.zeros(0, dtype=np.int64)
    window, needed = rules.burst_window_seconds, rules.burst_min_respondents
    timed = np.flatnonzero(np.isfinite(times))
    if window <= 0 or timed.size < max(needed, 2):
        return none, none
    order = timed[np.lexsort((times[timed], key[timed]))]
    span = float(times[timed].max() - times[timed].min()) + 2 * window + 1
    position = key[order] * span + (times[order] - times[timed].min())
    low = np.searchsorted(position, position - window, side="left")
    high = np.searchsorted(position, position + window, side="right")
    candidates = np.flatnonzero(high - low >= needed)
    if candidates.size == 0:
        return none, none
    near = _near_in_window(responses, rules, order, candidates, high)
    suspects = candidates[near[candidates] + 1 >= needed]
    if suspects.size == 0:
        return none, none
    hits, outside = _outside_hits(responses, rules, order, suspects, key, low, high)
    baseline = _baseline(responses, rules, order[suspects])
    rate = (hits + PRIOR_RESPONDENTS * baseline) / (outside + PRIOR_RESPONDENTS)
    trials = (high - low - 1)[suspects]
    alpha = rules.identical_answers_alpha or 1e-6
    flag = _chernoff_log(near[suspects], trials, rate) < math.log(alpha)
    return order[suspects[flag]], order[low[suspects[flag]]]


def _distance(responses: Responses, a: IntArray, b: IntArray) -> IntArray:
    result: IntArray = (responses.answers[:, a] != responses.answers[:, b]).sum(axis=0)
    return result


def _near_in_window(
    responses: Responses,
    rules: ScreeningRules,
    order: IntArray,
    candidates: IntArray,
    high: IntArray,
) -> IntArray:
    """For each sorted position, near-identical neighbours within its window (both directions)."""
    near = np.zeros(order.size, dtype=np.int64)
    reach = int((high[candidates] - candidates).max())
    for offset in range(1, min(reach, MAX_OFFSET)):
        left = candidates[candidates + offset < high[candidates]]
        if left.size == 0:
            continue
        right = left + offset
        close = _distance(responses, order[left], order[right]) <= rules.burst_max_differing_items
        near += count_by(left[close], order.size) + count_by(right[close], order.size)
    return near


def _outside_hits(
    responses: Responses,
    rules: ScreeningRules,
    order: IntArray,
    suspects: IntArray,
    key: IntArray,
    low: IntArray,
    high: IntArray,
) -> tuple[FloatArray, IntArray]:
    """(near-identical respondents of the suspect's unit and group OUTSIDE its window, their count)."""
    sorted_key = key[order]
    first = np.searchsorted(sorted_key, sorted_key[suspects], side="left")
    last = np.searchsorted(sorted_key, sorted_key[suspects], side="right")
    counts = last - first
    pair_suspect = np.repeat(np.arange(suspects.size), counts)
    pair_other = np.arange(pair_suspect.size) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_other += np.repeat(first, counts)
    in_window = (pair_other >= low[suspects][pair_suspect]) & (
        pair_other < high[suspects][pair_suspect]
    )
    hits = np.zeros(suspects.size)
    for start in range(0, pair_suspect.size, PAIR_BLOCK):
        part = slice(start, start + PAIR_BLOCK)
        a, b = order[suspects[pair_suspect[part]]], order[pair_other[part]]
        close = (_distance(responses, a, b) <= rules.burst_max_differing_items) & ~in_window[part]
        hits += np.bincount(pair_suspect[part], weights=close, minlength=suspects.size)
    outside = np.maximum(counts - (high[suspects] - low[suspects]), 0)
    return hits, outside


def _baseline(responses: Responses, rules: ScreeningRules, rows: IntArray) -> FloatArray:
    """Share of a fixed sample of all respondents of each row's group that are near-identical to it."""
    rng = np.random.Generator(np.random.PCG64(BASELINE_SEED))
    rate = np.zeros(rows.size)
    for group in np.unique(responses.groups[rows]).tolist():
        members = np.flatnonzero(responses.groups == group)
        sample = rng.choice(members, size=min(NATIONAL_SAMPLE, members.size), replace=False)
        mine = np.flatnonzero(responses.groups[rows] == group)
        hits = np.zeros(mine.size)
        step = max(1, PAIR_BLOCK // max(sample.size, 1))
        for start in range(0, mine.size, step):
            block = mine[start : start + step]
            a = np.repeat(rows[block], sample.size)
            b = np.tile(sample, block.size)
            close = _distance(responses, a, b) <= rules.burst_max_differing_items
            hits[start : start + block.size] = close.reshape(block.size, sample.size).sum(axis=1)
        rate[mine] = (hits + 0.5) / (sample.size + 1.0)
    return rate


def _chernoff_log(observed: IntArray, trials: IntArray, rate: FloatArray) -> FloatArray:
    """log of the Chernoff bound on P(Binomial(trials, rate) >= observed); 0 when not above the mean."""
    n = np.maximum(trials, 1).astype(np.float64)
    share = np.clip(observed / n, 1e-12, 1.0)
    p = np.clip(rate, 1e-12, 1.0 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = share * np.log(share / p) + (1.0 - share) * np.log(
            np.maximum(1.0 - share, 1e-300) / (1.0 - p)
        )
    result: FloatArray = np.where(share > p, -n * kl, 0.0)
    return result
