"""What a ScoreSurvey upload keeps between chunks: repeated ids found in any earlier chunk, and
one long id widening only the ids of its own length class."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from spi_engine.api.upload_state import WIDTHS, SeenIds

ids = st.text(alphabet="abcxyzé0189-_", min_size=1, max_size=200)


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.lists(ids, max_size=12, unique=True), min_size=1, max_size=12))
def test_repeated_ids_are_the_ids_of_earlier_chunks(chunks: list[list[str]]) -> None:
    seen, earlier = SeenIds(), set[str]()
    for chunk in chunks:
        values = np.array(chunk, dtype=str)
        expected = [row for row, value in enumerate(chunk) if value in earlier]
        assert seen.repeated(values).tolist() == expected
        seen.add(values)
        earlier.update(chunk)


def test_one_long_id_widens_only_its_own_class() -> None:
    seen = SeenIds()
    for start in range(0, 4000, 500):
        chunk = [f"r{i:05d}" for i in range(start, start + 500)]
        if start == 1000:
            chunk[7] = "x" * 256
        seen.add(np.array(chunk, dtype=str))
    short = seen.runs[0]
    assert [run.dtype.itemsize for run in short] == [4 * WIDTHS[0]] * len(short)
    assert sum(run.size for run in short) == 3999
    assert [run.tolist() for run in seen.runs[len(WIDTHS)]] == [["x" * 256]]
    assert len(short) <= 3  # 8 chunks merged into runs of about equal size
    repeat = np.array(["r00003", "x" * 256, "r09999", "x" * 255], dtype=str)
    assert seen.repeated(repeat).tolist() == [0, 1]
