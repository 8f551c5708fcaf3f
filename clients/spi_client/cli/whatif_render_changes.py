"""Rendering of Simulate and CompareRulesets answers (a summary, then per-unit rows) as text and CSV.

Part of the what-if rendering (conventions: :mod:`spi_client.cli.whatif_render`). Text lists every unit
up to LISTED_UNITS units, else only the units that change category; CSV lists every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from spi.v1 import simulation_pb2 as pb

from .render import fixed, table
from .whatif_render import LISTED_UNITS, _csv, engine_line, field, provenance_line, signed

BAR_WIDTH = 40
DIRECTIONS = {pb.DIRECTION_UP: "up", pb.DIRECTION_DOWN: "down", pb.DIRECTION_SAME: "same"}


def comparison_lines(c: pb.ComparisonSummary, old: str = "before", new: str = "after") -> list[str]:
    """Counts per category and the mean, before and after; changes; transitions."""
    d = c.baseline.index_decimals
    categories = list(
        dict.fromkeys([t.category for t in c.counts_before] + [t.category for t in c.counts_after])
    )
    before = {t.category: t.units for t in c.counts_before}
    after = {t.category: t.units for t in c.counts_after}
    body = [
        (old, str(c.units), fixed(c.mean_before, d), *(_count(before, k) for k in categories)),
        (new, str(c.units), fixed(c.mean_after, d), *(_count(after, k) for k in categories)),
        (
            "change",
            "",
            signed(c.mean_after - c.mean_before, d),
            *(f"{after.get(k, 0) - before.get(k, 0):+d}" for k in categories),
        ),
    ]
    lines = table(("", "units", "mean", *categories), body).splitlines()
    lines.append(
        f"category changes: {c.changed_category} ({c.moved_up} up, {c.moved_down} down); "
        f"index changes: {c.changed_index}"
    )
    moves = [
        f"{t.from_category} -> {t.to_category} {t.units}"
        for t in c.transitions
        if t.from_category != t.to_category
    ]
    lines.append("transitions: " + (", ".join(moves) if moves else "none"))
    return lines


def _count(counts: dict[str, int], category: str) -> str:
    return str(counts[category]) if category in counts else "-"


def changes_table(rows: Sequence[pb.UnitChange], decimals: int) -> list[str]:
    """The listed units, baseline beside scenario."""
    named = any(r.name for r in rows)
    dated = any(r.year for r in rows)
    header = (
        "unit_id",
        *(["name"] if named else []),
        "group",
        *(["year"] if dated else []),
        "before",
        "after",
        "delta",
        "capped",
    )
    body = [
        (
            r.unit_id or f"row {r.row}",
            *([r.name] if named else []),
            r.group,
            *([str(r.year)] if dated else []),
            f"{fixed(r.index_before, decimals)} {r.category_before}",
            f"{fixed(r.index_after, decimals)} {r.category_after}",
            signed(r.delta, decimals),
            ",".join(r.capped_levers),
        )
        for r in rows
    ]
    return table(header, body).splitlines()


def listed(rows: Iterable[pb.UnitChange], units: int) -> tuple[str, list[pb.UnitChange]]:
    """The rows text shows (all up to LISTED_UNITS units, else those changing category)."""
    if units <= LISTED_UNITS:
        return "units", list(rows)
    return "units changing category", [r for r in rows if r.category_before != r.category_after]


def _rows_section(rows: Iterable[pb.UnitChange], units: int, decimals: int) -> Iterator[str]:
    title, shown = listed(rows, units)
    yield f"\n{title} ({len(shown)})\n"
    if shown:
        yield "\n".join(changes_table(shown, decimals)) + "\n"
    if units > LISTED_UNITS:
        yield "(every unit: --format csv)\n"


# Simulate ---------------------------------------------------------------------------------------


def simulation_text(
    summary: pb.SimulationSummary, rows: Iterable[pb.UnitChange], scenario: Sequence[str]
) -> Iterator[str]:
    first = summary.comparisons[0]
    capped = f" ({summary.capped_units} capped at a range end)" if summary.capped_units else ""
    head = [
        field("scenario", summary.scenario_name or "; ".join(scenario) or "(no change)"),
        *([field("", "; ".join(scenario))] if summary.scenario_name and scenario else []),
        engine_line(first.baseline),
        field("units", f"{summary.units}{capped}"),
    ]
    if summary.dataset:
        rows_word = "row" if summary.excluded == 1 else "rows"
        left_out = f"; {summary.excluded} {rows_word} left out (withheld_by_kpk)"
        left_out = left_out if summary.excluded else ""
        head.append(
            field("dataset", f"{summary.dataset}  sha256 {summary.dataset_sha256}{left_out}")
        )
        head.append(field("", adjustment_line(summary)))
    yield "\n".join(head) + "\n"
    for c in summary.comparisons:
        yield "\n" + "\n".join(_comparison_head(c) + comparison_lines(c)) + "\n"
    yield from _rows_section(rows, summary.units, first.baseline.index_decimals)


def adjustment_line(summary: pb.SimulationSummary) -> str:
    """How many rows carry a published adjustment, and its range."""
    if not summary.adjusted_rows:
        return "baseline = published index on every row (no published adjustment)"
    rows_word = "row carries" if summary.adjusted_rows == 1 else "rows carry"
    line = (
        f"baseline = published index: {summary.adjusted_rows} {rows_word} a published adjustment "
        f"(published minus the rules, {summary.adjustment_min:+.2f} to "
        f"{summary.adjustment_max:+.2f}), kept fixed in the scenario"
    )
    if summary.rows_needing_class_table:
        line += (
            f"; {summary.rows_needing_class_table} of them not reproduced: the inferred rule needs "
            "its class table (spi rules fit-regional, then --rulesets DIR)"
        )
    return line


def _comparison_head(c: pb.ComparisonSummary) -> list[str]:
    year = f"year {c.year}: " if c.year else ""
    lines = [year + provenance_line(c.baseline)]
    if c.scenario.ruleset_sha256 != c.baseline.ruleset_sha256:
        lines.append(" " * len(year) + provenance_line(c.scenario, "scenario ruleset"))
    return lines


CHANGE_COLUMNS = (
    "row", "unit_id", "name", "group", "year", "index_before", "category_before", "index_after",
    "category_after", "delta", "direction", "capped_levers", "index_raw_before", "index_raw_after",
    "ruleset_before", "ruleset_after",
)  # fmt: skip


def changes_csv(
    comparisons: Sequence[pb.ComparisonSummary], rows: Iterable[pb.UnitChange]
) -> Iterator[str]:
    """One line per unit; each row's rulesets from the comparison of its year."""
    by_year = {c.year: c for c in comparisons}
    yield from _csv([CHANGE_COLUMNS])
    yield from _csv(_change_cells(r, by_year.get(r.year, comparisons[0])) for r in rows)


def _change_cells(r: pb.UnitChange, c: pb.ComparisonSummary) -> tuple[object, ...]:
    d = c.baseline.index_decimals
    return (
        r.row, r.unit_id, r.name, r.group, r.year or "", fixed(r.index_before, d),
        r.category_before, fixed(r.index_after, d), r.category_after, fixed(r.delta, d),
        DIRECTIONS.get(r.direction, ""), ";".join(r.capped_levers), repr(r.index_raw_before),
        repr(r.index_raw_after), c.baseline.ruleset_id, c.scenario.ruleset_id,
    )  # fmt: skip


# CompareRulesets --------------------------------------------------------------------------------


def impact_text(
    summary: pb.ImpactSummary, rows: Iterable[pb.UnitChange], gate: bool
) -> Iterator[str]:
    c = summary.comparison
    d = c.baseline.index_decimals
    head = [
        provenance_line(c.baseline, "old"),
        provenance_line(c.scenario, "new"),
        engine_line(c.baseline),
        field("units", f"{c.units}" + (f" (dataset {summary.dataset})" if summary.dataset else "")),
        "",
        *comparison_lines(c, "old", "new"),
        "index change (new - old): "
        + "  ".join(f"{_level(q.level)} {signed(q.change, d)}" for q in summary.quantiles),
        *_histogram(summary.histogram, d),
    ]
    yield "\n".join(head) + "\n"
    yield from _rows_section(rows, c.units, d)
    yield "\n" + verdict(summary, gate) + "\n"


def verdict(summary: pb.ImpactSummary, gate: bool) -> str:
    """The last line of `spi rules diff`: changed or unchanged, and the exit code a gate gives."""
    word = "changed" if summary.changed else "unchanged"
    note = " (--fail-on-change: exit 3)" if gate and summary.changed else ""
    return f"verdict: {word}{note}"


def _level(level: float) -> str:
    return {0.0: "min", 0.5: "median", 1.0: "max"}.get(level, f"{100 * level:g}%")


def _histogram(bins: Sequence[pb.HistogramBin], decimals: int) -> list[str]:
    most = max((b.units for b in bins), default=0) or 1
    body = [
        (
            f"[{signed(b.low, decimals)}, {signed(b.high, decimals)}{']' if i == len(bins) - 1 else ')'}",
            str(b.units),
            "#" * max(round(BAR_WIDTH * b.units / most), 1 if b.units else 0),
        )
        for i, b in enumerate(bins)
    ]
    return [
        "histogram of index changes:",
        *("  " + line for line in table(("bin", "units", ""), body).splitlines()),
    ]
