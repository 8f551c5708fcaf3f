"""Plots a planner would rather look at than read: matplotlib figures, drawn without pyplot.

Five figures, each from plain data (so the CLI can draw them from in-process results or from a
server's answers alike), plus adapters from the engine's results:

- :func:`lever_figure` — the index against one lever, the category bands shaded in their colours,
  the unit's current position marked;
- :func:`tornado_figure` — points needed on each lever to reach the category above (right) and to
  fall into the one below (left), strongest lever on top;
- :func:`transitions_figure` — units per category before and after a dataset-wide scenario
  (stacked bars) and the transition matrix;
- :func:`probabilities_figure` — the probability of each category per unit;
- :func:`grid_figure` — the category at every point of a two-lever sweep.

matplotlib is an optional extra (``pip install 'spi-engine[plot]'``) imported only when a figure
is drawn. Figures use the Agg canvas, never a window, and :func:`save` writes PNG or SVG
byte-identically for the same input (no dates, no software version, a fixed SVG hash salt).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from spi.v1 import ruleset_pb2
    from spi_engine.comparison import Comparison
    from spi_engine.sensitivity import Sensitivity
    from spi_engine.sweep import Sweep
    from spi_engine.uncertainty import Estimate, MonteCarlo

INSTALL_HINT = "plotting needs matplotlib: pip install 'spi-engine[plot]'"
PALETTE = {"red": "#d73027", "yellow": "#fdd835", "green": "#1a9850"}
"""Ruleset colour names drawn as these shades; other names go to matplotlib as they are."""
BAND_ALPHA = 0.25
SIZE = (7.0, 4.2)
DPI = 100
SVG_SALT = "spi-engine"


class PlottingUnavailableError(ImportError):
    """matplotlib is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Band:
    """One category as drawn: its id, label, colour and index range [low, high)."""

    category: str
    label: str
    colour: str
    low: float
    high: float


def bands_from_message(rules: ruleset_pb2.Ruleset) -> tuple[Band, ...]:
    """The category bands of a Ruleset message (``Ruleset.to_message()`` or GetRuleset's answer)."""
    categories = list(rules.categories.categories)
    tops = [c.lower_bound for c in categories[1:]] + [rules.bounds.max]
    return tuple(
        Band(c.id, c.label or c.id, colour_of(c.colour), c.lower_bound, top)
        for c, top in zip(categories, tops, strict=True)
    )


def colour_of(name: str) -> str:
    """The shade drawn for a ruleset colour name (grey when there is none)."""
    return PALETTE.get(name.lower(), name or "grey")


def _mpl() -> tuple[Any, Any]:
    """(matplotlib.figure, matplotlib.colors), imported on first use."""
    try:
        figure = importlib.import_module("matplotlib.figure")
        colors = importlib.import_module("matplotlib.colors")
    except ImportError as error:
        raise PlottingUnavailableError(INSTALL_HINT) from error
    return figure, colors


def _new_figure(
    rows: int = 1, columns: int = 1, size: tuple[float, float] = SIZE
) -> tuple[Figure, Any]:
    figure_module, _ = _mpl()
    figure = figure_module.Figure(figsize=size, dpi=DPI, layout="constrained")
    return figure, figure.subplots(rows, columns, squeeze=False)


def _shade(axes: Any, bands: Sequence[Band], horizontal: bool = True) -> None:
    for band in bands:
        span = axes.axhspan if horizontal else axes.axvspan
        span(
            band.low,
            band.high,
            color=band.colour,
            alpha=BAND_ALPHA,
            lw=0,
            label=band.label,
            gid=band.category,
        )


def lever_figure(
    lever: str,
    values: Sequence[float],
    index: Sequence[float],
    bands: Sequence[Band],
    *,
    current_value: float,
    current_index: float,
    crossings: Sequence[tuple[float, str]] = (),
    target: tuple[float, str] | None = None,
    title: str = "",
) -> Figure:
    """The index against ``lever`` over ``values``, bands shaded, the current position marked.

    ``crossings`` are (lever value, text) pairs drawn as dotted lines, e.g. where a category starts;
    ``target`` an (index, text) pair drawn as a dashed horizontal line, e.g. a goal.
    """
    figure, grid = _new_figure()
    axes = grid[0, 0]
    _shade(axes, bands)
    if target is not None:
        axes.axhline(target[0], color="black", lw=1.0, ls="--", label=target[1], gid="target")
    for where, text in crossings:
        axes.axvline(where, color="dimgrey", lw=0.9, ls=":", gid=f"crossing:{text}")
        axes.annotate(
            f"{where:.2f}: {text}",
            (where, 0.02),
            xycoords=("data", "axes fraction"),
            rotation=90,
            fontsize="small",
            ha="right",
            va="bottom",
        )
    axes.plot(values, index, color="black", lw=1.8, label="index", gid="index")
    axes.plot(
        [current_value],
        [current_index],
        marker="o",
        ms=9,
        color="black",
        mfc="white",
        linestyle="none",
        label=f"now: {current_value:.2f} → {current_index:.2f}",
        gid="current",
    )
    shown = [*index, *([target[0]] if target is not None else [])]
    low, high = float(np.min(shown)), float(np.max(shown))
    axes.set_ylim(max(low - 2.0, 0.0), min(high + 2.0, 100.0))
    axes.set_xlim(float(np.min(values)), float(np.max(values)))
    axes.set_xlabel(f"{lever} (points)")
    axes.set_ylabel("integrity index")
    axes.set_title(title or f"Index against {lever}")
    axes.legend(loc="best", fontsize="small")
    return figure


def tornado_figure(
    levers: Sequence[str],
    to_fall: Sequence[float | None],
    to_rise: Sequence[float | None],
    *,
    rise_colour: str = PALETTE["green"],
    fall_colour: str = PALETTE["red"],
    title: str = "Points needed on each lever alone",
) -> Figure:
    """Bars left (points to fall a category) and right (points to rise), first lever on top.

    Bar lengths are the size of the change; labels give its sign (a correction falls to rise).
    ``None`` means the lever alone cannot do it: no bar, and the label says "not alone".
    """
    figure, grid = _new_figure()
    axes = grid[0, 0]
    rows = np.arange(len(levers))[::-1]
    sides = [(to_rise, 1, rise_colour, "rise"), (to_fall, -1, fall_colour, "fall")]
    drawn = [side for side in sides if any(amount is not None for amount in side[0])]
    longest = max([abs(a) for side in drawn for a in side[0] if a is not None] or [1.0])
    for amounts, sign, colour, what in drawn:
        for row, lever, amount in zip(rows, levers, amounts, strict=True):
            _tornado_bar(axes, row, lever, amount, sign, colour, what, longest)
    axes.axvline(0.0, color="black", lw=0.8)
    signs = {side[1] for side in drawn} or {-1, 1}
    axes.set_xlim(-1.3 * longest if -1 in signs else 0.0, 1.3 * longest if 1 in signs else 0.0)
    axes.set_yticks(rows, labels=list(levers))
    axes.set_ylim(-0.6, len(levers) - 0.4)
    axes.set_xlabel(
        "points on this lever alone\n← to fall into the category below · to reach the one above →",
        fontsize="small",
    )
    axes.set_title(title)
    return figure


def _tornado_bar(
    axes: Any,
    row: int,
    lever: str,
    amount: float | None,
    sign: int,
    colour: str,
    what: str,
    longest: float,
) -> None:
    align = "left" if sign > 0 else "right"
    if amount is None:
        axes.text(
            sign * 0.02 * longest,
            row,
            " not alone ",
            ha=align,
            va="center",
            fontsize="small",
            color="grey",
            gid=f"{lever}:{what}:none",
        )
        return
    width = sign * abs(amount)
    axes.barh(row, width, color=colour, height=0.6, gid=f"{lever}:{what}")
    axes.text(width, row, f" {amount:+.2f} ", ha=align, va="center", fontsize="small")


def transitions_figure(
    categories: Sequence[str],
    colours: Sequence[str],
    matrix: Sequence[Sequence[int]],
    *,
    title: str = "Units per category before and after",
) -> Figure:
    """Stacked bars of units per category before and after, and the from→to matrix."""
    counts = np.asarray(matrix, dtype=np.int64)
    figure, grid = _new_figure(1, 2, (9.0, 4.2))
    bars, table = grid[0, 0], grid[0, 1]
    for side, totals in enumerate((counts.sum(axis=1), counts.sum(axis=0))):
        bottom = 0
        for category, colour, count in zip(categories, colours, totals.tolist(), strict=True):
            bars.bar(
                side,
                count,
                bottom=bottom,
                color=colour,
                width=0.6,
                gid=f"{('before', 'after')[side]}:{category}",
                label=category if side == 0 else None,
            )
            if count:
                bars.text(
                    side, bottom + count / 2, str(count), ha="center", va="center", fontsize="small"
                )
            bottom += count
    bars.set_xticks([0, 1], labels=["before", "after"])
    bars.set_ylabel("units")
    bars.set_ylim(0, max(int(counts.sum()), 1) * 1.15)  # room for the legend above the bars
    bars.legend(loc="upper center", fontsize="small", ncols=len(categories))
    bars.set_title(title, fontsize="medium")
    table.imshow(counts, cmap="Greys", alpha=0.35)
    for (i, j), count in np.ndenumerate(counts):
        table.text(
            j, i, str(count), ha="center", va="center", fontsize="small", gid=f"cell:{i}:{j}"
        )
    table.set_xticks(range(len(categories)), labels=list(categories))
    table.set_yticks(range(len(categories)), labels=list(categories))
    table.set_xlabel("after")
    table.set_ylabel("before")
    table.set_title("Transitions", fontsize="medium")
    return figure


def probabilities_figure(
    units: Sequence[str],
    categories: Sequence[str],
    colours: Sequence[str],
    probabilities: Sequence[Sequence[float]],
    *,
    title: str = "Probability of each category",
) -> Figure:
    """One horizontal bar per unit, split into its category probabilities (labelled in %)."""
    shares = np.asarray(probabilities, dtype=np.float64)
    figure, grid = _new_figure(size=(7.0, 1.6 + 0.5 * len(units)))
    axes = grid[0, 0]
    rows = np.arange(len(units))[::-1]
    left = np.zeros(len(units))
    for k, (category, colour) in enumerate(zip(categories, colours, strict=True)):
        axes.barh(
            rows,
            shares[:, k],
            left=left,
            color=colour,
            height=0.6,
            label=category,
            gid=f"share:{category}",
        )
        for row, start, share in zip(rows, left, shares[:, k], strict=True):
            if share >= 0.06:
                axes.text(
                    start + share / 2,
                    row,
                    f"{share:.0%}",
                    ha="center",
                    va="center",
                    fontsize="small",
                )
        left = left + shares[:, k]
    axes.set_xlim(0.0, 1.0)
    axes.set_yticks(rows, labels=list(units))
    axes.set_xlabel("probability")
    axes.set_title(title)
    figure.legend(loc="outside lower center", fontsize="small", ncols=len(categories))
    return figure


def grid_figure(
    levers: tuple[str, str],
    xs: Sequence[float],
    ys: Sequence[float],
    categories: Sequence[Sequence[str]],
    bands: Sequence[Band],
    *,
    current: tuple[float, float],
    title: str = "",
) -> Figure:
    """The category at every point of a two-lever grid (``categories[i][j]`` at ``xs[i], ys[j]``).

    The first lever runs along the horizontal axis, the second along the vertical one.

    Cells are coloured by their category's band colour; the unit's current position is marked.
    """
    _, colors = _mpl()
    figure, grid = _new_figure()
    axes = grid[0, 0]
    ids = [band.category for band in bands]
    codes = np.array([[ids.index(c) for c in row] for row in categories], dtype=np.float64)
    palette = colors.ListedColormap([band.colour for band in bands])
    axes.pcolormesh(
        _edges(xs), _edges(ys), codes.T, cmap=palette, vmin=-0.5, vmax=len(ids) - 0.5,
        alpha=0.6, gid="categories",
    )  # fmt: skip
    for band in bands:
        axes.fill_between([], [], color=band.colour, alpha=0.6, label=band.label)
    axes.plot(
        [current[0]], [current[1]], marker="o", ms=9, color="black", mfc="white",
        linestyle="none", label=f"now: {current[0]:.2f}, {current[1]:.2f}", gid="current",
    )  # fmt: skip
    axes.set_xlabel(f"{levers[0]} (points)")
    axes.set_ylabel(f"{levers[1]} (points)")
    axes.set_title(title or f"Category by {levers[0]} and {levers[1]}")
    axes.legend(loc="best", fontsize="small")
    return figure


def _edges(values: Sequence[float]) -> Any:
    """Cell edges around grid values (half-way between neighbours; a lone value gets width 1)."""
    points = np.asarray(values, dtype=np.float64)
    if points.size == 1:
        return np.array([points[0] - 0.5, points[0] + 0.5])
    middle = (points[1:] + points[:-1]) / 2
    return np.concatenate([[2 * points[0] - middle[0]], middle, [2 * points[-1] - middle[-1]]])


def require() -> None:
    """Raise PlottingUnavailableError (saying how to install matplotlib) when it is missing."""
    _mpl()


def save(figure: Figure, path: str | Path) -> None:
    """Write ``figure`` as PNG or SVG (by suffix), byte-identical for identical figures."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".png", ".svg"}:
        raise ValueError(f"expected a .png or .svg file name; got {str(target)!r}")
    _mpl()
    matplotlib = importlib.import_module("matplotlib")
    metadata: dict[str, Any] = {"Date": None} if suffix == ".svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "path"}):
        figure.savefig(target, format=suffix[1:], metadata=metadata)


# Adapters from the engine's results -------------------------------------------------------------


def sweep_figure(result: Sweep, row: int = 0, name: str = "") -> Figure:
    """:func:`lever_figure` for one unit of a one-lever sweep (``name`` defaults to its id)."""
    if len(result.axes) != 1:
        raise ValueError(f"expected a one-lever sweep; got {len(result.axes)} levers")
    current = int(result.current_index_steps[row]) / 10**result.ruleset.decimals
    return lever_figure(
        result.axes[0].lever,
        result.axes[0].values.tolist(),
        result.index[row].tolist(),
        bands_from_message(result.ruleset.to_message()),
        current_value=float(result.current[row, 0]),
        current_index=current,
        crossings=_crossings(result, row),
        title=f"{name or result.ids[row] or 'unit'}: index against {result.axes[0].lever} ({result.ruleset.id})",
    )


def _crossings(result: Sweep, row: int) -> list[tuple[float, str]]:
    """Where the category changes along the sweep, exact to 0.01."""
    ids = result.ruleset.category_ids
    return [(value, f"→ {ids[code]}") for value, code in result.crossings(row)]


def sensitivity_figure(result: Sensitivity, row: int = 0, name: str = "") -> Figure:
    """:func:`tornado_figure` for one unit, levers in tornado order, inapplicable levers left out."""
    from spi_engine.goal import NOT_APPLICABLE

    order = [int(i) for i in result.rank[row] if result.up.status[row, i] != NOT_APPLICABLE]
    up, down = _changes(result.up, row, order), _changes(result.down, row, order)
    name = name or result.ids[row] or "unit"
    return tornado_figure(
        [result.levers[i] for i in order],
        down,
        up,
        title=f"{name}: points needed on each lever alone",
    )


def _changes(found: Any, row: int, order: Sequence[int]) -> list[float | None]:
    return [found.change(row, found.levers[i]) for i in order]


def comparison_figure(comparison: Comparison, title: str = "") -> Figure:
    """:func:`transitions_figure` for a scenario's (or a rule change's) comparison."""
    rules = comparison.before.ruleset
    message = rules.to_message()
    colours = [colour_of(c.colour) for c in message.categories.categories]
    return transitions_figure(
        rules.category_ids,
        colours,
        comparison.transitions.tolist(),
        title=title or "Units per category before and after",
    )


def uncertainty_figure(
    result: Estimate | MonteCarlo, title: str = "", names: Sequence[str] = ()
) -> Figure:
    """:func:`probabilities_figure` for analytic or Monte Carlo probabilities (``names`` per unit)."""
    message = result.ruleset.to_message()
    colours = [colour_of(c.colour) for c in message.categories.categories]
    names = list(names) or [unit_id or f"unit {i + 1}" for i, unit_id in enumerate(result.ids)]
    return probabilities_figure(
        names,
        result.ruleset.category_ids,
        colours,
        result.probabilities.tolist(),
        title=title or "Probability of each category",
    )
