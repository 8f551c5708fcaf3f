"""The fit behind spi-2022's inferred regional correction element (re-runnable, documented).

179 regional governments of 2022 (flag ``extra_deduction_2022`` in the published results) are
published below what the stated formula gives. Their indexes follow, within 0.01, one structure:

    index = stated + correction_integrity / n - m * U / n

that is, the survey-integrity part of the correction is ``((n - 1) * integrity + m * U) / n``
instead of ``integrity``, with one U for all and a small class (n, m) per institution. KPK has not
published this: it is inferred from the published indexes, not a KPK input.

The fit, step by step (:func:`fit_regional`):

1. ``stated`` is each flagged row's unrounded index under the ruleset's weights and factors.
2. Coarse search: for U from 1.00 to 20.00 in steps of 0.01, give each row the class (n in
   1..6, m in 0..6) nearest its published index and count rows within 0.03; keep the first U
   with the highest count.
3. Refine: least squares for U with the classes fixed (the model is linear in U), reassign the
   classes, repeat until U stops moving (at most 20 rounds); U is then rounded to 3 decimals.
4. Final classes at that U; ties in the distance go to the smaller n, then the smaller m. A row is
   reproduced when its half-up rounded value is within 0.02 of the published index; a row is
   ambiguous when another class is within 0.02 as well.

The class table is per-institution data derived from the published results, so it is never
bundled: ``spi rules fit-regional --data results.csv --output DIR/spi-2022.txtpb`` (or
``python -m spi_engine.regional_fit --data ... --output ...``) writes the complete ruleset, outside
the repository; ``spi score --rulesets DIR --ruleset auto`` then uses it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from google.protobuf import text_format

from spi.v1 import ruleset_pb2

from .catalog import bundled
from .errors import InvalidInputError, SpiError, Violation
from .numeric import FloatArray, IntArray, round_half_up_steps
from .provenance import restate_fits
from .ruleset import Ruleset, from_message
from .tabular import Table, numbers, read_csv, units_from_table

FLAG = "extra_deduction_2022"
YEAR = 2022
N_RANGE = (1, 6)
M_RANGE = (0, 6)
COARSE = (1.0, 20.0, 0.01)
COARSE_TOLERANCE = 0.03
TOLERANCE_STEPS = 2
MAX_ROUNDS = 20


@dataclass(frozen=True)
class RegionalFit:
    """The fitted U and each flagged unit's class, with how well they reproduce the rows."""

    unit_points: float
    unit_ids: tuple[str, ...]
    n: tuple[int, ...]
    m: tuple[int, ...]
    reproduced: int
    """rows whose rounded value is within 0.02 of the published index"""
    max_residual_steps: int
    """largest |rounded value - published| in hundredths"""
    ambiguous: int
    """rows for which a second class is within 0.02 as well"""

    @property
    def rows(self) -> int:
        return len(self.unit_ids)

    def class_counts(self) -> list[tuple[tuple[int, int], int]]:
        """(n, m) -> rows, most frequent first (then by n, m)."""
        counts = Counter(zip(self.n, self.m, strict=True))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _grid() -> tuple[FloatArray, FloatArray]:
    n, m = np.meshgrid(
        np.arange(N_RANGE[0], N_RANGE[1] + 1), np.arange(M_RANGE[0], M_RANGE[1] + 1), indexing="ij"
    )
    return n.ravel().astype(np.float64), m.ravel().astype(np.float64)


def _predict(stated: FloatArray, integrity: FloatArray, unit_points: float) -> FloatArray:
    """(rows, classes): the index each class gives each row."""
    n, m = _grid()
    result: FloatArray = stated[:, None] + (integrity[:, None] - m * unit_points) / n
    return result


def fit_arrays(
    ids: tuple[str, ...], stated: FloatArray, integrity: FloatArray, published: FloatArray
) -> RegionalFit:
    """The fit (module docstring) on one row per flagged unit; ``integrity`` is f_int * points."""
    if not ids:
        raise InvalidInputError([Violation("flag", f"expected rows flagged {FLAG!r}; got none")])
    start, stop, step = COARSE
    candidates = np.arange(start, stop + step / 2, step)
    counts = [
        int(
            (
                np.abs(_predict(stated, integrity, u) - published[:, None]).min(axis=1)
                <= COARSE_TOLERANCE
            ).sum()
        )
        for u in candidates
    ]
    unit_points = float(candidates[int(np.argmax(counts))])
    n, m = _grid()
    for _ in range(MAX_ROUNDS):
        chosen = np.abs(_predict(stated, integrity, unit_points) - published[:, None]).argmin(
            axis=1
        )
        slope = m[chosen] / n[chosen]
        gap = stated + integrity / n[chosen] - published
        refined = float((slope * gap).sum() / (slope * slope).sum())
        if abs(refined - unit_points) < 1e-12:
            break
        unit_points = refined
    unit_points = round(unit_points, 3)
    return _final(ids, stated, integrity, published, unit_points)


def _final(
    ids: tuple[str, ...],
    stated: FloatArray,
    integrity: FloatArray,
    published: FloatArray,
    unit_points: float,
) -> RegionalFit:
    n, m = _grid()
    predicted = _predict(stated, integrity, unit_points)
    chosen = np.abs(predicted - published[:, None]).argmin(axis=1)  # first minimum: smaller n, m
    target = round_half_up_steps(published, 2)
    rounded = round_half_up_steps(predicted, 2)
    off: IntArray = np.abs(rounded - target[:, None])
    own = off[np.arange(len(ids)), chosen]
    return RegionalFit(
        unit_points=unit_points,
        unit_ids=ids,
        n=tuple(int(v) for v in n[chosen]),
        m=tuple(int(v) for v in m[chosen]),
        reproduced=int((own <= TOLERANCE_STEPS).sum()),
        max_residual_steps=int(own.max()),
        ambiguous=int(((off <= TOLERANCE_STEPS).sum(axis=1) > 1).sum()),
    )


def flagged_rows(
    table: Table, ruleset: Ruleset | None = None
) -> tuple[tuple[str, ...], FloatArray, FloatArray, FloatArray]:
    """(ids, stated, f_int * integrity, published) of the 2022 rows flagged ``extra_deduction_2022``.

    ``stated`` is each row's unrounded index under the stated formula of ``ruleset`` (spi-2022).
    """
    rules = ruleset or bundled().get(f"spi-{YEAR}")
    for column in ("year", "flag", "index"):
        if column not in table.header:
            raise InvalidInputError(
                [
                    Violation(
                        "line 1", f"expected a {column!r} column; the header has {table.header}"
                    )
                ],
                context=table.origin,
            )
    pairs = zip(table.column("year"), table.column("flag"), strict=True)
    rows = [
        i
        for i, (year, flag) in enumerate(pairs)
        if (year.strip(), flag.strip()) == (str(YEAR), FLAG)
    ]
    chosen = table.take(rows)
    units = units_from_table(chosen)
    w_int, w_ext, w_exp = rules.weights
    f_int, f_prev = rules.correction_factors
    integrity = f_int * units.correction_integrity
    stated = (
        ((w_int * units.internal + w_ext * units.external) + w_exp * units.expert)
        - integrity
        - f_prev * units.correction_prevalence
    )
    return units.ids, stated, integrity, numbers(chosen, "index")


def fit_regional(table: Table, ruleset: Ruleset | None = None) -> RegionalFit:
    """The fit on the rows of ``table`` flagged ``extra_deduction_2022`` in 2022."""
    return fit_arrays(*flagged_rows(table, ruleset))


def classes_text(fit: RegionalFit) -> str:
    """The ``classes`` entries of a RegionalDeduction in protobuf text, one line per unit."""
    return "".join(
        f'  classes {{ unit_id: "{unit_id}" n: {n} m: {m} }}\n'
        for unit_id, n, m in zip(fit.unit_ids, fit.n, fit.m, strict=True)
    )


def describe(fit: RegionalFit) -> str:
    classes = ", ".join(f"({n},{m})x{rows}" for (n, m), rows in fit.class_counts())
    return (
        f"U = {fit.unit_points:.3f}; {fit.reproduced} of {fit.rows} rows within 0.02 "
        f"(max residual {fit.max_residual_steps / 100:.2f}); classes {classes}; "
        f"{fit.ambiguous} rows with a second class within 0.02"
    )


LABEL = "inferred from published indexes, not a KPK input"
BUNDLED_NOTE = "this bundled file has no class table, so it scores by the stated formula"
"""Said by the bundled spi-2022's description; the derived ruleset says DERIVED_NOTE instead."""
DERIVED_NOTE = "this file holds that table, derived by spi rules fit-regional"


def regional_message(
    fit: RegionalFit, base: Ruleset | None = None, ruleset_id: str = ""
) -> ruleset_pb2.Ruleset:
    """``base`` (spi-2022) made complete: U and the class table from ``fit``, under ``ruleset_id``.

    Every number the fit adds is BASIS_INFERRED, in ``correction.regional.reference``, labelled
    "inferred from published indexes, not a KPK input", with the fit's own figures.
    """
    rules = base or bundled().get(f"spi-{YEAR}")
    message = rules.to_message()
    message.id = ruleset_id or rules.id
    message.label = f"{rules.label}, with the regional class table ({LABEL})"
    message.description = message.description.replace(BUNDLED_NOTE, DERIVED_NOTE)
    regional = message.correction.regional
    regional.flag = regional.flag or FLAG
    regional.unit_points = fit.unit_points
    del regional.classes[:]
    for unit_id, n, m in zip(fit.unit_ids, fit.n, fit.m, strict=True):
        regional.classes.add(unit_id=unit_id, n=n, m=m)
    reference = regional.reference
    reference.basis = ruleset_pb2.BASIS_INFERRED
    reference.note = (
        f"U and every class (n, m) here are {LABEL}: derived by spi_engine/regional_fit.py from "
        f"the rows flagged {FLAG} ({describe(fit)}). " + reference.note
    )
    reference.fit.rows_reproduced = fit.reproduced
    reference.fit.rows_total = fit.rows
    reference.fit.tolerance = TOLERANCE_STEPS / 100
    reference.fit.max_residual = fit.max_residual_steps / 100
    return message


def ruleset_text(message: ruleset_pb2.Ruleset, data: str) -> str:
    """The derived ruleset as a ``.txtpb`` file, with a header saying what it is."""
    return (
        "# proto-file: spi/v1/ruleset.proto\n"
        "# proto-message: spi.v1.Ruleset\n#\n"
        f"# Derived by `spi rules fit-regional` from {data}.\n"
        f"# The regional class table is {LABEL}. It is derived from the published results:\n"
        "# keep this file outside the project's repository (the data may not be copied into it).\n\n"
        + text_format.MessageToString(message)
    )


def inside_repository(path: Path) -> bool:
    """Whether ``path`` is inside the source tree spi_engine is installed from (editable)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        return False
    return path.resolve().is_relative_to(root)


def write_regional_ruleset(data: str | Path, output: str | Path, ruleset_id: str = "") -> str:
    """Fit the class table on ``data`` and write the complete ruleset to ``output``.

    Every stated fit of the written file (weights, corrections, rounding, the regional element,
    the notes) is re-measured on ``data`` with the file's own numbers and class table, so
    ``spi rules check --published-data`` passes on it as on the bundled file. Returns the fit's
    one-line description. Writing inside the project's repository is an error.
    """
    target = Path(output)
    if inside_repository(target):
        raise InvalidInputError(
            [
                Violation(
                    "--output",
                    "expected a file outside the project's repository (the class table is derived "
                    f"from the published data, which may not be copied into it); got {target}",
                )
            ]
        )
    table = read_csv(data)
    fit = fit_regional(table)
    message = regional_message(fit, ruleset_id=ruleset_id)
    restate_fits(message, table)  # what THIS file reproduces, not the bundled file's figures
    from_message(message, str(target))  # validated before it is written
    try:
        target.write_text(ruleset_text(message, str(data)), encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(
            [Violation("--output", f"cannot write {target}: {error.strerror or error}")]
        ) from None
    return describe(fit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spi_engine.regional_fit",
        description="Derive spi-2022's regional class table from the published results and write "
        "the complete ruleset (keep it outside the repository).",
    )
    parser.add_argument("--data", required=True, help="the published results.csv")
    parser.add_argument("--output", required=True, help="the ruleset file to write (.txtpb)")
    parser.add_argument("--id", default="", help="ruleset id (default: spi-2022)")
    args = parser.parse_args(argv)
    try:
        described = write_regional_ruleset(args.data, args.output, args.id)
    except SpiError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    sys.stdout.write(f"{args.output}: {described}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
