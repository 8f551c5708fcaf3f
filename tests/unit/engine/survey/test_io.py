"""Text columns as codes, CSV bytes in and out, and submission times."""

from __future__ import annotations

import numpy as np
import pytest

from spi_engine import InvalidInputError
from spi_engine.survey.csvio import parse_csv, to_csv_bytes
from spi_engine.survey.labels import Labels, factorize, factorize_pair, key_rows, repeats
from spi_engine.survey.times import iso_seconds, seconds_iso


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", "b", "", "a"],
        np.array([b"b", b"a", b"b", b"", b"a"]),
        np.array(["b", "a", "b", "", "a"], dtype=object),
        Labels(("b", "a", ""), np.array([0, 1, 0, 2, 1])),
    ],
)
def test_factorize_sorts_names_whatever_the_input(values: object) -> None:
    labels = factorize(values)
    assert labels.names == ("", "a", "b")
    assert labels.codes.tolist() == [2, 1, 2, 0, 1]


def test_pairs_and_repeats() -> None:
    pairs = factorize_pair(["u2", "u1", "u2", "u1"], ["x", "", "x", "y"])
    assert pairs.keys.tolist() == [0, 2, 4]
    assert pairs.cells.tolist() == [2, 0, 2, 1]
    assert repeats(["a", "b", "a", "c", "b"]).tolist() == [2, 4]
    assert key_rows((["a", "b"], ["", "s"]), (["b", "a", "a"], ["s", "s", ""])).tolist() == [
        1,
        -1,
        0,
    ]


def test_csv_round_trip_of_text_codes_and_floats() -> None:
    data = to_csv_bytes(
        ["id", "q", "t"],
        [
            np.array(["r1", "r22", "é"]),
            np.array([5, -1, 12], dtype=np.int8),
            np.array([1.25, np.nan, 300.0]),
        ],
    )
    assert data == "id,q,t\nr1,5,1.25\nr22,,\né,12,300\n".encode()
    table = parse_csv(data)
    assert table.text("id").tolist() == [b"r1", b"r22", "é".encode()]
    assert table.codes("q").tolist() == [5, -1, 12]
    assert table.numbers("t").tolist()[::2] == [1.25, 300.0]


def test_values_longer_than_the_sample_are_read_whole() -> None:
    lines = ["id,q"] + [f"r{i},1" for i in range(3000)] + ["r-long-" + "x" * 300 + ",100"]
    table = parse_csv("\n".join(lines).encode())
    assert table.text("id")[-1] == ("r-long-" + "x" * 300).encode()
    assert table.codes("q")[-1] == 100


def test_codes_accept_spaces_and_decimal_zero_but_not_words() -> None:
    table = parse_csv(b"q\n 5\n4.0\n-1\n\n")
    assert table.codes("q").tolist() == [5, 4, -1]
    with pytest.raises(
        InvalidInputError,
        match="line 3, column 'q': expected a whole answer code or an empty value; got 'x'",
    ):
        parse_csv(b"q\n5\nx\n").codes("q")


def test_blank_lines_keep_their_line_numbers() -> None:
    table = parse_csv(b"q\n5\n\n7\n")
    assert table.lines.tolist() == [2, 4]


def test_times() -> None:
    raw = np.array(
        [
            b"2024-07-01T00:00:00",
            b"2024-02-29 12:00:00Z",
            b"",
            b"2024-02-30T00:00:00",
            b"2024-07-01T09:00:00+07:00",
        ]
    )
    seconds = iso_seconds(raw)
    assert seconds[:2].tolist() == [1719792000.0, 1709208000.0]
    assert np.isnan(seconds[2:]).all()
    assert seconds_iso(np.array([1719792000.0, np.nan])).tolist() == ["2024-07-01T00:00:00", ""]


@pytest.mark.parametrize("cell", ["inf", "3_0", "nan", "3,0"])
def test_an_answer_code_python_would_read_is_refused(cell: str) -> None:
    table = parse_csv(f'id,q1\na,"{cell}"\n'.encode(), "x.csv")
    with pytest.raises(
        InvalidInputError, match=r"line 2, column 'q1': expected a whole answer code"
    ):
        table.codes("q1")


@pytest.mark.parametrize("cell", ["7_5", "nan", "inf"])
def test_a_number_python_would_read_is_refused(cell: str) -> None:
    table = parse_csv(f'id,t\na,"{cell}"\n'.encode(), "x.csv")
    with pytest.raises(
        InvalidInputError, match=rf"line 2, column 't': expected a number; got '{cell}'"
    ):
        table.numbers("t")


@pytest.mark.parametrize(("column", "method"), [("t", "numbers"), ("q1", "codes")])
def test_a_decimal_comma_is_named_as_such(column: str, method: str) -> None:
    """docs/input-rules.md: a decimal comma gets the decimal-separator message in every file."""
    table = parse_csv(f'id,{column}\na,"75,61"\n'.encode(), "x.csv")
    with pytest.raises(
        InvalidInputError,
        match=rf"line 2, column '{column}': expected .*; got '75,61' .*the decimal separator "
        "must be a point, e.g. 75.61, not 75,61",
    ):
        getattr(table, method)(column)


def test_plain_numbers_and_empty_cells_still_read() -> None:
    table = parse_csv(b"id,t\na,12.5\nb,\nc,-1e3\n", "x.csv")
    assert table.numbers("t")[[0, 2]].tolist() == [12.5, -1000.0]
