"""`spi survey generate | score | progress | screen`.

`generate` runs in this process only (it writes files). The other three read the files here,
build their requests once, ask the backend (this process or a server: ``--server`` uploads the
respondents as columnar chunks) and render the answer messages with
:mod:`spi_client.survey_render`, so both modes print the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import spi_engine.survey as sv
from spi_engine.survey.files import TRUTH_NAMES

from .backend import Backend
from .commands import usage
from .whatif_commands import emit

INSTRUMENT_SUFFIXES = (".txtpb", ".textproto", ".binpb", ".pb")


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


def score(args: argparse.Namespace, backend: Backend) -> int:
    raise usage("spi survey score is not available yet")


def progress(args: argparse.Namespace, backend: Backend) -> int:
    raise usage("spi survey progress is not available yet")


def screen(args: argparse.Namespace, backend: Backend) -> int:
    raise usage("spi survey screen is not available yet")


__all__ = ["emit", "existing", "generate", "instrument_of", "progress", "score", "screen"]
