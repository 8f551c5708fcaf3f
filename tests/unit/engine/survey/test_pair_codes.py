"""factorize_pair_codes: a chunk's units and sub-units factorised from their dictionary codes give
exactly what factorising their strings gives (names, codes, cells, cell keys)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from spi.v1 import instrument_pb2 as ipb
from spi_engine.survey import bundled_instrument, responses_from_chunk
from spi_engine.survey.labels import Labels, Pairs, factorize, factorize_pair, factorize_pair_codes
from spi_engine.survey.responses import responses_from_columns

NAMES = st.lists(st.sampled_from(["", "a", "b", "u1", "u10", "ü", "zz", "x y"]), unique=True)


@st.composite
def encoded(draw: st.DrawFn) -> tuple[list[str], list[str], list[int], list[int]]:
    """Two dictionaries (any order, unused entries allowed) and parallel codes into them."""
    left = draw(NAMES.filter(bool))
    right = draw(NAMES.filter(bool))
    rows = draw(st.integers(0, 40))
    a = draw(st.lists(st.integers(0, len(left) - 1), min_size=rows, max_size=rows))
    b = draw(st.lists(st.integers(0, len(right) - 1), min_size=rows, max_size=rows))
    return left, right, a, b


def _same(got: Pairs, want: Pairs) -> None:
    for name in ("first", "second"):
        g, w = getattr(got, name), getattr(want, name)
        assert g.names == w.names
        assert g.codes.tolist() == w.codes.tolist()
    assert got.cells.tolist() == want.cells.tolist()
    assert got.keys.tolist() == want.keys.tolist()


@settings(max_examples=200, deadline=None)
@given(encoded())
def test_codes_give_what_strings_give(
    case: tuple[list[str], list[str], list[int], list[int]],
) -> None:
    left, right, a, b = case
    first = factorize(Labels(tuple(left), np.array(a, dtype=np.int64)))
    second = factorize(Labels(tuple(right), np.array(b, dtype=np.int64)))
    want = factorize_pair([left[i] for i in a], [right[i] for i in b])
    _same(factorize_pair_codes(first, second), want)


def test_a_wide_key_space_is_factorised_by_sorting() -> None:
    units = tuple(f"u{i:05d}" for i in range(3000))
    subs = tuple(f"s{i:05d}" for i in range(3000))
    a = np.array([2999, 0, 2999, 7], dtype=np.int64)
    b = np.array([2999, 5, 2999, 0], dtype=np.int64)
    got = factorize_pair_codes(factorize(Labels(units, a)), factorize(Labels(subs, b)))
    want = factorize_pair([units[i] for i in a], [subs[i] for i in b])
    _same(got, want)


def test_a_chunk_decodes_as_its_strings_validate() -> None:
    inst = bundled_instrument()
    chunk = ipb.RespondentChunk(
        respondent_ids=["r1", "r2", "r3"],
        unit_ids=ipb.TextColumn(dictionary=["unused", "u2", "u1"], codes=[1, 2, 1]),
        sub_unit_ids=ipb.TextColumn(dictionary=["x", "", "never"], codes=[0, 1, 0]),
        groups=[
            "RESPONDENT_GROUP_INTERNAL",
            "RESPONDENT_GROUP_INTERNAL",
            "RESPONDENT_GROUP_EXPERT",
        ],
        answers=[ipb.AnswerColumn(item_id="int_trans_1", codes=[5, 4, -1])],
    )
    got = responses_from_chunk(inst, chunk)
    want = responses_from_columns(
        inst,
        respondent_ids=["r1", "r2", "r3"],
        unit_ids=["u2", "u1", "u2"],
        sub_unit_ids=["x", "", "x"],
        groups=[1, 1, 3],
        answers={"int_trans_1": [5, 4, -1]},
    )
    _same(
        Pairs(got.units, got.sub_units, got.cells, got.cell_keys),
        Pairs(want.units, want.sub_units, want.cells, want.cell_keys),
    )
