"""`spi survey generate | score | progress | screen`.

`generate` runs in this process only (it writes files). The other three read the files here,
build their requests once, ask the backend (this process or a server: ``--server`` uploads the
respondents as columnar chunks) and render the answer messages with
:mod:`spi_client.cli.survey_render`, so both modes print the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import numpy as np

import spi_engine.survey as sv
from spi.v1 import survey_pb2 as pb
from spi_engine.api.survey_messages import cell_counts, population_to_pb
from spi_engine.errors import InvalidInputError, Violation
from spi_engine.survey.files import TRUTH_NAMES

from ..errors import SpiRpcError
from . import survey_render as out
from .backend import CHUNK_ROWS, Backend
from .scoring_commands import usage
from .whatif_commands import emit

INSTRUMENT_SUFFIXES = (".txtpb", ".textproto", ".binpb", ".pb")
API_FIELD = re.compile(r"responses\[(\d+)\]\.(\w+)")


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

CHUNK_FIELD = re.compile(
    r"chunks\[(\d+)\]\.(?:answers\[item=(\w+)\]\.codes|(\w+?)(?:\.codes)?)\[(\d+)\]"
)
COLUMN_OF = {
    "respondent_ids": "respondent_id",
    "unit_ids": "unit_id",
    "sub_unit_ids": "sub_unit_id",
    "groups": "group",
    "completion_seconds": "completion_seconds",
    "device_fingerprints": "device_fingerprint",
    "submitted_at": "submitted_at",
}


def instrument_source(reference: str, inst: sv.Instrument) -> dict[str, Any]:
    """The request's instrument: a bundled id by name, a file's instrument in full."""
    if reference.endswith(INSTRUMENT_SUFFIXES) or "/" in reference:
        return {"instrument": inst.to_message()}
    return {"instrument_id": inst.id}


def read_inputs(
    args: argparse.Namespace, population: str | None, screening: bool
) -> tuple[sv.Instrument, sv.Responses, sv.Population | None]:
    """The instrument, the validated respondents file and the population table of a command."""
    inst = instrument_of(args.instrument)
    responses = sv.read_responses(
        existing(args.responses, "--responses"), inst, screening=screening
    )
    table = None
    if population is not None:
        option = "--sample" if getattr(args, "sample", None) else "--population"
        table = sv.read_population(existing(population, option))
    return inst, responses, table


def ask_scores(
    args: argparse.Namespace,
    backend: Backend,
    population: str | None,
    mode: int,
    *,
    listed: bool = False,
) -> pb.ScoreSurveyResponse:
    """Upload the respondents file to ScoreSurvey; ``listed``: every excluded respondent too.
    EXCLUDE_AND_CORRECT falls back to EXCLUDE for an instrument without a local rule."""
    screening = mode != pb.SCREENING_MODE_OFF
    inst, responses, table = read_inputs(args, population, screening)
    if mode == pb.SCREENING_MODE_EXCLUDE_AND_CORRECT and inst.local_rule is None:
        mode = pb.SCREENING_MODE_EXCLUDE
    options = pb.ScreeningOptions(mode=cast("pb.ScreeningMode", mode), list_excluded=listed)
    start = pb.ScoreSurveyStart(
        ruleset_id=backend.use_ruleset(getattr(args, "ruleset", "spi-2024")),
        population=population_to_pb(table),
        screening=options,
        expected_respondents=len(responses),
        **instrument_source(args.instrument, inst),
    )
    with in_file(args.responses):
        return backend.score_survey(start, responses)


def score(args: argparse.Namespace, backend: Backend) -> int:
    mode = pb.SCREENING_MODE_EXCLUDE_AND_CORRECT if args.exclude_flagged else pb.SCREENING_MODE_OFF
    answer = ask_scores(args, backend, args.population, mode)
    render = {"text": out.score_text, "json": out.score_json, "csv": out.score_csv}
    units = known_units(args.units, answer.units)
    emit(args, [render[args.format](answer, args.sub_units, units)])
    return 0


def screen(args: argparse.Namespace, backend: Backend) -> int:
    mode = pb.SCREENING_MODE_EXCLUDE_AND_CORRECT if args.corrections else pb.SCREENING_MODE_EXCLUDE
    if args.corrections and instrument_of(args.instrument).local_rule is None:
        raise usage(f"--corrections: instrument {args.instrument} has no local integrity rule")
    answer = ask_scores(args, backend, None, mode, listed=True)
    render = {"text": out.screen_text, "json": out.screen_json, "csv": out.screen_csv}
    emit(args, [render[args.format](answer)])
    return 0


def known_units(wanted: list[str], entities: Any) -> tuple[str, ...]:
    """The --unit ids (comma-separated or repeated), each checked against the answer's units."""
    ids = tuple(i for text in wanted for i in text.split(",") if i)
    present = {e.unit_id for e in entities}
    for unit in ids:
        if unit not in present:
            raise usage(f"--unit {unit}: not a unit of this survey ({len(present):,} units)")
    return ids


def progress(args: argparse.Namespace, backend: Backend) -> int:
    inst, responses, table = read_inputs(args, args.sample, screening=args.until is not None)
    if args.until is not None:
        responses = before(responses, args.until)
    entries, first = cell_counts(responses)
    request = pb.SurveyProgressRequest(
        population=population_to_pb(table),
        responses=entries,
        **instrument_source(args.instrument, inst),
    )
    with in_file(args.responses, first):
        answer = backend.survey_progress(request)
    render = {"text": out.progress_text, "json": out.progress_json, "csv": out.progress_csv}
    units = known_units(args.units, answer.rows)
    emit(args, [render[args.format](answer, len(responses), units)])
    return 0


def before(responses: sv.Responses, until: str) -> sv.Responses:
    """The responses submitted before ``until`` (UTC); those without a time are left out."""
    try:
        cutoff = np.datetime64(until, "s").astype(np.int64)
    except ValueError:
        raise usage(
            f"--until {until}: expected a UTC time like 2024-08-15 or 2024-08-15T12:00:00"
        ) from None
    return responses.take(responses.submitted_at < cutoff)


@contextmanager
def in_file(path: str, count_rows: Any = None) -> Iterator[None]:
    """Errors naming a value of the request (``chunks[2].unit_ids.codes[5]``, or
    ``responses[3].unit_id`` of the counts sent, whose first rows are ``count_rows``) are named
    in the file instead, by line (CSV) or row (Parquet) and column: in-process, and from a server
    (INVALID_ARGUMENT with its field violations), alike."""
    try:
        yield
    except (InvalidInputError, SpiRpcError) as error:
        if isinstance(error, SpiRpcError) and error.code.name != "INVALID_ARGUMENT":
            raise
        if getattr(error, "context", ""):
            raise
        found: tuple[Any, ...] = tuple(error.violations)
        named = [file_where(path, v.field, count_rows) for v in found]
        if not found or all(n is None for n in named):
            raise
        violations = [
            Violation(n or v.field, v.description) for n, v in zip(named, found, strict=True)
        ]
        raise InvalidInputError(violations, context=path) from None


def file_where(path: str, field: str, count_rows: Any) -> str | None:
    """``line 5, column 'unit_id'`` (CSV, one line per record) or ``row 4, column ...`` (Parquet)."""
    found = CHUNK_FIELD.fullmatch(field)
    counted = API_FIELD.fullmatch(field)
    if found is not None:
        row = int(found[1]) * CHUNK_ROWS + int(found[4])
        column = found[2] or COLUMN_OF.get(found[3], found[3])
    elif counted is not None and count_rows is not None:
        row, column = int(count_rows[int(counted[1])]), counted[2]
    else:
        return None
    if path.endswith(".parquet"):
        return f"row {row + 1}, column {column!r}"
    return f"line {csv_line(path, row)}, column {column!r}"


def csv_line(path: str, row: int) -> int:
    """The line of respondent ``row`` in a CSV file, counted as the reader counts it (blank lines
    skipped, a quoted newline inside a record). Only for an error message: it reads the file."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        records = (reader.line_num for cells in reader if any(cells))
        found = next(itertools.islice(records, row + 1, None), None)
    return row + 2 if found is None else found
