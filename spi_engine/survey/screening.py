"""Survey-integrity screening: speeders, straight-liners, duplicates and coordinated bursts.

Every check is vectorised over respondents; a respondent may be flagged for several reasons.

- **Speeder**: completed in fewer seconds than ``max(speeder_min_seconds,
  speeder_min_seconds_per_item * items answered)``.
- **Straight-liner**: the same code for every Likert item answered (normal and reverse-coded
  alike, so the answers contradict each other), at least ``straight_line_min_items`` of them.
- **Duplicate device**: the same device fingerprint in the same unit; the first
  ``max_submissions_per_device`` submissions (by time) are kept, later ones flagged.
- **Duplicate answers**: respondents of one unit and group with exactly the same answers, when
  chance does not explain the copies. Items are correlated (a respondent who sees no corruption
  answers well everywhere) but nearly independent among respondents of the same *level* (their
  mean item score: exactly 0, one of ten 10-point bands, or exactly 100). A vector's chance
  probability ``p`` is the larger of (a) the product over items of the answer's share among the
  unit's respondents of the same group and level, shrunk towards its share among all respondents
  of that group and level (20 pseudo-respondents, so that a small level borrows from the rest),
  and (b) the share of exactly that vector among respondents of the same group and level in
  other units (popular vectors). With ``lambda = (n - 1) p`` expected copies among the unit's
  ``n`` respondents of that group and level, ``m - 1`` copies are flagged when the Poisson tail
  bound ``lambda**(m-1) / (m-1)!`` is below ``identical_answers_alpha``; the earliest submission is
  kept. Vectors at level exactly 0 or 100 (every answer the worst, or every answer the best)
  are never duplicates: their answers follow from their level. Coordinated extremes are caught
  as bursts.
- **Burst**: at least ``burst_min_respondents`` respondents of one unit and group submit within
  ``burst_window_seconds`` of each other with answers that differ on at most
  ``burst_max_differing_items`` items, more often than chance explains (see
  :mod:`spi_engine.survey.bursts`).

>>> from spi_engine.survey.instrument import bundled_instrument
>>> from spi_engine.survey.synthetic import generate
>>> from spi_engine.survey.responses import responses_from_columns
>>> inst = bundled_instrument()
>>> data = generate(inst, institutions=4, respondents=2000, seed=7)
>>> c = data.columns
>>> r = responses_from_columns(inst, respondent_ids=c["respondent_id"], unit_ids=c["unit_id"],
...     groups=c["group"], answers={i: c[i] for i in inst.item_ids},
...     completion_seconds=c["completion_seconds"], device_fingerprints=c["device_fingerprint"],
...     submitted_at=c["submitted_at"])
>>> s = screen(r)
>>> bool(((s.first_reason > 0) == (data.truth > 0)).mean() > 0.99)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..numeric import FloatArray, IntArray
from .bursts import bursts
from .instrument import GROUP_NAMES, MISSING_CODE, Instrument, ScreeningRules
from .labels import TextArray, string_hashes
from .reasons import (
    BURST,
    DUPLICATE_ANSWERS,
    DUPLICATE_DEVICE,
    REASONS,
    SPEEDER,
    STRAIGHT_LINER,
)
from .responses import Responses
from .results import Corrections

GROUPS = len(GROUP_NAMES)
PRIOR_RESPONDENTS = 20
"""Weight, in respondents, of the shares of all units in a unit's own answer shares."""
LEVELS = 12
"""exactly 0, ten bands of 10 points, exactly 100"""
LEVEL_WIDTH = 10.0
BoolArray = npt.NDArray[np.bool_]
FNV = np.uint64(1099511628211)


@dataclass(frozen=True)
class Screening:
    """Flags per respondent (in the order of the responses) and per unit."""

    instrument: Instrument = field(repr=False)
    respondent_ids: TextArray = field(repr=False)
    unit_codes: IntArray = field(repr=False)
    reasons: IntArray = field(repr=False)
    """bit ``1 << reason`` set for every reason a respondent is flagged for"""
    related_row: IntArray = field(repr=False)
    """the kept submission a duplicate repeats; the first respondent of a burst member's window
    (-1 for that first one); -1 otherwise"""
    unit_ids: tuple[str, ...]
    unit_respondents: IntArray
    unit_flagged: IntArray
    """(units, 6) respondents flagged per reason (column = reason; column 0 = any reason)"""

    @property
    def excluded(self) -> BoolArray:
        result: BoolArray = self.reasons != 0
        return result

    @property
    def first_reason(self) -> IntArray:
        """The lowest reason a respondent is flagged for; 0 when none."""
        bits = self.reasons
        result = np.zeros(bits.size, dtype=np.int64)
        for reason in range(BURST, 0, -1):
            result = np.where(bits & (1 << reason), reason, result)
        return result

    def local_corrections(self) -> Corrections | None:
        """Survey-integrity points per unit from the instrument's LOCAL rule (None without one)."""
        rule = self.instrument.local_rule
        if rule is None:
            return None
        counted = rule.reasons or REASONS
        mask = sum(1 << r for r in counted)
        flagged = np.bincount(
            self.unit_codes, weights=(self.reasons & mask) != 0, minlength=len(self.unit_ids)
        )
        share = 100.0 * flagged / np.maximum(self.unit_respondents, 1)
        points = np.minimum(
            rule.max_points, rule.points_per_percent * np.maximum(0.0, share - rule.free_percent)
        )
        return Corrections(
            self.unit_ids, ("",) * len(self.unit_ids), points, np.zeros(points.size), rule.label
        )


def screen(responses: Responses, *, rules: ScreeningRules | None = None) -> Screening:
    """Screen every respondent; ``rules`` default to the instrument's."""
    inst = responses.instrument
    rules = rules or inst.screening
    size = len(responses)
    reasons = np.zeros(size, dtype=np.int64)
    related = np.full(size, -1, dtype=np.int64)
    key = responses.units.codes * GROUPS + responses.groups
    times = np.where(np.isnan(responses.submitted_at), np.inf, responses.submitted_at)
    reasons |= _speeders(responses, rules) << SPEEDER
    reasons |= _straight_liners(responses, rules) << STRAIGHT_LINER
    _devices(responses, rules, times, reasons, related)
    _identical(responses, rules, key, times, reasons, related)
    burst_rows, burst_first = bursts(responses, rules, key, times)
    reasons[burst_rows] |= 1 << BURST
    first = np.where(burst_first != burst_rows, burst_first, -1)
    related[burst_rows] = np.where(related[burst_rows] < 0, first, related[burst_rows])
    n_units = len(responses.units.names)
    flagged = np.zeros((n_units, BURST + 1), dtype=np.int64)
    for reason in REASONS:
        flagged[:, reason] = np.bincount(
            responses.units.codes, weights=(reasons >> reason) & 1, minlength=n_units
        )
    flagged[:, 0] = np.bincount(responses.units.codes, weights=reasons != 0, minlength=n_units)
    return Screening(
        instrument=inst,
        respondent_ids=responses.respondent_ids,
        unit_codes=responses.units.codes,
        reasons=reasons,
        related_row=related,
        unit_ids=responses.units.names,
        unit_respondents=np.bincount(responses.units.codes, minlength=n_units),
        unit_flagged=flagged,
    )


def _speeders(responses: Responses, rules: ScreeningRules) -> IntArray:
    if rules.speeder_min_seconds <= 0 and rules.speeder_min_seconds_per_item <= 0:
        return np.zeros(len(responses), dtype=np.int64)
    answered = (responses.answers != MISSING_CODE).sum(axis=0)
    limit = np.maximum(rules.speeder_min_seconds, rules.speeder_min_seconds_per_item * answered)
    with np.errstate(invalid="ignore"):
        fast = responses.completion_seconds < limit
    result: IntArray = fast.astype(np.int64)
    return result


def _straight_liners(responses: Responses, rules: ScreeningRules) -> IntArray:
    inst = responses.instrument
    flags = np.zeros(len(responses), dtype=np.int64)
    if rules.straight_line_min_items <= 0:
        return flags
    count = np.zeros(len(responses), dtype=np.int64)
    low = np.full(len(responses), 127, dtype=np.int8)
    high = np.full(len(responses), -1, dtype=np.int8)
    for item in np.flatnonzero(inst.item_kind != 3).tolist():
        codes = responses.answers[item]
        bins = inst.bin_table[item][codes.view(np.uint8)]
        valid = (bins >= 0) & (bins < inst.item_points[item])
        count += valid
        np.minimum(low, np.where(valid, codes, 127).astype(np.int8), out=low)
        np.maximum(high, np.where(valid, codes, -1).astype(np.int8), out=high)
    flags[(count >= rules.straight_line_min_items) & (low == high)] = 1
    return flags


def _devices(
    responses: Responses,
    rules: ScreeningRules,
    times: FloatArray,
    reasons: IntArray,
    related: IntArray,
) -> None:
    """Later submissions from a device already used ``limit`` times in the same unit.

    Devices are grouped by a 64-bit hash of (unit, fingerprint); a flagged row is checked against
    the first row of its group, so a hash collision can never flag a respondent wrongly.
    """
    limit = rules.max_submissions_per_device
    known = np.flatnonzero(np.char.str_len(responses.devices) > 0)
    if limit <= 0 or known.size == 0:
        return
    hashes = (
        string_hashes(responses.devices[known]) ^ responses.units.codes[known].astype(np.uint64)
    ) * FNV
    order = np.lexsort((known, times[known], hashes))
    run, _ = _runs(hashes, order)
    later = (np.arange(order.size) - run) >= limit
    rows, first = known[order[later]], known[order[run[later]]]
    same = (responses.devices[rows] == responses.devices[first]) & (
        responses.units.codes[rows] == responses.units.codes[first]
    )
    rows, first = rows[same], first[same]
    reasons[rows] |= 1 << DUPLICATE_DEVICE
    related[rows] = np.where(related[rows] < 0, first, related[rows])


def _vector_hashes(responses: Responses) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each respondent's group and answers."""
    result = responses.groups.astype(np.uint64) + np.uint64(1)
    for codes in responses.answers:
        result = (result ^ codes.view(np.uint8).astype(np.uint64)) * FNV
    return result


def _runs(values: npt.NDArray[np.uint64], order: IntArray) -> tuple[IntArray, IntArray]:
    """(run start of each sorted position, run length of each sorted position)."""
    sorted_values = values[order]
    start = np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))
    lengths = np.diff(np.append(start, order.size))
    return np.repeat(start, lengths), np.repeat(lengths, lengths)


def _identical(
    responses: Responses,
    rules: ScreeningRules,
    key: IntArray,
    times: FloatArray,
    reasons: IntArray,
    related: IntArray,
) -> None:
    if rules.identical_answers_alpha <= 0 or len(responses) < 2:
        return
    vector = _vector_hashes(responses)
    cell = (vector ^ key.astype(np.uint64)) * FNV
    order = np.lexsort((np.arange(cell.size), times, cell))
    run, length = _runs(cell, order)
    rows = order[length > 1]
    first = order[run[length > 1]]
    same = (responses.answers[:, rows] == responses.answers[:, first]).all(axis=0) & (
        key[rows] == key[first]
    )
    copies = rows[same & (rows != first)]
    if copies.size == 0:
        return
    kept = first[same & (rows != first)]
    m = length[length > 1][same & (rows != first)]
    stratum = _strata(responses, key)
    level = stratum[copies] % (LEVELS + 1)
    judged = (level > 0) & (level < LEVELS - 1)
    copies, kept, m = copies[judged], kept[judged], m[judged]
    if copies.size == 0:
        return
    log_p, among = _log_chance(responses, stratum, key, vector, copies)
    log_lambda = np.log(np.maximum(among - 1, 1)) + log_p
    log_bound = (m - 1) * log_lambda - _log_factorial(m - 1)
    flag = log_bound < math.log(rules.identical_answers_alpha)
    reasons[copies[flag]] |= 1 << DUPLICATE_ANSWERS
    related[copies[flag]] = np.where(related[copies[flag]] < 0, kept[flag], related[copies[flag]])


def _log_factorial(values: IntArray) -> FloatArray:
    table = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, int(values.max()) + 1)))))
    result: FloatArray = table[values]
    return result


def _strata(responses: Responses, key: IntArray) -> IntArray:
    """Unit, group and level: the respondent's mean item score, exactly 0, in one of ten bands of
    10 points, or exactly 100 (12 levels; 12 means no score)."""
    inst = responses.instrument
    total, count = np.zeros(len(responses)), np.zeros(len(responses))
    for item, codes in enumerate(responses.answers):
        slots = codes.view(np.uint8)
        total += inst.zero_score_table[item][slots]
        count += inst.valid_table[item][slots]
    mean = total / np.maximum(count, 1.0)
    band = 1 + np.minimum(mean // LEVEL_WIDTH, 9)
    level = np.where(mean <= 0, 0, np.where(mean >= 100, LEVELS - 1, band))
    level = np.where(count > 0, level, LEVELS)
    result: IntArray = key * (LEVELS + 1) + level.astype(np.int64)
    return result


def _log_chance(
    responses: Responses,
    stratum: IntArray,
    key: IntArray,
    vector: npt.NDArray[np.uint64],
    rows: IntArray,
) -> tuple[FloatArray, IntArray]:
    """(log chance probability of each of ``rows``' answer vector, respondents it is drawn among).

    The larger of: items answered independently, each answer with its share among the unit's
    respondents of the same group and level, shrunk towards its share among all respondents of
    that group and level (``PRIOR_RESPONDENTS`` pseudo-respondents); and the share of exactly
    that vector among respondents of the same group and level in other units. Either way the
    vector is drawn among the unit's respondents of that group and level.
    """
    inst = responses.instrument
    cells = int(stratum.max()) + 1
    level = stratum % (LEVELS + 1)
    national = responses.groups * (LEVELS + 1) + level
    n_cell = np.bincount(stratum, minlength=cells)
    n_national = np.bincount(national, minlength=GROUPS * (LEVELS + 1))
    log_ind = np.zeros(rows.size)
    for item in range(len(inst.item_ids)):
        bins = inst.bin_table[item][responses.answers[item].view(np.uint8)]
        width = int(inst.item_points[item]) + 2
        mine = responses.groups[rows] == inst.item_group[item]
        here = np.bincount(stratum * width + bins, minlength=cells * width)
        everywhere = np.bincount(national * width + bins, minlength=n_national.size * width)
        prior = everywhere[national[rows] * width + bins[rows]] / np.maximum(
            n_national[national[rows]], 1
        )
        share = (here[stratum[rows] * width + bins[rows]] + PRIOR_RESPONDENTS * prior) / (
            n_cell[stratum[rows]] + PRIOR_RESPONDENTS
        )
        log_ind += np.where(mine, np.log(np.maximum(share, 1e-300)), 0.0)
    exact = _national_share(responses, level, key, vector, rows)
    log_p = np.maximum(log_ind, np.log(np.maximum(exact, 1e-300)))
    return log_p, n_cell[stratum[rows]]


def _national_share(
    responses: Responses,
    level: IntArray,
    key: IntArray,
    vector: npt.NDArray[np.uint64],
    rows: IntArray,
) -> FloatArray:
    """Share of exactly this vector among respondents of the same group and level in OTHER units."""
    everywhere = (vector ^ level.astype(np.uint64)) * FNV
    here = (everywhere ^ key.astype(np.uint64)) * FNV
    same_level = responses.groups * (LEVELS + 1) + level
    level_size = np.bincount(same_level)[same_level[rows]]
    unit_level = np.bincount(key * (LEVELS + 1) + level)[(key * (LEVELS + 1) + level)[rows]]
    elsewhere = _counts(everywhere, rows) - _counts(here, rows)
    result: FloatArray = elsewhere / np.maximum(level_size - unit_level, 1)
    return result


def _counts(values: npt.NDArray[np.uint64], rows: IntArray) -> IntArray:
    """How many rows hold the value of each of ``rows``."""
    ordered = np.sort(values)
    wanted = values[rows]
    result: IntArray = np.searchsorted(ordered, wanted, side="right") - np.searchsorted(
        ordered, wanted, side="left"
    )
    return result
