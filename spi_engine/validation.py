"""Checks a Ruleset message and returns every violation, with its field path.

Pure: takes a message, returns violations. ``ruleset.from_message`` raises on them; the
ValidateRuleset RPC and ``spi rules check`` report them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from spi.v1 import ruleset_pb2

from .errors import Violation
from .numeric import value_to_steps

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""Matched in full (``fullmatch``): ``$`` would let a trailing newline through."""
WEIGHT_SUM_TOLERANCE = 1e-9
MAX_DECIMALS = 6
DEFAULT_SCALE = (0.0, 100.0)
MAX_CORRECTION_FACTOR = 10.0
"""The largest factor a correction part may carry (KPK's is 1): large enough for any local rule,
small enough that factor x points stays a finite number of index points."""


def validate(rules: ruleset_pb2.Ruleset) -> list[Violation]:
    """Every violation in ``rules``; an empty list means the ruleset is valid."""
    return [
        *_identity(rules),
        *_weights(rules),
        *_correction(rules),
        *_bounds(rules),
        *_rounding(rules),
        *_categories(rules),
        *_category_references(rules),
        *_notes(rules),
        *_regional(rules),
    ]


def _identity(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    if not ID_PATTERN.fullmatch(rules.id):
        yield Violation(
            "id",
            "expected 1-64 lower-case letters, digits, '.', '_' or '-' starting with a letter "
            f"or digit; got {rules.id!r}",
        )
    if not rules.label.strip():
        yield Violation("label", "expected a non-empty label")
    if rules.year != 0 and not 2000 <= rules.year <= 2100:
        yield Violation(
            "year", f"expected 0 (any year) or a year from 2000 to 2100; got {rules.year}"
        )


def _reference(path: str, present: bool, ref: ruleset_pb2.Reference) -> Iterator[Violation]:
    if not present:
        yield Violation(path, "expected a reference (source and basis) for this number")
        return
    if not ref.source.strip():
        yield Violation(f"{path}.source", "expected a source (URL or citation)")
    if ref.basis == ruleset_pb2.BASIS_UNSPECIFIED:
        yield Violation(f"{path}.basis", "expected BASIS_STATED, BASIS_INFERRED or BASIS_ASSUMED")
    if ref.basis == ruleset_pb2.BASIS_INFERRED:
        yield from _fit(f"{path}.fit", ref)
    if ref.basis == ruleset_pb2.BASIS_ASSUMED and not ref.note.strip():
        yield Violation(f"{path}.note", "an assumed number must say why in a note")


def _fit(path: str, ref: ruleset_pb2.Reference) -> Iterator[Violation]:
    fit = ref.fit
    if not ref.HasField("fit"):
        yield Violation(path, "an inferred number must state its fit (rows reproduced, residual)")
        return
    if fit.rows_total <= 0:
        yield Violation(
            f"{path}.rows_total", f"expected a positive row count; got {fit.rows_total}"
        )
    if not 0 <= fit.rows_reproduced <= fit.rows_total:
        yield Violation(
            f"{path}.rows_reproduced",
            f"expected 0 to rows_total ({fit.rows_total}); got {fit.rows_reproduced}",
        )
    for name in ("tolerance", "max_residual"):
        value = getattr(fit, name)
        if not (math.isfinite(value) and value >= 0):
            yield Violation(f"{path}.{name}", f"expected a finite number >= 0; got {value!r}")


def _non_negative(path: str, value: float) -> Iterator[Violation]:
    if not (math.isfinite(value) and value >= 0):
        yield Violation(path, f"expected a finite number >= 0; got {value!r}")
    elif math.copysign(1.0, value) < 0:
        # -0.0 scores like 0 but serialises differently: the same rules would get another sha256.
        yield Violation(path, "expected 0, not -0 (it would change the ruleset's sha256)")


def _weights(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    if not rules.HasField("weights"):
        yield Violation("weights", "expected component weights (internal, external, expert)")
        return
    w = rules.weights
    values = {"internal": w.internal, "external": w.external, "expert": w.expert}
    for name, value in values.items():
        yield from _non_negative(f"weights.{name}", value)
        if math.isfinite(value) and value > 1:
            yield Violation(f"weights.{name}", f"expected a weight from 0 to 1; got {value!r}")
    summable = all(math.isfinite(v) and abs(v) <= 1e300 for v in values.values())
    total = math.fsum(values.values()) if summable else 1.0  # fsum overflows on 1e308s
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        yield Violation("weights", f"expected weights summing to 1 (within 1e-9); got {total!r}")
    yield from _reference("weights.reference", w.HasField("reference"), w.reference)


def _correction(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    if not rules.HasField("correction"):
        yield Violation("correction", "expected the correction parts (integrity, prevalence)")
        return
    for name in ("integrity", "prevalence"):
        path = f"correction.{name}"
        if not rules.correction.HasField(name):
            yield Violation(path, "expected a factor and its reference")
            continue
        part = getattr(rules.correction, name)
        yield from _non_negative(f"{path}.factor", part.factor)
        if math.isfinite(part.factor) and part.factor > MAX_CORRECTION_FACTOR:
            yield Violation(
                f"{path}.factor",
                f"expected a factor from 0 to {MAX_CORRECTION_FACTOR:g}; got {part.factor!r}",
            )
        yield from _reference(f"{path}.reference", part.HasField("reference"), part.reference)


def _bounds(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    if not rules.HasField("bounds"):
        yield Violation("bounds", "expected the index bounds (min, max)")
        return
    b = rules.bounds
    if not _valid_bounds(rules):
        yield Violation(
            "bounds", f"expected 0 <= min < max <= 100; got min {b.min!r}, max {b.max!r}"
        )
    elif 0 <= rules.rounding.decimals <= MAX_DECIMALS:
        for name in ("min", "max"):
            if value_to_steps(getattr(b, name), rules.rounding.decimals) is None:
                yield Violation(
                    f"bounds.{name}",
                    f"expected a multiple of the output precision ({rules.rounding.decimals} "
                    f"decimals), since the clamped index is then rounded; got {getattr(b, name)!r}",
                )
    yield from _reference("bounds.reference", b.HasField("reference"), b.reference)


def _valid_bounds(rules: ruleset_pb2.Ruleset) -> bool:
    b = rules.bounds
    return rules.HasField("bounds") and (
        math.isfinite(b.min) and math.isfinite(b.max) and 0 <= b.min < b.max <= 100
    )


def _rounding(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    if not rules.HasField("rounding"):
        yield Violation("rounding", "expected the output rounding (decimals, mode)")
        return
    r = rules.rounding
    if not 0 <= r.decimals <= MAX_DECIMALS:
        yield Violation("rounding.decimals", f"expected 0 to {MAX_DECIMALS}; got {r.decimals}")
    if r.mode != ruleset_pb2.ROUNDING_MODE_HALF_UP:
        yield Violation("rounding.mode", "expected ROUNDING_MODE_HALF_UP")
    yield from _reference("rounding.reference", r.HasField("reference"), r.reference)


def _categories(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    scheme = rules.categories
    if not rules.HasField("categories") or not scheme.categories:
        yield Violation("categories.categories", "expected at least one category")
        return
    if not scheme.name.strip():
        yield Violation("categories.name", "expected the scheme's name")
    seen: set[str] = set()
    previous: float | None = None
    for i, category in enumerate(scheme.categories):
        path = f"categories.categories[{i}]"
        if not ID_PATTERN.fullmatch(category.id):
            yield Violation(f"{path}.id", f"expected a lower-case id; got {category.id!r}")
        elif category.id in seen:
            yield Violation(f"{path}.id", f"expected a unique id; {category.id!r} is repeated")
        seen.add(category.id)
        yield from _lower_bound(rules, i, previous)
        if math.isfinite(category.lower_bound):
            previous = category.lower_bound
    yield from _reference("categories.reference", scheme.HasField("reference"), scheme.reference)


def _lower_bound(rules: ruleset_pb2.Ruleset, i: int, previous: float | None) -> Iterator[Violation]:
    path = f"categories.categories[{i}].lower_bound"
    bound = rules.categories.categories[i].lower_bound
    # Invalid bounds are reported once, under "bounds"; the categories are then checked
    # against the default scale rather than against the invalid numbers.
    low, high = (rules.bounds.min, rules.bounds.max) if _valid_bounds(rules) else DEFAULT_SCALE
    if not math.isfinite(bound):
        yield Violation(path, f"expected a finite number; got {bound!r}")
    elif i == 0 and bound != low:
        yield Violation(
            path, f"the lowest category must start at the index minimum {low!r}; got {bound!r}"
        )
    elif previous is not None and not previous < bound <= high:
        yield Violation(
            path,
            f"expected a bound above the previous one ({previous!r}) and at most {high!r}; got {bound!r}",
        )
    elif (
        0 <= rules.rounding.decimals <= MAX_DECIMALS
        and value_to_steps(bound, rules.rounding.decimals) is None
    ):
        yield Violation(
            path,
            f"expected a multiple of the output precision ({rules.rounding.decimals} decimals), "
            f"since categories are decided on the rounded index; got {bound!r}",
        )
    elif previous is not None and _same_step(previous, bound, rules.rounding.decimals):
        yield Violation(
            path,
            f"expected a bound above the previous one ({previous!r}) at the output precision "
            f"({rules.rounding.decimals} decimals); got {bound!r}",
        )


def _same_step(a: float, b: float, decimals: int) -> bool:
    """Whether two bounds fall on the same step of the output precision (73 and 73.000000001)."""
    return 0 <= decimals <= MAX_DECIMALS and value_to_steps(a, decimals) == value_to_steps(
        b, decimals
    )


def _notes(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    for i, note in enumerate(rules.notes):
        if not note.topic.strip():
            yield Violation(f"notes[{i}].topic", "expected a topic")
        if not note.text.strip():
            yield Violation(f"notes[{i}].text", "expected a text")
        if note.HasField("reference"):
            yield from _reference(f"notes[{i}].reference", True, note.reference)


MAX_REGIONAL_CLASS = 100
"""n and m of a regional class are small integers; anything larger is a typo."""


def _category_references(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    for i, category in enumerate(rules.categories.categories):
        if category.HasField("reference"):
            path = f"categories.categories[{i}].reference"
            yield from _reference(path, True, category.reference)


def _regional(rules: ruleset_pb2.Ruleset) -> Iterator[Violation]:
    """The inferred regional element, when present: U > 0, a flag, unique ids, 1 <= n, 0 <= m.

    The class table may be empty (the bundled spi-2022): the rule is then not configured.
    """
    if not rules.correction.HasField("regional"):
        return
    regional = rules.correction.regional
    path = "correction.regional"
    if not (math.isfinite(regional.unit_points) and regional.unit_points > 0):
        yield Violation(
            f"{path}.unit_points", f"expected a positive number; got {regional.unit_points!r}"
        )
    if not regional.flag.strip():
        yield Violation(f"{path}.flag", "expected the input flag the rule is for")
    seen: set[str] = set()
    for i, entry in enumerate(regional.classes):
        where = f"{path}.classes[{i}]"
        if not entry.unit_id.strip():
            yield Violation(f"{where}.unit_id", "expected a unit id")
        elif entry.unit_id in seen:
            yield Violation(f"{where}.unit_id", f"expected a unique id; {entry.unit_id!r} repeats")
        seen.add(entry.unit_id)
        if not 1 <= entry.n <= MAX_REGIONAL_CLASS:
            yield Violation(f"{where}.n", f"expected 1 to {MAX_REGIONAL_CLASS}; got {entry.n}")
        if not 0 <= entry.m <= MAX_REGIONAL_CLASS:
            yield Violation(f"{where}.m", f"expected 0 to {MAX_REGIONAL_CLASS}; got {entry.m}")
    yield from _reference(f"{path}.reference", regional.HasField("reference"), regional.reference)
