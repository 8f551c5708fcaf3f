"""`spi rules diff --format markdown`: the impact of a rule change as a pull-request comment.

Counts per category before and after, the mean, the category transitions, the units that change
category (up to MARKDOWN_UNITS of them) and, on the last line, the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from spi.v1 import simulation_pb2 as pb

from .render import fixed
from .whatif_render import signed
from .whatif_render_changes import verdict

MARKDOWN_UNITS = 100
"""Units changing category listed in the comment; the rest are counted."""


def impact_markdown(
    summary: pb.ImpactSummary, rows: Iterable[pb.UnitChange], gate: bool
) -> Iterator[str]:
    c = summary.comparison
    d = c.baseline.index_decimals
    units = f"{c.units} units" + (f" of dataset `{summary.dataset}`" if summary.dataset else "")
    yield "\n".join(
        [
            f"### spi rules diff: `{c.baseline.ruleset_id}` -> `{c.scenario.ruleset_id}`",
            "",
            f"- old: `{c.baseline.ruleset_id}` sha256 `{c.baseline.ruleset_sha256}`",
            f"- new: `{c.scenario.ruleset_id}` sha256 `{c.scenario.ruleset_sha256}`",
            f"- {units}, spi-engine {c.baseline.engine_version}",
            f"- category changes: **{c.changed_category}** ({c.moved_up} up, {c.moved_down} "
            f"down); index changes: **{c.changed_index}**",
            "",
            *_counts(c),
            "",
            *_transitions(c.transitions),
            "",
        ]
    )
    yield from _moved(rows, d)
    yield "\n" + verdict(summary, gate) + "\n"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _counts(c: pb.ComparisonSummary) -> list[str]:
    d = c.baseline.index_decimals
    before = {t.category: t.units for t in c.counts_before}
    after = {t.category: t.units for t in c.counts_after}
    categories = list(dict.fromkeys([*before, *after]))
    lines = [_row(("", "mean", *categories)), _row(("---", *["---:"] * (len(categories) + 1)))]
    lines.append(
        _row(("old", fixed(c.mean_before, d), *(str(before.get(k, 0)) for k in categories)))
    )
    lines.append(_row(("new", fixed(c.mean_after, d), *(str(after.get(k, 0)) for k in categories))))
    change = (f"{after.get(k, 0) - before.get(k, 0):+d}" for k in categories)
    lines.append(_row(("change", signed(c.mean_after - c.mean_before, d), *change)))
    return lines


def _transitions(transitions: Sequence[pb.Transition]) -> list[str]:
    moves = [t for t in transitions if t.from_category != t.to_category]
    if not moves:
        return ["Transitions: none."]
    lines = ["Transitions:", "", _row(("from", "to", "units")), _row(("---", "---", "---:"))]
    lines += [_row((t.from_category, t.to_category, str(t.units))) for t in moves]
    return lines


def _moved(rows: Iterable[pb.UnitChange], decimals: int) -> Iterator[str]:
    moved = [r for r in rows if r.category_before != r.category_after]
    yield f"\n#### Units that change category ({len(moved)})\n"
    if not moved:
        return
    yield "\n" + _row(("unit", "name", "group", "year", "old", "new", "delta")) + "\n"
    yield _row(("---", "---", "---", "---:", "---", "---", "---:")) + "\n"
    for r in moved[:MARKDOWN_UNITS]:
        cells = (
            r.unit_id or f"row {r.row}",
            r.name,
            r.group,
            str(r.year or ""),
            f"{fixed(r.index_before, decimals)} {r.category_before}",
            f"{fixed(r.index_after, decimals)} {r.category_after}",
            signed(r.delta, decimals),
        )
        yield _row(cells) + "\n"
    if len(moved) > MARKDOWN_UNITS:
        yield f"\n... and {len(moved) - MARKDOWN_UNITS} more (every unit: `--format csv`)\n"
