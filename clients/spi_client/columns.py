"""The columnar form of a batch (ScoreColumns): requests built from dicts or a DataFrame, and the
response read back as typed results or a DataFrame, without one message per unit.

Numeric columns travel as little-endian float64 bytes (see spi/v1/columns.proto).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spi.v1 import columns_pb2, engine_pb2, scoring_pb2
from spi_engine.units import COMPONENTS
from spi_engine.units import CORRECTION_PARTS as PARTS

from . import results
from .unit_inputs import ALIASES

FLOAT64 = np.dtype("<f8")


@dataclass(frozen=True)
class Batch:
    """A ScoreColumns request with its ids and groups kept as Python lists (the response does
    not echo them, and reading them back out of the message costs a string object each)."""

    request: engine_pb2.ScoreColumnsRequest
    ids: list[str]
    groups: list[str]


def request_from_messages(ruleset_id: str, units: Sequence[scoring_pb2.UnitInput]) -> Batch | None:
    """The ScoreColumns request for ``units``; None when a unit lacks a component or the
    correction total (the row form then names what is missing, unit by unit)."""
    required = (*COMPONENTS, "correction")
    if not units or not all(u.HasField(n) for u in units for n in required):
        return None
    columns = columns_pb2.UnitColumns()
    for name in required:
        setattr(columns, name, _f64([getattr(u, name) for u in units]))
    for name in PARTS:
        if any(u.HasField(name) for u in units):
            values = [getattr(u, name) if u.HasField(name) else math.nan for u in units]
            setattr(columns, name, _f64(values))
    return _batch(ruleset_id, columns, [u.unit_id for u in units], [u.group for u in units])


def request_from_frame(ruleset_id: str, frame: Any) -> Batch | None:
    """The ScoreColumns request for a DataFrame's columns; None when a required column is
    absent, is not of a number type (text, bools) or holds a missing value, or when ids or groups
    come under an alias (``institution_id``, ``type``): the row form then reads or names them."""
    required = (*COMPONENTS, "correction")
    if len(frame) == 0 or any(name not in frame.columns for name in required):
        return None
    if any(frame[name].dtype.kind not in "fiu" for name in (*required, *PARTS) if name in frame):
        return None
    if any(name in frame.columns for name in ALIASES):
        return None
    values = {name: frame[name].to_numpy(dtype=np.float64, na_value=math.nan) for name in required}
    if any(np.isnan(v).any() for v in values.values()):
        return None
    columns = columns_pb2.UnitColumns()
    for name, column in values.items():
        setattr(columns, name, _f64(column))
    for name in PARTS:
        if name in frame.columns:
            setattr(columns, name, _f64(frame[name].to_numpy(np.float64, na_value=math.nan)))
    size = len(frame)
    ids = _text_column(frame, "unit_id", size)
    groups = _text_column(frame, "group", size)
    return _batch(ruleset_id, columns, ids, groups)


def _f64(values: Any) -> bytes:
    return np.asarray(values, dtype=FLOAT64).tobytes()


def _text_column(frame: Any, name: str, size: int) -> list[str]:
    if name not in frame.columns:
        return [""] * size
    return [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in frame[name]
    ]


def _batch(
    ruleset_id: str, columns: columns_pb2.UnitColumns, ids: list[str], groups: list[str]
) -> Batch:
    if any(ids):
        columns.unit_ids.extend(ids)
    if any(groups):
        columns.groups.extend(groups)
    request = engine_pb2.ScoreColumnsRequest(ruleset_id=ruleset_id, columns=columns)
    return Batch(request, ids, groups)


def _floats(data: bytes) -> Any:
    return np.frombuffer(data, dtype=FLOAT64)


def score_from_columns(
    batch: Batch, response: engine_pb2.ScoreColumnsResponse
) -> results.ScoreResult:
    """Typed results of a ScoreColumns call (ids and groups from the request)."""
    r = response.results
    table = list(r.category_ids)
    codes = list(r.category_codes)
    columns = zip(
        batch.ids,
        batch.groups,
        _floats(r.index_raw).tolist(),
        _floats(r.index).tolist(),
        codes,
        _floats(r.contribution_internal).tolist(),
        _floats(r.contribution_external).tolist(),
        _floats(r.contribution_expert).tolist(),
        _floats(r.contribution_correction).tolist(),
        _floats(r.margin_up).tolist(),
        _floats(r.margin_down).tolist(),
        strict=True,
    )
    units = tuple(
        results.UnitResult(
            unit_id=unit_id,
            group=group,
            index_raw=raw,
            index=index,
            category=table[code],
            contributions=results.Contributions(c_int, c_ext, c_exp, c_cor),
            margin_up=None if math.isnan(up) else results.Margin(table[code + 1], up),
            margin_down=None if math.isnan(down) else results.Margin(table[code - 1], down),
        )
        for unit_id, group, raw, index, code, c_int, c_ext, c_exp, c_cor, up, down in columns
    )
    provenance = results.provenance_from_pb(response.provenance)
    return results.ScoreResult(units, provenance, response.decision_id)


def frame_from_columns(batch: Batch, response: engine_pb2.ScoreColumnsResponse, index: Any) -> Any:
    """A DataFrame of a ScoreColumns call, the columns of ``ScoreResult.to_frame``, built column
    by column."""
    pd: Any = importlib.import_module("pandas")
    r = response.results
    table = np.array([*r.category_ids, None], dtype=object)
    codes = np.frombuffer(r.category_codes, dtype=np.uint8).astype(np.intp)
    up, down = _floats(r.margin_up), _floats(r.margin_down)
    none = len(table) - 1
    data = {
        "unit_id": batch.ids,
        "group": batch.groups,
        "index": _floats(r.index),
        "index_raw": _floats(r.index_raw),
        "category": table[codes],
        "contribution_internal": _floats(r.contribution_internal),
        "contribution_external": _floats(r.contribution_external),
        "contribution_expert": _floats(r.contribution_expert),
        "contribution_correction": _floats(r.contribution_correction),
        "margin_up_category": table[np.where(np.isnan(up), none, codes + 1)],
        "margin_up_points": up,
        "margin_down_category": table[np.where(np.isnan(down), none, codes - 1)],
        "margin_down_points": down,
    }
    frame = pd.DataFrame(data, index=index, columns=list(results.COLUMNS))
    frame["ruleset"] = response.provenance.ruleset_id
    frame["ruleset_sha256"] = response.provenance.ruleset_sha256
    frame.attrs["decision_id"] = response.decision_id
    frame.attrs["engine_version"] = response.provenance.engine_version
    return frame
