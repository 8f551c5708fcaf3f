"""Columnar chunks (``spi.v1.RespondentChunk``) to and from validated Responses.

A client-streaming RPC sends respondents as chunks of packed columns; each chunk becomes
Responses (validated, rows named ``respondents[offset + i]`` across the whole upload) and is folded
into sufficient statistics (:func:`spi_engine.survey.fold`), so that any chunking gives the same
scores. Text columns travel dictionary-encoded; missing answers are -1.

>>> from spi_engine.survey.instrument import bundled_instrument
>>> inst = bundled_instrument()
>>> chunk = chunk_from_columns(inst, respondent_ids=["r1", "r2"], unit_ids=["u", "u"],
...     groups=["internal", "expert"], answers={"int_trans_1": [5, -1], "exp_audit": [-1, 4]})
>>> r = responses_from_chunk(inst, chunk, row_offset=10)
>>> r.units.names, r.answers[inst.item_index("exp_audit")].tolist()
(('u',), [-1, 4])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from spi.v1 import instrument_pb2 as ipb

from ..errors import InvalidInputError, Violation
from ..survey.instrument import GROUP_NAMES, Instrument
from ..survey.labels import Labels, as_strings, factorize
from ..survey.responses import Responses, Where, api_where, responses_from_columns
from ..text_limits import check_lengths

INT8_MIN, INT8_MAX = -128, 127


def text_labels(column: ipb.TextColumn, size: int, name: str) -> Labels | None:
    """A dictionary-encoded text column as Labels (None when absent); ``name`` is its field path."""
    if not column.codes and not column.dictionary:
        return None
    check_lengths((column.dictionary, lambda i: f"{name}.dictionary[{i}]"))
    codes = np.asarray(column.codes, dtype=np.int64)
    if codes.size != size:
        raise InvalidInputError(
            [Violation(name, f"expected {size} codes (one per respondent id); got {codes.size}")]
        )
    bad = np.flatnonzero(codes >= len(column.dictionary))
    if bad.size:
        raise InvalidInputError(
            [
                Violation(
                    f"{name}.codes[{int(bad[0])}]",
                    f"expected an index below the dictionary size {len(column.dictionary)}; "
                    f"got {int(codes[bad[0]])}",
                )
            ]
        )
    return factorize(Labels(tuple(column.dictionary), codes))


def _answers(instrument: Instrument, chunk: ipb.RespondentChunk, prefix: str) -> dict[str, Any]:
    """The answer columns by item id: known items, each once, one code per respondent."""
    size = len(chunk.respondent_ids)
    known = set(instrument.item_ids)
    answers: dict[str, Any] = {}
    for column in chunk.answers:
        name = _joined(prefix, f"answers[item={column.item_id}]")
        if column.item_id not in known:
            raise InvalidInputError(
                [
                    Violation(
                        name,
                        f"expected an item of instrument {instrument.id!r}; got an unknown item id",
                    )
                ]
            )
        if column.item_id in answers:
            raise InvalidInputError([Violation(name, "expected each item once; got it again")])
        answers[column.item_id] = answer_codes(column, size, name)
    return answers


def answer_codes(column: ipb.AnswerColumn, size: int, name: str) -> Any:
    """The codes of one answer column (``packed_codes`` or ``codes``, exactly one of them, one
    per respondent) as an array: int8 straight from the packed bytes, int64 from ``codes``."""
    packed, codes = column.packed_codes, column.codes
    if packed and codes:
        raise InvalidInputError(
            [
                Violation(
                    name,
                    f"expected codes or packed_codes, not both; got {len(codes)} codes and "
                    f"{len(packed)} packed bytes",
                )
            ]
        )
    if not packed and not codes and size:
        raise InvalidInputError(
            [
                Violation(
                    name,
                    f"expected {size} answer codes (packed_codes or codes, one per respondent id); "
                    "got neither",
                )
            ]
        )
    if packed or not codes:
        if len(packed) != size:
            raise InvalidInputError(
                [
                    Violation(
                        f"{name}.packed_codes",
                        f"expected {size} bytes (one per respondent id); got {len(packed)}",
                    )
                ]
            )
        return np.frombuffer(packed, dtype=np.int8)
    if len(codes) != size:
        raise InvalidInputError(
            [
                Violation(
                    f"{name}.codes",
                    f"expected {size} codes (one per respondent id); got {len(codes)}",
                )
            ]
        )
    return np.asarray(codes, dtype=np.int64)


def packed_items(chunk: ipb.RespondentChunk) -> frozenset[str]:
    """The items whose answers came as ``packed_codes`` (to name a bad value by its field)."""
    return frozenset(column.item_id for column in chunk.answers if column.packed_codes)


def answer_column(item: str, codes: Any, *, packed: bool = True) -> ipb.AnswerColumn:
    """An answer column of ``codes`` (-1 for missing): as ``packed_codes`` when ``packed`` and
    every code fits in an int8, else as ``codes`` (which the receiving side then validates)."""
    values = np.asarray(codes)
    if packed and values.dtype == np.int8:
        return ipb.AnswerColumn(item_id=item, packed_codes=values.tobytes())
    wide = values.astype(np.int64)
    fits = not wide.size or (int(wide.min()) >= INT8_MIN and int(wide.max()) <= INT8_MAX)
    if packed and fits:
        return ipb.AnswerColumn(item_id=item, packed_codes=wide.astype(np.int8).tobytes())
    return ipb.AnswerColumn(item_id=item, codes=wide.tolist())


def _floats(values: Sequence[float], size: int, name: str) -> Any:
    if not values:
        return None
    if len(values) != size:
        raise InvalidInputError(
            [Violation(name, f"expected {size} values (one per respondent id); got {len(values)}")]
        )
    return np.asarray(values, dtype=np.float64)


def _joined(prefix: str, field: str) -> str:
    return f"{prefix}.{field}" if prefix else field


def responses_from_chunk(
    instrument: Instrument,
    chunk: ipb.RespondentChunk,
    *,
    row_offset: int = 0,
    prefix: str = "",
    where: Where | None = None,
) -> Responses:
    """Validated Responses from one chunk: the one decoder of RespondentChunk. Fields are named
    under ``prefix`` (``chunks[3].unit_ids``); values by ``where`` (default: rows across the
    upload, ``respondents[row_offset + i].column``)."""
    size = len(chunk.respondent_ids)
    check_lengths((chunk.respondent_ids, lambda i: _joined(prefix, f"respondent_ids[{i}]")))
    units = text_labels(chunk.unit_ids, size, _joined(prefix, "unit_ids"))
    if units is None:
        raise InvalidInputError(
            [Violation(_joined(prefix, "unit_ids"), "expected the unit of every respondent")]
        )
    if len(chunk.groups) != size:
        raise InvalidInputError(
            [
                Violation(
                    _joined(prefix, "groups"),
                    f"expected {size} groups (one per respondent id); got {len(chunk.groups)}",
                )
            ]
        )
    devices = text_labels(chunk.device_fingerprints, size, _joined(prefix, "device_fingerprints"))
    seconds = _floats(chunk.completion_seconds, size, _joined(prefix, "completion_seconds"))
    return responses_from_columns(
        instrument,
        respondent_ids=np.array(chunk.respondent_ids, dtype=str),
        unit_ids=units,
        groups=np.asarray(chunk.groups, dtype=np.int64),
        answers=_answers(instrument, chunk, prefix),
        sub_unit_ids=text_labels(chunk.sub_unit_ids, size, _joined(prefix, "sub_unit_ids")),
        completion_seconds=seconds,
        device_fingerprints=devices.values() if devices is not None else None,
        submitted_at=_floats(chunk.submitted_at, size, _joined(prefix, "submitted_at")),
        where=where or (lambda row, column: api_where(row + row_offset, column)),
    )


def text_column(values: Any) -> ipb.TextColumn:
    """A text column dictionary-encoded (names in order of first appearance)."""
    labels = factorize(values)
    return ipb.TextColumn(dictionary=list(labels.names), codes=labels.codes.tolist())


def chunk_from_columns(
    instrument: Instrument,
    *,
    respondent_ids: Any,
    unit_ids: Any,
    groups: Any,
    answers: Mapping[str, Any],
    sub_unit_ids: Any = None,
    completion_seconds: Any = None,
    device_fingerprints: Any = None,
    submitted_at: Any = None,
    packed: bool = True,
) -> ipb.RespondentChunk:
    """A RespondentChunk of columns (as a client would send them); answers use -1 for missing,
    as ``packed_codes`` where they fit in an int8 (``packed=False``: always ``codes``, the first
    form). Items are not checked here: the receiving side validates the chunk against
    ``instrument``."""
    del instrument
    names = np.asarray(as_strings(groups))
    codes = np.zeros(names.size, dtype=np.int64)
    for index, name in enumerate(GROUP_NAMES):
        codes[names == name] = index + 1
    chunk = ipb.RespondentChunk(
        respondent_ids=as_strings(respondent_ids).tolist(),
        unit_ids=text_column(unit_ids),
        groups=cast("list[ipb.RespondentGroup]", codes.tolist()),
        answers=[answer_column(item, values, packed=packed) for item, values in answers.items()],
    )
    if sub_unit_ids is not None:
        chunk.sub_unit_ids.CopyFrom(text_column(sub_unit_ids))
    if device_fingerprints is not None:
        chunk.device_fingerprints.CopyFrom(text_column(device_fingerprints))
    if completion_seconds is not None:
        chunk.completion_seconds.extend(np.asarray(completion_seconds, dtype=np.float64).tolist())
    if submitted_at is not None:
        chunk.submitted_at.extend(np.asarray(submitted_at, dtype=np.float64).tolist())
    return chunk
