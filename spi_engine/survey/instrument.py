"""Instruments: immutable questionnaires loaded from protobuf text and identified by sha256.

An :class:`Instrument` holds the message's identity and, for vectorised scoring, lookup tables
indexed by the answer code's byte (``codes.view(np.uint8)``: a code from 0 to 100 is its own
slot and the missing code -1 is slot 255): each item's score of every code, and the histogram bin
each code is counted in.

>>> inst = bundled_instrument("example-survey")
>>> inst.id, len(inst.item_ids), inst.dimension_ids[:2]
('example-survey', 34, ('transparency', 'integrity-in-duties'))
>>> float(inst.score_table[inst.item_index("int_trans_3"), 2])  # reverse-coded 2 of 5
75.0
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from google.protobuf import text_format
from google.protobuf.message import DecodeError

from spi.v1 import instrument_pb2 as ipb

from ..errors import MAX_MESSAGE, InvalidInputError, SpiError, Violation, shown
from ..numeric import FloatArray, IntArray
from .instrument_checks import SCALE_RANGE, validate

GROUP_NAMES = ("internal", "external", "expert")
"""Respondent groups by index; the proto enum value is the index + 1."""
MISSING_CODE = -1
CODE_SLOTS = 256
"""Lookup tables have one slot per byte value: codes 0 to MAX_CODE, and 255 for missing (-1)."""
MISSING_SLOT = 255
MAX_BINS = SCALE_RANGE[1]
INSTRUMENT_SUFFIX = ".txtpb"


class InvalidInstrumentError(InvalidInputError):
    """An instrument that does not parse or validate; ``context`` names the file."""


class UnknownInstrumentError(SpiError, LookupError):
    """No bundled instrument has this id."""

    def __init__(self, instrument_id: str, known: tuple[str, ...]) -> None:
        self.instrument_id = instrument_id
        self.known = known
        super().__init__(
            shown(
                f"unknown instrument {shown(instrument_id)}; bundled instruments: "
                + (", ".join(known) or "none"),
                MAX_MESSAGE,
                quote=False,
            )
        )


@dataclass(frozen=True)
class SamplingRule:
    """Margin of error at ``z`` for ``proportion``, with the finite-population correction."""

    z: float
    proportion: float
    target_margin: float
    max_margin: float
    min_respondents: int
    groups: tuple[int, ...]
    """group indexes (0 internal, 1 external, 2 expert) that decide adequacy"""


@dataclass(frozen=True)
class ScreeningRules:
    """Thresholds of integrity screening; 0 turns a check off."""

    speeder_min_seconds: float
    speeder_min_seconds_per_item: float
    straight_line_min_items: int
    max_submissions_per_device: int
    identical_answers_alpha: float
    burst_window_seconds: float
    burst_min_respondents: int
    burst_max_differing_items: int


@dataclass(frozen=True)
class LocalIntegrityRule:
    """A LOCAL rule (not KPK's) from the flagged share of a unit to correction points."""

    label: str
    free_percent: float
    points_per_percent: float
    max_points: float
    reasons: tuple[int, ...]
    """ExclusionReason values that count; empty means all"""


@dataclass(frozen=True)
class Instrument:
    """A validated instrument. Build with :func:`load_instrument` or :func:`parse_instrument`."""

    id: str
    label: str
    version: str
    item_ids: tuple[str, ...]
    item_group: IntArray
    item_dimension: IntArray
    item_kind: IntArray
    """AnswerType value of each item"""
    item_points: IntArray
    """Likert points k, or 2 for yes/no (yes is bin 0, no is bin 1)"""
    dimension_ids: tuple[str, ...]
    dimension_labels: tuple[str, ...]
    dimension_group: IntArray
    dimension_weight: FloatArray
    """weight within the component; equal weights (1 / dimensions of the group) unless stated"""
    follow_up_actions: tuple[tuple[str, ...], ...]
    codes: tuple[int, int, int]
    """yes, no, don't know"""
    sampling: SamplingRule
    screening: ScreeningRules
    local_rule: LocalIntegrityRule | None
    score_table: FloatArray = field(repr=False)
    """(items, CODE_SLOTS): points of each code; NaN for don't know, missing and invalid codes"""
    zero_score_table: FloatArray = field(repr=False)
    """``score_table`` with 0 where it has NaN"""
    valid_table: FloatArray = field(repr=False)
    """1.0 where ``score_table`` has a score, else 0.0"""
    bin_table: IntArray = field(repr=False)
    """(items, CODE_SLOTS): histogram bin; k = don't know, k + 1 = missing, -1 = invalid code"""
    bin_points: FloatArray = field(repr=False)
    """(items, MAX_BINS): points of each valid-answer bin (Likert: answer 1 first; yes, no)"""
    sha256: str
    origin: str
    binary: bytes = field(repr=False)

    def item_index(self, item_id: str) -> int:
        return self.item_ids.index(item_id)

    def to_message(self) -> ipb.Instrument:
        return ipb.Instrument.FromString(self.binary)


def sha256_of(message: ipb.Instrument) -> str:
    return hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()


def from_message(message: ipb.Instrument, origin: str = "") -> Instrument:
    """Validate ``message`` and return it as an immutable Instrument."""
    problems = validate(message)
    if problems:
        raise InvalidInstrumentError(problems, context=origin or message.id or "instrument")
    binary = message.SerializeToString(deterministic=True)
    dim_index = {d.id: i for i, d in enumerate(message.dimensions)}
    items = message.items
    codes = (message.answer_codes.yes, message.answer_codes.no, message.answer_codes.dont_know)
    kinds = _frozen(np.array([it.answer_type for it in items], dtype=np.int64))
    points = _frozen(np.array([it.scale_points or 2 for it in items], dtype=np.int64))
    good = [it.good_answer for it in items]
    scores = _score_table(kinds, points, good, codes)
    bins = _bin_table(kinds, points, codes)
    return Instrument(
        id=message.id,
        label=message.label,
        version=message.version,
        item_ids=tuple(it.id for it in items),
        item_group=_frozen(np.array([it.group - 1 for it in items], dtype=np.int64)),
        item_dimension=_frozen(np.array([dim_index[it.dimension] for it in items], dtype=np.int64)),
        item_kind=kinds,
        item_points=points,
        dimension_ids=tuple(d.id for d in message.dimensions),
        dimension_labels=tuple(d.label for d in message.dimensions),
        dimension_group=_frozen(
            np.array([d.group - 1 for d in message.dimensions], dtype=np.int64)
        ),
        dimension_weight=_frozen(_weights(message)),
        follow_up_actions=tuple(tuple(d.follow_up_actions) for d in message.dimensions),
        codes=codes,
        sampling=_sampling(message.sampling),
        screening=_screening(message.screening),
        local_rule=_local_rule(message),
        score_table=_frozen(scores),
        zero_score_table=_frozen(np.nan_to_num(scores, nan=0.0)),
        valid_table=_frozen((~np.isnan(scores)).astype(np.float64)),
        bin_table=_frozen(bins),
        bin_points=_frozen(_bin_points(scores, bins)),
        sha256=hashlib.sha256(binary).hexdigest(),
        origin=origin,
        binary=binary,
    )


def _weights(message: ipb.Instrument) -> FloatArray:
    groups = np.array([d.group for d in message.dimensions])
    stated = np.array([d.weight if d.HasField("weight") else np.nan for d in message.dimensions])
    sizes = np.bincount(groups, minlength=4)[groups]
    return np.where(np.isnan(stated), 1.0 / sizes, stated)


def _score_table(
    kinds: IntArray, points: IntArray, good: Sequence[int], codes: tuple[int, int, int]
) -> FloatArray:
    table = np.full((kinds.size, CODE_SLOTS), np.nan)
    for i, (kind, k) in enumerate(zip(kinds.tolist(), points.tolist(), strict=True)):
        if kind == ipb.ANSWER_TYPE_YES_NO:
            yes_good = good[i] == ipb.GOOD_ANSWER_YES
            table[i, codes[0]] = 100.0 if yes_good else 0.0
            table[i, codes[1]] = 0.0 if yes_good else 100.0
        else:
            answers = np.arange(1, k + 1)
            steps = answers - 1 if kind == ipb.ANSWER_TYPE_LIKERT else k - answers
            table[i, answers] = 100.0 * steps / (k - 1)
    return table


def _bin_table(kinds: IntArray, points: IntArray, codes: tuple[int, int, int]) -> IntArray:
    table = np.full((kinds.size, CODE_SLOTS), -1, dtype=np.int64)
    for i, (kind, k) in enumerate(zip(kinds.tolist(), points.tolist(), strict=True)):
        if kind == ipb.ANSWER_TYPE_YES_NO:
            table[i, codes[0]], table[i, codes[1]] = 0, 1
        else:
            table[i, 1 : k + 1] = np.arange(k)
        table[i, codes[2]] = k
        table[i, MISSING_SLOT] = k + 1
    return table


def _bin_points(scores: FloatArray, bins: IntArray) -> FloatArray:
    """(items, MAX_BINS): the points of each valid-answer bin; NaN past an item's last bin."""
    points = np.full((scores.shape[0], MAX_BINS), np.nan)
    rows, slots = np.nonzero(~np.isnan(scores))
    points[rows, bins[rows, slots]] = scores[rows, slots]
    return points


def _sampling(s: ipb.SamplingRule) -> SamplingRule:
    return SamplingRule(
        z=s.confidence_z,
        proportion=s.proportion,
        target_margin=s.target_margin,
        max_margin=s.max_margin,
        min_respondents=s.min_respondents,
        groups=tuple(g - 1 for g in s.groups),
    )


def _screening(s: ipb.ScreeningRules) -> ScreeningRules:
    return ScreeningRules(
        speeder_min_seconds=s.speeder_min_seconds,
        speeder_min_seconds_per_item=s.speeder_min_seconds_per_item,
        straight_line_min_items=s.straight_line_min_items,
        max_submissions_per_device=s.max_submissions_per_device,
        identical_answers_alpha=s.identical_answers_alpha,
        burst_window_seconds=s.burst_window_seconds,
        burst_min_respondents=s.burst_min_respondents,
        burst_max_differing_items=s.burst_max_differing_items,
    )


def _local_rule(message: ipb.Instrument) -> LocalIntegrityRule | None:
    if not message.HasField("local_integrity_rule"):
        return None
    r = message.local_integrity_rule
    return LocalIntegrityRule(
        label=r.label,
        free_percent=r.free_percent,
        points_per_percent=r.points_per_percent,
        max_points=r.max_points,
        reasons=tuple(r.reasons),
    )


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


def parse_instrument(text: str, origin: str = "") -> Instrument:
    """A validated Instrument from protobuf text; syntax errors name the line and column."""
    message = ipb.Instrument()
    try:
        text_format.Parse(text, message)
    except text_format.ParseError as error:
        where = f"line {error.GetLine()}, column {error.GetColumn()}" if error.GetLine() else ""
        raise InvalidInstrumentError(
            [Violation(where, str(error).split(" : ", 1)[-1])], context=origin or "instrument"
        ) from None
    return from_message(message, origin)


def load_instrument(path: str | Path) -> Instrument:
    """A validated Instrument from a ``.txtpb`` (text) or ``.binpb`` (binary) file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInstrumentError(
            [Violation("", f"cannot read the file ({error.strerror or error})")], context=str(path)
        ) from None
    if path.suffix in {".binpb", ".pb", ".bin"}:
        message = ipb.Instrument()
        try:
            message.ParseFromString(data)
        except DecodeError as error:
            raise InvalidInstrumentError(
                [Violation("", f"not a binary Instrument message ({error})")], context=str(path)
            ) from None
        return from_message(message, str(path))
    try:
        return parse_instrument(data.decode("utf-8"), str(path))
    except UnicodeDecodeError as error:
        raise InvalidInstrumentError(
            [Violation("", f"expected UTF-8 text; byte {error.start} is not ({error.reason})")],
            context=str(path),
        ) from None


def bundled_instrument_ids() -> tuple[str, ...]:
    folder = resources.files("spi_engine.instruments")
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(INSTRUMENT_SUFFIX))
    return tuple(name.removesuffix(INSTRUMENT_SUFFIX) for name in names)


def bundled_instrument(instrument_id: str = "example-survey") -> Instrument:
    """A bundled instrument by id (the file ``spi_engine/instruments/<id>.txtpb``)."""
    entry = resources.files("spi_engine.instruments").joinpath(instrument_id + INSTRUMENT_SUFFIX)
    if not entry.is_file():
        raise UnknownInstrumentError(instrument_id, bundled_instrument_ids())
    return parse_instrument(entry.read_text("utf-8"), origin=f"bundled:{instrument_id}")
