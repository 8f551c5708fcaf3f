"""The `spi` subcommands. Each reads its input, asks a backend, and renders what comes back."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from google.protobuf import json_format, text_format

from spi_engine import (
    InvalidInputError,
    SpiError,
    Violation,
    __version__,
    load_file,
)
from spi_engine.regional_fit import write_regional_ruleset
from spi_engine.tabular import Table, parse_csv, read_csv, units_from_table
from spi_engine.units import COMPONENTS, CORRECTION_PARTS

from . import render
from .backend import Backend

SINGLE_OPTIONS = (*COMPONENTS, "correction", *CORRECTION_PARTS)
"""The single-unit options of `spi score` and `spi summarize`, as Units columns are named."""


def describe(error: SpiError) -> str:
    """An error as lines: its context, then every violation it carries (indented)."""
    violations = getattr(error, "violations", ())
    if len(violations) <= 1 and getattr(error, "total", 1) <= 1:
        return str(error)
    context = getattr(error, "context", "")
    head = problems_head(getattr(error, "total", len(violations)), len(violations))
    return "\n".join([f"{context}: {head}" if context else head, *(f"  {v}" for v in violations)])


def problems_head(total: int, listed: int) -> str:
    """``24 problems (the first 20 listed)``: every problem counted, a few listed."""
    return f"{total} problems" + (f" (the first {listed} listed)" if total > listed else "")


def usage(message: str) -> SpiError:
    return InvalidInputError([Violation("", message)])


def read_table(args: argparse.Namespace) -> Table:
    """The units to work on: the --input CSV, or one row made of the single-unit options."""
    given = [name for name in SINGLE_OPTIONS if getattr(args, name) is not None]
    if args.input:
        if given:
            raise usage(
                f"give --input or single-unit options, not both (got --input and --{given[0].replace('_', '-')})"
            )
        if args.input == "-":
            return parse_csv(sys.stdin.read(), "<stdin>")
        return read_csv(args.input)
    missing = [name for name in COMPONENTS if getattr(args, name) is None]
    if missing:
        raise usage(
            f"give --input FILE, or one unit with --internal, --external and --expert (missing: --{', --'.join(missing)})"
        )
    header = ["unit_id", *COMPONENTS]
    values = [args.unit_id, *(getattr(args, n) for n in COMPONENTS)]
    corrections = _single_corrections(args)
    header += list(corrections)
    values += list(corrections.values())
    if args.year is not None:
        header.append("year")
        values.append(str(args.year))
    return Table(tuple(header), (tuple(values),), "", from_options=True)


def _single_corrections(args: argparse.Namespace) -> dict[str, str]:
    """The correction options as given (text, read strictly with the rest); none is implied."""
    given = {
        name: getattr(args, name)
        for name in ("correction_integrity", "correction_prevalence", "correction")
        if getattr(args, name) is not None
    }
    parts = [name for name in given if name != "correction"]
    if not given or len(parts) == 1:
        got = ", ".join(f"--{name.replace('_', '-')}" for name in given) or "none"
        raise usage(
            "give the unit's correction: --correction POINTS (0 for none), or both "
            f"--correction-integrity and --correction-prevalence; got {got}"
        )
    return given


def plan_rulesets(args: argparse.Namespace, table: Table, backend: Backend) -> dict[str, list[int]]:
    """Rows per ruleset: all rows under --ruleset, or by the year column with --ruleset auto."""
    if args.ruleset != "auto":
        return {args.ruleset: list(range(len(table.rows)))}
    if "year" not in table.header:
        raise usage(
            "--ruleset auto picks the ruleset by a 'year' column (or --year for one unit); there is none"
        )
    known = set(backend.ruleset_ids())
    plan: dict[str, list[int]] = {}
    for row, year in enumerate(table.column("year")):
        ruleset = f"spi-{year.strip()}"
        if ruleset not in known:
            raise InvalidInputError(
                [
                    Violation(
                        table.where(row, "year"),
                        f"expected a year with a ruleset ({', '.join(sorted(known))}); got {year!r}",
                    )
                ],
                context=table.origin,
            )
        plan.setdefault(ruleset, []).append(row)
    return plan


def scored_rows(args: argparse.Namespace, backend: Backend) -> tuple[Table, list[render.ScoredRow]]:
    table = read_table(args)
    units = units_from_table(table, id_column=args.id_column, group_column=args.group_column)
    rows: list[render.ScoredRow | None] = [None] * len(table.rows)
    for ruleset, positions in plan_rulesets(args, table, backend).items():
        response = backend.score(ruleset, units.take(positions))
        for position, result in zip(positions, response.results, strict=True):
            fields = dict(zip(table.header, table.rows[position], strict=True))
            rows[position] = render.ScoredRow(fields, result, response.provenance)
    return table, [row for row in rows if row is not None]


def write(args: argparse.Namespace, text: str) -> None:
    if not args.output:
        sys.stdout.write(text)
        return
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise usage(f"cannot write --output {args.output}: {error.strerror or error}") from None


def score(args: argparse.Namespace, backend: Backend) -> int:
    table, rows = scored_rows(args, backend)
    fmt = args.format or ("csv" if args.input else "text")
    if fmt == "csv":
        write(args, render.rows_to_csv(table.header, rows))
    elif fmt == "json":
        write(
            args,
            render.rows_to_json(rows, rows[0].provenance.engine_version if rows else __version__),
        )
    else:
        write(args, render.rows_to_text(rows))
    return 0


def summarize(args: argparse.Namespace, backend: Backend) -> int:
    table = read_table(args)
    units = units_from_table(table, id_column=args.id_column, group_column=args.group_column)
    plan = plan_rulesets(args, table, backend)
    if len(plan) > 1:
        raise usage(
            f"summarize ranks units under one ruleset; the input spans {', '.join(sorted(plan))} (filter it, or pass --ruleset)"
        )
    ruleset, positions = next(iter(plan.items()))
    response = backend.summarize(ruleset, units.take(positions))
    if args.format == "json":
        write(args, render.dumps(render.summary_to_dict(response)))
    elif args.format == "csv":
        write(args, render.summary_to_csv(response))
    else:
        write(args, render.summary_to_text(response, args.top))
    return 0


def rules_list(args: argparse.Namespace, backend: Backend) -> int:
    response = backend.list_rulesets()
    if args.format == "json":
        items = [
            json_format.MessageToDict(r, preserving_proto_field_name=True)
            for r in response.rulesets
        ]
        sys.stdout.write(render.dumps({"rulesets": items}))
        return 0
    body = [(r.id, str(r.year), r.sha256, r.origin, r.label) for r in response.rulesets]
    sys.stdout.write(render.table(("id", "year", "sha256", "origin", "label"), body))
    return 0


def rules_show(args: argparse.Namespace, backend: Backend) -> int:
    response = backend.get_ruleset(args.ruleset)
    if args.format == "json":
        document = {
            "sha256": response.sha256,
            "origin": response.origin,
            "ruleset": json_format.MessageToDict(
                response.ruleset, preserving_proto_field_name=True
            ),
        }
        sys.stdout.write(render.dumps(document))
        return 0
    header = f"# {response.ruleset.id}  sha256 {response.sha256}  origin {response.origin}\n"
    sys.stdout.write(header + text_format.MessageToString(response.ruleset))
    return 0


def rules_fit_regional(args: argparse.Namespace, backend: Backend) -> int:
    """Derive spi-2022's regional class table from the published data into a ruleset file."""
    described = write_regional_ruleset(args.data, args.output, args.id)
    sys.stdout.write(
        f"wrote {args.output}: {described}\n"
        f"the class table is inferred from published indexes, not a KPK input; use it with "
        f"--rulesets {Path(args.output).parent} (keep it outside the repository)\n"
    )
    return 0


def rules_hash(args: argparse.Namespace, backend: Backend) -> int:
    out = io.StringIO()
    for name in args.files:
        out.write(f"{load_file(name).sha256}  {name}\n")
    sys.stdout.write(out.getvalue())
    return 0
