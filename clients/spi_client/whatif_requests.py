"""Plain Python values to spi.v1 simulation request parts, for :class:`~spi_client.SpiClient`.

Each function accepts the message itself too (it is passed through), so callers may build any
part by hand. Interventions and variants may be given as dicts, tuples, or any object with the
same attributes (``spi_engine.whatif.Intervention`` and ``Variant`` work as they are).

>>> scenario_message([("external", "add", 3.0)], name="ext+3").interventions[0].value
3.0
>>> selection_message(dataset="spi-published", year=2024, unit_ids=["259908"]).dataset.year
2024
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spi.v1 import ruleset_pb2, scoring_pb2
from spi.v1 import simulation_pb2 as pb
from spi_engine.tabular import NUMBER
from spi_engine.units import COMPONENTS

OPERATIONS = {
    "set": pb.OPERATION_SET,
    "add": pb.OPERATION_ADD,
    "scale": pb.OPERATION_SCALE,
    "cap": pb.OPERATION_CAP,
}


def selection_message(
    units: Iterable[scoring_pb2.UnitInput] | None = None,
    *,
    dataset: str = "",
    year: int = 0,
    groups: Sequence[str] = (),
    unit_ids: Sequence[str] = (),
) -> pb.UnitSelection:
    """Inline units (UnitInput messages) or a dataset selection; exactly one of the two."""
    if (units is None) == (not dataset):
        raise ValueError("give either units or a dataset name (not both, not neither)")
    if units is not None:
        return pb.UnitSelection(inline=pb.InlineUnits(units=list(units)))
    return pb.UnitSelection(
        dataset=pb.DatasetUnits(
            dataset=dataset, year=year, groups=list(groups), unit_ids=list(unit_ids)
        )
    )


def intervention_message(change: Any) -> pb.Intervention:
    """From a message, a (lever, operation, value) tuple, a dict, or an object with those names."""
    if isinstance(change, pb.Intervention):
        return change
    if isinstance(change, tuple):
        lever, operation, value = change
        fields: Mapping[str, Any] = {"lever": lever, "operation": operation, "value": value}
    elif isinstance(change, Mapping):
        fields = change
    else:
        names = ("lever", "operation", "value", "unit_ids", "groups")
        fields = {name: getattr(change, name) for name in names if hasattr(change, name)}
    operation = str(fields["operation"])
    if operation not in OPERATIONS:
        raise ValueError(f"operation: expected one of {', '.join(OPERATIONS)}; got {operation!r}")
    return pb.Intervention(
        lever=str(fields["lever"]),
        operation=OPERATIONS[operation],
        value=float(fields["value"]),
        unit_ids=list(fields.get("unit_ids", ())),
        groups=list(fields.get("groups", ())),
    )


def variant_message(variant: Any) -> pb.RulesetVariant:
    """From a message, a dict, or an object with the fields of ``spi_engine.whatif.Variant``."""
    if isinstance(variant, pb.RulesetVariant):
        return variant
    get = variant.get if isinstance(variant, Mapping) else lambda k, d=None: getattr(variant, k, d)
    message = pb.RulesetVariant(
        id=str(get("id", "")),
        label=str(get("label", "") or ""),
        note=str(get("note", "") or ""),
        lower_bounds=[
            pb.CategoryBound(category=c, lower_bound=float(b))
            for c, b in _pairs(get("lower_bounds", ()) or ())
        ],
    )
    weights = get("weights", None)
    if weights is not None:
        w = [float(x) for x in weights]
        message.weights.CopyFrom(pb.VariantWeights(internal=w[0], external=w[1], expert=w[2]))
    factors = get("correction_factors", None)
    if factors is not None:
        f = [float(x) for x in factors]
        message.correction_factors.CopyFrom(pb.VariantFactors(integrity=f[0], prevalence=f[1]))
    return message


def _pairs(bounds: Mapping[str, float] | Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    return list(bounds.items()) if isinstance(bounds, Mapping) else list(bounds)


def scenario_message(
    interventions: Iterable[Any] = (), *, variant: Any = None, name: str = ""
) -> pb.Scenario:
    """A Scenario message; ``interventions`` may also be a whole Scenario message."""
    if isinstance(interventions, pb.Scenario):
        return interventions
    message = pb.Scenario(name=name, interventions=[intervention_message(c) for c in interventions])
    if variant is not None:
        message.variant.CopyFrom(variant_message(variant))
    return message


def target_message(target: str | float) -> pb.Target:
    """A category id (str) or a published index value (number)."""
    if isinstance(target, str):
        return pb.Target(category=target)
    return pb.Target(index=float(target))


def costs_message(
    costs: Mapping[str, float], max_change: Mapping[str, float] | None = None
) -> list[pb.LeverCost]:
    """Cost per point of each lever (and optionally the most each may move)."""
    bounds = max_change or {}
    unknown = sorted(set(bounds) - set(costs))
    if unknown:
        raise ValueError(f"max_change: expected levers listed in costs; got {unknown}")
    found = []
    for lever, cost in costs.items():
        item = pb.LeverCost(lever=lever, cost_per_point=float(cost))
        if lever in bounds:
            item.max_change = float(bounds[lever])
        found.append(item)
    return found


def axis_message(axis: Any) -> pb.SweepAxis:
    """From a message, (lever, start, stop, step), (lever, [values]), or an object with
    ``lever`` and ``values`` (``spi_engine.whatif.Axis``)."""
    if isinstance(axis, pb.SweepAxis):
        return axis
    if isinstance(axis, tuple) and len(axis) == 4:
        lever, start, stop, step = axis
        span = pb.AxisRange(start=float(start), stop=float(stop), step=float(step))
        return pb.SweepAxis(lever=str(lever), range=span)
    lever, values = axis if isinstance(axis, tuple) else (axis.lever, axis.values)
    return pb.SweepAxis(lever=str(lever), list=pb.AxisValues(values=[float(v) for v in values]))


def sampling_message(
    *,
    standard_errors: Any = None,
    respondents: Any = None,
    deviations: Any = None,
    population: Any = None,
) -> pb.SamplingInput:
    """Standard errors, or respondents with deviations (and optionally population sizes).

    Each is a row of three numbers (internal, external, expert) for every unit, or one row for
    all units; None or NaN in ``population`` means no finite-population correction.
    """
    if (standard_errors is None) == (respondents is None):
        raise ValueError("give either standard_errors or respondents (with deviations)")
    if standard_errors is not None:
        return pb.SamplingInput(
            standard_errors=pb.StandardErrors(
                units=[_components(r) for r in _rows(standard_errors)]
            )
        )
    if deviations is None:
        raise ValueError("respondents need deviations (one standard deviation per component)")
    counts, spread = _rows(respondents), _rows(deviations)
    sizes = _rows(population) if population is not None else [None] * len(counts)
    samples = []
    for count, sd, size in zip(counts, spread, sizes, strict=True):
        sample = pb.RespondentSample(respondents=_components(count), deviations=_components(sd))
        if size is not None:
            sample.population.CopyFrom(_components(size))
        samples.append(sample)
    return pb.SamplingInput(respondents=pb.RespondentSamples(units=samples))


SAMPLING_FORM = (
    "expected, for all units, {'internal': N, 'external': N, 'expert': N} (as costs=), "
    "['internal=N', 'external=N', 'expert=N'] (as the CLI) or [N, N, N]; or one such row per unit"
)


def _rows(values: Any) -> list[list[Any]]:
    """Rows of three values (internal, external, expert); one row stands for every unit.

    A row is three numbers, a dict by component name, or ``name=value`` texts as the CLI takes.
    """
    if isinstance(values, Mapping) or (
        isinstance(values, Sequence)
        and not isinstance(values, str)
        and values
        and all(isinstance(v, str) for v in values)
    ):
        return [_row(values)]
    if isinstance(values, str):
        raise ValueError(f"{SAMPLING_FORM}; got the text {values!r}")
    items = list(values.tolist() if hasattr(values, "tolist") else values)
    if items and not isinstance(items[0], Iterable):
        return [_row(items)]
    return [_row(row) for row in items]


def _row(row: Any) -> list[Any]:
    if isinstance(row, str):
        raise ValueError(f"{SAMPLING_FORM}; got the text {row!r}")
    if isinstance(row, Mapping) or (row and all(isinstance(v, str) for v in row)):
        named = dict(row) if isinstance(row, Mapping) else dict(_pair(text) for text in row)
        unknown = sorted(set(named) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"{SAMPLING_FORM}; got unknown component(s) {unknown}")
        return [named.get(name) for name in COMPONENTS]
    values = list(row)
    if len(values) != len(COMPONENTS):
        raise ValueError(f"{SAMPLING_FORM}; got a row of {len(values)} values")
    return values


def _pair(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not NUMBER.fullmatch(value.strip()):
        raise ValueError(f"{SAMPLING_FORM}; got {text!r}")
    return name.strip(), float(value)


def _components(row: Sequence[Any]) -> pb.ComponentValues:
    message = pb.ComponentValues()
    for name, value in zip(COMPONENTS, row, strict=True):
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            setattr(message, name, float(value))
    return message


def ruleset_choice_message(rules: Any, base: str = "") -> pb.RulesetChoice:
    """A loaded id (str), a whole Ruleset message, or a variant of ``base`` (dict or object)."""
    if isinstance(rules, pb.RulesetChoice):
        return rules
    if isinstance(rules, str):
        return pb.RulesetChoice(id=rules)
    if isinstance(rules, ruleset_pb2.Ruleset):
        return pb.RulesetChoice(ruleset=rules)
    if not base:
        raise ValueError("a variant needs the id of its base ruleset")
    return pb.RulesetChoice(variant=pb.VariantOf(base_id=base, variant=variant_message(rules)))
