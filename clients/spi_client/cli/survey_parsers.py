"""Argument parsers of `spi survey generate | score | progress | screen` (registered by
:func:`spi_client.cli.main.build_parser`)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import Any

from . import survey_commands as run

WIDTH = 96
ServerOptions = Callable[[argparse.ArgumentParser], None]
Subparsers = Any  # argparse's _SubParsersAction, which is private
EXIT_HELP = (
    "exit codes: 0 ok, 2 bad input (the message names the file, row and column), 1 internal error"
)
FILES_HELP = """files: CSV or Parquet (by the .parquet suffix). Respondents: respondent_id, unit_id,
  sub_unit_id (optional), group (internal/external/expert), one column per item of the instrument,
  completion_seconds, device_fingerprint, submitted_at (optional; screening uses them).
  Population: unit_id, sub_unit_id, group, population, sampled."""


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}; got {value}")
        return value

    return parse


def _parser(sub: Subparsers, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, WIDTH),
        epilog=f"{FILES_HELP}\n{EXIT_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _instrument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--instrument",
        default="example-survey",
        metavar="ID|FILE",
        help="a bundled instrument id or an instrument file (.txtpb); default example-survey",
    )


def _output(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument(
        "--format", choices=formats, default="text", help="output format (default text)"
    )
    parser.add_argument("--output", metavar="FILE", help="write here instead of standard output")


def _units(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--unit",
        dest="units",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="show only these units (and their sub-units); the heading still counts them all",
    )


def add_commands(sub: Subparsers, server_options: ServerOptions) -> None:
    survey = sub.add_parser(
        "survey",
        help="respondent-level surveys: generate, score, progress, screen",
        description="From raw answers to scores: score units and sub-units, monitor responses, "
        "screen for manipulation, or generate a synthetic national survey.",
    ).add_subparsers(dest="survey_command", required=True, metavar="ACTION")
    _generate(sub=survey)
    _score(survey, server_options)
    _progress(survey, server_options)
    _screen(survey, server_options)


def _generate(sub: Subparsers) -> None:
    parser = _parser(
        sub,
        "generate",
        "write a seeded synthetic national survey",
        "Writes respondents, the population table and the ground truth of the injected "
        "manipulation (speeders, straight-liners, duplicate devices, copied answers, bursts) "
        "into --out. Synthetic data, for tests, benchmarks and demonstrations.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    parser.add_argument("--seed", type=_count(0), default=2024, help="random seed (default 2024)")
    parser.add_argument(
        "--institutions", type=_count(1), default=641, help="institutions (default 641)"
    )
    parser.add_argument(
        "--respondents",
        type=_count(1),
        default=601_453,
        help="respondents in total, 30 to 2,554 per institution (default 601,453)",
    )
    parser.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)"
    )
    parser.add_argument(
        "--clean", action="store_true", help="inject no manipulation (the truth file is all clean)"
    )
    _instrument(parser)
    parser.set_defaults(run=run.generate)


def _score(sub: Subparsers, server_options: ServerOptions) -> None:
    parser = _parser(
        sub,
        "score",
        "score units and sub-units from respondents' answers",
        "Per unit (and with --sub-units per sub-unit): respondents per group, the internal margin "
        "of error, sample adequacy, component scores, and where publishable the index and "
        "category through the ruleset; the weakest dimensions with their follow-up actions, and "
        "the count of sub-units per category.",
    )
    parser.add_argument("--responses", required=True, metavar="FILE", help="respondents file")
    parser.add_argument(
        "--population", metavar="FILE", help="population table (response rates, FPC)"
    )
    _instrument(parser)
    parser.add_argument(
        "--ruleset", default="spi-2024", help="ruleset id or file (default spi-2024)"
    )
    parser.add_argument("--sub-units", action="store_true", help="score sub-units too")
    _units(parser)
    parser.add_argument(
        "--exclude-flagged",
        action="store_true",
        help="leave out respondents the screening flags, and apply the instrument's local correction points (when it has a local rule)",
    )
    _output(parser, ("text", "json", "csv"))
    server_options(parser)
    parser.set_defaults(run=run.score)


def _progress(sub: Subparsers, server_options: ServerOptions) -> None:
    parser = _parser(
        sub,
        "progress",
        "response rates and margins of error while a survey runs",
        "From the sampled lists (a population table with the sampled column) and the responses "
        "so far: response rate per unit, sub-unit and group, the margin of error reached, and how "
        "many more responses each needs for a 10% and a 5% margin.",
    )
    parser.add_argument(
        "--sample", required=True, metavar="FILE", help="population table with sampled counts"
    )
    parser.add_argument("--responses", required=True, metavar="FILE", help="respondents so far")
    parser.add_argument(
        "--until",
        metavar="TIME",
        help="count only responses submitted before this UTC time (2024-08-15 or 2024-08-15T12:00:00)",
    )
    _units(parser)
    _instrument(parser)
    _output(parser, ("text", "json", "csv"))
    server_options(parser)
    parser.set_defaults(run=run.progress)


def _screen(sub: Subparsers, server_options: ServerOptions) -> None:
    parser = _parser(
        sub,
        "screen",
        "flag speeders, straight-liners, duplicates and coordinated bursts",
        "Every excluded respondent with its reason and the submission it repeats, counts per "
        "reason, and with --corrections the survey-integrity correction points of the "
        "instrument's local rule (labelled local: not KPK's rule).",
    )
    parser.add_argument("--responses", required=True, metavar="FILE", help="respondents file")
    _instrument(parser)
    parser.add_argument(
        "--corrections", action="store_true", help="local survey-integrity correction points"
    )
    _output(parser, ("text", "json", "csv"))
    server_options(parser)
    parser.set_defaults(run=run.screen)
