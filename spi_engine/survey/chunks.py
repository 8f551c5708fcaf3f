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

from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from spi.v1 import instrument_pb2 as ipb

from ..errors import InvalidInputError, Violation
from ..text_limits import check_lengths
from .instrument import GROUP_NAMES, Instrument
from .labels import Labels, as_strings, factorize
from .responses import Responses, api_where, responses_from_columns


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


def responses_from_chunk(
    instrument: Instrument, chunk: ipb.RespondentChunk, *, row_offset: int = 0
) -> Responses:
    """Validated Responses from one chunk; messages name rows across the upload."""
    size = len(chunk.respondent_ids)
    units = text_labels(chunk.unit_ids, size, "unit_ids")
    if units is None:
        raise InvalidInputError([Violation("unit_ids", "expected the unit of every respondent")])
    answers: dict[str, Any] = {}
    for position, column in enumerate(chunk.answers):
        if column.item_id in answers:
            raise InvalidInputError(
                [
                    Violation(
                        f"answers[{position}].item_id",
                        f"expected each item once; {column.item_id!r} is repeated",
                    )
                ]
            )
        answers[column.item_id] = np.asarray(column.codes, dtype=np.int64)
    devices = text_labels(chunk.device_fingerprints, size, "device_fingerprints")
    return responses_from_columns(
        instrument,
        respondent_ids=np.array(chunk.respondent_ids, dtype=str),
        unit_ids=units,
        groups=np.asarray(chunk.groups, dtype=np.int64),
        answers=answers,
        sub_unit_ids=text_labels(chunk.sub_unit_ids, size, "sub_unit_ids"),
        completion_seconds=np.asarray(chunk.completion_seconds)
        if chunk.completion_seconds
        else None,
        device_fingerprints=devices.values() if devices is not None else None,
        submitted_at=np.asarray(chunk.submitted_at) if chunk.submitted_at else None,
        where=lambda row, column: api_where(row + row_offset, column),
    )


def _text_column(values: Any) -> ipb.TextColumn:
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
) -> ipb.RespondentChunk:
    """A RespondentChunk of columns (as a client would send them); answers use -1 for missing.
    Items are not checked here: the receiving side validates the chunk against ``instrument``."""
    del instrument
    names = np.asarray(as_strings(groups))
    codes = np.zeros(names.size, dtype=np.int64)
    for index, name in enumerate(GROUP_NAMES):
        codes[names == name] = index + 1
    chunk = ipb.RespondentChunk(
        respondent_ids=as_strings(respondent_ids).tolist(),
        unit_ids=_text_column(unit_ids),
        groups=cast("list[ipb.RespondentGroup]", codes.tolist()),
        answers=[
            ipb.AnswerColumn(item_id=item, codes=np.asarray(values, dtype=np.int64).tolist())
            for item, values in answers.items()
        ],
    )
    if sub_unit_ids is not None:
        chunk.sub_unit_ids.CopyFrom(_text_column(sub_unit_ids))
    if device_fingerprints is not None:
        chunk.device_fingerprints.CopyFrom(_text_column(device_fingerprints))
    if completion_seconds is not None:
        chunk.completion_seconds.extend(np.asarray(completion_seconds, dtype=np.float64).tolist())
    if submitted_at is not None:
        chunk.submitted_at.extend(np.asarray(submitted_at, dtype=np.float64).tolist())
    return chunk
