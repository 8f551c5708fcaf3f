"""Conversion between the columnar spi.v1 messages (UnitColumns, ResultColumns) and engine values.

A float64 column travels as little-endian bytes, 8 per unit (see spi/v1/columns.proto), so a
batch is read with ``np.frombuffer`` and written with ``tobytes``: no Python object per value.
Validation is the engine's own (:func:`spi_engine.units.units_from_given`), with values named
``columns.external[17]``; the numbers are those of the row form bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spi.v1 import columns_pb2, engine_pb2

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray, steps_to_float
from ..scoring import NO_MARGIN, Scores
from ..units import COMPONENTS, Units, Where, units_from_given
from .scoring_messages import provenance_to_pb

FLOAT64 = np.dtype("<f8")
"""how a numeric column is laid out on the wire: float64, little-endian"""
PARTS = ("correction_integrity", "correction_prevalence")


def columns_where(prefix: str = "columns") -> Where:
    """``columns.external[17]``: how the columnar form names a value."""
    return lambda row, field: f"{prefix}.{field}[{row}]"


def units_from_columns_pb(
    columns: columns_pb2.UnitColumns, prefix: str = "columns", *, texts: bool = True
) -> Units:
    """Validated Units from a UnitColumns message; an absent or short column is an error.

    ``texts=False`` leaves the ids and groups out of the Units (all ""), having checked only
    their count: scoring does not read them, and making 100,000 Python strings of them costs
    more than scoring the units (ScoreColumns does not echo them).
    """
    size = _units_in(columns.internal, f"{prefix}.internal")
    given = np.empty((6, size), dtype=np.float64)
    problems: list[Violation] = []
    for row, name in enumerate((*COMPONENTS, *PARTS, "correction")):
        data: bytes = getattr(columns, name)
        if name in PARTS and not data:
            given[row] = np.nan
            continue
        problem = _length_problem(data, size, f"{prefix}.{name}")
        if problem is not None:
            problems.append(problem)
        else:
            given[row] = np.frombuffer(data, dtype=FLOAT64)
    problems += _text_problems(columns.unit_ids, size, f"{prefix}.unit_ids")
    problems += _text_problems(columns.groups, size, f"{prefix}.groups")
    if problems:
        raise InvalidInputError(problems)
    ids = tuple(columns.unit_ids) if texts and columns.unit_ids else ("",) * size
    groups = tuple(columns.groups) if texts and columns.groups else ("",) * size
    # A part column's NaN means "this unit's parts are not given" (columns.proto); the total is
    # required, so no unit's correction is ever absent.
    absent = np.zeros_like(given, dtype=np.bool_)
    absent[3:5] = np.isnan(given[3:5])
    return units_from_given(given, ids, groups, columns_where(prefix), absent=absent)


def _units_in(internal: bytes, field: str) -> int:
    if not internal:
        raise InvalidInputError(
            [Violation(field, "expected one float64 per unit (8 bytes each); got nothing")]
        )
    if len(internal) % FLOAT64.itemsize:
        raise InvalidInputError(
            [
                Violation(
                    field,
                    f"expected float64 values (a multiple of 8 bytes); got {len(internal)} bytes",
                )
            ]
        )
    return len(internal) // FLOAT64.itemsize


def _length_problem(data: bytes, size: int, field: str) -> Violation | None:
    if len(data) == size * FLOAT64.itemsize:
        return None
    got = "nothing (the column is absent)" if not data else f"{len(data)} bytes"
    return Violation(field, f"expected {size} float64 values ({size * 8} bytes); got {got}")


def _text_problems(values: Sequence[str], size: int, field: str) -> list[Violation]:
    if not values or len(values) == size:
        return []
    return [Violation(field, f"expected {size} values or none; got {len(values)}")]


def result_columns_to_pb(scores: Scores) -> columns_pb2.ResultColumns:
    """The results of ``scores`` as columns (margins NaN where there is no such category)."""
    message = columns_pb2.ResultColumns()
    fill_result_columns(message, scores)
    return message


def fill_result_columns(message: columns_pb2.ResultColumns, scores: Scores) -> None:
    """Set the columns of ``message`` in place (no copy of a finished sub-message)."""
    rules = scores.ruleset
    message.units = len(scores)
    message.index_raw = _bytes(scores.index_raw)
    message.index = _bytes(steps_to_float(scores.index_steps, rules.decimals))
    message.category_codes = scores.category_codes.astype(np.uint8).tobytes()
    message.category_ids.extend(rules.category_ids)
    message.contribution_internal = _bytes(scores.contribution_internal)
    message.contribution_external = _bytes(scores.contribution_external)
    message.contribution_expert = _bytes(scores.contribution_expert)
    message.contribution_correction = _bytes(scores.contribution_correction)
    message.margin_up = _bytes(_margin(scores.margin_up_steps, rules.decimals))
    message.margin_down = _bytes(_margin(scores.margin_down_steps, rules.decimals))


def _margin(steps: IntArray, decimals: int) -> FloatArray:
    points: FloatArray = np.where(steps == NO_MARGIN, np.nan, steps_to_float(steps, decimals))
    return points


def _bytes(values: FloatArray) -> bytes:
    return np.ascontiguousarray(values, dtype=FLOAT64).tobytes()


def score_columns_response_to_pb(
    scores: Scores, decision_id: str = ""
) -> engine_pb2.ScoreColumnsResponse:
    response = engine_pb2.ScoreColumnsResponse(
        provenance=provenance_to_pb(scores), decision_id=decision_id
    )
    fill_result_columns(response.results, scores)
    return response


def units_to_columns_pb(units: Units) -> columns_pb2.UnitColumns:
    """A UnitColumns message for ``units`` (the correction as a total and its parts)."""
    total = units.correction_integrity + units.correction_prevalence + units.correction_unsplit
    split = units.correction_unsplit == 0
    return columns_pb2.UnitColumns(
        unit_ids=units.ids if any(units.ids) else (),
        groups=units.groups if any(units.groups) else (),
        internal=_bytes(units.internal),
        external=_bytes(units.external),
        expert=_bytes(units.expert),
        correction=_bytes(total),
        correction_integrity=_bytes(np.where(split, units.correction_integrity, np.nan)),
        correction_prevalence=_bytes(np.where(split, units.correction_prevalence, np.nan)),
    )


def score_response_from_columns(
    units: Units, response: engine_pb2.ScoreColumnsResponse
) -> engine_pb2.ScoreResponse:
    """The row form (ScoreResponse) of a ScoreColumns answer for ``units``, field for field what
    Score answers for them (ids and groups from ``units``, which ScoreColumns does not echo)."""
    results = response.results
    table = list(results.category_ids)
    floats = {
        name: np.frombuffer(getattr(results, name), dtype=FLOAT64).tolist()
        for name in (
            "index_raw",
            "index",
            "contribution_internal",
            "contribution_external",
            "contribution_expert",
            "contribution_correction",
            "margin_up",
            "margin_down",
        )
    }
    message = engine_pb2.ScoreResponse(
        provenance=response.provenance, decision_id=response.decision_id
    )
    for row, code in enumerate(results.category_codes):
        fields: dict[str, object] = {
            "unit_id": units.ids[row],
            "group": units.groups[row],
            "index_raw": floats["index_raw"][row],
            "index": floats["index"][row],
            "category": table[code],
            "contributions": {
                part: floats[f"contribution_{part}"][row]
                for part in ("internal", "external", "expert", "correction")
            },
        }
        up, down = floats["margin_up"][row], floats["margin_down"][row]
        if up == up:  # not NaN: there is a category above
            fields["margin_up"] = {"category": table[code + 1], "points": up}
        if down == down:
            fields["margin_down"] = {"category": table[code - 1], "points": down}
        message.results.add(**fields)
    return message
