"""Rendering of EstimateUncertainty answers as text and CSV (conventions: :mod:`spi_client.cli.whatif_render`)."""

from __future__ import annotations

from collections.abc import Sequence

from spi.v1 import simulation_pb2 as pb
from spi_engine.units import COMPONENTS

from .render import fixed, table
from .whatif_render import _csv, engine_line, field, num, percent, provenance_line, share, unit_name

STATUS_NAMES = {
    pb.CERTAINTY_STATUS_CERTAIN_NOW: "certain_now",
    pb.CERTAINTY_STATUS_MORE_RESPONDENTS: "more_respondents",
    pb.CERTAINTY_STATUS_ON_BOUND: "on_bound",
    pb.CERTAINTY_STATUS_EXCEEDS_POPULATION: "exceeds_population",
}


def uncertainty_text(answers: Sequence[pb.EstimateUncertaintyResponse]) -> str:
    blocks = []
    for answer in answers:
        p = answer.provenance
        settings = [field("level", share(answer.level))]
        if answer.draws:
            settings.append(f"Monte Carlo {answer.draws:,} draws, seed {answer.seed}")
        if answer.certainty:
            settings.append(f"certainty {share(answer.certainty)}")
        lines = [provenance_line(p), engine_line(p), "; ".join(settings)]
        for unit in answer.units:
            lines += ["", *_unit_lines(unit, answer, p.index_decimals)]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _unit_lines(
    unit: pb.UnitUncertainty, answer: pb.EstimateUncertaintyResponse, d: int
) -> list[str]:
    level = share(answer.level)
    lines = [
        f"{unit_name(unit.unit_id, unit.group)}: {fixed(unit.index, d)} {unit.category}",
        f"  standard error {unit.standard_error:.4f} index points; {level} interval "
        f"{fixed(unit.ci_low, d)} to {fixed(unit.ci_high, d)}",
    ]
    categories = [c.category for c in unit.probabilities]
    body = [("normal approximation", *(percent(c.probability) for c in unit.probabilities))]
    if unit.HasField("monte_carlo"):
        mc = unit.monte_carlo
        body.append(
            (
                "Monte Carlo",
                *(f"{percent(c.probability)} ±{100 * c.error:.2f}" for c in mc.probabilities),
            )
        )
    lines += ["  " + line for line in table(("P(category)", *categories), body).splitlines()]
    if unit.HasField("monte_carlo"):
        mc = unit.monte_carlo
        lines.append(
            f"  Monte Carlo: mean {mc.mean_index:.4f}, standard deviation {mc.standard_error:.4f}, "
            f"{level} interval {fixed(mc.ci_low, d)} to {fixed(mc.ci_high, d)}"
        )
    if unit.HasField("certainty"):
        lines += ["  " + line for line in certainty_lines(unit, answer.certainty)]
    return lines


def certainty_lines(unit: pb.UnitUncertainty, certainty: float) -> list[str]:
    c = unit.certainty
    now = f"{unit.category} is {percent(c.probability)} likely"
    wanted = share(certainty)
    if c.status == pb.CERTAINTY_STATUS_CERTAIN_NOW:
        return [f"{now}: at least {wanted} already"]
    if c.status == pb.CERTAINTY_STATUS_ON_BOUND:
        return [f"{now}: the index lies on a category bound, no sample makes it {wanted} certain"]
    factor = f"x{num(c.factor)}" if c.HasField("factor") else "?"
    lines = [
        f"{now}; {wanted} needs {factor} the respondents" + _counts(c.respondents, c.additional)
    ]
    if c.status == pb.CERTAINTY_STATUS_EXCEEDS_POPULATION:
        lines.append("  (more respondents than the population has on some component)")
    alone = [
        f"{name} {_whole(c.respondents_alone, name) or 'x' + num(getattr(c.factor_alone, name))}"
        for name in COMPONENTS
        if c.factor_alone.HasField(name)
    ]
    lines.append("one component alone: " + (", ".join(alone) or "none suffices"))
    lines.append(f"check: {percent(c.probability_after)} likely with those respondents")
    return lines


def _whole(values: pb.ComponentValues, name: str) -> str:
    return f"{getattr(values, name):.0f}" if values.HasField(name) else ""


def _counts(needed: pb.ComponentValues, added: pb.ComponentValues) -> str:
    if not all(needed.HasField(name) for name in COMPONENTS):
        return " (respondent counts unknown: only standard errors were given)"
    parts = [f"{name} {_whole(needed, name)} (+{_whole(added, name)})" for name in COMPONENTS]
    return ": " + ", ".join(parts)


def uncertainty_csv(answers: Sequence[pb.EstimateUncertaintyResponse]) -> str:
    first = answers[0]
    categories = [c.category for c in first.units[0].probabilities] if first.units else []
    header = [
        "unit_id", "group", "index", "category", "standard_error", "ci_low", "ci_high",
        *(f"p_{c}" for c in categories),
    ]  # fmt: skip
    if first.draws:
        header += [f"mc_p_{c}" for c in categories] + [f"mc_error_{c}" for c in categories]
        header += ["mc_mean_index", "mc_standard_error", "mc_ci_low", "mc_ci_high"]
    if first.certainty:
        header += ["certainty_status", "certainty_probability", "factor"]
        header += [
            f"{kind}_{c}"
            for kind in ("respondents", "additional", "respondents_alone")
            for c in COMPONENTS
        ]
        header += ["probability_after"]
    lines: list[Sequence[object]] = [(*header, "ruleset", "ruleset_sha256")]
    for answer in answers:
        p = answer.provenance
        lines += [
            (*_csv_cells(u, answer, p.index_decimals), p.ruleset_id, p.ruleset_sha256)
            for u in answer.units
        ]
    return "".join(_csv(lines))


def _csv_cells(
    u: pb.UnitUncertainty, answer: pb.EstimateUncertaintyResponse, d: int
) -> list[object]:
    cells: list[object] = [
        u.unit_id,
        u.group,
        fixed(u.index, d),
        u.category,
        repr(u.standard_error),
    ]
    cells += [
        fixed(u.ci_low, d),
        fixed(u.ci_high, d),
        *(repr(c.probability) for c in u.probabilities),
    ]
    if answer.draws:
        mc = u.monte_carlo
        cells += [repr(c.probability) for c in mc.probabilities] + [
            repr(c.error) for c in mc.probabilities
        ]
        cells += [
            repr(mc.mean_index),
            repr(mc.standard_error),
            fixed(mc.ci_low, d),
            fixed(mc.ci_high, d),
        ]
    if answer.certainty:
        c = u.certainty
        cells += [
            STATUS_NAMES.get(c.status, ""),
            repr(c.probability),
            repr(c.factor) if c.HasField("factor") else "",
        ]
        for values in (c.respondents, c.additional, c.respondents_alone):
            cells += [_whole(values, name) for name in COMPONENTS]
        cells.append(repr(c.probability_after))
    return cells
