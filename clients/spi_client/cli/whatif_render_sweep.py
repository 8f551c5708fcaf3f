"""Rendering of Sweep answers (a summary, then grid points unit by unit) as text and CSV.

Part of the what-if rendering (see :mod:`spi_client.cli.whatif_render` for the conventions). One-lever
sweeps print a value / index / category table per unit with the exact category crossings; two-lever
sweeps print a grid per unit (rows: the first lever, columns: the second).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

from spi.v1 import simulation_pb2 as pb

from .render import fixed, table
from .whatif_render import _csv, engine_line, field, lever_value, num, provenance_line, unit_name


def sweep_text(summary: pb.SweepSummary, points: Iterable[pb.SweepPoint]) -> Iterator[str]:
    p = summary.provenance
    sizes = " x ".join(str(s) for s in summary.sizes)
    levers = f"{', '.join(summary.levers)} ({sizes} values)"
    yield f"{provenance_line(p)}\n{engine_line(p)}\n{field('sweep', levers)}\n"
    per_unit = itertools.groupby(points, key=lambda point: point.unit)
    for position, unit_points in per_unit:
        unit = summary.units[position]
        yield "\n" + "\n".join(_unit_head(summary, unit, p.index_decimals)) + "\n"
        if len(summary.levers) == 1:
            yield _line_table(summary.levers[0], list(unit_points), p.index_decimals)
        else:
            yield _grid_table(summary.levers, list(unit_points), p.index_decimals)


def _unit_head(summary: pb.SweepSummary, unit: pb.SweptUnit, d: int) -> list[str]:
    now = ", ".join(
        f"{lever} {lever_value(v)}" for lever, v in zip(summary.levers, unit.current, strict=True)
    )
    lines = [
        f"{unit_name(unit.unit_id, unit.group)}: now {now} -> {fixed(unit.index, d)} {unit.category}"
    ]
    if len(summary.levers) == 1:
        crossings = ", ".join(f"from {lever_value(c.value)} {c.category}" for c in unit.crossings)
        lines.append(f"category changes along {summary.levers[0]}: {crossings or 'none'}")
    return lines


def _line_table(lever: str, points: Sequence[pb.SweepPoint], d: int) -> str:
    body = [(fixed(point.x, 2), fixed(point.index, d), point.category) for point in points]
    return (
        "\n".join("  " + line for line in table((lever, "index", "category"), body).splitlines())
        + "\n"
    )


def _grid_table(levers: Sequence[str], points: Sequence[pb.SweepPoint], d: int) -> str:
    columns = list(dict.fromkeys(point.y for point in points))
    rows = [points[i : i + len(columns)] for i in range(0, len(points), len(columns))]
    header = (f"{levers[0]} \\ {levers[1]}", *(fixed(y, 2) for y in columns))
    body = [
        (fixed(row[0].x, 2), *(f"{fixed(p.index, d)} {p.category}" for p in row)) for row in rows
    ]
    return "\n".join("  " + line for line in table(header, body).splitlines()) + "\n"


def sweep_csv_header(levers: Sequence[str]) -> Iterator[str]:
    return _csv([("unit_id", "group", *levers, "index_raw", "index", "category", "ruleset")])


def sweep_csv(summary: pb.SweepSummary, points: Iterable[pb.SweepPoint]) -> Iterator[str]:
    """The grid points (no header: :func:`sweep_csv_header` writes it once for every answer)."""
    p = summary.provenance
    d = p.index_decimals
    units = [(unit.unit_id, unit.group) for unit in summary.units]
    two = len(summary.levers) == 2
    rows = (
        (
            *units[point.unit],
            *((num(point.x), num(point.y)) if two else (num(point.x),)),
            repr(point.index_raw),
            fixed(point.index, d),
            point.category,
            p.ruleset_id,
        )
        for point in points
    )
    return _csv(rows)
