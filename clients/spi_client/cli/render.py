"""Rendering of spi.v1 responses as JSON, CSV and text, for the `spi` command.

Both modes of the command (in-process and ``--server``) produce the same messages, and only this
module turns them into text, so their output is byte-identical. Numbers are printed from the
messages as they are: the index with its ruleset's decimals, raw values with Python's shortest
round-trip repr.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spi.v1 import engine_pb2, scoring_pb2

ADDED_COLUMNS = (
    "index",
    "index_raw",
    "category",
    "margin_up",
    "margin_down",
    "ruleset",
    "ruleset_sha256",
    "engine_version",
)
CLASH_PREFIX = "spi_"


@dataclass(frozen=True)
class ScoredRow:
    """One input row with its result and the provenance of the response it came from."""

    fields: dict[str, str]
    result: scoring_pb2.UnitResult
    provenance: scoring_pb2.Provenance


def fixed(value: float, decimals: int) -> str:
    """A published value with exactly ``decimals`` places (the value is already rounded)."""
    return f"{value:.{decimals}f}"


def added_names(header: Sequence[str]) -> tuple[str, ...]:
    """The added column names; all prefixed ``spi_`` when any would clash with the input's."""
    if set(ADDED_COLUMNS) & set(header):
        return tuple(CLASH_PREFIX + name for name in ADDED_COLUMNS)
    return ADDED_COLUMNS


def _margin(margin: scoring_pb2.Margin, present: bool, decimals: int) -> str:
    return fixed(margin.points, decimals) if present else ""


def _added_values(row: ScoredRow) -> list[str]:
    r, p = row.result, row.provenance
    d = p.index_decimals
    return [
        fixed(r.index, d),
        repr(r.index_raw),
        r.category,
        _margin(r.margin_up, r.HasField("margin_up"), d),
        _margin(r.margin_down, r.HasField("margin_down"), d),
        p.ruleset_id,
        p.ruleset_sha256,
        p.engine_version,
    ]


def rows_to_csv(header: Sequence[str], rows: Sequence[ScoredRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*header, *added_names(header)])
    for row in rows:
        writer.writerow([*(row.fields[name] for name in header), *_added_values(row)])
    return out.getvalue()


def result_to_dict(
    result: scoring_pb2.UnitResult, provenance: scoring_pb2.Provenance
) -> dict[str, Any]:
    c = result.contributions
    return {
        "unit_id": result.unit_id,
        "group": result.group,
        "index": result.index,
        "index_raw": result.index_raw,
        "category": result.category,
        "contributions": {
            "internal": c.internal,
            "external": c.external,
            "expert": c.expert,
            "correction": c.correction,
        },
        "margin_up": _margin_dict(result.margin_up, result.HasField("margin_up")),
        "margin_down": _margin_dict(result.margin_down, result.HasField("margin_down")),
        "ruleset": provenance.ruleset_id,
        "ruleset_sha256": provenance.ruleset_sha256,
    }


def _margin_dict(margin: scoring_pb2.Margin, present: bool) -> dict[str, Any] | None:
    return {"category": margin.category, "points": margin.points} if present else None


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def rows_to_json(rows: Sequence[ScoredRow], engine_version: str) -> str:
    results = [{**result_to_dict(row.result, row.provenance), "input": row.fields} for row in rows]
    return dumps({"engine_version": engine_version, "results": results})


def table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *body, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *body)
    ]
    return "\n".join(lines) + "\n"


def rows_to_text(rows: Sequence[ScoredRow]) -> str:
    if len(rows) == 1:
        return single_to_text(rows[0])
    header = ("unit_id", "index", "category", "up", "down", "ruleset")
    body = []
    for row in rows:
        r, d = row.result, row.provenance.index_decimals
        up = (
            f"{r.margin_up.category} +{fixed(r.margin_up.points, d)}"
            if r.HasField("margin_up")
            else "-"
        )
        down = (
            f"{r.margin_down.category} -{fixed(r.margin_down.points, d)}"
            if r.HasField("margin_down")
            else "-"
        )
        body.append((r.unit_id, fixed(r.index, d), r.category, up, down, row.provenance.ruleset_id))
    return table(header, body)


def single_to_text(row: ScoredRow) -> str:
    r, p = row.result, row.provenance
    d = p.index_decimals
    c = r.contributions
    lines = [
        f"ruleset      {p.ruleset_id}  sha256 {p.ruleset_sha256}",
        f"engine       spi-engine {p.engine_version}",
        *([f"unit         {r.unit_id}"] if r.unit_id else []),
        f"index        {fixed(r.index, d)}  {r.category}",
        f"index_raw    {r.index_raw!r}",
        f"  internal   {c.internal:+.6f}",
        f"  external   {c.external:+.6f}",
        f"  expert     {c.expert:+.6f}",
        f"  correction {c.correction:+.6f}",
    ]
    if r.HasField("margin_up"):
        lines.append(
            f"next up      {r.margin_up.category}: +{fixed(r.margin_up.points, d)} index points"
        )
    if r.HasField("margin_down"):
        lines.append(
            f"next down    {r.margin_down.category}: -{fixed(r.margin_down.points, d)} index points"
        )
    return "\n".join(lines) + "\n"


def summary_to_dict(response: engine_pb2.SummarizeResponse) -> dict[str, Any]:
    p = response.provenance

    def group(g: engine_pb2.GroupSummary) -> dict[str, Any]:
        return {
            "group": g.group,
            "units": g.units,
            "mean_index": g.mean_index,
            "categories": {c.category: c.count for c in g.categories},
        }

    return {
        "engine_version": p.engine_version,
        "ruleset": p.ruleset_id,
        "ruleset_sha256": p.ruleset_sha256,
        "overall": group(response.overall),
        "groups": [group(g) for g in response.groups],
        "ranking": [
            {"rank": ranked.rank, **result_to_dict(ranked.result, p)} for ranked in response.ranking
        ],
    }


def summary_to_text(response: engine_pb2.SummarizeResponse, top: int) -> str:
    p = response.provenance
    d = p.index_decimals
    groups = [response.overall, *response.groups]
    categories = [c.category for c in response.overall.categories]
    header = ("group", "units", "mean_index", *categories)
    body = [
        (
            g.group or "(all)",
            str(g.units),
            fixed(g.mean_index, d),
            *(str(c.count) for c in g.categories),
        )
        for g in groups
    ]
    ranking = [
        (str(u.rank), u.result.unit_id, u.result.group, fixed(u.result.index, d), u.result.category)
        for u in response.ranking[:top]
    ]
    head = f"ruleset {p.ruleset_id}  sha256 {p.ruleset_sha256}  engine {p.engine_version}\n\n"
    text = head + table(header, body)
    if ranking:
        shown = f"top {len(ranking)} of {len(response.ranking)}"
        text += f"\nranking ({shown}; ties broken by the unrounded index)\n"
        text += table(("rank", "unit_id", "group", "index", "category"), ranking)
    return text


def summary_to_csv(response: engine_pb2.SummarizeResponse) -> str:
    p = response.provenance
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["rank", "unit_id", "group", "index", "index_raw", "category", "ruleset", "ruleset_sha256"]
    )
    for u in response.ranking:
        r = u.result
        writer.writerow(
            [
                u.rank,
                r.unit_id,
                r.group,
                fixed(r.index, p.index_decimals),
                repr(r.index_raw),
                r.category,
                p.ruleset_id,
                p.ruleset_sha256,
            ]
        )
    return out.getvalue()
