"""Command-line option values of the what-if commands, parsed into spi.v1 simulation messages.

Pure functions from strings to messages; every error names the option as it was typed::

    --add external=3                 an intervention on every unit
    --add external=2@group:kabupaten  ... on the units of some groups (commas for several)
    --set internal=80@id:259908,280868  ... on some units by id
    --target waspada | --target 72.5  a category or a published index
    --cost external=2 --max external=10
    --axis external=80:100:0.5 | --axis expert=70,75,80
    --se internal=1.2 | --respondents internal=120 --sd internal=15

>>> parse_intervention("add", "external=2@group:kabupaten").groups
['kabupaten']
>>> parse_target("72.5").index, parse_target("terjaga").category
(72.5, 'terjaga')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from spi.v1 import simulation_pb2 as pb
from spi_engine.errors import InvalidInputError, Violation
from spi_engine.levers import LEVERS
from spi_engine.units import COMPONENTS

OPERATIONS = {
    "set": pb.OPERATION_SET,
    "add": pb.OPERATION_ADD,
    "scale": pb.OPERATION_SCALE,
    "cap": pb.OPERATION_CAP,
}
SCOPES = ("group", "id")
INTERVENTION_SYNTAX = "LEVER=VALUE, optionally @group:NAME[,NAME...] or @id:ID[,ID...]"


def bad(option: str, description: str) -> InvalidInputError:
    """An error about one command-line option (named as typed, e.g. ``--add external=x``)."""
    return InvalidInputError([Violation(option, description)])


def number(text: str, option: str, what: str = "a number") -> float:
    """A finite number, or an error naming ``option``."""
    try:
        value = float(text)
    except ValueError:
        raise bad(option, f"expected {what}; got {text!r}") from None
    if not math.isfinite(value):
        raise bad(option, f"expected {what}; got {text!r}")
    return value


def lever_name(text: str, option: str) -> str:
    """A lever name; ``correction-integrity`` is read as ``correction_integrity``."""
    name = text.strip().replace("-", "_")
    if name not in LEVERS:
        raise bad(option, f"unknown lever {text.strip()!r}; expected one of {', '.join(LEVERS)}")
    return name


def pair(text: str, option: str, syntax: str = "LEVER=VALUE") -> tuple[str, str]:
    """``NAME=VALUE`` split at its first ``=``; anything else is an error showing ``syntax``."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise bad(option, f"expected {syntax}; got {text!r}")
    return name.strip(), value.strip()


def names(texts: Sequence[str]) -> list[str]:
    """Names given as repeated options and/or comma lists, in order, blanks dropped.

    >>> names(["kota, kabupaten", "provinsi"])
    ['kota', 'kabupaten', 'provinsi']
    """
    return [name.strip() for text in texts for name in text.split(",") if name.strip()]


def parse_intervention(operation: str, text: str) -> pb.Intervention:
    """``--OPERATION LEVER=VALUE[@group:...|@id:...]`` as an Intervention message."""
    option = f"--{operation} {text}"
    body, at, scope = text.partition("@")
    lever, value = pair(body, option, INTERVENTION_SYNTAX)
    change = pb.Intervention(
        lever=lever_name(lever, option),
        operation=OPERATIONS[operation],
        value=number(value, option, "a number after '='"),
    )
    if at:
        kind, members = _scope(scope, option)
        (change.groups if kind == "group" else change.unit_ids).extend(members)
    return change


def _scope(text: str, option: str) -> tuple[str, list[str]]:
    kind, colon, rest = text.partition(":")
    members = names([rest])
    if not colon or kind.strip() not in SCOPES or not members:
        raise bad(
            option,
            f"expected a scope group:NAME[,NAME...] or id:ID[,ID...] after '@'; got {text!r}",
        )
    return kind.strip(), members


def describe_intervention(change: pb.Intervention) -> str:
    """An intervention as the command line wrote it: ``add external=2@group:kabupaten``."""
    operation = pb.Operation.Name(change.operation).removeprefix("OPERATION_").lower()
    scope = ""
    if change.groups:
        scope = "@group:" + ",".join(change.groups)
    elif change.unit_ids:
        scope = "@id:" + ",".join(change.unit_ids)
    return f"{operation} {change.lever}={change.value:g}{scope}"


def parse_target(text: str) -> pb.Target:
    """A category id, or a published index when it reads as a number."""
    try:
        value = float(text)
    except ValueError:
        return pb.Target(category=text.strip())
    if not math.isfinite(value):
        raise bad(f"--target {text}", f"expected a category or an index; got {text!r}")
    return pb.Target(index=value)


def parse_costs(costs: Sequence[str], bounds: Sequence[str]) -> list[pb.LeverCost]:
    """``--cost LEVER=C`` and ``--max LEVER=M`` as LeverCost messages, in the order of --cost."""
    found: dict[str, pb.LeverCost] = {}
    for text in costs:
        option = f"--cost {text}"
        lever, value = pair(text, option, "LEVER=COST (cost per point moved)")
        name = lever_name(lever, option)
        if name in found:
            raise bad(option, f"expected each lever once; {name} has a cost already")
        found[name] = pb.LeverCost(lever=name, cost_per_point=number(value, option))
    for text in bounds:
        option = f"--max {text}"
        lever, value = pair(text, option, "LEVER=POINTS (largest change)")
        name = lever_name(lever, option)
        if name not in found:
            raise bad(option, f"a bound needs a cost: add --cost {name}=COST")
        found[name].max_change = number(value, option)
    return list(found.values())


def parse_levers(texts: Sequence[str]) -> list[str]:
    """``--lever`` values (repeated or comma lists) as lever names."""
    return [lever_name(name, f"--lever {name}") for name in names(texts)]


def parse_axis(text: str) -> pb.SweepAxis:
    """``LEVER=START:STOP[:STEP]`` (STEP defaults to 1) or ``LEVER=V1,V2,...``."""
    option = f"--axis {text}"
    syntax = "LEVER=START:STOP[:STEP] or LEVER=V1,V2,..."
    lever, spec = pair(text, option, syntax)
    axis = pb.SweepAxis(lever=lever_name(lever, option))
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise bad(option, f"expected {syntax}; got {text!r}")
        start, stop, step = (number(p, option) for p in [*parts, "1"][:3])
        axis.range.CopyFrom(pb.AxisRange(start=start, stop=stop, step=step))
    else:
        axis.list.values.extend(number(v, option) for v in spec.split(","))
    return axis


def parse_variant(
    variant_id: str, weights: str | None, bounds: Sequence[str], factors: str | None, note: str
) -> pb.RulesetVariant | None:
    """A ruleset variant from ``--weights``, ``--bound`` and ``--correction-factors`` (None: none)."""
    if weights is None and not bounds and factors is None:
        return None
    variant = pb.RulesetVariant(id=variant_id, note=note)
    if weights is not None:
        w = _numbers(weights, f"--weights {weights}", 3, "INTERNAL,EXTERNAL,EXPERT")
        variant.weights.CopyFrom(pb.VariantWeights(internal=w[0], external=w[1], expert=w[2]))
    for text in bounds:
        category, value = pair(text, f"--bound {text}", "CATEGORY=LOWER_BOUND")
        variant.lower_bounds.add(category=category, lower_bound=number(value, f"--bound {text}"))
    if factors is not None:
        f = _numbers(factors, f"--correction-factors {factors}", 2, "INTEGRITY,PREVALENCE")
        variant.correction_factors.CopyFrom(pb.VariantFactors(integrity=f[0], prevalence=f[1]))
    return variant


def _numbers(text: str, option: str, count: int, syntax: str) -> list[float]:
    parts = text.split(",")
    if len(parts) != count:
        raise bad(option, f"expected {count} numbers {syntax}; got {text!r}")
    return [number(part, option) for part in parts]


def component_values(texts: Sequence[str], option: str) -> pb.ComponentValues | None:
    """``--se internal=1.2`` options (one per component) as ComponentValues; None when none given."""
    if not texts:
        return None
    values = pb.ComponentValues()
    for text in texts:
        where = f"{option} {text}"
        name, value = pair(text, where, "COMPONENT=VALUE")
        if name not in COMPONENTS:
            raise bad(where, f"expected a component ({', '.join(COMPONENTS)}); got {name!r}")
        setattr(values, name, number(value, where))
    missing = [name for name in COMPONENTS if not values.HasField(name)]
    if missing:
        given = " ".join(f"{option} {t}" for t in texts)
        raise bad(
            given,
            f"expected a value for each of {', '.join(COMPONENTS)}; missing {', '.join(missing)}",
        )
    return values


def parse_sampling(
    errors: Sequence[str],
    respondents: Sequence[str],
    deviations: Sequence[str],
    population: Sequence[str],
) -> pb.SamplingInput | None:
    """One SamplingInput for every unit from the options; None when no option is given."""
    se = component_values(errors, "--se")
    counts = component_values(respondents, "--respondents")
    spread = component_values(deviations, "--sd")
    size = component_values(population, "--population")
    if se is not None:
        if counts or spread or size:
            raise bad(
                "--se",
                "give standard errors (--se) or respondents (--respondents and --sd), not both",
            )
        return pb.SamplingInput(standard_errors=pb.StandardErrors(units=[se]))
    if counts is None and spread is None:
        if size is not None:
            raise bad("--population", "a population needs --respondents and --sd")
        return None
    if counts is None or spread is None:
        missing = "--respondents" if counts is None else "--sd"
        raise bad(
            missing,
            f"expected {missing} too: respondents and their standard deviations go together",
        )
    sample = pb.RespondentSample(respondents=counts, deviations=spread)
    if size is not None:
        sample.population.CopyFrom(size)
    return pb.SamplingInput(respondents=pb.RespondentSamples(units=[sample]))
