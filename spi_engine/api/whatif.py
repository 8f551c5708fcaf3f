"""Answers to the simulation requests: request message in, response message(s) out, pure.

One function per RPC (``simulate``, ``goal_seek``, ``sensitivity``, ``sweep``,
``estimate_uncertainty``, ``compare_rulesets``, ``list_datasets``): pick the units (inline or
from a dataset), resolve the ruleset, convert, call the library, convert. The server's handlers
call these, and so does the CLI in-process, so both produce the same messages. Streamed answers
are generators (summary first, then chunks). Limits (:class:`Limits`) bound the work a request
may ask for; past them a LimitExceededError names the limit, before anything large is allocated.

>>> from spi.v1 import simulation_pb2 as pb
>>> from spi_engine import bundled, units_from_columns
>>> from spi_engine.api.scoring_messages import units_to_pb
>>> from spi_engine.datasets import Datasets
>>> units = units_to_pb(units_from_columns([75.61], [89.02], [73.53], correction=[7.59]))
>>> request = pb.GoalSeekRequest(ruleset_id="spi-2024", target=pb.Target(category="waspada"),
...     units=pb.UnitSelection(inline=pb.InlineUnits(units=units)), levers=["external"])
>>> answer = goal_seek(request, Sources(bundled(), Datasets({})))
>>> answer.units[0].levers[0].change, answer.units[0].levers[0].new_category
(4.09, 'waspada')
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from spi.v1 import simulation_pb2 as pb

from .. import datasets, impact, plan, scenario
from .. import goal as goal_module
from .. import sensitivity as sensitivity_module
from .. import sweep as sweep_module
from .. import uncertainty as uncertainty_module
from ..catalog import Catalog
from ..certainty import respondents_for_certainty
from ..datasets import Dataset, Datasets
from ..errors import InvalidInputError, LimitExceededError, Violation
from ..ruleset import Ruleset, from_message
from ..text_limits import check_lengths
from ..units import Units
from ..variants import derive_variant
from ..version import __version__
from .scoring_messages import units_from_pb
from .whatif_changes import dataset_simulation_to_pb, impact_to_pb, simulation_to_pb
from .whatif_inputs import (
    axes_from_pb,
    costs_from_pb,
    prefixed,
    sampling_from_pb,
    scenario_from_pb,
    target_from_pb,
    variant_from_pb,
)
from .whatif_results import (
    datasets_to_pb,
    estimate_to_pb,
    goal_seek_to_pb,
    sensitivity_to_pb,
    sweep_to_pb,
)

__all__ = [
    "Limits",
    "Selection",
    "Sources",
    "compare_rulesets",
    "estimate_uncertainty",
    "goal_seek",
    "list_datasets",
    "select_units",
    "sensitivity",
    "simulate",
    "sweep",
]


@dataclass(frozen=True)
class Limits:
    """What one request may ask for (the server's flags set these)."""

    max_units: int = 100_000
    """units per request (inline or selected from a dataset)"""
    max_grid_points: int = sweep_module.DEFAULT_MAX_POINTS
    """sweep grid points, units x values"""
    max_draws: int = uncertainty_module.DEFAULT_MAX_DRAWS
    """Monte Carlo draws per unit"""
    max_draw_cells: int = 50_000_000
    """Monte Carlo units x draws"""
    chunk_size: int = 1000
    """rows or points per streamed message when the request does not say"""
    max_chunk_size: int = 10_000
    """rows or points per streamed message at most (keeps each message well under 4 MB)"""


@dataclass(frozen=True)
class Sources:
    """Where answers come from: the rulesets, the reference datasets and the limits."""

    rulesets: Catalog
    datasets: Datasets
    limits: Limits = Limits()


@dataclass(frozen=True)
class Selection:
    """The units a request names, and the dataset rows they come from (None when inline)."""

    units: Units
    dataset: Dataset | None


def select_units(message: pb.UnitSelection, sources: Sources, field: str = "units") -> Selection:
    """The units of a selection: inline (validated) or picked from a dataset."""
    which = message.WhichOneof("source")
    limit = sources.limits.max_units
    if which == "inline":
        given = message.inline.units
        if not given:
            raise _invalid(f"{field}.inline.units", "expected at least one unit; got none")
        if len(given) > limit:
            raise LimitExceededError("units per request", limit, len(given))
        return Selection(units_from_pb(given, f"{field}.inline.units"), None)
    if which == "dataset":
        picked = pick_rows(sources.datasets.get(message.dataset.dataset), message.dataset, field)
        if len(picked) > limit:
            raise LimitExceededError("units per request", limit, len(picked))
        return Selection(picked.units, picked)
    raise _invalid(field, "expected inline units or a dataset selection; got neither")


def pick_rows(data: Dataset, message: pb.DatasetUnits, field: str = "units") -> Dataset:
    """The rows of ``data`` a DatasetUnits message names (see the message's comment)."""
    where = f"{field}.dataset"
    check_lengths(
        (message.unit_ids, lambda i: f"{where}.unit_ids[{i}]"),
        (message.groups, lambda i: f"{where}.groups[{i}]"),
    )
    if message.year:
        with prefixed(f"{where}.year", "year"):
            data = data.for_year(message.year)
    if message.groups:
        have = np.asarray(data.units.groups, dtype=object)
        for i, group in enumerate(message.groups):
            if group not in set(data.units.groups):
                known = ", ".join(sorted({g for g in data.units.groups if g}))
                raise _invalid(
                    f"{where}.groups[{i}]",
                    f"dataset {data.name!r} has no unit in group {group!r} (empty selection); "
                    f"groups: {known}",
                )
        data = data.take(np.flatnonzero(np.isin(have, np.asarray(message.groups, dtype=object))))
    if message.unit_ids:
        _check_unique(data, message.unit_ids, where)
        with prefixed(where):
            data = data.take(data.rows_of(list(message.unit_ids)))
    if not len(data):
        raise _invalid(where, f"dataset {data.name!r} has no unit in this selection")
    return data


def _check_unique(data: Dataset, ids: Sequence[str], where: str) -> None:
    names, counts = np.unique(np.asarray(data.units.ids, dtype=object), return_counts=True)
    repeated = set(names[counts > 1].tolist())
    for i, unit_id in enumerate(ids):
        if unit_id in repeated:
            raise _invalid(
                f"{where}.unit_ids[{i}]",
                f"id {unit_id!r} names several rows of dataset {data.name!r} (years "
                f"{data.year_list}); expected a year to pick one",
            )


def _invalid(field: str, description: str) -> InvalidInputError:
    return InvalidInputError([Violation(field, description)])


def ruleset_for(ruleset_id: str, selection: Selection, sources: Sources) -> Ruleset:
    """The ruleset by id; for dataset rows of one year, ``spi-<year>`` when no id is given."""
    if ruleset_id:
        return sources.rulesets.get(ruleset_id)
    years = () if selection.dataset is None else selection.dataset.year_list
    if len(years) == 1 and years[0]:
        return sources.rulesets.for_year(years[0])
    hint = f" (the selection spans years {years}; set units.dataset.year)" if len(years) > 1 else ""
    raise _invalid("ruleset_id", f"expected a ruleset id such as 'spi-2024'; got nothing{hint}")


def chunk_size(requested: int, limits: Limits) -> int:
    """Rows per streamed message: the request's (at most the maximum), or the default."""
    if requested < 0:
        raise _invalid("chunk_size", f"expected a number >= 0 (0: the default); got {requested}")
    return min(requested or limits.chunk_size, limits.max_chunk_size)


def simulate(
    request: pb.SimulateRequest, sources: Sources, decision_id: str = ""
) -> Iterator[pb.SimulateResponse]:
    """Baseline beside scenario: per year for a dataset without a ruleset id."""
    selection = select_units(request.units, sources)
    scene = scenario_from_pb(request.scenario)
    size = chunk_size(request.chunk_size, sources.limits)
    if selection.dataset is None:
        rules = ruleset_for(request.ruleset_id, selection, sources)
        result = scenario.simulate(rules, selection.units, scene)
        return simulation_to_pb(
            result, chunk_size=size, changed_only=request.changed_only, decision_id=decision_id
        )
    over = datasets.simulate_dataset(
        selection.dataset,
        scene,
        catalog=sources.rulesets,
        ruleset=sources.rulesets.get(request.ruleset_id) if request.ruleset_id else None,
        exclude_flags=() if request.keep_withheld else datasets.DEFAULT_EXCLUDED,
    )
    return dataset_simulation_to_pb(
        over, chunk_size=size, changed_only=request.changed_only, decision_id=decision_id
    )


def goal_seek(
    request: pb.GoalSeekRequest, sources: Sources, decision_id: str = ""
) -> pb.GoalSeekResponse:
    """Single-lever answers, and the cheapest plan when the request gives costs."""
    selection = select_units(request.units, sources)
    rules = ruleset_for(request.ruleset_id, selection, sources)
    target = target_from_pb(request.target)
    levers = list(request.levers) or None
    seek = goal_module.goal_seek(rules, selection.units, target, levers)
    cheapest = None
    if request.costs:
        costs, bounds = costs_from_pb(request.costs)
        cheapest = plan.cheapest_plan(rules, selection.units, target, costs, bounds)
    return goal_seek_to_pb(
        seek,
        cheapest,
        engine_version=__version__,
        groups=selection.units.groups,
        decision_id=decision_id,
    )


def sensitivity(
    request: pb.SensitivityRequest, sources: Sources, decision_id: str = ""
) -> pb.SensitivityResponse:
    selection = select_units(request.units, sources)
    rules = ruleset_for(request.ruleset_id, selection, sources)
    result = sensitivity_module.lever_sensitivity(
        rules, selection.units, list(request.levers) or None
    )
    return sensitivity_to_pb(
        result, engine_version=__version__, groups=selection.units.groups, decision_id=decision_id
    )


def sweep(
    request: pb.SweepRequest, sources: Sources, decision_id: str = ""
) -> Iterator[pb.SweepResponse]:
    """Every unit at every grid point; the grid is checked against the limit before it exists."""
    selection = select_units(request.units, sources)
    rules = ruleset_for(request.ruleset_id, selection, sources)
    limit = sources.limits.max_grid_points
    axes = axes_from_pb(request.axes, limit)
    points = len(selection.units) * int(np.prod([a.values.size for a in axes]))
    if points > limit:
        raise LimitExceededError("sweep grid points (units x values)", limit, points)
    result = sweep_module.sweep_levers(rules, selection.units, axes, max_points=limit)
    return sweep_to_pb(
        result,
        engine_version=__version__,
        chunk_size=chunk_size(request.chunk_size, sources.limits),
        with_crossings=request.with_crossings,
        decision_id=decision_id,
    )


def estimate_uncertainty(
    request: pb.EstimateUncertaintyRequest, sources: Sources, decision_id: str = ""
) -> pb.EstimateUncertaintyResponse:
    """Analytic answer; Monte Carlo when draws > 0; respondents for certainty when asked."""
    selection = select_units(request.units, sources)
    rules = ruleset_for(request.ruleset_id, selection, sources)
    units = selection.units
    sampling = sampling_from_pb(request.sampling, len(units))
    level = request.level or 0.95
    estimate = uncertainty_module.estimate_uncertainty(rules, units, sampling, level=level)
    draws = None
    if request.draws:
        limits = sources.limits
        draws = uncertainty_module.monte_carlo(
            rules,
            units,
            sampling,
            draws=request.draws,
            seed=request.seed,
            level=level,
            max_draws=limits.max_draws,
            max_cells=limits.max_draw_cells,
        )
    certain = None
    if request.certainty:
        certain = respondents_for_certainty(rules, units, sampling, certainty=request.certainty)
    return estimate_to_pb(
        estimate,
        draws,
        certain,
        engine_version=__version__,
        groups=units.groups,
        decision_id=decision_id,
    )


def compare_rulesets(
    request: pb.CompareRulesetsRequest, sources: Sources, decision_id: str = ""
) -> Iterator[pb.CompareRulesetsResponse]:
    """The impact of replacing ``old`` by ``new`` on the selected units."""
    selection = select_units(request.units, sources)
    old = ruleset_choice(request.old, sources, "old")
    new = ruleset_choice(request.new, sources, "new")
    result = impact.compare_rulesets(old, new, selection.units)
    return impact_to_pb(
        result,
        chunk_size=chunk_size(request.chunk_size, sources.limits),
        changed_only=request.changed_only,
        dataset=selection.dataset,
        decision_id=decision_id,
    )


def ruleset_choice(message: pb.RulesetChoice, sources: Sources, field: str) -> Ruleset:
    """A loaded ruleset, a whole ruleset (validated, not activated) or a variant of a loaded one."""
    which = message.WhichOneof("choice")
    if which == "id":
        return sources.rulesets.get(message.id)
    if which == "ruleset":
        return from_message(message.ruleset, field)
    if which == "variant":
        base = sources.rulesets.get(message.variant.base_id)
        return derive_variant(base, variant_from_pb(message.variant.variant))
    raise _invalid(field, "expected a ruleset id, a whole ruleset or a variant; got nothing")


def list_datasets(request: pb.ListDatasetsRequest, sources: Sources) -> pb.ListDatasetsResponse:
    return datasets_to_pb(sources.datasets)
