"""Rulesets: immutable values loaded from protobuf text (or binary) and identified by sha256.

The sha256 is taken over the deterministic binary serialisation of the Ruleset message, so a
comment or a reformatting of the text file does not change a ruleset's identity, and any change
of a number, a bound or a reference does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import text_format
from google.protobuf.message import DecodeError

from spi.v1 import ruleset_pb2

from .errors import InvalidRulesetError, Violation
from .numeric import value_to_steps
from .validation import validate


@dataclass(frozen=True)
class RegionalRule:
    """The inferred third correction element (2022 regional governments), by unit id.

    For a listed unit the survey-integrity part of the correction becomes
    ``((n - 1) * f_int * correction_integrity + m * unit_points) / n``; see
    ``spi.v1.RegionalDeduction``. Inferred from published indexes, not a KPK input. The bundled
    spi-2022 has U but no class table (the table is derived from the user's copy of the published
    data, ``spi rules fit-regional``); without a table the rule is not configured.
    """

    unit_points: float
    flag: str
    unit_ids: tuple[str, ...]
    n: tuple[int, ...]
    m: tuple[int, ...]

    @property
    def configured(self) -> bool:
        """Whether the rule has its class table; without one it is not applied (stated formula)."""
        return bool(self.unit_ids)

    def class_of(self, unit_id: str) -> tuple[int, int] | None:
        """(n, m) of a listed unit; None when the unit is not listed."""
        position = _positions(self.unit_ids).get(unit_id)
        return None if position is None else (self.n[position], self.m[position])


_POSITIONS: dict[tuple[str, ...], dict[str, int]] = {}


def _positions(ids: tuple[str, ...]) -> dict[str, int]:
    """Position of every id (built once per table of ids)."""
    found = _POSITIONS.get(ids)
    if found is None:
        found = {unit_id: i for i, unit_id in enumerate(ids)}
        _POSITIONS[ids] = found
    return found


def _regional(rules: ruleset_pb2.Ruleset) -> RegionalRule | None:
    if not rules.correction.HasField("regional"):
        return None
    regional = rules.correction.regional
    return RegionalRule(
        unit_points=regional.unit_points,
        flag=regional.flag,
        unit_ids=tuple(c.unit_id for c in regional.classes),
        n=tuple(c.n for c in regional.classes),
        m=tuple(c.m for c in regional.classes),
    )


@dataclass(frozen=True)
class Ruleset:
    """The numbers the engine scores with, plus the identity of the message they came from."""

    id: str
    label: str
    year: int
    weights: tuple[float, float, float]
    """internal, external, expert"""
    correction_factors: tuple[float, float]
    """integrity, prevalence"""
    bounds: tuple[float, float]
    decimals: int
    category_ids: tuple[str, ...]
    category_labels: tuple[str, ...]
    lower_bound_steps: tuple[int, ...]
    """category lower bounds as counts of 10**-decimals, lowest first"""
    sha256: str
    origin: str
    binary: bytes = field(repr=False)
    regional: RegionalRule | None = field(default=None, repr=False)
    """the inferred regional correction element, when the ruleset has one"""

    def to_message(self) -> ruleset_pb2.Ruleset:
        """A fresh copy of the message: changing it never changes this ruleset."""
        return ruleset_pb2.Ruleset.FromString(self.binary)

    def to_text(self) -> str:
        """The ruleset in protobuf text format (comments are not kept)."""
        return text_format.MessageToString(self.to_message())

    def category_of_steps(self, steps: int) -> str:
        """The category id of a published index given in steps of the output precision."""
        position = sum(1 for bound in self.lower_bound_steps if bound <= steps) - 1
        return self.category_ids[max(position, 0)]


def sha256_of(rules: ruleset_pb2.Ruleset) -> str:
    """sha256 (hex) of the message's deterministic binary serialisation."""
    return hashlib.sha256(rules.SerializeToString(deterministic=True)).hexdigest()


def from_message(rules: ruleset_pb2.Ruleset, origin: str = "") -> Ruleset:
    """Validate ``rules`` and return it as an immutable Ruleset; raise InvalidRulesetError."""
    problems = validate(rules)
    if problems:
        raise InvalidRulesetError(problems, context=origin or rules.id or "ruleset")
    binary = rules.SerializeToString(deterministic=True)
    decimals = rules.rounding.decimals
    categories = rules.categories.categories
    steps = tuple(value_to_steps(c.lower_bound, decimals) for c in categories)
    return Ruleset(
        id=rules.id,
        label=rules.label,
        year=rules.year,
        weights=(rules.weights.internal, rules.weights.external, rules.weights.expert),
        correction_factors=(rules.correction.integrity.factor, rules.correction.prevalence.factor),
        bounds=(rules.bounds.min, rules.bounds.max),
        decimals=decimals,
        category_ids=tuple(c.id for c in categories),
        category_labels=tuple(c.label for c in categories),
        lower_bound_steps=tuple(s for s in steps if s is not None),
        sha256=hashlib.sha256(binary).hexdigest(),
        origin=origin,
        binary=binary,
        regional=_regional(rules),
    )


def message_from_text(text: str, origin: str = "") -> ruleset_pb2.Ruleset:
    """Parse protobuf text; unknown fields and syntax errors raise InvalidRulesetError."""
    rules = ruleset_pb2.Ruleset()
    try:
        text_format.Parse(text, rules)
    except text_format.ParseError as error:
        where = f"line {error.GetLine()}, column {error.GetColumn()}" if error.GetLine() else ""
        message = str(error).split(" : ", 1)[-1]
        raise InvalidRulesetError(
            [Violation(where, message)], context=origin or "ruleset"
        ) from None
    return rules


def message_from_binary(data: bytes, origin: str = "") -> ruleset_pb2.Ruleset:
    """Parse binary protobuf; malformed bytes and unknown fields raise InvalidRulesetError."""
    rules = ruleset_pb2.Ruleset()
    try:
        rules.ParseFromString(data)
    except DecodeError as error:
        raise InvalidRulesetError(
            [Violation("", f"not a binary Ruleset message ({error})")], context=origin or "ruleset"
        ) from None
    known = ruleset_pb2.Ruleset()
    known.CopyFrom(rules)
    known.DiscardUnknownFields()
    if known.ByteSize() != rules.ByteSize():
        raise InvalidRulesetError(
            [Violation("", "the message has fields this version of spi.v1.Ruleset does not know")],
            context=origin or "ruleset",
        )
    return rules


def parse_text(text: str, origin: str = "") -> Ruleset:
    """A validated Ruleset from protobuf text."""
    return from_message(message_from_text(text, origin), origin)


def load_file(path: str | Path) -> Ruleset:
    """A validated Ruleset from a ``.txtpb`` (text) or ``.binpb`` (binary) file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidRulesetError(
            [Violation("", f"cannot read the file ({error.strerror or error})")], context=str(path)
        ) from None
    if path.suffix in {".binpb", ".pb", ".bin"}:
        return from_message(message_from_binary(data, str(path)), str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidRulesetError(
            [Violation("", f"expected UTF-8 text; byte {error.start} is not ({error.reason})")],
            context=str(path),
        ) from None
    return parse_text(text, str(path))
