"""Argument parsers of the what-if subcommands (registered by :func:`spi_client.cli.main.build_parser`)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from spi_engine.units import COMPONENTS

from . import whatif_commands as run
from .exits import EXIT_CHANGED
from .whatif_render import LISTED_UNITS

WIDTH = 96
"""Columns of the descriptions in --help."""
ServerOptions = Callable[[argparse.ArgumentParser], None]
Subparsers = Any  # argparse's _SubParsersAction, which is private

LEVER_HELP = """levers: internal, external, expert (component scores, 0-100),
  correction_integrity, correction_prevalence (correction parts, points >= 0),
  correction (a correction held only as a total); correction-integrity is read as correction_integrity"""
UNITS_HELP = """units:
  --input FILE          a CSV as for `spi score` (the published results file too), with
                        --ruleset ID|FILE|auto (auto: by the year column; one answer per ruleset)
  --dataset NAME|PATH   a results file in the published format: in-process its path (named by
                        its stem) or NAME=PATH; with --server the NAME of a dataset the server
                        loaded (`spi-server --dataset NAME=PATH`; `spi datasets --server` lists them).
                        Without --ruleset each row is scored under its year's ruleset.
  --internal ... --correction ...   one unit, with --ruleset ID (or auto and --year)
  --year, --group, --id narrow --input or --dataset rows (the same rules on both)
"""
EXIT_HELP = (
    "exit codes: 0 ok, 2 bad input (the message names the option or field), 1 internal error"
)


def _parser(
    sub: Subparsers, name: str, summary: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, WIDTH),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def unit_options(parser: argparse.ArgumentParser, *, ruleset: bool = True) -> None:
    group = parser.add_argument_group("units (one of --input, --dataset or a single unit)")
    if ruleset:
        group.add_argument("--ruleset", help="ruleset id (spi-2024), a ruleset file, or 'auto'")
        group.add_argument(
            "--rulesets",
            metavar="DIR",
            help="also load the rulesets in DIR (in-process only); one with a bundled id replaces "
            "it, e.g. the spi-2022 written by `spi rules fit-regional`",
        )
    group.add_argument("--input", metavar="FILE", help="CSV of units ('-' for standard input)")
    group.add_argument("--dataset", metavar="NAME|PATH", help="a reference dataset (see below)")
    group.add_argument("--year", type=YEAR, help="keep the rows of this year (and --ruleset auto)")
    group.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="G[,G...]",
        help="keep the rows of these groups",
    )
    group.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="pick these units, in this order",
    )
    group.add_argument(
        "--id-column", help="column of unit ids (default: unit_id, institution_id or id)"
    )
    group.add_argument("--group-column", help="column of groups (default: group or type)")
    one = parser.add_argument_group("one unit (instead of --input or --dataset)")
    for name in COMPONENTS:
        one.add_argument(f"--{name}", metavar="SCORE", help=f"{name} component, 0-100")
    one.add_argument("--correction", metavar="POINTS", help="correction total, points >= 0")
    one.add_argument("--correction-integrity", metavar="POINTS", help="survey-integrity part")
    one.add_argument("--correction-prevalence", metavar="POINTS", help="corruption-prevalence part")
    one.add_argument("--unit-id", default="", help="id echoed in the output")


def output_options(
    parser: argparse.ArgumentParser,
    plot: str | None,
    formats: tuple[str, ...] = ("text", "json", "csv"),
) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--format", choices=formats, default="text", help="default text")
    group.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    if plot:
        group.add_argument(
            "--plot",
            metavar="FILE.png|FILE.svg",
            help=f"also draw {plot} (needs matplotlib: pip install 'spi-engine[plot]')",
        )


def variant_options(parser: argparse.ArgumentParser, side: str) -> None:
    group = parser.add_argument_group(f"rule variant ({side})")
    group.add_argument(
        "--weights", metavar="I,E,X", help="component weights internal,external,expert (sum 1)"
    )
    group.add_argument(
        "--bound",
        action="append",
        default=[],
        metavar="CATEGORY=INDEX",
        help="a category's new lower bound, e.g. terjaga=80",
    )
    group.add_argument(
        "--correction-factors",
        metavar="I,P",
        help="index points per correction point: integrity,prevalence",
    )
    group.add_argument(
        "--variant-id", default="variant", help="the variant's ruleset id (default 'variant')"
    )
    group.add_argument("--note", default="", help="why: recorded in the variant's provenance")


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (the message says so otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high:,}; got {value:,}"
            )
        return value

    return parse


YEAR = whole(1, 9999)
DRAWS = whole(0, 2**31 - 1)
SEED = whole(0, 2**63 - 1)


class _Change(argparse.Action):
    """Collects --set/--add/--scale/--cap in command-line order (they apply in that order)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        changes = [*getattr(namespace, "changes", []), (self.const, values)]
        namespace.changes = changes


def add_commands(sub: Subparsers, server_options: ServerOptions) -> None:
    """Register whatif, goal, sensitivity, sweep, uncertainty and datasets."""
    for build in (_whatif, _goal, _sensitivity, _sweep, _uncertainty, _datasets):
        parser = build(sub)
        server_options(parser)


def _whatif(sub: Subparsers) -> argparse.ArgumentParser:
    parser = _parser(
        sub,
        "whatif",
        "a scenario: baseline beside changed inputs (or rules)",
        "Apply interventions (and optionally a rule variant) to units and show baseline beside "
        "scenario: indexes, categories, who changes category and which way, counts and means.",
        f"""interventions apply in the order given, each to every unit or to a scope:
  --set LEVER=VALUE     the lever becomes VALUE          --add LEVER=POINTS  plus POINTS (negative: minus)
  --scale LEVER=FACTOR  times FACTOR (>= 0)              --cap LEVER=VALUE   at most VALUE
  scope: LEVER=VALUE@group:NAME[,NAME...]  or  LEVER=VALUE@id:ID[,ID...]
  values pushed past a lever's range are capped at its end (the answer says which units)
{LEVER_HELP}

{UNITS_HELP}
text lists every unit up to {LISTED_UNITS}, else only those changing category (csv: all).
--plot draws the units per category before and after (one year: add --year for a dataset).

examples:
  spi whatif --ruleset spi-2024 --internal 75.61 --external 89.02 --expert 73.53 \\
      --correction 7.59 --add external=3
  spi whatif --dataset ../shared/data/spi-published/results.csv --year 2024 \\
      --add external=2@group:kabupaten --plot transitions.png
  spi whatif --input units.csv --ruleset spi-2024 --set internal=80@id:259908,280868 --scale expert=1.05
  spi whatif --dataset published --server localhost:50051 --year 2024 --bound terjaga=80

{EXIT_HELP}""",
    )
    parser.set_defaults(changes=[], run=run.whatif)
    changes = parser.add_argument_group("interventions")
    for operation, metavar, text in (
        ("set", "VALUE", "the lever becomes VALUE"),
        ("add", "POINTS", "the lever plus POINTS (negative: minus)"),
        ("scale", "FACTOR", "the lever times FACTOR (>= 0)"),
        ("cap", "VALUE", "the lever at most VALUE"),
    ):
        changes.add_argument(
            f"--{operation}",
            action=_Change,
            const=operation,
            metavar=f"LEVER={metavar}[@SCOPE]",
            help=f"{text}; repeatable, applied in order",
        )
    changes.add_argument("--name", default="", help="a name for the scenario, echoed in the output")
    variant_options(parser, "the scenario side is scored under it")
    unit_options(parser)
    rows = parser.add_argument_group("dataset rows")
    rows.add_argument(
        "--keep-withheld", action="store_true", help="keep rows flagged withheld_by_kpk"
    )
    rows.add_argument(
        "--changed-only", action="store_true", help="rows whose index or category changes only"
    )
    output_options(parser, "the units per category before and after, and the transitions")
    return parser


def _goal(sub: Subparsers) -> argparse.ArgumentParser:
    parser = _parser(
        sub,
        "goal",
        "the smallest change of each lever to reach a target, and the cheapest plan",
        "For each unit and each lever alone: the smallest change that reaches the target, verified "
        "by scoring (0.01 less does not). With --cost: the cheapest multi-lever plan (the exact "
        "optimum of the linear problem, never costlier than any single lever within its bound).",
        f"""targets: a category (reach it, or fall into it when it is below) or a published index.
{LEVER_HELP}

{UNITS_HELP}
--plot draws the index against one lever (the reached one needing the smallest change; choose it
with --lever), the category bands shaded, the current position and the target marked.

examples:
  spi goal --ruleset spi-2024 --internal 75.61 --external 89.02 --expert 73.53 \\
      --correction 7.59 --target waspada
  spi goal --dataset ../shared/data/spi-published/results.csv --year 2024 --id 259908 \\
      --target terjaga --cost internal=3 --cost external=1 --cost expert=5 \\
      --cost correction_integrity=2 --max external=5 --max correction_integrity=3
  spi goal --input units.csv --ruleset auto --target 75 --lever external --plot external.png

{EXIT_HELP}""",
    )
    parser.set_defaults(run=run.goal)
    group = parser.add_argument_group("goal")
    group.add_argument(
        "--target", required=True, help="a category (waspada, terjaga) or an index (72.5)"
    )
    group.add_argument(
        "--lever",
        action="append",
        default=[],
        metavar="LEVER[,LEVER...]",
        help="levers to try (default: all)",
    )
    group.add_argument(
        "--cost",
        action="append",
        default=[],
        metavar="LEVER=COST",
        help="cost per point moved: asks for the cheapest plan",
    )
    group.add_argument(
        "--max",
        action="append",
        default=[],
        metavar="LEVER=POINTS",
        help="largest change of a lever in the plan",
    )
    unit_options(parser)
    output_options(parser, "the index against one lever with the target")
    return parser


def _sensitivity(sub: Subparsers) -> argparse.ArgumentParser:
    parser = _parser(
        sub,
        "sensitivity",
        "index points per lever point, and each lever's distance to the next category",
        "Index points per lever point, and the points each lever alone needs to reach the "
        "category above and to fall into the one below, ranked (a tornado).",
        f"""{LEVER_HELP}

{UNITS_HELP}
--plot draws the tornado of one unit.

examples:
  spi sensitivity --ruleset spi-2024 --internal 75.61 --external 89.02 --expert 73.53 \\
      --correction 7.59 --plot tornado.png
  spi sensitivity --input units.csv --ruleset spi-2024 --lever internal,external,expert --format csv

{EXIT_HELP}""",
    )
    parser.set_defaults(run=run.sensitivity)
    parser.add_argument(
        "--lever",
        action="append",
        default=[],
        metavar="LEVER[,LEVER...]",
        help="levers to include (default: all)",
    )
    unit_options(parser)
    output_options(parser, "the tornado of one unit")
    return parser


def _sweep(sub: Subparsers) -> argparse.ArgumentParser:
    parser = _parser(
        sub,
        "sweep",
        "one or two levers over a grid: the index and category at every point",
        "Set one or two levers to every value of a grid and score each point (a point is exactly "
        "the scenario that sets the levers to its values).",
        f"""axes: LEVER=START:STOP[:STEP] (inclusive, STEP default 1, on the 0.01 grid) or LEVER=V1,V2,...
{LEVER_HELP}
grid points (units x values) are limited (2,000,000 in-process; a server sets its own limit).

{UNITS_HELP}
--plot draws one unit: the index against the lever with the bands, the current position and the
exact category changes (one axis), or the category at every grid point (two axes).

examples:
  spi sweep --ruleset spi-2024 --internal 75.61 --external 89.02 --expert 73.53 \\
      --correction 7.59 --axis external=80:100:0.25 --plot external.png
  spi sweep --ruleset spi-2024 --input units.csv --axis internal=70:90:5 --axis external=80:100:5 --format csv

{EXIT_HELP}""",
    )
    parser.set_defaults(run=run.sweep)
    parser.add_argument(
        "--axis",
        action="append",
        default=[],
        required=True,
        metavar="LEVER=START:STOP[:STEP]",
        help="a swept lever (once or twice)",
    )
    unit_options(parser)
    output_options(parser, "one unit's sweep")
    return parser


def _uncertainty(sub: Subparsers) -> argparse.ArgumentParser:
    parser = _parser(
        sub,
        "uncertainty",
        "how sure a category is, given the sample: standard error, interval, probabilities",
        "The index's standard error and confidence interval and the probability of each category "
        "from each component's sampling error (normal approximation; Monte Carlo with --draws), "
        "and how many respondents would make the current category certain.",
        f"""sampling, for every unit (or per unit from --input columns se_internal, se_external,
se_expert, or respondents_*, sd_* and optionally population_*):
  --se internal=1.2 --se external=0.8 --se expert=2.5
  --respondents internal=120 --respondents external=200 --respondents expert=10
      --sd internal=12 --sd external=10 --sd expert=9 [--population internal=400 ...]
Monte Carlo: --draws N (0: none) --seed S; the same seed gives the same answer, bit for bit.
Draws are limited (200,000 per unit; 50,000,000 units x draws in-process; a server sets its own).

{UNITS_HELP}
--plot draws the category probabilities of every unit.

example:
  spi uncertainty --ruleset spi-2024 --internal 75.61 --external 89.02 --expert 73.53 \\
      --correction 7.59 --respondents internal=120 --respondents external=200 \\
      --respondents expert=10 --sd internal=12 --sd external=10 --sd expert=9 \\
      --draws 10000 --seed 2024 --plot probabilities.png

{EXIT_HELP}""",
    )
    parser.set_defaults(run=run.uncertainty)
    group = parser.add_argument_group("sampling")
    for flag, metavar, text in (
        ("--se", "COMPONENT=SE", "standard error of a component score"),
        ("--respondents", "COMPONENT=N", "respondents of a component"),
        ("--sd", "COMPONENT=SD", "standard deviation of a component's answers"),
        ("--population", "COMPONENT=N", "population of a component (finite-population correction)"),
    ):
        group.add_argument(flag, action="append", default=[], metavar=metavar, help=text)
    group.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    group.add_argument(
        "--draws", type=DRAWS, default=0, help="Monte Carlo draws per unit (default 0: none)"
    )
    group.add_argument("--seed", type=SEED, default=0, help="Monte Carlo seed (default 0)")
    group.add_argument(
        "--certainty",
        type=float,
        default=0.95,
        help="respondents for this certainty (default 0.95; 0: skip)",
    )
    unit_options(parser)
    output_options(parser, "the category probabilities")
    return parser


def _datasets(sub: Subparsers) -> argparse.ArgumentParser:
    parser = _parser(
        sub,
        "datasets",
        "the reference datasets (a server's, or results files in-process)",
        "List reference datasets: those a server loaded (--server), or the results files given.",
        "example:\n  spi datasets --server localhost:50051\n  spi datasets --dataset ../shared/data/spi-published/results.csv",
    )
    parser.set_defaults(run=run.datasets)
    parser.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="PATH|NAME=PATH",
        help="a results file (in-process)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


DIFF_UNITS_HELP = """units (scored under OLD and under NEW: OLD and NEW name the rules, so there is no --ruleset):
  --input FILE          a CSV as for `spi score` (the published results file too)
  --dataset NAME|PATH   a results file in the published format: in-process its path (named by
                        its stem) or NAME=PATH; with --server the NAME of a dataset the server
                        loaded (`spi-server --dataset NAME=PATH`; `spi datasets --server` lists them)
  --internal ... --correction ...   one unit
  --year, --group, --id narrow --input or --dataset rows (the same rules on both)
"""


def add_rules_diff(rules: Subparsers, server_options: ServerOptions) -> None:
    parser = _parser(
        rules,
        "diff",
        "the impact of a rule change on units (a CI gate with --fail-on-change)",
        "Score the same units under OLD and NEW rules: units that change category, the "
        "distribution of index changes, the mean index before and after.",
        f"""OLD and NEW: a ruleset id, or a ruleset file (sent whole with --server, validated there);
--weights/--bound/--correction-factors turn NEW (an id) into a variant of it.

{DIFF_UNITS_HELP}
output: text (the default) and markdown (a pull-request comment: counts, transitions, the units
that change category) end with the verdict line ("verdict: changed" or "verdict: unchanged");
json and csv keep their shape and write the verdict line to standard error.

exit codes: 0 ok (changed or not, without --fail-on-change); {EXIT_CHANGED} with --fail-on-change when any
unit's published index or category differs (also when standard output is closed early, e.g.
by `| head`: a cut output never passes a gate; an unchanged answer cut short exits 1);
5 OLD or NEW is a ruleset file that does not parse or validate; 2 bad input; 1 internal error.

examples:
  spi rules diff spi-2023 spi-2024 --input ../shared/data/spi-published/results.csv
  spi rules diff spi-2024 my-rules/spi-2024.txtpb --dataset results.csv --year 2024 --fail-on-change
  spi rules diff spi-2024 my-rules/spi-2024.txtpb --dataset results.csv --year 2024 --format markdown > comment.md
  spi rules diff spi-2024 spi-2024 --bound terjaga=80 --dataset results.csv --year 2024""",
    )
    parser.set_defaults(run=run.rules_diff)
    parser.add_argument("old", metavar="OLD", help="the rules now: an id or a ruleset file")
    parser.add_argument("new", metavar="NEW", help="the rules proposed: an id or a ruleset file")
    parser.add_argument(
        "--fail-on-change",
        action="store_true",
        help=f"exit {EXIT_CHANGED} when any unit's index or category changes",
    )
    parser.add_argument(
        "--changed-only", action="store_true", help="rows whose index or category changes only"
    )
    variant_options(parser, "NEW becomes a variant of the ruleset NEW names")
    unit_options(parser, ruleset=False)
    output_options(parser, None, formats=("text", "json", "csv", "markdown"))
    server_options(parser)
