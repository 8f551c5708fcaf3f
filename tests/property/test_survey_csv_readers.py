"""The two CSV readers of respondent files (pyarrow's and the plain numpy one) agree (Hypothesis).

Random files, valid and invalid (answer codes and numbers in every form, ids repeated or empty,
BOM, CRLF, lone CR, quotes, blank and ragged lines, unknown and missing columns, a header alone,
an empty file), read with ``reader="plain"`` and ``reader="arrow"``: the same Responses to the
last bit, or the same error with the same message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spi_engine import InvalidInputError, bundled
from spi_engine.survey import (
    arrowcsv,
    generate,
    read_population,
    read_responses,
    score_survey,
    write_survey,
)
from spi_engine.survey.arrowcsv import ArrowTable, read_csv_bytes
from spi_engine.survey.csvio import CsvTable
from spi_engine.survey.labels import as_strings
from spi_engine.survey.responses import Responses
from tests.unit.engine.survey.fixtures import tiny

pytest.importorskip("pyarrow")

TINY = tiny()
PROFILE = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
COLUMNS = (
    "respondent_id",
    "unit_id",
    "sub_unit_id",
    "group",
    *TINY.item_ids,
    "completion_seconds",
    "device_fingerprint",
    "submitted_at",
)
GOOD_CODES = {"o1": "123459", "o2": "123459", "g1": "129", "s1": "12349", "v1": "123459"}
FORMS = ["{}", "{}", "{}", " {}", "{} ", "\t{}", "0{}", "{}.0", "+{}"]
MISSING = ["", "", "", "-1", " "]
BAD_CODES = [
    "0",
    "-0",
    "6",
    "12",
    "127",
    "128",
    "-2",
    "0x5",
    "x",
    "1e0",
    "nan",
    "inf",
    "3_0",
    "\u0665",
    "5,0",
]
NUMBERS = ["", "12.5", "90", "1e3", ".5", "+7", " 3.25 ", "0", "1E2", "300"]
BAD_NUMBERS = ["nan", "inf", "7_5.61", "0x10", "abc", "1e", "--1", "-5", "75,61"]
TEXTS = ["a", "b", "r1", "u1", "u2", " u1 ", "é", "x y", "d1", "s1", "s2", "", "\tu1"]
TIMES = ["", "2024-07-01T09:00:00", "2024-07-01T09:10:00Z", "1719825303", "1719825303.5"]
BAD_TIMES = ["yesterday", "2024-13-01T00:00:00", "nan"]
GROUPS = ["internal", "external", "expert"]
BAD_GROUPS = ["Internal", " expert", "staff", ""]


def _code(draw: st.DrawFn, item: str, group: str, bad: bool) -> str:
    if bad and draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(BAD_CODES))
    if TINY.item_group[TINY.item_ids.index(item)] != GROUPS.index(group) or draw(st.booleans()):
        return draw(st.sampled_from(MISSING))
    return draw(st.sampled_from(FORMS)).format(draw(st.sampled_from(GOOD_CODES[item])))


def _cell(draw: st.DrawFn, column: str, group: str, bad: bool) -> str:
    if column in TINY.item_ids:
        return _code(draw, column, group, bad)
    if column == "completion_seconds":
        return draw(st.sampled_from(NUMBERS + BAD_NUMBERS if bad else NUMBERS))
    if column == "submitted_at":
        return draw(st.sampled_from(TIMES + BAD_TIMES if bad else TIMES))
    if column == "group":
        return draw(st.sampled_from(GROUPS + BAD_GROUPS if bad else GROUPS)) if bad else group
    return draw(st.sampled_from(TEXTS if bad else TEXTS[:-2]))


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """A respondent file: mostly well formed, sometimes with one defect or another."""
    bad = draw(st.integers(0, 3)) == 0
    header = list(draw(st.permutations(COLUMNS)))
    if draw(st.integers(0, 9)) == 0:
        header.remove(draw(st.sampled_from(header)))
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from(["x9", "o1", " o2"])))
    rows = []
    for number in range(draw(st.integers(0, 12))):
        group = draw(st.sampled_from(GROUPS))
        cells = {c: _cell(draw, c, group, bad) for c in header}
        if "respondent_id" in cells and not bad:
            cells["respondent_id"] = f"r{number}"
        rows.append(",".join(cells[c] for c in header))
    lines = [",".join(header), *rows]
    if rows and draw(st.integers(0, 5)) == 0:
        at = draw(st.integers(1, len(lines) - 1))
        lines[at] = draw(st.sampled_from(["", lines[at] + ",", lines[at].rpartition(",")[0]]))
    if rows and draw(st.integers(0, 5)) == 0:
        at = draw(st.integers(1, len(lines) - 1))
        lines[at] = '"' + lines[at].replace(",", '","') + '"'
    end = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r\n", "\r"]))
    text = end.join(lines) + draw(st.sampled_from(["", end, end * 2]))
    data = text.encode("utf-8")
    if draw(st.integers(0, 3)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 19)) == 0:
        data = draw(st.sampled_from([b"", b"\n", b"  \n", b"\xef\xbb\xbf"]))
    return data


def _read(path: Path, reader: str, screening: bool) -> Responses | str:
    try:
        return read_responses(path, TINY, screening=screening, reader=reader)
    except InvalidInputError as error:
        return f"{type(error).__name__}: {error}"


def _same(a: Responses, b: Responses) -> bool:
    texts = [(a.respondent_ids, b.respondent_ids), (a.devices, b.devices)]
    arrays = [
        (a.units.codes, b.units.codes),
        (a.sub_units.codes, b.sub_units.codes),
        (a.cells, b.cells),
        (a.cell_keys, b.cell_keys),
        (a.groups, b.groups),
        (a.answers, b.answers),
    ]
    floats = [
        (a.completion_seconds, b.completion_seconds),
        (a.submitted_at, b.submitted_at),
    ]
    return (
        a.units.names == b.units.names
        and a.sub_units.names == b.sub_units.names
        # fixed-width text: the same values (the plain reader's fields may be wider)
        and all(
            x.dtype.kind == y.dtype.kind and as_strings(x).tolist() == as_strings(y).tolist()
            for x, y in texts
        )
        and all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in arrays)
        and all(x.tobytes() == y.tobytes() for x, y in floats)
    )


@PROFILE
@given(data=files(), screening=st.booleans(), piece=st.sampled_from([32 << 20, 1, 40]))
@example(data=b"respondent_id,unit_id,group,o1\na,u1,internal,0x5\n", screening=True, piece=1)
@example(
    data=b"respondent_id,unit_id,group,o1\na,u1,internal,\n\nb,u1,internal,5\n",
    screening=True,
    piece=1,
)
@example(
    data=b"respondent_id,unit_id,group,o1\na,u1,internal,55\nb,u1,internal,\n",
    screening=True,
    piece=1,
)
@example(
    data=b'respondent_id,unit_id,group,completion_seconds\na,u1,internal,"75,61"\n',
    screening=True,
    piece=1,
)
@example(data=b"respondent_id,unit_id,group,o1\r\na,u1,internal,5\r\n", screening=False, piece=1)
def test_both_readers_give_the_same_responses_or_the_same_error(
    tmp_path: Path, data: bytes, screening: bool, piece: int
) -> None:
    """``piece``: the arrow reader's piece size (1: every line a piece of its own)."""
    path = tmp_path / "respondents.csv"
    path.write_bytes(data)
    with mock.patch.object(arrowcsv, "PIECE_BYTES", piece):
        arrow = _read(path, "arrow", screening)
    plain = _read(path, "plain", screening)
    if isinstance(plain, str) or isinstance(arrow, str):
        assert arrow == plain
    else:
        assert _same(plain, arrow)


def test_clean_files_take_the_fast_path_and_others_the_plain_one() -> None:
    clean = b"\xef\xbb\xbfid,q\r\nr1,5\r\nr2,\r\n"
    assert isinstance(read_csv_bytes(clean, codes=("q",), reader="arrow"), ArrowTable)
    assert isinstance(read_csv_bytes(clean, codes=("q",), reader="plain"), CsvTable)
    for other in (b'id,q\n"r1",5\n', b"id,q\n\nr1,5\n", b"id,q\rr1,5\r", b"id,q\n"):
        assert isinstance(read_csv_bytes(other, reader="arrow"), CsvTable)
    with pytest.raises(
        InvalidInputError, match="line 2: expected 2 fields as in the header; got 1"
    ):
        read_csv_bytes(b"id,q\nr1\n", reader="arrow")


@pytest.mark.parametrize("piece", [1, 5, 12, 32 << 20])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_file_read_in_pieces_keeps_the_fast_path_and_every_row(piece: int, end: str) -> None:
    rows = [f"r{n},{n % 10}," + ("1.5" if n % 3 else "") for n in range(40)]
    data = end.join(["id,q,t", *rows, ""]).encode()
    with mock.patch.object(arrowcsv, "PIECE_BYTES", piece):
        table = read_csv_bytes(data, codes=("q",), reader="arrow")
    plain = read_csv_bytes(data, codes=("q",), reader="plain")
    assert isinstance(table, ArrowTable)
    assert table.text("id").tolist() == plain.text("id").tolist()
    assert table.code_columns(["q"])["q"].tolist() == [n % 10 for n in range(40)]
    assert table.numbers("t").tobytes() == plain.numbers("t").tobytes()
    assert table.lines.tolist() == plain.lines.tolist()


def test_an_unknown_reader_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInputError, match="reader: expected one of auto, plain, arrow; got 'x'"
    ):
        read_responses(tmp_path / "r.csv", TINY, reader="x")


def test_a_generated_survey_scores_byte_for_byte_the_same(tmp_path: Path) -> None:
    data = generate(TINY, institutions=4, respondents=3000, seed=5)
    paths = write_survey(data.columns, data.population, data.truth, TINY, tmp_path)
    rules = bundled().get("spi-2024")
    results: list[Any] = []
    for reader in ("plain", "arrow"):
        responses = read_responses(paths["respondents"], TINY, reader=reader)
        population = read_population(paths["population"], reader=reader)
        results.append(score_survey(responses, rules, population=population))
    a, b = results
    assert a.units.index_raw.tobytes() == b.units.index_raw.tobytes()
    assert (
        a.units.estimates.dimension_score.tobytes() == b.units.estimates.dimension_score.tobytes()
    )
    assert a.sub_units.index_raw.tobytes() == b.sub_units.index_raw.tobytes()
