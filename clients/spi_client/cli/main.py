"""The `spi` command: score units, summarise them, manage rulesets and ask what-if questions
(whatif, goal, sensitivity, sweep, uncertainty, rules diff), in-process or on a server.

Exit codes: 0 ok; 1 anything else (an internal error, or standard output closed before the
whole answer was written: a CI gate never passes because its output was cut); 2 bad input (the
message names the row and field); 3 `spi rules diff --fail-on-change` when a unit's index or
category changes; 4 `spi rules check` when a golden case fails; 5 a ruleset file that does not
parse or validate (or, for `spi rules check`, states a fit its numbers no longer give). No
traceback is printed unless SPI_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from spi_engine import InvalidRulesetError, SpiError, __version__
from spi_engine.units import COMPONENTS

from . import rules_check, survey_parsers, whatif_parsers
from . import scoring_commands as commands
from .backend import Backend, LocalBackend, RemoteBackend, local_catalog
from .exits import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INVALID_RULESET, output_cut

CALLER_CODES = {
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "OUT_OF_RANGE",
    "UNAUTHENTICATED",
    "PERMISSION_DENIED",
}


def _server_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server (default: run the engine in this process)")
    group.add_argument(
        "--server",
        metavar="HOST:PORT",
        default=os.environ.get("SPI_SERVER"),
        help="call a spi-engine server instead (env SPI_SERVER)",
    )
    group.add_argument(
        "--ca", metavar="FILE", help="PEM root certificate(s) of the server: turns TLS on"
    )
    group.add_argument(
        "--tls", action="store_true", help="use TLS with the system's root certificates"
    )
    group.add_argument("--cert", metavar="FILE", help="client certificate (PEM) for mutual TLS")
    group.add_argument("--key", metavar="FILE", help="client private key (PEM) for mutual TLS")
    group.add_argument(
        "--token", default=os.environ.get("SPI_TOKEN"), help="bearer token (env SPI_TOKEN)"
    )
    group.add_argument("--timeout", type=float, default=30.0, help="seconds per call (default 30)")


def _unit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ruleset",
        required=True,
        help="ruleset id (spi-2024), a ruleset file, or 'auto' (by a year column)",
    )
    parser.add_argument("--input", metavar="FILE", help="CSV of units ('-' for standard input)")
    parser.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    parser.add_argument(
        "--id-column", help="column holding unit ids (default: unit_id, institution_id or id)"
    )
    parser.add_argument("--group-column", help="column holding groups (default: group or type)")
    parser.add_argument(
        "--rulesets",
        metavar="DIR",
        help="also load the rulesets in DIR (in-process only); one with a bundled id replaces it, "
        "e.g. the spi-2022 written by `spi rules fit-regional`",
    )
    one = parser.add_argument_group("one unit (instead of --input)")
    for name in COMPONENTS:
        one.add_argument(f"--{name}", metavar="SCORE", help=f"{name} component, 0-100")
    one.add_argument("--correction", metavar="POINTS", help="correction total, points >= 0")
    one.add_argument("--correction-integrity", metavar="POINTS", help="survey-integrity correction")
    one.add_argument(
        "--correction-prevalence",
        metavar="POINTS",
        help="corruption-prevalence correction",
    )
    one.add_argument("--unit-id", default="", help="id echoed in the output")
    one.add_argument("--year", type=int, help="survey year, for --ruleset auto")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spi",
        description="Score SPI units under versioned rulesets, in-process or on a spi-engine server.",
        epilog="exit codes: 0 ok; 1 internal error or output cut short (a closed pipe); 2 bad "
        "input; 3 `rules diff --fail-on-change`: results change; 4 `rules check`: a golden case "
        "failed; 5 an invalid ruleset file (or, for `rules check`, a stale fit)",
    )
    parser.add_argument("--version", action="version", version=f"spi-engine {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    score = sub.add_parser(
        "score",
        help="score one unit or a CSV of units",
        description="Score one unit (--internal/--external/--expert) or every row of a CSV (--input).",
    )
    _unit_options(score)
    score.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        help="output format (default: text for one unit, csv for --input)",
    )
    _server_options(score)
    score.set_defaults(run=commands.score)

    summary = sub.add_parser(
        "summarize",
        help="rank units and summarise them overall and per group",
        description="Ranks (ties broken by the unrounded index), mean index and category counts, overall and per group.",
    )
    _unit_options(summary)
    summary.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        default="text",
        help="output format (default text)",
    )
    summary.add_argument(
        "--top", type=int, default=20, help="ranking rows shown in text format (default 20)"
    )
    _server_options(summary)
    summary.set_defaults(run=commands.summarize)
    whatif_parsers.add_commands(sub, _server_options)

    rules = sub.add_parser("rules", help="list, show, check and hash rulesets").add_subparsers(
        dest="rules_command", required=True, metavar="ACTION"
    )
    listing = rules.add_parser("list", help="the rulesets available")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    _server_options(listing)
    listing.set_defaults(run=commands.rules_list)
    show = rules.add_parser("show", help="one ruleset in full, with provenance")
    show.add_argument("ruleset", help="ruleset id or file")
    show.add_argument("--format", choices=("text", "json"), default="text")
    _server_options(show)
    show.set_defaults(run=commands.rules_show)
    rules_check.add_parser(rules)
    fitting = rules.add_parser(
        "fit-regional",
        help="derive spi-2022's inferred regional class table from the published results",
        description="Fit the inferred 2022 regional element (U and a class (n, m) per institution "
        "flagged extra_deduction_2022) on your copy of the published results and write the "
        "complete ruleset. It is derived from the data: keep it outside the repository, and use it "
        "with --rulesets DIR.",
    )
    fitting.add_argument("--data", required=True, metavar="CSV", help="the published results.csv")
    fitting.add_argument("--output", required=True, metavar="FILE", help="ruleset file to write")
    fitting.add_argument(
        "--id",
        default="",
        help="ruleset id (default spi-2022: with --rulesets DIR it replaces the bundled one, so "
        "--ruleset auto uses it)",
    )
    fitting.set_defaults(run=commands.rules_fit_regional)
    digest = rules.add_parser("hash", help="the sha256 that identifies a ruleset file")
    digest.add_argument("files", nargs="+", metavar="FILE")
    digest.set_defaults(run=commands.rules_hash)
    whatif_parsers.add_rules_diff(rules, _server_options)
    survey_parsers.add_commands(sub, _server_options)
    return parser


def make_backend(args: argparse.Namespace) -> Backend:
    directory = getattr(args, "rulesets", None)
    if directory and getattr(args, "server", None):
        raise commands.usage(
            "--rulesets loads rulesets in this process; a server loads its own (spi-server --rulesets)"
        )
    if not getattr(args, "server", None):
        return LocalBackend(local_catalog(directory) if directory else None)
    options: dict[str, Any] = {"timeout": args.timeout, "token": args.token}
    if args.ca or args.tls or args.cert:
        options["root_certificates"] = _read(args.ca) if args.ca else None
        options["tls"] = True
    if args.cert or args.key:
        if not (args.cert and args.key):
            raise commands.usage("--cert and --key go together (mutual TLS)")
        options["client_cert"], options["client_key"] = _read(args.cert), _read(args.key)
    return RemoteBackend(args.server, **options)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise commands.usage(f"cannot read {path}: {error.strerror or error}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except InvalidRulesetError as error:
        print(f"spi: error: {commands.describe(error)}", file=sys.stderr)
        return EXIT_INVALID_RULESET
    except SpiError as error:
        print(f"spi: error: {commands.describe(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return output_cut(EXIT_INTERNAL)
    except Exception as error:  # the last line of defence: a message, never a traceback
        return _unexpected(error)


def run(args: argparse.Namespace) -> int:
    backend = make_backend(args)
    try:
        result: int = args.run(args, backend)
        return result
    finally:
        backend.close()


def _unexpected(error: Exception) -> int:
    code = getattr(getattr(error, "code", None), "name", None)
    if code is not None:  # an error from the server, as the client reports it
        print(f"spi: error: {_remote_text(error, code)}", file=sys.stderr)
        return EXIT_BAD_INPUT if code in CALLER_CODES else EXIT_INTERNAL
    if os.environ.get("SPI_DEBUG") == "1":
        traceback.print_exc()
    print(
        f"spi: internal error: {type(error).__name__}: {error} (SPI_DEBUG=1 shows the traceback)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


MORE = re.compile(r"\(and (\d+) more problems?\)$")
"""How a message counts the problems it does not list (spi_engine.errors)."""


def _remote_text(error: Exception, code: str) -> str:
    """A server's refusal, worded as the same refusal in-process would be."""
    message = str(getattr(error, "message", "") or error)
    violations = getattr(error, "violations", ())
    if code in CALLER_CODES and len(violations) > 1:
        lines = [f"  {v.field}: {v.description}" for v in violations]
        more = MORE.search(message)
        total = len(violations) if more is None else int(more[1]) + 1
        return "\n".join([commands.problems_head(total, len(violations)), *lines])
    return message if code in CALLER_CODES else f"{code}: {message}"


if __name__ == "__main__":
    sys.exit(main())
