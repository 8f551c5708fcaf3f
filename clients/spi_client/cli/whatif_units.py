"""Which units a what-if command works on: the --input CSV, one unit from options, or a dataset.

A command's units become one :class:`Batch` per ruleset (``--ruleset auto`` splits the rows by
their year column). Inline units are picked on this side with the same rules a server applies
to a dataset (``--year``, ``--group``, then ``--id`` in the order given; an empty selection or an
id naming several rows is an error), so both sources behave alike.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spi.v1 import simulation_pb2 as pb
from spi_engine.api.scoring_messages import units_to_pb
from spi_engine.errors import InvalidInputError, Violation
from spi_engine.tabular import (
    GROUP_COLUMNS,
    ID_COLUMNS,
    Table,
    find_column,
    numbers,
    units_from_table,
)
from spi_engine.units import COMPONENTS

from . import scoring_commands as commands
from .backend import Backend
from .whatif_options import bad, names

SAMPLING_COLUMNS = {
    "standard_errors": tuple(f"se_{c}" for c in COMPONENTS),
    "respondents": tuple(f"respondents_{c}" for c in COMPONENTS),
    "deviations": tuple(f"sd_{c}" for c in COMPONENTS),
    "population": tuple(f"population_{c}" for c in COMPONENTS),
}
"""Optional --input columns giving each unit's sampling (for `spi uncertainty`)."""


@dataclass(frozen=True)
class Batch:
    """Units for one request: the ruleset id to send ('' lets a dataset's year decide)."""

    ruleset: str
    units: pb.UnitSelection
    table: Table | None = None
    """the input rows of inline units (None for a dataset)"""


def batches(args: argparse.Namespace, backend: Backend) -> list[Batch]:
    """The units of a command, one batch per ruleset."""
    if args.dataset:
        ruleset = "" if args.ruleset in (None, "auto") else backend.use_ruleset(args.ruleset)
        return [Batch(ruleset, dataset_selection(args, backend))]
    if args.ruleset is None:
        raise commands.usage(
            "--ruleset is required with --input or a single unit (an id such as spi-2024, a "
            "ruleset file, or auto to pick it by the year column or --year)"
        )
    table = picked_table(args)
    units = units_from_table(table, id_column=args.id_column, group_column=args.group_column)
    found = []
    for ruleset, rows in commands.plan_rulesets(args, table, backend).items():
        selection = pb.UnitSelection(inline=pb.InlineUnits(units=units_to_pb(units.take(rows))))
        found.append(Batch(backend.use_ruleset(ruleset), selection, table.take(rows)))
    return found


def one_selection(args: argparse.Namespace, backend: Backend) -> pb.UnitSelection:
    """All the units of a command that names its rulesets itself (``spi rules diff``)."""
    if args.dataset:
        return dataset_selection(args, backend)
    table = picked_table(args)
    units = units_from_table(table, id_column=args.id_column, group_column=args.group_column)
    return pb.UnitSelection(inline=pb.InlineUnits(units=units_to_pb(units)))


def dataset_selection(args: argparse.Namespace, backend: Backend) -> pb.UnitSelection:
    given = [
        f"--{n.replace('_', '-')}" for n in commands.SINGLE_OPTIONS if getattr(args, n) is not None
    ]
    if args.input or given:
        other = "--input" if args.input else given[0]
        raise commands.usage(
            f"give --dataset, --input or a single unit, not several (got --dataset and {other})"
        )
    return pb.UnitSelection(
        dataset=pb.DatasetUnits(
            dataset=backend.use_dataset(args.dataset),
            year=args.year or 0,
            groups=names(args.group),
            unit_ids=names(args.ids),
        )
    )


def picked_table(args: argparse.Namespace) -> Table:
    """The --input rows (or the single unit), narrowed by --year, --group and --id."""
    table = commands.read_table(args)
    if table.from_options:
        if args.group or args.ids:
            raise commands.usage("--group and --id pick units from --input or --dataset")
        return table
    if args.year is not None:
        table = _keep(table, "year", [str(args.year)], "--year", args.year)
    if args.group:
        table = _by_group(table, names(args.group), args.group_column)
    if args.ids:
        table = _by_id(table, names(args.ids), args.id_column)
    return table


def _column(table: Table, chosen: str | None, candidates: Sequence[str], option: str) -> str:
    name = chosen or find_column(table, candidates)
    if name is None or name not in table.header:
        wanted = chosen or " or ".join(candidates)
        raise bad(option, f"{table.origin} has no {wanted} column to pick rows by")
    return name


def _keep(table: Table, column: str, wanted: Sequence[str], option: str, shown: object) -> Table:
    if column not in table.header:
        raise bad(f"{option} {shown}", f"{table.origin} has no {column!r} column")
    cells = np.char.strip(np.asarray(table.column(column), dtype=str))
    rows = np.flatnonzero(np.isin(cells, np.asarray(wanted, dtype=str))).tolist()
    if not rows:
        raise bad(
            f"{option} {shown}", f"no row of {table.origin} has {column} {shown} (empty selection)"
        )
    return table.take(rows)


def _by_group(table: Table, groups: Sequence[str], chosen: str | None) -> Table:
    column = _column(table, chosen, GROUP_COLUMNS, "--group")
    present = {cell.strip() for cell in table.column(column)}
    for group in groups:
        if group not in present:
            known = ", ".join(sorted(g for g in present if g))
            raise bad(
                f"--group {group}",
                f"no row of {table.origin} has group {group!r} (empty selection); groups: {known}",
            )
    return _keep(table, column, groups, "--group", ",".join(groups))


def _by_id(table: Table, ids: Sequence[str], chosen: str | None) -> Table:
    column = _column(table, chosen, ID_COLUMNS, "--id")
    cells = [cell.strip() for cell in table.column(column)]
    first = {cell: row for row, cell in reversed(list(enumerate(cells)))}
    rows = []
    for unit_id in ids:
        if unit_id not in first:
            raise bad(
                f"--id {unit_id}", f"no row of {table.origin} has id {unit_id!r} (empty selection)"
            )
        if cells.count(unit_id) > 1:
            raise bad(
                f"--id {unit_id}",
                f"id {unit_id!r} names {cells.count(unit_id)} rows of {table.origin}; add --year to pick one",
            )
        rows.append(first[unit_id])
    return table.take(rows)


def sampling_from_table(table: Table) -> pb.SamplingInput | None:
    """Each unit's sampling from se_* or respondents_*/sd_* (and population_*) columns."""
    present = {form: [c in table.header for c in cols] for form, cols in SAMPLING_COLUMNS.items()}
    if any(present["standard_errors"]):
        rows = _component_rows(table, SAMPLING_COLUMNS["standard_errors"])
        return pb.SamplingInput(standard_errors=pb.StandardErrors(units=rows))
    if not any(present["respondents"]) and not any(present["deviations"]):
        return None
    counts = _component_rows(table, SAMPLING_COLUMNS["respondents"])
    spread = _component_rows(table, SAMPLING_COLUMNS["deviations"])
    sizes = (
        _component_rows(table, SAMPLING_COLUMNS["population"], optional=True)
        if any(present["population"])
        else [None] * len(counts)
    )
    samples = []
    for count, deviation, size in zip(counts, spread, sizes, strict=True):
        sample = pb.RespondentSample(respondents=count, deviations=deviation)
        if size is not None:
            sample.population.CopyFrom(size)
        samples.append(sample)
    return pb.SamplingInput(respondents=pb.RespondentSamples(units=samples))


def _component_rows(
    table: Table, columns: Sequence[str], optional: bool = False
) -> list[pb.ComponentValues]:
    missing = [name for name in columns if name not in table.header]
    if missing:
        raise InvalidInputError(
            [
                Violation(
                    "line 1", f"expected columns {', '.join(columns)}; missing {', '.join(missing)}"
                )
            ],
            context=table.origin,
        )
    values = np.column_stack([numbers(table, name, optional=optional) for name in columns])
    rows = []
    for row in values.tolist():
        message = pb.ComponentValues()
        for component, value in zip(COMPONENTS, row, strict=True):
            if not np.isnan(value):
                setattr(message, component, value)
        rows.append(message)
    return rows
