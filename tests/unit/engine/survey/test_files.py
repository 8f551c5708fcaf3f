"""Respondent and population files: round trips, and bad files with precise errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spi_engine import InvalidInputError, bundled
from spi_engine.survey import (
    generate,
    read_population,
    read_responses,
    score_survey,
    write_survey,
)
from spi_engine.survey.labels import as_strings
from tests.unit.engine.survey.fixtures import tiny

HEADER = "respondent_id,unit_id,sub_unit_id,group,o1,o2,g1,s1,v1,completion_seconds,device_fingerprint,submitted_at"
GOOD = [
    "a,u1,s1,internal,5,1,2,,,120.5,d1,2024-07-01T09:00:00",
    "b,u1,,internal,3,4,1,,,90,d2,2024-07-01T09:10:00Z",
    "c,u1,,external,,,,4,,60,,",
    "d,u1,,expert,,,,,4,300,d4,1719825303",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_is_read_column_by_column(tmp_path: Path) -> None:
    r = read_responses(_write(tmp_path / "r.csv", [HEADER, *GOOD]), tiny())
    assert as_strings(r.respondent_ids).tolist() == ["a", "b", "c", "d"]
    assert r.groups.tolist() == [0, 0, 1, 2]
    assert r.answers[:, 0].tolist() == [5, 1, 2, -1, -1]
    assert r.completion_seconds.tolist() == [120.5, 90.0, 60.0, 300.0]
    assert r.submitted_at[:2].tolist() == [1719824400.0, 1719825000.0]
    assert np.isnan(r.submitted_at[2])
    assert r.submitted_at[3] == 1719825303.0


def test_quoted_bom_and_crlf_files_read_the_same(tmp_path: Path) -> None:
    plain = read_responses(_write(tmp_path / "a.csv", [HEADER, *GOOD]), tiny())
    quoted = [HEADER, '"a","u1","s1",internal,5,1,2,,,120.5,d1,2024-07-01T09:00:00', *GOOD[1:]]
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(quoted).encode("utf-8") + b"\r\n")
    other = read_responses(path, tiny())
    assert as_strings(other.respondent_ids).tolist() == as_strings(plain.respondent_ids).tolist()
    assert np.array_equal(other.answers, plain.answers)


def test_generated_files_round_trip_in_csv_and_parquet(tmp_path: Path) -> None:
    inst = tiny()
    data = generate(inst, institutions=3, respondents=600, seed=3)
    rules = bundled().get("spi-2024")
    results = []
    for fmt in ("csv", "parquet"):
        paths = write_survey(
            data.columns, data.population, data.truth, inst, tmp_path / fmt, fmt=fmt
        )
        responses = read_responses(paths["respondents"], inst)
        assert np.array_equal(responses.answers, np.stack([data.columns[i] for i in inst.item_ids]))
        assert np.array_equal(responses.submitted_at, data.columns["submitted_at"])
        scores = score_survey(responses, rules, population=read_population(paths["population"]))
        results.append(scores.units.index_raw)
    assert np.array_equal(results[0], results[1], equal_nan=True)


BAD_CSV = [
    (
        "unknown item",
        [HEADER + ",x9", GOOD[0] + ",1"],
        "line 1, column 'x9': 'x9' is neither an item of the instrument nor a respondent column",
    ),
    (
        "missing column",
        ["respondent_id,group,o1", "a,internal,5"],
        "line 1: expected columns respondent_id, unit_id, group; missing: unit_id",
    ),
    (
        "answer out of scale",
        [HEADER, GOOD[0].replace(",5,1,2,", ",6,1,2,")],
        "line 2, column 'o1': expected an answer from 1 to 5, 9 (don't know) or an empty value; got 6",
    ),
    (
        "yes/no out of scale",
        [HEADER, GOOD[0].replace(",5,1,2,", ",5,1,3,")],
        "line 2, column 'g1': expected 1 (yes), 2 (no), 9 (don't know) or an empty value; got 3",
    ),
    (
        "not a code",
        [HEADER, GOOD[0].replace(",5,1,2,", ",x,1,2,")],
        "line 2, column 'o1': expected a whole answer code or an empty value; got 'x'",
    ),
    (
        "duplicate respondent",
        [HEADER, GOOD[0], GOOD[1], GOOD[0].replace("d1", "d9")],
        "line 4, column 'respondent_id': expected unique respondent ids; 'a' is also at line 2, column 'respondent_id'",
    ),
    (
        "wrong group answers",
        [HEADER, "a,u1,,external,5,,,,,1,,"],
        "line 2, column 'o1': item 'o1' is for internal respondents; this respondent is external",
    ),
    (
        "bad group",
        [HEADER, GOOD[0].replace("internal", "staff")],
        "line 2, column 'group': expected internal, external or expert; got 'staff'",
    ),
    ("ragged row", [HEADER, GOOD[0], "b,u1"], "line 3: expected 12 fields as in the header; got 2"),
    (
        "empty unit",
        [HEADER, GOOD[0].replace(",u1,", ",,")],
        "line 2, column 'unit_id': expected a unit_id; got an empty value",
    ),
    (
        "bad time",
        [HEADER, GOOD[0].replace("2024-07-01T09:00:00", "2024-13-01T09:00:00")],
        "line 2, column 'submitted_at': expected an ISO 8601 UTC time",
    ),
    (
        "negative seconds",
        [HEADER, GOOD[0].replace(",120.5,", ",-3,")],
        "line 2, column 'completion_seconds': expected a number >= 0",
    ),
]


@pytest.mark.parametrize(
    ("lines", "message"), [case[1:] for case in BAD_CSV], ids=[case[0] for case in BAD_CSV]
)
def test_bad_respondent_files_name_line_and_column(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    path = _write(tmp_path / "r.csv", lines)
    with pytest.raises(InvalidInputError) as caught:
        read_responses(path, tiny())
    assert str(caught.value).startswith(f"{path}: {message}"), str(caught.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="line 1: the file is empty"):
        read_responses(path, tiny())


def test_bad_parquet_names_the_row(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "respondent_id": ["a", "b"],
            "unit_id": ["u1", "u1"],
            "group": ["internal", "internal"],
            "o1": pa.array([5, 7], type=pa.int8()),
        }
    )
    path = tmp_path / "r.parquet"
    pq.write_table(table, path)
    with pytest.raises(InvalidInputError) as caught:
        read_responses(path, tiny())
    assert str(caught.value) == (
        f"{path}: row 2, column 'o1': expected an answer from 1 to 5, 9 (don't know) or an empty value; got 7"
    )
    pq.write_table(table.append_column("zz", pa.array([1, 2])), path)
    with pytest.raises(InvalidInputError, match="schema, column 'zz': 'zz' is neither an item"):
        read_responses(path, tiny())


BAD_POPULATION = [
    (
        "unknown column",
        ["unit_id,group,population,extra", "u1,internal,5,1"],
        "line 1: expected columns unit_id, group, population",
    ),
    (
        "not whole",
        ["unit_id,group,population", "u1,internal,5.5"],
        "line 2, column 'population': expected a whole number >= 1; got '5.5'",
    ),
    (
        "sampled above",
        ["unit_id,group,population,sampled", "u1,internal,5,6"],
        "line 2, column 'sampled': expected at most the population (5); got 6",
    ),
    (
        "repeated key",
        ["unit_id,group,population", "u1,internal,5", "u1,internal,6"],
        "line 3, column 'unit_id': expected one row per unit, sub-unit and group; ('u1', '', internal) is also at line 2",
    ),
    (
        "bad group",
        ["unit_id,group,population", "u1,staff,5"],
        "line 2, column 'group': expected internal, external or expert; got 'staff'",
    ),
]


@pytest.mark.parametrize(
    ("lines", "message"),
    [case[1:] for case in BAD_POPULATION],
    ids=[case[0] for case in BAD_POPULATION],
)
def test_bad_population_files(tmp_path: Path, lines: list[str], message: str) -> None:
    path = _write(tmp_path / "p.csv", lines)
    with pytest.raises(InvalidInputError) as caught:
        read_population(path)
    assert str(caught.value).startswith(f"{path}: {message}"), str(caught.value)


def test_units_missing_from_the_population_file_name_the_respondent_line(tmp_path: Path) -> None:
    responses = read_responses(_write(tmp_path / "r.csv", [HEADER, *GOOD]), tiny())
    population = read_population(
        _write(tmp_path / "p.csv", ["unit_id,group,population", "u9,internal,5"])
    )
    with pytest.raises(InvalidInputError) as caught:
        score_survey(responses, bundled().get("spi-2024"), population=population)
    assert str(caught.value) == (
        "respondents[0].unit_id: unit 'u1' has 2 internal respondents but no internal row in the population table"
    )
