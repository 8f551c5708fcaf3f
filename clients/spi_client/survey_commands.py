"""`spi survey generate | score | progress | screen`.

`generate` runs in this process only (it writes files). The other three read the files here,
build their requests once, ask the backend (this process or a server: ``--server`` uploads the
respondents as columnar chunks) and render the answer messages with
:mod:`spi_client.survey_render`, so both modes print the same bytes.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

import spi_engine.survey as sv
from spi_engine.errors import InvalidInputError, Violation
from spi_engine.survey.files import TRUTH_NAMES

from . import survey_render as out
from .backend import Backend, SurveyInput
from .commands import usage
from .whatif_commands import emit

INSTRUMENT_SUFFIXES = (".txtpb", ".textproto", ".binpb", ".pb")
API_FIELD = re.compile(r"respondents\[(\d+)\]\.(\w+)")


def instrument_of(reference: str) -> sv.Instrument:
    """A bundled instrument by id, or an instrument file by path."""
    if reference.endswith(INSTRUMENT_SUFFIXES) or "/" in reference:
        try:
            return sv.load_instrument(reference)
        except OSError as error:
            raise usage(
                f"cannot read --instrument {reference}: {error.strerror or error}"
            ) from None
    return sv.bundled_instrument(reference)


def existing(path: str, option: str) -> str:
    if not Path(path).is_file():
        raise usage(f"{option} {path}: no such file")
    return path


# generate ---------------------------------------------------------------------------------------


def generate(args: argparse.Namespace, backend: Backend) -> int:
    del backend  # writes local files: never on a server
    inst = instrument_of(args.instrument)
    data = sv.generate(
        inst,
        institutions=args.institutions,
        respondents=args.respondents,
        seed=args.seed,
        manipulation=not args.clean,
    )
    try:
        paths = sv.write_survey(
            data.columns, data.population, data.truth, inst, args.out, fmt=args.format
        )
    except OSError as error:
        raise usage(f"cannot write --out {args.out}: {error.strerror or error}") from None
    sys.stdout.write(generated_text(data, inst, paths))
    return 0


def generated_text(data: sv.SyntheticSurvey, inst: sv.Instrument, paths: dict[str, Path]) -> str:
    sizes = data.sizes
    population = data.population
    counts = np.bincount(data.truth, minlength=len(TRUTH_NAMES) + 1)
    injected = ", ".join(
        f"{name} {int(n):,}" for name, n in zip(TRUTH_NAMES, counts[1:].tolist(), strict=True) if n
    )
    rows = {
        "respondents": f"{int(sizes.sum()):,} respondents in {len(sizes):,} institutions "
        f"({int(sizes.min()):,} to {int(sizes.max()):,} each)",
        "population": f"{len(population['unit_id']):,} rows (unit, sub-unit, group)",
        "truth": f"{len(data.truth):,} rows; injected: {injected or 'none'}",
    }
    width = max(len(str(p)) for p in paths.values())
    lines = [f"synthetic survey, seed {data.seed}, instrument {inst.id} ({inst.sha256[:12]})"]
    lines += [f"  {str(path).ljust(width)}  {rows[name]}" for name, path in paths.items()]
    lines.append(f"  clean respondents: {int(counts[0]):,}")
    return "\n".join(lines) + "\n"


# score, progress, screen -----------------------------------------------------------------------


def read_survey(args: argparse.Namespace, population: str | None, screening: bool) -> SurveyInput:
    """The instrument, the validated respondents file and the population table of a command."""
    inst = instrument_of(args.instrument)
    responses = sv.read_responses(
        existing(args.responses, "--responses"), inst, screening=screening
    )
    table = None
    if population is not None:
        option = "--sample" if getattr(args, "sample", None) else "--population"
        table = sv.read_population(existing(population, option))
    return SurveyInput(inst, responses, table, getattr(args, "ruleset", "spi-2024"))


@contextmanager
def in_file(path: str) -> Iterator[None]:
    """Errors the library or a server names ``respondents[N].column`` are named in the file."""
    try:
        yield
    except InvalidInputError as error:
        if error.context or not any(API_FIELD.fullmatch(v.field) for v in error.violations):
            raise
        raise InvalidInputError(
            [Violation(file_where(path, v.field), v.description) for v in error.violations],
            context=path,
        ) from None


def file_where(path: str, field: str) -> str:
    """``line 5, column 'unit_id'`` (CSV, one line per record) or ``row 4, column ...`` (Parquet)."""
    found = API_FIELD.fullmatch(field)
    if found is None:
        return field
    row, column = int(found[1]), found[2]
    if path.endswith(".parquet"):
        return f"row {row + 1}, column {column!r}"
    return f"line {row + 2}, column {column!r}"


def before(responses: sv.Responses, until: str) -> sv.Responses:
    """The responses submitted before ``until`` (UTC); those without a time are left out."""
    try:
        cutoff = np.datetime64(until, "s").astype(np.int64)
    except ValueError:
        raise usage(
            f"--until {until}: expected a UTC time like 2024-08-15 or 2024-08-15T12:00:00"
        ) from None
    if responses.submitted_at is None:
        raise usage("--until needs the submitted_at column in --responses")
    return responses.take(responses.submitted_at < cutoff)


def score(args: argparse.Namespace, backend: Backend) -> int:
    survey = read_survey(args, args.population, screening=args.exclude_flagged)
    with in_file(args.responses):
        answer = backend.score_survey(survey, args.sub_units, args.exclude_flagged)
    render = {"text": out.score_text, "json": out.score_json, "csv": out.score_csv}
    emit(args, [render[args.format](answer)])
    return 0


def progress(args: argparse.Namespace, backend: Backend) -> int:
    survey = read_survey(args, args.sample, screening=args.until is not None)
    if args.until is not None:
        survey = replace(survey, responses=before(survey.responses, args.until))
    with in_file(args.responses):
        answer = backend.survey_progress(survey)
    if args.format == "json":
        emit(args, [out.as_json({"heading": answer.heading, "rows": answer.rows})])
    else:
        emit(
            args,
            [out.progress_text(answer) if args.format == "text" else out.rows_csv(answer.rows)],
        )
    return 0


def screen(args: argparse.Namespace, backend: Backend) -> int:
    survey = read_survey(args, None, screening=True)
    answer = backend.screen_survey(survey, args.corrections)
    if args.format == "json":
        emit(args, [out.screen_json(answer)])
    else:
        emit(
            args,
            [out.screen_text(answer) if args.format == "text" else out.rows_csv(answer.excluded)],
        )
    return 0


__all__ = ["emit", "existing", "generate", "instrument_of", "progress", "score", "screen"]
