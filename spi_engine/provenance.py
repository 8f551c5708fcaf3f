"""Does a ruleset's provenance still describe its numbers?

An inferred number states its fit: "reproduces 642 of 642 published rows within 0.02". Edit the
weights and keep that statement, and the file claims a fit nobody measured. Two checks catch it:

* :func:`copied_fits` needs no data: a fit stated word for word as in a bundled ruleset whose
  scoring numbers (weights, correction factors, bounds, rounding) differ from this file's was
  measured for other numbers.
* :func:`remeasured_fits` re-runs every stated fit on a results file in the published format:
  the rows of the fit's year (``year NNNN`` in ``fit.dataset``, else the ruleset's year; only
  ``rows flagged X`` when the dataset says so), scored with this file's numbers, must give the
  stated rows reproduced, rows total and largest residual. A fit states what the file that holds
  it reproduces: the bundled spi-2022 (no regional class table) states what the stated formula
  gives; a file with the class table (``spi rules fit-regional``) states what the table gives,
  re-measured by :func:`restate_fits` when it is written.

Either way the remedy is the same: record the fit the numbers now give, or change the basis
(``BASIS_ASSUMED`` with a note saying why).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from spi.v1 import ruleset_pb2

from .catalog import Catalog
from .errors import InvalidInputError, Violation
from .numeric import format_steps, value_to_steps
from .ruleset import Ruleset, from_message
from .scoring import score
from .tabular import Table, units_from_table

SCORING_NUMBERS = "weights, correction factors, bounds and rounding"
REMEDY = "record the fit these numbers give, or change the basis to BASIS_ASSUMED with a note"


def inferred_fits(message: ruleset_pb2.Ruleset) -> Iterator[tuple[str, ruleset_pb2.Fit]]:
    """Every (path, fit) of an inferred reference, e.g. ('weights.reference.fit', fit)."""
    regional = (
        {"correction.regional.reference": message.correction.regional.reference}
        if message.correction.HasField("regional")
        else {}
    )
    references = {
        **regional,
        "weights.reference": message.weights.reference,
        "correction.integrity.reference": message.correction.integrity.reference,
        "correction.prevalence.reference": message.correction.prevalence.reference,
        "bounds.reference": message.bounds.reference,
        "rounding.reference": message.rounding.reference,
        "categories.reference": message.categories.reference,
        **{f"notes[{i}].reference": note.reference for i, note in enumerate(message.notes)},
    }
    for path, reference in references.items():
        if reference.basis == ruleset_pb2.BASIS_INFERRED and reference.HasField("fit"):
            yield f"{path}.fit", reference.fit


def scoring_numbers(rules: Ruleset) -> dict[str, tuple[float, ...]]:
    """The numbers a fit of the index is measured with, by name."""
    return {
        "weights": rules.weights,
        "correction factors": rules.correction_factors,
        "bounds": rules.bounds,
        "rounding decimals": (float(rules.decimals),),
    }


def copied_fits(rules: Ruleset, reference: Catalog) -> list[Violation]:
    """Fits stated as in a ruleset of ``reference`` whose scoring numbers differ from ``rules``."""
    mine = scoring_numbers(rules)
    problems = []
    for path, fit in inferred_fits(rules.to_message()):
        stated = fit.SerializeToString(deterministic=True)
        for other in reference:
            theirs = scoring_numbers(other)
            if theirs == mine or stated not in _fit_bytes(other):
                continue
            changed = "; ".join(
                f"{name} {_numbers(theirs[name])} -> {_numbers(mine[name])}"
                for name in mine
                if mine[name] != theirs[name]
            )
            problems.append(
                Violation(
                    path,
                    f"states the fit measured for {other.id} ({_fit_text(fit)}), whose "
                    f"{SCORING_NUMBERS} differ ({changed}); {REMEDY}",
                )
            )
            break
    return problems


def _fit_bytes(rules: Ruleset) -> set[bytes]:
    return {f.SerializeToString(deterministic=True) for _, f in inferred_fits(rules.to_message())}


def _numbers(values: tuple[float, ...]) -> str:
    return ",".join(f"{v:g}" for v in values)


def _fit_text(fit: ruleset_pb2.Fit) -> str:
    return (
        f"{fit.rows_reproduced} of {fit.rows_total} rows within {fit.tolerance:g}, "
        f"max residual {fit.max_residual:g}"
    )


def remeasured_fits(rules: Ruleset, published: Table) -> list[Violation]:
    """Every stated fit re-run on ``published`` (a results file); a mismatch is a violation."""
    problems = []
    for path, fit in inferred_fits(rules.to_message()):
        year = _fit_year(fit, rules)
        if year is None:
            problems.append(
                Violation(
                    f"{path}.dataset",
                    f"expected 'year NNNN' naming the rows the fit was measured on (or a ruleset "
                    f"year); got {fit.dataset!r}",
                )
            )
            continue
        got = measure(rules, published, year, _flag(fit), fit.tolerance)
        stated = (fit.rows_reproduced, fit.rows_total, _steps(fit.max_residual, rules.decimals))
        if got != stated:
            found = (
                f"{got[0]} of {got[1]} rows, max residual {format_steps(got[2], rules.decimals)}"
            )
            problems.append(
                Violation(
                    path,
                    f"states {_fit_text(fit)}; re-measured on {published.origin} year {year}: "
                    f"{found}; {REMEDY}",
                )
            )
    return problems


def restate_fits(message: ruleset_pb2.Ruleset, published: Table) -> None:
    """Set every stated fit of ``message`` to what its own numbers give on ``published``.

    Used where a ruleset is written from the data (``spi rules fit-regional``): the figures are
    measured for that file, never copied from another one.
    """
    rules = from_message(message, published.origin)
    for path, fit in inferred_fits(message):
        year = _fit_year(fit, rules)
        if year is None:
            raise InvalidInputError(
                [Violation(f"{path}.dataset", f"expected 'year NNNN'; got {fit.dataset!r}")]
            )
        reproduced, total, largest = measure(rules, published, year, _flag(fit), fit.tolerance)
        if total == 0:
            raise InvalidInputError(
                [Violation(path, f"expected published rows for {fit.dataset!r}; got none")],
                context=published.origin,
            )
        fit.rows_reproduced = reproduced
        fit.rows_total = total
        fit.max_residual = largest / 10.0**rules.decimals


def measure(
    rules: Ruleset, published: Table, year: int, flag: str | None, tolerance: float
) -> tuple[int, int, int]:
    """(rows reproduced, rows total, largest residual in steps) of one year's published rows.

    The largest residual is over the reproduced rows; when none is reproduced, over all of them.
    """
    for column in ("year", "index"):
        if column not in published.header:
            raise InvalidInputError(
                [Violation("line 1", f"expected a {column!r} column (the published format)")],
                context=published.origin,
            )
    years = np.char.strip(np.asarray(published.column("year"), dtype=str))
    chosen = years == str(year)
    if flag is not None:
        if "flag" not in published.header:
            raise InvalidInputError(
                [Violation("line 1", "expected a 'flag' column (the fit counts flagged rows)")],
                context=published.origin,
            )
        chosen &= np.char.strip(np.asarray(published.column("flag"), dtype=str)) == flag
    rows = np.flatnonzero(chosen).tolist()
    if not rows:
        return 0, 0, 0
    table = published.take(rows)
    computed = np.asarray(score(rules, units_from_table(table)).index_steps, dtype=np.int64)
    stated = np.array(
        [_published_steps(table, i, rules.decimals) for i in range(len(rows))], dtype=np.int64
    )
    residual = np.abs(stated - computed)
    reproduced = residual[residual <= _steps(tolerance, rules.decimals)]
    largest = residual if reproduced.size == 0 else reproduced
    return int(reproduced.size), len(rows), int(largest.max())


def _published_steps(table: Table, row: int, decimals: int) -> int:
    text = table.rows[row][table.header.index("index")].strip()
    try:
        steps = value_to_steps(float(text), decimals)
    except (ValueError, OverflowError):
        steps = None
    if steps is None:
        raise InvalidInputError(
            [
                Violation(
                    table.where(row, "index"),
                    f"expected a number with {decimals} decimals; got {text!r}",
                )
            ],
            context=table.origin,
        )
    return steps


def _steps(value: float, decimals: int) -> int:
    return round(value * 10.0**decimals)


def _fit_year(fit: ruleset_pb2.Fit, rules: Ruleset) -> int | None:
    found = re.search(r"\byear (\d{4})\b", fit.dataset)
    if found:
        return int(found[1])
    return rules.year or None


def _flag(fit: ruleset_pb2.Fit) -> str | None:
    found = re.search(r"rows flagged (\w+)$", fit.dataset)
    return found[1] if found else None
