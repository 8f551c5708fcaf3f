"""Columnar chunks (spi.v1.RespondentChunk) to Responses: round trips, folding, bad chunks."""

from __future__ import annotations

import numpy as np
import pytest

from spi.v1 import instrument_pb2 as ipb
from spi_engine import InvalidInputError, bundled
from spi_engine.survey import (
    bundled_instrument,
    chunk_from_columns,
    chunk_stats,
    fold,
    generate,
    responses_from_chunk,
    score_stats,
)


def _chunks(columns: dict[str, np.ndarray], size: int) -> list[ipb.RespondentChunk]:
    inst = bundled_instrument()
    rows = len(columns["respondent_id"])
    out = []
    for start in range(0, rows, size):
        part = {name: values[start : start + size] for name, values in columns.items()}
        chunk = chunk_from_columns(
            inst,
            respondent_ids=part["respondent_id"],
            unit_ids=part["unit_id"],
            groups=part["group"],
            answers={item: part[item] for item in inst.item_ids},
            sub_unit_ids=part["sub_unit_id"],
            completion_seconds=part["completion_seconds"],
            device_fingerprints=part["device_fingerprint"],
            submitted_at=part["submitted_at"],
        )
        out.append(ipb.RespondentChunk.FromString(chunk.SerializeToString()))
    return out


def test_chunks_fold_to_the_same_scores_as_one_batch() -> None:
    inst = bundled_instrument()
    rules = bundled().get("spi-2024")
    columns = generate(inst, institutions=4, respondents=2_000, seed=8).columns
    whole = [responses_from_chunk(inst, c) for c in _chunks(columns, 2_000)]
    parts, offset = [], 0
    for chunk in _chunks(columns, 333):
        parts.append(responses_from_chunk(inst, chunk, row_offset=offset))
        offset += len(chunk.respondent_ids)
    one = score_stats(chunk_stats(whole[0]), rules)
    many = score_stats(fold(parts), rules)
    assert np.array_equal(one.units.index_raw, many.units.index_raw, equal_nan=True)
    assert np.array_equal(
        one.sub_units.estimates.dimension_score,
        many.sub_units.estimates.dimension_score,
        equal_nan=True,
    )
    assert np.array_equal(whole[0].answers, np.stack([columns[i] for i in inst.item_ids]))
    assert np.array_equal(whole[0].submitted_at, columns["submitted_at"])


def test_a_repeated_respondent_across_chunks_names_its_row() -> None:
    inst = bundled_instrument()
    columns = generate(inst, institutions=3, respondents=900, seed=8).columns
    chunks = _chunks(columns, 500)
    chunks[1].respondent_ids[3] = chunks[0].respondent_ids[0]
    parts = [responses_from_chunk(inst, c, row_offset=500 * i) for i, c in enumerate(chunks)]
    with pytest.raises(
        InvalidInputError,
        match=r"respondents\[503\]\.respondent_id: expected unique respondent ids over the whole upload",
    ):
        fold(parts)


def test_bad_chunks() -> None:
    inst = bundled_instrument()
    chunk = ipb.RespondentChunk(respondent_ids=["a", "b"], groups=[1, 1])
    with pytest.raises(InvalidInputError, match="unit_ids: expected the unit of every respondent"):
        responses_from_chunk(inst, chunk)
    chunk.unit_ids.dictionary.append("u")
    chunk.unit_ids.codes.extend([0, 3])
    with pytest.raises(
        InvalidInputError,
        match=r"unit_ids\.codes\[1\]: expected an index below the dictionary size 1; got 3",
    ):
        responses_from_chunk(inst, chunk)
    chunk.unit_ids.codes[1] = 0
    chunk.answers.add(item_id="int_trans_1", codes=[5, 7])
    with pytest.raises(
        InvalidInputError, match=r"respondents\[11\]\.int_trans_1: expected an answer from 1 to 5"
    ):
        responses_from_chunk(inst, chunk, row_offset=10)
    chunk.answers.add(item_id="int_trans_1", codes=[5, 5])
    # One decoder for the library and the API: the repeated item is named as the API names it.
    with pytest.raises(
        InvalidInputError, match=r"answers\[item=int_trans_1\]: expected each item once"
    ):
        responses_from_chunk(inst, chunk)


def test_answers_are_packed_unless_a_code_does_not_fit_in_an_int8() -> None:
    inst = bundled_instrument()
    chunk = chunk_from_columns(
        inst,
        respondent_ids=["a", "b"],
        unit_ids=["u", "u"],
        groups=["internal", "internal"],
        answers={"int_trans_1": [5, -1], "int_trans_2": [4, 300]},
    )
    packed, wide = chunk.answers
    assert (packed.packed_codes, list(packed.codes)) == (b"\x05\xff", [])
    assert (wide.packed_codes, list(wide.codes)) == (b"", [4, 300])
    narrow = ipb.RespondentChunk()
    narrow.CopyFrom(chunk)
    del narrow.answers[1]
    assert responses_from_chunk(inst, narrow).answers[0].tolist() == [5, -1]
    with pytest.raises(
        InvalidInputError,
        match=r"respondents\[1\]\.int_trans_2: expected an answer from 1 to 5.*got 300",
    ):
        responses_from_chunk(inst, chunk)
    unpacked = chunk_from_columns(
        inst,
        respondent_ids=["a", "b"],
        unit_ids=["u", "u"],
        groups=["internal", "internal"],
        answers={"int_trans_1": np.array([5, -1], dtype=np.int8)},
        packed=False,
    )
    assert list(unpacked.answers[0].codes) == [5, -1]
    assert not unpacked.answers[0].packed_codes
