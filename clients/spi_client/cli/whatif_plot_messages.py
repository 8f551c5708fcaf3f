"""Figures drawn from the spi.v1 simulation answers, for ``spi ... --plot FILE``.

Each function reads an answer message (and the ruleset message for its category colours and
bands) and calls the pure-data figures of :mod:`spi_client.cli.whatif_plots`, so a plot is the same whether
the answer came from this process or from a server. Nothing here imports matplotlib itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from spi.v1 import ruleset_pb2
from spi.v1 import simulation_pb2 as pb

from . import whatif_plots as plots

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GOAL_MERGE = 0.011
"""A goal mark this close (lever points) to a category crossing shares its line."""


def colours(rules: ruleset_pb2.Ruleset) -> dict[str, str]:
    """Category id -> the shade it is drawn in."""
    return {c.id: plots.colour_of(c.colour) for c in rules.categories.categories}


def transitions_plot(
    comparison: pb.ComparisonSummary, rules: ruleset_pb2.Ruleset, title: str
) -> Figure:
    """Units per category before and after, and the transitions, of one comparison."""
    categories = [t.category for t in comparison.counts_before]
    position = {category: i for i, category in enumerate(categories)}
    matrix = [[0] * len(categories) for _ in categories]
    for t in comparison.transitions:
        matrix[position[t.from_category]][position[t.to_category]] = t.units
    shades = colours(rules)
    return plots.transitions_figure(
        categories, [shades.get(c, "grey") for c in categories], matrix, title=title
    )


def lever_plot(
    summary: pb.SweepSummary,
    points: Sequence[pb.SweepPoint],
    rules: ruleset_pb2.Ruleset,
    *,
    title: str,
    goal: tuple[float, str] | None = None,
    target: tuple[float, str] | None = None,
) -> Figure:
    """The first unit's index against the swept lever, with its category crossings.

    ``goal`` is a (lever value, text) mark drawn with the crossings (merged with a crossing at the
    value or one grid step away: a category starts one step past the last value of the other);
    ``target`` an (index, text) horizontal line.
    """
    unit = summary.units[0]
    marks = {round(c.value, 2): f"→ {c.category}" for c in unit.crossings}
    if goal is not None:
        near = [where for where in marks if abs(where - goal[0]) <= GOAL_MERGE]
        where = near[0] if near else round(goal[0], 2)
        marks[where] = f"{marks[where]}; {goal[1]}" if near else goal[1]
    mine = [point for point in points if point.unit == 0]
    return plots.lever_figure(
        summary.levers[0],
        [point.x for point in mine],
        [point.index for point in mine],
        plots.bands_from_message(rules),
        current_value=unit.current[0],
        current_index=unit.index,
        crossings=sorted(marks.items()),
        target=target,
        title=title,
    )


def grid_plot(
    summary: pb.SweepSummary,
    points: Sequence[pb.SweepPoint],
    rules: ruleset_pb2.Ruleset,
    title: str,
) -> Figure:
    """The first unit's category over a two-lever grid."""
    mine = [point for point in points if point.unit == 0]
    ys = list(dict.fromkeys(point.y for point in mine))
    xs = list(dict.fromkeys(point.x for point in mine))
    categories = [
        [point.category for point in mine[i * len(ys) : (i + 1) * len(ys)]] for i in range(len(xs))
    ]
    unit = summary.units[0]
    return plots.grid_figure(
        (summary.levers[0], summary.levers[1]),
        xs,
        ys,
        categories,
        plots.bands_from_message(rules),
        current=(unit.current[0], unit.current[1]),
        title=title,
    )


def tornado_plot(unit: pb.UnitSensitivity, title: str) -> Figure:
    """Points on each lever alone to rise a category and to fall one; levers that do not apply left out."""
    reaches = {r.lever: r for r in unit.levers}
    shown = [
        lever for lever in unit.ranked if reaches[lever].up.status != pb.GOAL_STATUS_NOT_APPLICABLE
    ]
    return plots.tornado_figure(
        shown,
        [_change(reaches[lever].down) for lever in shown],
        [_change(reaches[lever].up) for lever in shown],
        title=title,
    )


def _change(answer: pb.LeverAnswer) -> float | None:
    return answer.change if answer.HasField("change") else None


def probabilities_plot(
    answer: pb.EstimateUncertaintyResponse, rules: ruleset_pb2.Ruleset, title: str
) -> Figure:
    """The probability of each category per unit (normal approximation; Monte Carlo beside it)."""
    names: list[str] = []
    shares: list[list[float]] = []
    for unit in answer.units:
        name = unit.unit_id or f"unit {len(names) + 1}"
        names.append(f"{name} (normal)" if answer.draws else name)
        shares.append([c.probability for c in unit.probabilities])
        if unit.HasField("monte_carlo"):
            names.append(f"{name} (Monte Carlo)")
            shares.append([c.probability for c in unit.monte_carlo.probabilities])
    categories = [c.category for c in answer.units[0].probabilities]
    shades = colours(rules)
    return plots.probabilities_figure(
        names, categories, [shades.get(c, "grey") for c in categories], shares, title=title
    )
