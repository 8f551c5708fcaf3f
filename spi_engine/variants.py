"""Ruleset variants ("reforms"): other weights, category bounds or correction factors.

A variant is derived from a copy of its base ruleset's message (``Ruleset.to_message()``), so the
base never changes. Every number the variant changes gets a new reference with
``BASIS_ASSUMED``, a source naming the base (id and sha256) and a note; a ``variant_of`` note
records the whole change. The result is validated like any ruleset (``ruleset.from_message``)
and has its own sha256.

>>> from spi_engine import bundled
>>> base = bundled().get("spi-2024")
>>> strict = derive_variant(base, Variant(id="spi-2024-strict", lower_bounds=(("terjaga", 80.0),)))
>>> strict.lower_bound_steps, strict.sha256 != base.sha256
((0, 7300, 8000), True)
"""

from __future__ import annotations

from dataclasses import dataclass

from spi.v1 import ruleset_pb2

from .errors import InvalidRulesetError, Violation, shown
from .ruleset import Ruleset, from_message


@dataclass(frozen=True)
class Variant:
    """What a variant changes. Fields left at None (or empty) keep the base ruleset's value."""

    id: str
    """the variant's ruleset id; must differ from the base's"""
    label: str = ""
    """defaults to the base label with ``(variant <id>)``"""
    weights: tuple[float, float, float] | None = None
    """internal, external, expert; non-negative, summing to 1"""
    lower_bounds: tuple[tuple[str, float], ...] = ()
    """(category id, new lower bound) pairs"""
    correction_factors: tuple[float, float] | None = None
    """integrity, prevalence"""
    note: str = ""
    """why: goes into every changed reference and the ``variant_of`` note"""


def derive_variant(base: Ruleset, variant: Variant) -> Ruleset:
    """The validated variant of ``base``; InvalidRulesetError names the field otherwise."""
    origin = f"variant {shown(variant.id)} of {base.id!r}"
    if variant.id == base.id:
        raise InvalidRulesetError(
            [Violation("id", f"expected an id other than the base's; got {shown(variant.id)}")],
            context=origin,
        )
    rules = base.to_message()
    rules.id = variant.id
    rules.label = variant.label or f"{base.label} (variant {variant.id})"
    changes = [
        *_set_weights(rules, base, variant),
        *_set_bounds(rules, base, variant, origin),
        *_set_factors(rules, base, variant),
    ]
    summary = "; ".join(changes) or "no number changed"
    rules.description = f"Variant of {base.id}: {summary}. {rules.description}".strip()
    note = rules.notes.add(
        topic="variant_of", text=f"Derived from {base.id} (sha256 {base.sha256}): {summary}."
    )
    note.reference.CopyFrom(_reference(base, variant, "the variant as a whole"))
    return from_message(rules, origin)


def _reference(base: Ruleset, variant: Variant, what: str) -> ruleset_pb2.Reference:
    why = variant.note.strip() or "set by the scenario's author"
    return ruleset_pb2.Reference(
        source=f"variant of ruleset {base.id} (sha256 {base.sha256})",
        basis=ruleset_pb2.BASIS_ASSUMED,
        note=f"{what}: {why}; not stated by KPK.",
    )


def _set_weights(rules: ruleset_pb2.Ruleset, base: Ruleset, variant: Variant) -> list[str]:
    if variant.weights is None:
        return []
    w_int, w_ext, w_exp = (float(w) for w in variant.weights)
    rules.weights.internal, rules.weights.external, rules.weights.expert = w_int, w_ext, w_exp
    rules.weights.reference.CopyFrom(_reference(base, variant, "weights"))
    return [f"weights {w_int!r}/{w_ext!r}/{w_exp!r} (base {'/'.join(map(repr, base.weights))})"]


def _set_bounds(
    rules: ruleset_pb2.Ruleset, base: Ruleset, variant: Variant, origin: str
) -> list[str]:
    if not variant.lower_bounds:
        return []
    categories = rules.categories.categories
    positions = {c.id: i for i, c in enumerate(categories)}
    changes = []
    for i, (category, bound) in enumerate(variant.lower_bounds):
        if category not in positions:
            raise InvalidRulesetError(
                [
                    Violation(
                        f"lower_bounds[{i}]",
                        f"expected a category of {base.id} ({', '.join(positions)}); got {shown(category)}",
                    )
                ],
                context=origin,
            )
        old = categories[positions[category]].lower_bound
        categories[positions[category]].lower_bound = float(bound)
        changes.append(f"{category} from {float(bound)!r} (base {old!r})")
    rules.categories.name = f"{rules.categories.name}, variant bounds"
    rules.categories.reference.CopyFrom(_reference(base, variant, "category bounds"))
    return ["category bounds " + ", ".join(changes)]


def _set_factors(rules: ruleset_pb2.Ruleset, base: Ruleset, variant: Variant) -> list[str]:
    if variant.correction_factors is None:
        return []
    f_int, f_prev = (float(f) for f in variant.correction_factors)
    rules.correction.integrity.factor, rules.correction.prevalence.factor = f_int, f_prev
    for part in (rules.correction.integrity, rules.correction.prevalence):
        part.reference.CopyFrom(_reference(base, variant, "correction factor"))
    old = "/".join(map(repr, base.correction_factors))
    return [f"correction factors {f_int!r}/{f_prev!r} (base {old})"]
