"""Conversion between spi.v1 simulation messages and what-if values: pure named functions.

Inputs travel both ways (``*_from_pb`` builds the library's value, ``*_to_pb`` the message; each
pair round-trips), results one way (``*_to_pb``, in :mod:`spi_engine.api.whatif_results` and
:mod:`spi_engine.api.whatif_changes`, re-exported here). The server and the CLI in-process both
use these, so their messages are the same bytes.

Errors name the request's field paths (``scenario.interventions[0].operation``,
``costs[1].cost_per_point``, ``sampling.respondents.units[2].deviations.expert``).

>>> from spi.v1 import simulation_pb2
>>> message = scenario_to_pb(Scenario((Intervention("external", "add", 3.0),), name="ext+3"))
>>> message.interventions[0].operation == simulation_pb2.OPERATION_ADD
True
>>> scenario_from_pb(message) == Scenario((Intervention("external", "add", 3.0),), name="ext+3")
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeVar

import numpy as np

from spi.v1 import simulation_pb2 as pb

from ..errors import InvalidInputError, LimitExceededError, Violation, shown
from ..levers import LEVERS
from ..scenario import Intervention, Scenario
from ..sweep import Axis, axis, range_steps
from ..text_limits import check_lengths
from ..uncertainty import Sampling, sampling_from_errors, sampling_from_respondents
from ..units import COMPONENTS
from ..variants import Variant
from .whatif_changes import (
    comparison_summary_to_pb,
    dataset_simulation_to_pb,
    impact_to_pb,
    simulation_to_pb,
)
from .whatif_results import (
    datasets_to_pb,
    estimate_to_pb,
    goal_seek_to_pb,
    lever_answers_to_pb,
    plan_to_pb,
    sensitivity_to_pb,
    sweep_to_pb,
)

__all__ = [
    "axes_from_pb",
    "axes_to_pb",
    "axis_range_to_pb",
    "comparison_summary_to_pb",
    "costs_from_pb",
    "costs_to_pb",
    "dataset_simulation_to_pb",
    "datasets_to_pb",
    "estimate_to_pb",
    "goal_seek_to_pb",
    "impact_to_pb",
    "intervention_from_pb",
    "intervention_to_pb",
    "lever_answers_to_pb",
    "plan_to_pb",
    "prefixed",
    "sampling_from_pb",
    "sampling_to_pb",
    "scenario_from_pb",
    "scenario_to_pb",
    "sensitivity_to_pb",
    "simulation_to_pb",
    "sweep_to_pb",
    "target_from_pb",
    "target_to_pb",
    "variant_from_pb",
    "variant_to_pb",
]

RowT = TypeVar("RowT", pb.RespondentSample, pb.ComponentValues)

OPERATIONS = {
    pb.OPERATION_SET: "set",
    pb.OPERATION_ADD: "add",
    pb.OPERATION_SCALE: "scale",
    pb.OPERATION_CAP: "cap",
}
OPERATION_CODES = {name: code for code, name in OPERATIONS.items()}


@contextmanager
def prefixed(prefix: str, old: str = "") -> Iterator[None]:
    """Re-raise InvalidInputError with every field path under ``prefix`` (replacing ``old``).

    >>> try:
    ...     with prefixed("units.dataset"):
    ...         raise InvalidInputError([Violation("unit_ids[0]", "no such unit")])
    ... except InvalidInputError as error:
    ...     print(error)
    units.dataset.unit_ids[0]: no such unit
    """
    try:
        yield
    except InvalidInputError as error:
        raise InvalidInputError(
            [Violation(_under(prefix, old, v.field), v.description) for v in error.violations],
            context=error.context,
            total=error.total,
        ) from None


def _under(prefix: str, old: str, field: str) -> str:
    if old and field.startswith(old):
        field = field[len(old) :].lstrip(".")
    if not field:
        return prefix
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


def _invalid(field: str, description: str) -> InvalidInputError:
    return InvalidInputError([Violation(field, description)])


def intervention_from_pb(message: pb.Intervention, field: str) -> Intervention:
    """The library's Intervention; an unset or unknown operation is an error naming ``field``."""
    if message.operation not in OPERATIONS:
        names = ", ".join(pb.Operation.Name(code) for code in OPERATIONS)
        got = pb.Operation.Name(message.operation) if message.operation == 0 else message.operation
        raise _invalid(f"{field}.operation", f"expected one of {names}; got {got}")
    check_lengths(
        (message.unit_ids, lambda i: f"{field}.unit_ids[{i}]"),
        (message.groups, lambda i: f"{field}.groups[{i}]"),
    )
    return Intervention(
        lever=message.lever,
        operation=OPERATIONS[message.operation],
        value=message.value,
        unit_ids=tuple(message.unit_ids),
        groups=tuple(message.groups),
    )


def intervention_to_pb(change: Intervention) -> pb.Intervention:
    if change.operation not in OPERATION_CODES:
        raise _invalid(
            "operation", f"expected one of {', '.join(OPERATION_CODES)}; got {change.operation!r}"
        )
    return pb.Intervention(
        lever=change.lever,
        operation=OPERATION_CODES[change.operation],
        value=float(change.value),
        unit_ids=change.unit_ids,
        groups=change.groups,
    )


def variant_from_pb(message: pb.RulesetVariant) -> Variant:
    weights = message.weights if message.HasField("weights") else None
    factors = message.correction_factors if message.HasField("correction_factors") else None
    return Variant(
        id=message.id,
        label=message.label,
        weights=None if weights is None else (weights.internal, weights.external, weights.expert),
        lower_bounds=tuple((b.category, b.lower_bound) for b in message.lower_bounds),
        correction_factors=None if factors is None else (factors.integrity, factors.prevalence),
        note=message.note,
    )


def variant_to_pb(variant: Variant) -> pb.RulesetVariant:
    message = pb.RulesetVariant(
        id=variant.id,
        label=variant.label,
        lower_bounds=[
            pb.CategoryBound(category=c, lower_bound=float(b)) for c, b in variant.lower_bounds
        ],
        note=variant.note,
    )
    if variant.weights is not None:
        w_int, w_ext, w_exp = (float(w) for w in variant.weights)
        message.weights.CopyFrom(pb.VariantWeights(internal=w_int, external=w_ext, expert=w_exp))
    if variant.correction_factors is not None:
        f_int, f_prev = (float(f) for f in variant.correction_factors)
        message.correction_factors.CopyFrom(pb.VariantFactors(integrity=f_int, prevalence=f_prev))
    return message


def scenario_from_pb(message: pb.Scenario, field: str = "scenario") -> Scenario:
    """The library's Scenario from its message (field paths under ``field``)."""
    return Scenario(
        interventions=tuple(
            intervention_from_pb(change, f"{field}.interventions[{i}]")
            for i, change in enumerate(message.interventions)
        ),
        variant=variant_from_pb(message.variant) if message.HasField("variant") else None,
        name=message.name,
    )


def scenario_to_pb(scenario: Scenario) -> pb.Scenario:
    message = pb.Scenario(
        name=scenario.name,
        interventions=[intervention_to_pb(change) for change in scenario.interventions],
    )
    if scenario.variant is not None:
        message.variant.CopyFrom(variant_to_pb(scenario.variant))
    return message


def target_from_pb(message: pb.Target, field: str = "target") -> str | float:
    """A category id or an index value; neither is an error."""
    which = message.WhichOneof("target")
    if which is None:
        raise _invalid(field, "expected a category (e.g. 'waspada') or an index; got neither")
    return message.category if which == "category" else message.index


def target_to_pb(target: str | float) -> pb.Target:
    if isinstance(target, str):
        return pb.Target(category=target)
    return pb.Target(index=float(target))


def costs_from_pb(
    costs: Sequence[pb.LeverCost], field: str = "costs"
) -> tuple[dict[str, float], dict[str, float]]:
    """(cost per point, max change) by lever; unknown or repeated levers and negatives are errors."""
    cost: dict[str, float] = {}
    bound: dict[str, float] = {}
    for i, item in enumerate(costs):
        where = f"{field}[{i}]"
        if item.lever not in LEVERS:
            raise _invalid(
                f"{where}.lever",
                f"expected a lever, one of {', '.join(LEVERS)}; got {shown(item.lever)}",
            )
        if item.lever in cost:
            raise _invalid(
                f"{where}.lever", f"expected each lever once; got {shown(item.lever)} again"
            )
        cost[item.lever] = _at_least_zero(item.cost_per_point, f"{where}.cost_per_point")
        if item.HasField("max_change"):
            bound[item.lever] = _at_least_zero(item.max_change, f"{where}.max_change")
    return cost, bound


def _at_least_zero(value: float, field: str) -> float:
    if not (np.isfinite(value) and value >= 0):
        raise _invalid(field, f"expected a finite number >= 0; got {value!r}")
    return float(value)


def costs_to_pb(
    costs: Mapping[str, float], max_change: Mapping[str, float] | None = None
) -> list[pb.LeverCost]:
    """LeverCost messages in the order of ``costs``; an infinite bound is left unset."""
    bounds = max_change or {}
    messages = []
    for lever, cost in costs.items():
        message = pb.LeverCost(lever=lever, cost_per_point=float(cost))
        if lever in bounds and np.isfinite(bounds[lever]):
            message.max_change = float(bounds[lever])
        messages.append(message)
    return messages


def axes_from_pb(axes: Sequence[pb.SweepAxis], max_values: int, field: str = "axes") -> list[Axis]:
    """Axes from messages; a range with more than ``max_values`` values is refused before it exists."""
    found = []
    for i, message in enumerate(axes):
        which = message.WhichOneof("values")
        where = f"{field}[{i}]"
        if which == "range":
            found.append(_range_axis(message.lever, message.range, max_values, f"{where}.range"))
        elif which == "list":
            if len(message.list.values) > max_values:
                raise LimitExceededError("sweep grid points", max_values, len(message.list.values))
            found.append(Axis(message.lever, np.array(message.list.values, dtype=np.float64)))
        else:
            raise _invalid(where, "expected a range (start, stop, step) or a list of values")
    return found


def _range_axis(lever: str, span: pb.AxisRange, max_values: int, field: str) -> Axis:
    with prefixed(field, "axis"):
        first, last, width = range_steps(span.start, span.stop, span.step)
        count = (last - first) // width + 1  # in integers: no overflow, no rounding
        if count > max_values:
            raise LimitExceededError("sweep grid points", max_values, count)
        return axis(lever, span.start, span.stop, span.step)


def axes_to_pb(axes: Sequence[Axis]) -> list[pb.SweepAxis]:
    """Axes as listed values (exact on the 0.01 grid)."""
    return [
        pb.SweepAxis(lever=each.lever, list=pb.AxisValues(values=np.asarray(each.values).tolist()))
        for each in axes
    ]


def axis_range_to_pb(lever: str, start: float, stop: float, step: float) -> pb.SweepAxis:
    """An axis as a range: compact on the wire whatever its length."""
    return pb.SweepAxis(lever=lever, range=pb.AxisRange(start=start, stop=stop, step=step))


def sampling_from_pb(message: pb.SamplingInput, units: int, field: str = "sampling") -> Sampling:
    """The components' precision for ``units`` units (one entry per unit, or one for all)."""
    which = message.WhichOneof("form")
    if which == "standard_errors":
        where = f"{field}.standard_errors.units"
        errors = _matrix(_rows(message.standard_errors.units, units, where), where, "")
        with prefixed(where, "standard_errors"):
            return sampling_from_errors(errors)
    if which == "respondents":
        where = f"{field}.respondents.units"
        samples = _rows(message.respondents.units, units, where)
        counts = _matrix([u.respondents for u in samples], where, "respondents")
        spread = _matrix([u.deviations for u in samples], where, "deviations")
        size = _population(samples, where)
        with prefixed(where):
            return _respondents(counts, spread, size)
    raise _invalid(field, "expected standard errors or respondent samples; got neither")


def _respondents(counts: np.ndarray, spread: np.ndarray, size: np.ndarray | None) -> Sampling:
    try:
        return sampling_from_respondents(counts, spread, size)
    except InvalidInputError as error:
        raise InvalidInputError(
            [Violation(_cell_path(v.field), v.description) for v in error.violations]
        ) from None


def _cell_path(field: str) -> str:
    """``respondents[2].expert`` -> ``[2].respondents.expert`` (the message's own nesting)."""
    name, _, rest = field.partition("[")
    row, _, component = rest.partition("].")
    return f"[{row}].{name}.{component}" if component else field


def _rows(rows: Sequence[RowT], units: int, field: str) -> list[RowT]:
    """One entry per unit: the entries given, or the one entry repeated."""
    if len(rows) == 1:
        return [rows[0]] * units
    if len(rows) != units:
        raise _invalid(
            field, f"expected one entry per unit ({units}) or one for every unit; got {len(rows)}"
        )
    return list(rows)


def _matrix(rows: Sequence[pb.ComponentValues], field: str, name: str) -> np.ndarray:
    for i, row in enumerate(rows):
        for component in COMPONENTS:
            if not row.HasField(component):
                path = f"{field}[{i}].{name}.{component}" if name else f"{field}[{i}].{component}"
                raise _invalid(path, "expected a number; got nothing (the field is absent)")
    return np.array(
        [[getattr(row, c) for c in COMPONENTS] for row in rows], dtype=np.float64
    ).reshape(-1, len(COMPONENTS))


def _population(rows: Sequence[pb.RespondentSample], where: str) -> np.ndarray | None:
    """Population sizes (NaN where unset: an unknown population); a value set to NaN or
    infinity is an error, not 'unknown'."""
    if not any(row.HasField("population") for row in rows):
        return None
    problems = [
        Violation(
            f"{where}[{i}].population.{c}",
            "expected a finite population (leave it unset when unknown); "
            f"got {getattr(row.population, c)!r}",
        )
        for i, row in enumerate(rows)
        for c in COMPONENTS
        if row.population.HasField(c) and not np.isfinite(getattr(row.population, c))
    ]
    if problems:
        raise InvalidInputError(problems[:20], total=len(problems))
    return np.array(
        [
            [
                getattr(row.population, c) if row.population.HasField(c) else np.nan
                for c in COMPONENTS
            ]
            for row in rows
        ],
        dtype=np.float64,
    )


def sampling_to_pb(sampling: Sampling) -> pb.SamplingInput:
    """Respondent samples when the counts are known, standard errors otherwise."""
    if np.isnan(sampling.respondents).any():
        return pb.SamplingInput(
            standard_errors=pb.StandardErrors(
                units=[_components(row) for row in sampling.standard_errors.tolist()]
            )
        )
    samples = []
    for counts, spread, size in zip(
        sampling.respondents.tolist(),
        sampling.deviations.tolist(),
        sampling.population.tolist(),
        strict=True,
    ):
        sample = pb.RespondentSample(
            respondents=_components(counts), deviations=_components(spread)
        )
        if any(np.isfinite(size)):
            sample.population.CopyFrom(_components(size))
        samples.append(sample)
    return pb.SamplingInput(respondents=pb.RespondentSamples(units=samples))


def _components(values: Sequence[float]) -> pb.ComponentValues:
    """ComponentValues with the finite values set (NaN and inf mean unknown or none)."""
    message = pb.ComponentValues()
    for name, value in zip(COMPONENTS, values, strict=True):
        if np.isfinite(value):
            setattr(message, name, float(value))
    return message
