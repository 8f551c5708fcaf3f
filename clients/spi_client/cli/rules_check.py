"""`spi rules check`: validate ruleset files, their provenance and their golden cases.

Each file gets one verdict, and the command exits with the worst of them:

* 0 ``ok``: the file validates, its provenance describes its numbers, its golden cases pass;
* 4 ``golden-failed`` (:data:`EXIT_GOLDEN_FAILED`): the file is valid but a golden case fails;
* 5 ``invalid`` (:data:`EXIT_INVALID_RULESET`): the file (or its cases file) does not parse or
  validate, or an inferred number states a fit that its numbers no longer give
  (:mod:`spi_engine.provenance`).

The last line of the text output is the verdict; ``--format json`` gives the same as one document.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spi_engine import InvalidRulesetError, Violation, bundled, load_file
from spi_engine.catalog import CASES_SUFFIX
from spi_engine.golden import load_suite, run_suite
from spi_engine.provenance import copied_fits, remeasured_fits
from spi_engine.tabular import Table, read_csv

from .backend import Backend
from .exits import EXIT_GOLDEN_FAILED, EXIT_INVALID_RULESET, EXIT_OK
from .render import dumps

STATUS = {EXIT_OK: "ok", EXIT_GOLDEN_FAILED: "golden-failed", EXIT_INVALID_RULESET: "invalid"}
EXIT_HELP = f"""exit codes: {EXIT_OK} every file ok; {EXIT_GOLDEN_FAILED} a golden case failed; \
{EXIT_INVALID_RULESET} a file is invalid (does not parse or
validate, or its provenance states a fit its numbers no longer give); 2 bad input (e.g. an
unreadable --published-data file); 1 internal error. The worst file decides; the last line of
the output is the verdict."""


@dataclass
class FileCheck:
    """What checking one ruleset file found."""

    path: Path
    code: int = EXIT_OK
    ruleset_id: str = ""
    sha256: str = ""
    cases: int | None = None
    """golden cases run (None: no cases file)"""
    problems: list[Violation] = field(default_factory=list)
    context: str = ""

    def fail(self, code: int, error: InvalidRulesetError) -> None:
        self.code = max(self.code, code)
        self.problems.extend(error.violations)
        self.context = self.context or error.context


def cases_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".txtpb") + CASES_SUFFIX)


def ruleset_path(path: Path) -> Path:
    """A cases file stands for the ruleset beside it."""
    if path.name.endswith(CASES_SUFFIX):
        return path.with_name(path.name.removesuffix(CASES_SUFFIX) + ".txtpb")
    return path


def check_file(path: Path, published: Table | None) -> FileCheck:
    """Load, check the provenance of and run the golden cases of one ruleset file."""
    result = FileCheck(path)
    try:
        rules = load_file(path)
    except InvalidRulesetError as error:
        result.fail(EXIT_INVALID_RULESET, error)
        return result
    result.ruleset_id, result.sha256 = rules.id, rules.sha256
    stale = copied_fits(rules, bundled())
    if published is not None:
        stale += remeasured_fits(rules, published)
    if stale:
        result.fail(EXIT_INVALID_RULESET, InvalidRulesetError(stale, context=str(path)))
    cases = cases_path(path)
    if not cases.exists():
        return result
    try:
        outcomes = run_suite(rules, load_suite(cases), str(cases))
    except InvalidRulesetError as error:
        result.fail(EXIT_INVALID_RULESET, error)
        return result
    result.cases = len(outcomes)
    failed = [Violation(f"case {o.name}", o.describe()) for o in outcomes if not o.passed]
    if failed:
        result.fail(EXIT_GOLDEN_FAILED, InvalidRulesetError(failed, context=str(cases)))
    return result


def rules_check(args: argparse.Namespace, backend: Backend) -> int:
    published = read_csv(args.published_data) if args.published_data else None
    checks = [
        check_file(path, published)
        for path in dict.fromkeys(ruleset_path(Path(f)) for f in args.files)
    ]
    code = max(c.code for c in checks)
    if args.format == "json":
        sys.stdout.write(dumps(_document(checks, code, args.published_data)))
    else:
        sys.stdout.write("".join(_text(c, args.published_data) for c in checks))
        sys.stdout.write(verdict_line(checks, code) + "\n")
    return code


def _text(check: FileCheck, published: str | None) -> str:
    if check.code == EXIT_OK:
        cases = (
            f"{check.cases} golden cases passed"
            if check.cases is not None
            else f"(no golden cases: {cases_path(check.path).name} is absent)"
        )
        fits = f"; fits re-measured on {published}" if published else ""
        return f"ok    {check.path}  {check.ruleset_id}  sha256 {check.sha256}  {cases}{fits}\n"
    lines = [f"FAIL  {check.path}  ({STATUS[check.code]}: exit {check.code})"]
    lines.append(_describe(check))
    return "\n".join(lines) + "\n"


def _describe(check: FileCheck) -> str:
    if len(check.problems) == 1:
        return f"{check.context}: {check.problems[0]}"
    head = f"{check.context}: {len(check.problems)} problems"
    return "\n".join([head, *(f"  {v}" for v in check.problems)])


def verdict_line(checks: list[FileCheck], code: int) -> str:
    count = len(checks)
    files = f"{count} file{'s' if count != 1 else ''}"
    if code == EXIT_OK:
        return f"verdict: ok ({files})"
    invalid = sum(c.code == EXIT_INVALID_RULESET for c in checks)
    golden = sum(c.code == EXIT_GOLDEN_FAILED for c in checks)
    return (
        f"verdict: {STATUS[code]} ({files}: {invalid} invalid, {golden} with failing golden "
        f"cases; exit {code})"
    )


def _document(checks: list[FileCheck], code: int, published: str | None) -> dict[str, Any]:
    return {
        "files": [
            {
                "file": str(c.path),
                "status": STATUS[c.code],
                "exit_code": c.code,
                "ruleset_id": c.ruleset_id,
                "sha256": c.sha256,
                "golden_cases": c.cases,
                "problems": [{"field": v.field, "description": v.description} for v in c.problems],
            }
            for c in checks
        ],
        "published_data": published,
        "verdict": {"status": STATUS[code], "exit_code": code, "text": verdict_line(checks, code)},
    }


def add_parser(rules: Any) -> None:
    """Register `spi rules check` on the `spi rules` subparsers."""
    check = rules.add_parser(
        "check",
        help="validate ruleset files, their provenance and their golden cases",
        description="Validate ruleset files, check that each inferred number's stated fit still "
        "describes the file's numbers, and run the golden cases in FILE's sibling "
        "NAME.cases.txtpb.",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="ruleset files (.txtpb); cases are read from FILE's sibling NAME.cases.txtpb",
    )
    check.add_argument(
        "--published-data",
        metavar="RESULTS.csv",
        help="a results file in the published format (../shared/data/spi-published/results.csv): "
        "re-run every stated fit on it; without it a fit copied from a bundled ruleset whose "
        "numbers differ is still caught",
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(run=rules_check)
