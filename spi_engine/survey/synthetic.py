"""A seeded synthetic national survey: realistic respondents, a population table and injected
manipulation patterns with their ground truth. Everything is drawn in vectorised steps from one
``numpy.random.Generator(PCG64(seed))``: the same seed gives the same dataset, byte for byte.

Shape (defaults as SPI 2024): 641 institutions, 601,453 respondents in total, 30 to 2,554 per
institution. Each institution has internal respondents (staff, in sub-units), external ones
(service users, served by a sub-unit) and a handful of experts (of the institution as a whole).

Answers are correlated: a respondent's latent integrity is the sum of an institution effect, an
institution-by-dimension effect (so institutions have different weak dimensions), a sub-unit
effect, a group offset and a respondent effect; each item adds its own noise, then the latent
value is cut into Likert points or a yes/no probability. About 2% of answers are "don't know"
and 1% are missing.

Injected patterns (ground truth in ``truth``, as ExclusionReason values; 0 is a clean respondent):
speeders, straight-liners (staff, whose part has 13 Likert items), devices submitting several times, copied answer vectors, and a
coordinated burst of near-identical answers within 20 minutes.

>>> from spi_engine.survey.instrument import bundled_instrument
>>> s = generate(bundled_instrument(), institutions=5, respondents=400, seed=1)
>>> len(s.columns["respondent_id"]), int(s.sizes.min()) >= 30, int(s.sizes.sum())
(400, True, 400)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from .instrument import GROUP_NAMES, MISSING_CODE, Instrument
from .reasons import BURST, DUPLICATE_ANSWERS, DUPLICATE_DEVICE, SPEEDER, STRAIGHT_LINER

SURVEY_START = np.datetime64("2024-07-01T00:00:00", "s").astype(np.int64)
SURVEY_DAYS = 92
DAY = 86_400.0
TYPES = (
    ("kementerian", 0.08),
    ("lembaga", 0.07),
    ("provinsi", 0.06),
    ("kabupaten", 0.65),
    ("kota", 0.14),
)
GROUP_OFFSET = np.array([0.0, 0.55, -0.1])
"""internal, external, expert: service users rate higher than staff, experts a little lower"""
MEDIAN_SECONDS = np.array([240.0, 120.0, 300.0])
BURST_UNIT_STAFF = 120
"""bursts are injected in units with at least this many staff respondents (or the largest)"""
SUB_SLOTS = 40
"""at most 40 sub-units per institution"""
THRESHOLDS = {4: np.array([-1.2, -0.1, 1.0]), 5: np.array([-1.6, -0.8, 0.0, 0.9])}


@dataclass(frozen=True)
class SyntheticSurvey:
    """Respondent columns, a population table, and the ground truth of injected patterns."""

    columns: dict[str, Any] = field(repr=False)
    """respondent_id, unit_id, sub_unit_id, group, one int8 column per item (-1 missing),
    completion_seconds, device_fingerprint, submitted_at (seconds since the epoch, UTC)"""
    population: dict[str, Any] = field(repr=False)
    """unit_id, sub_unit_id, group, population, sampled"""
    truth: IntArray = field(repr=False)
    """per respondent: 0 clean, or the ExclusionReason value of the injected pattern"""
    sizes: IntArray = field(repr=False)
    """respondents per institution"""
    seed: int = 0


def generate(
    instrument: Instrument,
    *,
    institutions: int = 641,
    respondents: int = 601_453,
    seed: int = 2024,
    min_per_unit: int = 30,
    max_per_unit: int = 2_554,
    manipulation: bool = True,
) -> SyntheticSurvey:
    """A synthetic national survey for ``instrument`` (see the module docstring)."""
    _check_shape(institutions, respondents, min_per_unit, max_per_unit)
    rng = np.random.Generator(np.random.PCG64(seed))
    sizes = _sizes(rng, institutions, respondents, min_per_unit, max_per_unit)
    unit = np.repeat(np.arange(institutions), sizes)
    group, n_internal = _groups(rng, sizes, unit)
    subs_per_unit = np.clip(n_internal // 60, 2, SUB_SLOTS)
    sub = np.minimum(
        (rng.random(unit.size) ** 1.4 * subs_per_unit[unit]).astype(np.int64),
        subs_per_unit[unit] - 1,
    )
    sub = np.where(group == 2, -1, sub)
    latent = _latent(rng, instrument, unit, sub, group, institutions)
    answers = _answers(rng, instrument, latent, group)
    seconds = rng.lognormal(np.log(MEDIAN_SECONDS[group]), 0.35)
    times = SURVEY_START + _times(rng, unit.size)
    devices = rng.integers(0, 2**60, unit.size, dtype=np.int64)
    truth = np.zeros(unit.size, dtype=np.int64)
    if manipulation:
        _inject(rng, instrument, _Rows(unit, group, answers, seconds, times, devices, truth))
    times = np.floor(times)
    order = np.argsort(times, kind="stable")
    columns = _columns(instrument, unit, sub, group, answers, seconds, times, devices, order)
    population = _population(rng, unit, sub, group, institutions, subs_per_unit)
    return SyntheticSurvey(columns, population, truth[order], sizes, seed)


def _check_shape(institutions: int, respondents: int, low: int, high: int) -> None:
    if institutions < 1 or not low * institutions <= respondents <= high * institutions or low < 10:
        raise InvalidInputError(
            [
                Violation(
                    "respondents",
                    f"expected {low} to {high} respondents per institution ({low} >= 10) over "
                    f"{institutions} institutions; got {respondents:,} in total",
                )
            ]
        )


def _sizes(rng: np.random.Generator, count: int, total: int, low: int, high: int) -> IntArray:
    """Respondents per institution: lognormal, within [low, high], summing to ``total`` exactly;
    the smallest is ``low`` and the largest ``high`` whenever the total allows it."""
    raw = rng.lognormal(np.log(total / count) - 0.2, 0.65, count)
    sizes = np.clip(np.rint(raw * total / raw.sum()), low, high).astype(np.int64)
    pinned = np.zeros(count, dtype=bool)
    if count >= 3 and low + high + low * (count - 2) <= total <= low + high + high * (count - 2):
        ends = [int(np.argmin(sizes)), int(np.argmax(sizes))]
        sizes[ends] = low, high
        pinned[ends] = True
    for _ in range(1_000):
        gap = total - int(sizes.sum())
        if gap == 0:
            break
        room = np.where(pinned, 0, (high - sizes) if gap > 0 else (sizes - low))
        chosen = rng.permutation(np.flatnonzero(room > 0))[: abs(gap)]
        step = np.minimum(max(1, abs(gap) // max(chosen.size, 1)), room[chosen])
        capped = np.minimum(np.cumsum(step), abs(gap))
        sizes[chosen] += np.sign(gap) * np.diff(capped, prepend=0)
    result: IntArray = sizes
    return result


def _groups(rng: np.random.Generator, sizes: IntArray, unit: IntArray) -> tuple[IntArray, IntArray]:
    experts = np.minimum(rng.integers(4, 11, sizes.size), sizes // 5)
    internal = np.rint((sizes - experts) * rng.uniform(0.35, 0.6, sizes.size)).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    position = np.arange(unit.size) - starts[unit]
    group = (position >= internal[unit]).astype(np.int64) + (position >= (sizes - experts)[unit])
    return group, internal


def _latent(
    rng: np.random.Generator,
    inst: Instrument,
    unit: IntArray,
    sub: IntArray,
    group: IntArray,
    count: int,
) -> FloatArray:
    dims = len(inst.dimension_ids)
    institution = rng.normal(0.35, 0.45, count)
    by_dimension = rng.normal(0.0, 0.35, (count, dims))
    sub_effect = rng.normal(0.0, 0.25, (count, SUB_SLOTS))
    person = rng.normal(0.0, 0.55, unit.size)
    base = (
        institution[unit]
        + GROUP_OFFSET[group]
        + sub_effect[unit, np.maximum(sub, 0)] * (sub >= 0)
        + person
    )
    result: FloatArray = base[None, :] + by_dimension[unit].T
    return result


def _answers(
    rng: np.random.Generator, inst: Instrument, latent: FloatArray, group: IntArray
) -> npt.NDArray[np.int8]:
    codes = np.full((len(inst.item_ids), group.size), MISSING_CODE, dtype=np.int8)
    members = [np.flatnonzero(group == g) for g in range(len(GROUP_NAMES))]
    for i in range(len(inst.item_ids)):
        rows = members[inst.item_group[i]]
        x = latent[inst.item_dimension[i], rows] + rng.normal(0.0, 0.7, rows.size)
        answer = _answer(rng, inst, i, x)
        noise = rng.random(rows.size)
        dont_know = inst.codes[2]
        codes[i, rows] = np.where(
            noise < 0.02, dont_know, np.where(noise < 0.03, MISSING_CODE, answer)
        )
    return codes


def _answer(rng: np.random.Generator, inst: Instrument, item: int, x: FloatArray) -> IntArray:
    """Answer codes of item ``item`` for latent values ``x``."""
    k = int(inst.item_points[item])
    if inst.item_kind[item] == 3:
        yes, no, _ = inst.codes
        good = rng.random(x.size) < 1.0 / (1.0 + np.exp(-(1.6 + 1.8 * x)))
        good_code, bad_code = (yes, no) if inst.bin_points[item, 0] == 100.0 else (no, yes)
        result: IntArray = np.where(good, good_code, bad_code)
        return result
    cuts = THRESHOLDS.get(k, np.linspace(-1.5, 1.0, k - 1))
    point: IntArray = 1 + np.searchsorted(cuts, x)
    return point if inst.bin_points[item, 0] == 0.0 else k + 1 - point


def _times(rng: np.random.Generator, size: int) -> FloatArray:
    day = rng.integers(0, SURVEY_DAYS, size).astype(np.float64)
    hour = np.clip(rng.normal(3.5, 2.5, size), -6.0, 16.0)
    """UTC hours: office hours in Indonesia (UTC+7 to UTC+9) centred on 10:30 local time"""
    result: FloatArray = np.floor(day * DAY + (hour + 6.0) * 3600.0 + rng.random(size) * 60.0)
    return result


@dataclass
class _Rows:
    """The respondent arrays that injection edits in place, and a picker of untouched rows."""

    unit: IntArray
    group: IntArray
    answers: npt.NDArray[np.int8]
    seconds: FloatArray
    times: FloatArray
    devices: IntArray
    truth: IntArray
    used: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """rows an injection relies on (originals of copies): never picked again"""
    pools: tuple[IntArray, IntArray] = field(default=(np.zeros(0, np.int64), np.zeros(0, np.int64)))
    cursor: list[int] = field(default_factory=lambda: [0, 0])

    def take(self, count: int, internal: bool) -> IntArray:
        """Up to ``count`` clean respondents (internal ones only when ``internal``)."""
        pool = int(internal)
        start = self.cursor[pool]
        self.cursor[pool] = start + count * 3
        picked = self.pools[pool][start : start + count * 3]
        result: IntArray = picked[(self.truth[picked] == 0) & ~self.used[picked]][:count]
        self.used[result] = True
        return result

    def free(self, mask: npt.NDArray[np.bool_]) -> IntArray:
        """Clean, unused rows where ``mask`` holds."""
        result: IntArray = np.flatnonzero(mask & (self.truth == 0) & ~self.used)
        return result


def _inject(rng: np.random.Generator, inst: Instrument, rows: _Rows) -> None:
    order = rng.permutation(rows.unit.size)
    rows.used = np.zeros(rows.unit.size, dtype=bool)
    rows.pools = (order, order[rows.group[order] == 0][::-1])
    speeders = rows.take(max(1, rows.unit.size // 500), internal=False)
    rows.seconds[speeders] = rng.uniform(8.0, 25.0, speeders.size)
    rows.truth[speeders] = SPEEDER
    liners = rows.take(max(1, rows.unit.size // 700), internal=True)
    likert = (inst.item_kind != 3)[:, None] & (
        inst.item_group[:, None] == rows.group[liners][None, :]
    )
    top = np.broadcast_to(inst.item_points[:, None], likert.shape)
    rows.answers[:, liners] = np.where(likert, top, rows.answers[:, liners])
    rows.truth[liners] = STRAIGHT_LINER
    _inject_copies(rng, inst, rows)
    _inject_burst(rng, inst, rows)


def _inject_copies(rng: np.random.Generator, inst: Instrument, rows: _Rows) -> None:
    """Devices used for several submissions, and answer vectors submitted several times (copies
    of an unremarkable vector: mean item score below 75, where copies are not chance)."""
    items = np.flatnonzero(inst.item_group == 0)
    slots = rows.answers[items].view(np.uint8)
    points = np.take_along_axis(inst.zero_score_table[items], slots.astype(np.intp), axis=1).sum(
        axis=0
    )
    answered = np.take_along_axis(inst.valid_table[items], slots.astype(np.intp), axis=1).sum(
        axis=0
    )
    plain = points < 75.0 * answered
    for reason, count in ((DUPLICATE_DEVICE, 8), (DUPLICATE_ANSWERS, 6)):
        originals = rows.take(count * 4, internal=True)
        if reason == DUPLICATE_ANSWERS:
            originals = originals[plain[originals]]
        for original in originals[:count].tolist():
            same = (rows.unit == rows.unit[original]) & (rows.group == rows.group[original])
            copies = rng.permutation(rows.free(same))[: int(rng.integers(3, 9))]
            rows.times[copies] = rows.times[original] + rng.uniform(600.0, 5 * DAY, copies.size)
            if reason == DUPLICATE_DEVICE:
                rows.devices[copies] = rows.devices[original]
            else:
                rows.answers[:, copies] = rows.answers[:, [original]]
            rows.truth[copies] = reason


def _inject_burst(rng: np.random.Generator, inst: Instrument, rows: _Rows) -> None:
    """Two coordinated bursts: 40 staff of a unit with at least 120 staff respondents give the
    best answers within 20 minutes, each changing at most one item to "don't know" (so any two
    differ on at most 2 items)."""
    items = np.flatnonzero(inst.item_group == 0)
    best = np.array([_best_code(inst, int(i)) for i in items], dtype=np.int8)
    staff = np.bincount(rows.unit[rows.group == 0], minlength=int(rows.unit.max()) + 1)
    big = staff >= min(BURST_UNIT_STAFF, int(staff.max()))
    leaders = rows.take(40, internal=True)
    for leader in leaders[big[rows.unit[leaders]]][:2].tolist():
        same = (rows.unit == rows.unit[leader]) & (rows.group == 0)
        members = np.concatenate(([leader], rng.permutation(rows.free(same))[:39]))
        rows.times[members] = rows.times[leader] + np.sort(rng.uniform(0.0, 1200.0, members.size))
        block = np.repeat(best[:, None], members.size, axis=1)
        flips = np.flatnonzero(rng.random(members.size) < 0.6)
        block[rng.integers(0, items.size, flips.size), flips] = inst.codes[2]
        rows.answers[np.ix_(items, members)] = block
        rows.seconds[members] = rng.lognormal(np.log(MEDIAN_SECONDS[0]), 0.2, members.size)
        rows.truth[members] = BURST


def _best_code(inst: Instrument, item: int) -> int:
    if inst.item_kind[item] == 3:
        yes, no, _ = inst.codes
        return yes if inst.bin_points[item, 0] == 100.0 else no
    return int(inst.item_points[item]) if inst.bin_points[item, 0] == 0.0 else 1


def _names(count: int) -> npt.NDArray[np.str_]:
    weights = np.array([w for _, w in TYPES])
    per_type = np.floor(weights / weights.sum() * count).astype(np.int64)
    per_type[3] += count - per_type.sum()
    kind = np.repeat(np.arange(len(TYPES)), per_type)
    ordinal = np.arange(count) - np.concatenate(([0], np.cumsum(per_type)[:-1]))[kind]
    prefix = np.array([name for name, _ in TYPES])[kind]
    names = np.strings.add(
        np.strings.add(prefix, "-"), np.strings.zfill((ordinal + 1).astype(str), 3)
    )
    result: npt.NDArray[np.str_] = names
    return result


def _fixed(prefix: str, numbers: IntArray, digits: int, base: int = 10) -> npt.NDArray[np.str_]:
    """``prefix`` + ``numbers`` in ``base`` with ``digits`` digits (zero-padded), built column-wise."""
    alphabet = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    text = np.empty((numbers.size, head.size + digits), dtype=np.uint8)
    text[:, : head.size] = head
    rest = numbers.astype(np.int64).copy()
    for column in range(head.size + digits - 1, head.size - 1, -1):
        text[:, column] = alphabet[rest % base]
        rest //= base
    result: npt.NDArray[np.str_] = (
        text.view(f"S{text.shape[1]}").reshape(-1).astype(f"U{text.shape[1]}")
    )
    return result


def _columns(
    inst: Instrument,
    unit: IntArray,
    sub: IntArray,
    group: IntArray,
    answers: npt.NDArray[np.int8],
    seconds: FloatArray,
    times: FloatArray,
    devices: IntArray,
    order: IntArray,
) -> dict[str, Any]:
    names = _names(int(unit.max()) + 1)
    sub_names = np.strings.add(
        np.repeat(names, SUB_SLOTS),
        np.tile(_fixed("-u", np.arange(1, SUB_SLOTS + 1), 2), names.size),
    )
    cell = unit[order] * SUB_SLOTS + np.maximum(sub[order], 0)
    columns: dict[str, Any] = {
        "respondent_id": _fixed("R", np.arange(1, unit.size + 1), 7),
        "unit_id": names[unit[order]],
        "sub_unit_id": np.where(sub[order] >= 0, sub_names[cell], ""),
        "group": np.array(GROUP_NAMES)[group[order]],
    }
    for i, item in enumerate(inst.item_ids):
        columns[item] = np.ascontiguousarray(answers[i, order])
    columns["completion_seconds"] = np.round(seconds[order], 1)
    columns["device_fingerprint"] = _fixed("d", devices[order], 15, base=16)
    columns["submitted_at"] = times[order]
    return columns


def _population(
    rng: np.random.Generator,
    unit: IntArray,
    sub: IntArray,
    group: IntArray,
    count: int,
    subs_per_unit: IntArray,
) -> dict[str, Any]:
    per_group = np.bincount(unit * 3 + group, minlength=count * 3).reshape(count, 3)
    fraction = rng.uniform(0.04, 0.8, count)
    response = rng.uniform(0.45, 0.95, (count, 3))
    size = np.column_stack(
        (
            np.ceil(per_group[:, 0] / fraction),
            np.ceil(per_group[:, 1] * rng.uniform(5.0, 200.0, count)),
            per_group[:, 2] + rng.integers(0, 7, count),
        )
    ).astype(np.int64)
    sampled = np.minimum(np.ceil(per_group / response), size).astype(np.int64)
    names = _names(count)
    internal = group == 0
    cell = unit[internal] * SUB_SLOTS + sub[internal]
    per_sub = np.bincount(cell, minlength=count * SUB_SLOTS).reshape(count, SUB_SLOTS)
    has = per_sub > 0
    sub_units, sub_index = np.nonzero(has)
    sub_size = np.ceil(per_sub[has] / fraction[sub_units]).astype(np.int64)
    sub_sampled = np.minimum(np.ceil(per_sub[has] / response[sub_units, 0]), sub_size).astype(
        np.int64
    )
    units = np.concatenate((np.repeat(names, 3), names[sub_units]))
    subs = np.concatenate(
        (
            np.full(count * 3, ""),
            np.strings.add(
                np.strings.add(names[sub_units], "-u"),
                np.strings.zfill((sub_index + 1).astype(str), 2),
            ),
        )
    )
    del subs_per_unit
    return {
        "unit_id": units,
        "sub_unit_id": subs,
        "group": np.concatenate(
            (np.tile(np.array(GROUP_NAMES), count), np.full(sub_units.size, "internal"))
        ),
        "population": np.concatenate((size.reshape(-1), sub_size)),
        "sampled": np.concatenate((sampled.reshape(-1), sub_sampled)),
    }
