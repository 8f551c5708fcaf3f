"""The what-if subcommands: `spi whatif`, `goal`, `sensitivity`, `sweep`, `uncertainty`,
`datasets` and `spi rules diff`.

Each one builds its spi.v1 request once, asks the backend (this process or a server) and renders
the answer with :mod:`spi_client.cli.whatif_render`, so both modes print the same bytes. Parsers are in
:mod:`spi_client.cli.whatif_parsers`; option strings become messages in :mod:`spi_client.cli.whatif_options`.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from spi.v1 import ruleset_pb2
from spi.v1 import simulation_pb2 as pb
from spi_engine import load_file
from spi_engine.levers import COMPONENT_LEVERS
from spi_engine.units import SCORE_RANGE

from . import rules_render_markdown as render_diff_markdown
from . import whatif_plot_messages as plot_messages
from . import whatif_plots as plots
from . import whatif_render as out
from . import whatif_render_changes as render_changes
from . import whatif_render_goal as render_goal
from .backend import Backend, is_ruleset_file
from .exits import EXIT_CHANGED as EXIT_CHANGED
from .exits import output_cut
from .progress import Progress
from .render import dumps, fixed, table
from .scoring_commands import usage
from .whatif_options import (
    describe_intervention,
    parse_axis,
    parse_costs,
    parse_intervention,
    parse_levers,
    parse_sampling,
    parse_target,
    parse_variant,
)
from .whatif_render_sweep import sweep_csv, sweep_csv_header, sweep_text
from .whatif_render_uncertainty import uncertainty_csv, uncertainty_text
from .whatif_units import Batch, batches, one_selection, sampling_from_table

PROGRESS_FROM = 1000
TOP = int(SCORE_RANGE[1])
"""The highest value of a component lever."""
PLOT_CORRECTION_TOP = 25
"""Correction points shown when a plot has no goal to centre on."""
"""Streamed rows or points from which a progress bar is shown (on a terminal only)."""
MONTE_CARLO_PROGRESS_FROM = 1_000_000
"""Units x draws from which Monte Carlo shows that it is working (on a terminal only)."""
PLOT_LEVER_MARGIN = 10.0
"""Lever points shown on each side of the current value and the goal in `spi goal --plot`."""


# Plumbing ---------------------------------------------------------------------------------------


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[TextIO]:
    """Standard output, or the --output file."""
    if not getattr(args, "output", None):
        yield sys.stdout
        return
    try:
        handle = open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115  (closed below)
    except OSError as error:
        raise usage(f"cannot write --output {args.output}: {error.strerror or error}") from None
    with handle:
        yield handle


def emit(args: argparse.Namespace, pieces: Iterable[str]) -> None:
    with opened(args) as stream:
        for piece in pieces:
            stream.write(piece)


def streamed(stream: Iterable[Any], label: str, *, bar: bool = True) -> tuple[Any, Iterator[Any]]:
    """(summary, rows or points) of a streamed answer; iterating advances a progress bar.

    The bar is drawn (on a terminal) for long answers only, and only when ``bar``: a command whose
    output streams to the same terminal shows its progress by that output instead.
    """
    messages = iter(stream)
    first = next(messages, None)
    if first is None or first.WhichOneof("part") != "summary":
        raise RuntimeError("the answer did not start with its summary")
    summary = first.summary
    total = int(getattr(summary, "rows", 0) or getattr(summary, "points", 0))
    shown = None if bar and total >= PROGRESS_FROM else False

    def items() -> Iterator[Any]:
        with Progress(label, total, enabled=shown) as progress:
            for message in messages:
                part = getattr(message, str(message.WhichOneof("part")))
                chunk = part.points if hasattr(part, "points") else part.rows
                progress.advance(len(chunk))
                yield from chunk

    return summary, items()


def out_of_terminal(args: argparse.Namespace) -> bool:
    """The answer goes to a file or a pipe (not to the terminal a progress bar would draw on)."""
    if getattr(args, "output", None):
        return True
    try:
        return not sys.stdout.isatty()
    except (AttributeError, ValueError):
        return True


def check_plot(args: argparse.Namespace) -> None:
    """Before any work: a --plot file name must end .png or .svg, and matplotlib must be there."""
    if not getattr(args, "plot", None):
        return
    if Path(args.plot).suffix.lower() not in {".png", ".svg"}:
        raise usage(f"--plot {args.plot}: expected a file name ending .png or .svg")
    try:
        plots.require()
    except plots.PlottingUnavailableError:
        raise usage(f"--plot: {plots.INSTALL_HINT}") from None


def save_plot(args: argparse.Namespace, figure: Any) -> None:
    try:
        plots.save(figure, args.plot)
    except OSError as error:
        raise usage(f"cannot write --plot {args.plot}: {error.strerror or error}") from None


def ruleset_message(backend: Backend, ruleset_id: str) -> ruleset_pb2.Ruleset:
    """The ruleset an answer was computed under (for its category colours and bands)."""
    return backend.get_ruleset(ruleset_id).ruleset


def one_unit(count: int, what: str) -> None:
    if count != 1:
        raise usage(
            f"--plot draws {what} of one unit; the selection has {count} (pick one with --id)"
        )


def render_answers(
    args: argparse.Namespace,
    answers: Sequence[Any],
    text: Callable[[Sequence[Any]], str],
    csv_text: Callable[[Sequence[Any]], str],
) -> None:
    if args.format == "json":
        emit(args, [out.answers_json(answers)])
    elif args.format == "csv":
        emit(args, [csv_text(answers)])
    else:
        emit(args, [text(answers)])


# spi whatif -------------------------------------------------------------------------------------


def scenario_of(args: argparse.Namespace) -> pb.Scenario:
    changes = [parse_intervention(operation, text) for operation, text in args.changes]
    variant = parse_variant(
        args.variant_id, args.weights, args.bound, args.correction_factors, args.note
    )
    scenario = pb.Scenario(name=args.name, interventions=changes)
    if variant is not None:
        scenario.variant.CopyFrom(variant)
    return scenario


def describe_variant(variant: pb.RulesetVariant) -> str:
    parts = []
    if variant.HasField("weights"):
        w = variant.weights
        parts.append(f"weights {out.num(w.internal)}/{out.num(w.external)}/{out.num(w.expert)}")
    parts += [f"{b.category} from {out.num(b.lower_bound)}" for b in variant.lower_bounds]
    if variant.HasField("correction_factors"):
        f = variant.correction_factors
        parts.append(f"correction factors {out.num(f.integrity)}/{out.num(f.prevalence)}")
    return f"rules {variant.id}: " + ", ".join(parts)


def whatif(args: argparse.Namespace, backend: Backend) -> int:
    check_plot(args)
    scenario = scenario_of(args)
    found = batches(args, backend)
    if len(found) > 1:
        raise usage(
            f"whatif scores one ruleset per run; the input spans {', '.join(b.ruleset for b in found)} "
            "(use --dataset FILE to score each year under its own ruleset, or pick --year)"
        )
    request = pb.SimulateRequest(
        ruleset_id=found[0].ruleset,
        units=found[0].units,
        scenario=scenario,
        keep_withheld=args.keep_withheld,
        changed_only=args.changed_only,
    )
    summary, rows = streamed(backend.simulate(request), "whatif", bar=out_of_terminal(args))
    lines = [describe_intervention(c) for c in scenario.interventions]
    lines += [describe_variant(scenario.variant)] if scenario.HasField("variant") else []
    if args.plot:
        save_plot(args, whatif_figure(backend, summary, lines))
    if args.format == "json":
        emit(args, [out.stream_json(summary, rows, "rows")])
    elif args.format == "csv":
        emit(args, render_changes.changes_csv(summary.comparisons, rows))
    else:
        emit(args, render_changes.simulation_text(summary, rows, lines))
    return 0


def whatif_figure(backend: Backend, summary: pb.SimulationSummary, described: Sequence[str]) -> Any:
    if len(summary.comparisons) != 1:
        years = ", ".join(str(c.year) for c in summary.comparisons)
        raise usage(
            f"--plot draws one comparison; the answer has {len(summary.comparisons)} (years {years}): add --year"
        )
    c = summary.comparisons[0]
    what = summary.scenario_name or "; ".join(described) or "no change"
    title = f"{c.year}: {what}" if c.year else what
    return plot_messages.transitions_plot(c, ruleset_message(backend, c.baseline.ruleset_id), title)


# spi goal ---------------------------------------------------------------------------------------


def goal(args: argparse.Namespace, backend: Backend) -> int:
    check_plot(args)
    target = parse_target(args.target)
    levers = parse_levers(args.lever)
    costs = parse_costs(args.cost, args.max)
    found = batches(args, backend)
    answers = [
        backend.goal_seek(
            pb.GoalSeekRequest(
                ruleset_id=b.ruleset, units=b.units, target=target, levers=levers, costs=costs
            )
        )
        for b in found
    ]
    if args.plot:
        save_plot(args, goal_figure(backend, found, answers))
    render_answers(args, answers, render_goal.goal_text, render_goal.goal_csv)
    return 0


def plot_lever(unit: pb.UnitGoal) -> pb.LeverAnswer:
    """The lever a goal plot draws: the reached one with the smallest change, else the first."""
    reached = [a for a in unit.levers if a.HasField("change")]
    if reached:
        return min(reached, key=lambda a: abs(a.change))
    usable = [a for a in unit.levers if a.status != pb.GOAL_STATUS_NOT_APPLICABLE]
    return (usable or list(unit.levers))[0]


def lever_window(answer: pb.LeverAnswer) -> pb.SweepAxis:
    """Whole points around the lever's current value and its goal (its whole range when unknown)."""
    component = answer.lever in COMPONENT_LEVERS
    if not answer.HasField("change"):
        whole = pb.AxisRange(start=0, stop=TOP if component else PLOT_CORRECTION_TOP, step=0.25)
        return pb.SweepAxis(lever=answer.lever, range=whole)
    now = answer.new_value - answer.change
    low = max(math.floor(min(now, answer.new_value) - PLOT_LEVER_MARGIN), 0)
    top = math.ceil(max(now, answer.new_value) + PLOT_LEVER_MARGIN)
    top = min(top, TOP) if component else top
    return pb.SweepAxis(lever=answer.lever, range=pb.AxisRange(start=low, stop=top, step=0.1))


def goal_figure(
    backend: Backend, found: Sequence[Batch], answers: Sequence[pb.GoalSeekResponse]
) -> Any:
    one_unit(sum(len(a.units) for a in answers), "the index against a lever")
    answer, batch = next((a, b) for a, b in zip(answers, found, strict=True) if a.units)
    unit, p = answer.units[0], answer.provenance
    lever = plot_lever(unit)
    request = pb.SweepRequest(
        ruleset_id=p.ruleset_id, units=batch.units, axes=[lever_window(lever)], with_crossings=True
    )
    summary, points = streamed(backend.sweep(request), "goal plot")
    goal_mark = None
    if lever.HasField("change"):
        goal_mark = (lever.new_value, f"goal {out.signed(lever.change)}")
    d = p.index_decimals
    return plot_messages.lever_plot(
        summary,
        list(points),
        ruleset_message(backend, p.ruleset_id),
        title=f"{unit.unit_id or 'unit'}: index against {lever.lever}, target {answer.target} ({p.ruleset_id})",
        goal=goal_mark,
        target=(unit.target_index, f"target {fixed(unit.target_index, d)}"),
    )


# spi sensitivity --------------------------------------------------------------------------------


def sensitivity(args: argparse.Namespace, backend: Backend) -> int:
    check_plot(args)
    levers = parse_levers(args.lever)
    answers = [
        backend.sensitivity(
            pb.SensitivityRequest(ruleset_id=b.ruleset, units=b.units, levers=levers)
        )
        for b in batches(args, backend)
    ]
    if args.plot:
        one_unit(sum(len(a.units) for a in answers), "the tornado")
        answer = next(a for a in answers if a.units)
        unit = answer.units[0]
        title = f"{unit.unit_id or 'unit'} ({unit.index:.2f} {unit.category}, {answer.provenance.ruleset_id}): points on each lever alone"
        save_plot(args, plot_messages.tornado_plot(unit, title))
    render_answers(args, answers, render_goal.sensitivity_text, render_goal.sensitivity_csv)
    return 0


# spi sweep --------------------------------------------------------------------------------------


def sweep(args: argparse.Namespace, backend: Backend) -> int:
    check_plot(args)
    axes = [parse_axis(text) for text in args.axis]
    if not 1 <= len(axes) <= 2:
        raise usage(f"--axis: expected one or two axes; got {len(axes)}")
    answers: list[tuple[Any, Iterable[Any]]] = [
        streamed(
            backend.sweep(
                pb.SweepRequest(
                    ruleset_id=b.ruleset, units=b.units, axes=axes, with_crossings=len(axes) == 1
                )
            ),
            "sweep",
            bar=out_of_terminal(args),
        )
        for b in batches(args, backend)
    ]
    if args.plot:
        answers = [(summary, list(points)) for summary, points in answers]
        save_plot(args, sweep_figure(backend, answers))
    if args.format == "json":
        emit(args, [out.streams_json(answers, "points")])
    elif args.format == "csv":
        emit(
            args,
            _chain(sweep_csv_header(answers[0][0].levers), *(sweep_csv(s, p) for s, p in answers)),
        )
    else:
        emit(args, _chain(*(_separated(i, sweep_text(s, p)) for i, (s, p) in enumerate(answers))))
    return 0


def _chain(*parts: Iterable[str]) -> Iterator[str]:
    for part in parts:
        yield from part


def _separated(position: int, pieces: Iterable[str]) -> Iterator[str]:
    if position:
        yield "\n"
    yield from pieces


def sweep_figure(backend: Backend, answers: Sequence[tuple[pb.SweepSummary, Any]]) -> Any:
    one_unit(sum(len(s.units) for s, _ in answers), "a sweep")
    summary, points = next((s, p) for s, p in answers if s.units)
    rules = ruleset_message(backend, summary.provenance.ruleset_id)
    unit = summary.units[0]
    name = f"{unit.unit_id or 'unit'} ({summary.provenance.ruleset_id})"
    if len(summary.levers) == 1:
        title = f"{name}: index against {summary.levers[0]}"
        return plot_messages.lever_plot(summary, points, rules, title=title)
    title = f"{name}: category by {summary.levers[0]} and {summary.levers[1]}"
    return plot_messages.grid_plot(summary, points, rules, title)


# spi uncertainty --------------------------------------------------------------------------------


def uncertainty(args: argparse.Namespace, backend: Backend) -> int:
    check_plot(args)
    given = parse_sampling(args.se, args.respondents, args.sd, args.population)
    answers = [_estimate(args, backend, b, given) for b in batches(args, backend)]
    if args.plot:
        first = answers[0]
        if len(answers) > 1:
            raise usage("--plot draws one ruleset's units; the input spans several: add --year")
        drawn = f", Monte Carlo {first.draws:,} draws" if first.draws else ""
        title = f"Probability of each category ({first.provenance.ruleset_id}{drawn})"
        rules = ruleset_message(backend, first.provenance.ruleset_id)
        save_plot(args, plot_messages.probabilities_plot(first, rules, title))
    render_answers(args, answers, uncertainty_text, uncertainty_csv)
    return 0


def _estimate(
    args: argparse.Namespace, backend: Backend, batch: Batch, given: pb.SamplingInput | None
) -> pb.EstimateUncertaintyResponse:
    from_table = sampling_from_table(batch.table) if batch.table is not None else None
    if given is not None and from_table is not None:
        raise usage(
            "give the sampling as options (--se, --respondents/--sd) or as columns of --input, not both"
        )
    sampling = given or from_table
    if sampling is None:
        raise usage(
            "give each component's precision: --se COMPONENT=SE for internal, external and expert, "
            "or --respondents COMPONENT=N and --sd COMPONENT=SD for each (or se_*, respondents_*/sd_* columns in --input)"
        )
    request = pb.EstimateUncertaintyRequest(
        ruleset_id=batch.ruleset,
        units=batch.units,
        sampling=sampling,
        level=args.level,
        draws=args.draws,
        seed=args.seed,
        certainty=args.certainty,
    )
    size = len(batch.units.inline.units) if batch.units.HasField("inline") else 1
    working = args.draws * size >= MONTE_CARLO_PROGRESS_FROM
    with Progress("Monte Carlo", None, enabled=None if working else False):
        return backend.estimate_uncertainty(request)


# spi datasets -----------------------------------------------------------------------------------


def datasets(args: argparse.Namespace, backend: Backend) -> int:
    for reference in args.dataset or ():
        backend.use_dataset(reference)
    response = backend.list_datasets()
    if args.format == "json":
        emit(args, [dumps({"datasets": [out.message_dict(d) for d in response.datasets]})])
        return 0
    body = [
        (
            d.name,
            str(d.rows),
            ",".join(str(y) for y in d.years),
            ",".join(d.groups),
            d.sha256,
            d.origin,
        )
        for d in response.datasets
    ]
    emit(args, [table(("name", "rows", "years", "groups", "sha256", "origin"), body)])
    return 0


# spi rules diff ---------------------------------------------------------------------------------


def ruleset_choice(reference: str, variant: pb.RulesetVariant | None = None) -> pb.RulesetChoice:
    """A loaded ruleset by id, a ruleset file (sent whole), or a variant of a loaded ruleset."""
    is_file = is_ruleset_file(reference) and not Path(reference).is_dir()
    if variant is not None:
        if is_file:
            raise usage(
                f"--weights, --bound and --correction-factors derive a variant of a loaded ruleset id; NEW is a file ({reference})"
            )
        return pb.RulesetChoice(variant=pb.VariantOf(base_id=reference, variant=variant))
    if is_file:
        return pb.RulesetChoice(ruleset=load_file(reference).to_message())
    return pb.RulesetChoice(id=reference)


def rules_diff(args: argparse.Namespace, backend: Backend) -> int:
    variant = parse_variant(
        args.variant_id, args.weights, args.bound, args.correction_factors, args.note
    )
    request = pb.CompareRulesetsRequest(
        old=ruleset_choice(args.old),
        new=ruleset_choice(args.new, variant),
        units=one_selection(args, backend),
        changed_only=args.changed_only,
    )
    summary, rows = streamed(
        backend.compare_rulesets(request), "rules diff", bar=out_of_terminal(args)
    )
    code = EXIT_CHANGED if args.fail_on_change and summary.changed else 0
    try:
        _emit_impact(args, summary, rows)
    except BrokenPipeError:
        # The verdict is known from the summary: a cut output never turns a failing gate green.
        return output_cut(code)
    return code


def _emit_impact(args: argparse.Namespace, summary: pb.ImpactSummary, rows: Iterator[Any]) -> None:
    """The answer in --format; json and csv keep their shape and give the verdict on stderr."""
    gate = args.fail_on_change
    if args.format == "markdown":
        emit(args, render_diff_markdown.impact_markdown(summary, rows, gate))
        return
    if args.format == "text":
        emit(args, render_changes.impact_text(summary, rows, gate))
        return
    if args.format == "json":
        emit(args, [out.stream_json(summary, rows, "rows")])
    else:
        emit(args, render_changes.changes_csv([summary.comparison], rows))
    print(render_changes.verdict(summary, gate), file=sys.stderr)
