"""spi_engine.tabular: CSV files of units, every problem named by its line and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spi_engine import InvalidInputError, Units, Violation
from spi_engine.tabular import Table, numbers, parse_csv, read_csv, units_from_table

HEADER = "unit_id,internal,external,expert,correction"
PUBLISHED_HEADER = (
    "year,institution_id,name,type,internal,external,expert,"
    "correction_integrity,correction_prevalence,index,flag"
)


def units_of(text: str) -> Units:
    return units_from_table(parse_csv(text, "u.csv"))


def error_of(text: str) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        units_of(text)
    assert caught.value.context == "u.csv"
    return caught.value


BAD_FILES: list[tuple[str, str, str, str]] = [
    ("empty file", "", "line 1", "the file is empty; expected a header line of column names"),
    ("only a BOM", "\ufeff", "line 1", "the file is empty; expected a header line of column names"),
    (
        "blank header",
        ",,\n1,2,3\n",
        "line 1",
        "the file is empty; expected a header line of column names",
    ),
    (
        "repeated column",
        "unit_id,internal,internal,external,expert,correction\n",
        "line 1",
        "expected unique column names; repeated: internal",
    ),
    (
        "repeated after trimming",
        "internal, internal ,external,expert,expert,correction\n",
        "line 1",
        "expected unique column names; repeated: expert, internal",
    ),
    (
        "ragged row",
        f"{HEADER}\na,1,2,3,0\nb,2,3\n",
        "line 3",
        "expected 5 fields as in the header; got 3",
    ),
    (
        "long row",
        f"{HEADER}\na,1,2,3,0,9\n",
        "line 2",
        "expected 5 fields as in the header; got 6",
    ),
    (
        "missing component",
        "unit_id,internal,external,correction\na,1,2,0\n",
        "line 1",
        "expected columns internal, external, expert; missing: expert",
    ),
    (
        "missing components",
        "unit_id,expert,correction\na,1,0\n",
        "line 1",
        "expected columns internal, external, expert; missing: internal, external",
    ),
    (
        "no correction",
        "internal,external,expert\n1,2,3\n",
        "line 1",
        "expected a 'correction' column, or both 'correction_integrity' and "
        "'correction_prevalence'; got none of them",
    ),
    (
        "one correction part",
        "internal,external,expert,correction_integrity\n1,2,3,0\n",
        "line 1",
        "expected a 'correction' column, or both 'correction_integrity' and "
        "'correction_prevalence'; got correction_integrity",
    ),
    (
        "empty component cell",
        f"{HEADER}\na,1,,3,0\n",
        "line 2, column 'external'",
        "expected a number; got an empty value",
    ),
    (
        "blank component cell",
        f"{HEADER}\na,1,2,3,0\nb,1,2,  ,0\n",
        "line 3, column 'expert'",
        "expected a number; got an empty value",
    ),
    (
        "text in a component",
        f"{HEADER}\na,1,2,3,0\nb,1,2,abc,0\n",
        "line 3, column 'expert'",
        "expected a number; got 'abc'",
    ),
    (
        "decimal comma",
        f'{HEADER}\na,"75,61",2,3,0\n',
        "line 2, column 'internal'",
        "expected a number with a decimal point; got '75,61' (the decimal separator must be a "
        "point, e.g. 75.61, not 75,61)",
    ),
    (
        "an underscore in a number (Python's float would read 75.61)",
        f"{HEADER}\na,7_5.61,2,3,0\n",
        "line 2, column 'internal'",
        "expected a number; got '7_5.61'",
    ),
    (
        "NaN in a correction",
        f"{HEADER}\na,1,2,3,NaN\n",
        "line 2, column 'correction'",
        "expected a number; got 'NaN'",
    ),
    (
        "infinity written out",
        f"{HEADER}\na,1,2,3,inf\n",
        "line 2, column 'correction'",
        "expected a number; got 'inf'",
    ),
    (
        "an empty correction cell is no correction",
        f"{HEADER}\na,1,2,3,\n",
        "line 2, column 'correction'",
        "expected a correction: 'correction' (points >= 0; write 0 for none) or both "
        "'correction_integrity' and 'correction_prevalence'; got nothing (the fields are absent)",
    ),
    (
        "text in a correction",
        f"{HEADER}\na,1,2,3,n/a\n",
        "line 2, column 'correction'",
        "expected a number; got 'n/a'",
    ),
    (
        "out of range",
        f"{HEADER}\na,1,2,3,0\nb,200,2,3,0\n",
        "line 3, column 'internal'",
        "expected a number from 0 to 100; got 200.0",
    ),
    (
        "NaN written out",
        f"{HEADER}\na,nan,2,3,0\n",
        "line 2, column 'internal'",
        "expected a number; got 'nan'",
    ),
    (
        "negative correction",
        f"{HEADER}\na,1,2,3,-1\n",
        "line 2, column 'correction'",
        "expected points from 0 to 100; got -1.0",
    ),
    (
        "a blank line before the bad row",
        f"{HEADER}\na,1,2,3,0\n\nb,200,2,3,0\n",
        "line 4, column 'internal'",
        "expected a number from 0 to 100; got 200.0",
    ),
    (
        "a ragged row after a blank line",
        f"{HEADER}\na,1,2,3,0\n\n\nb,2,3\n",
        "line 5",
        "expected 5 fields as in the header; got 3",
    ),
    (
        "a quoted line break before the bad row",
        'unit_id,name,internal,external,expert,correction\na,"two\nlines",1,2,3,0\nb,x,1,2,300,0\n',
        "line 4, column 'expert'",
        "expected a number from 0 to 100; got 300.0",
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "description"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_files_are_named_by_line_and_column(text: str, where: str, description: str) -> None:
    error = error_of(text)
    assert error.violations == (Violation(where, description),)
    assert str(error) == f"u.csv: {where}: {description}"


def test_every_bad_cell_is_reported_in_one_round() -> None:
    error = error_of(f"{HEADER}\na,,2,3,0\nb,abc,2,3,0\nc,1,200,3,1\n")
    assert error.violations == (
        Violation("line 2, column 'internal'", "expected a number; got an empty value"),
        Violation("line 3, column 'internal'", "expected a number; got 'abc'"),
        Violation("line 4, column 'external'", "expected a number from 0 to 100; got 200.0"),
    )


def test_24_bad_cells_are_counted_and_20_listed() -> None:
    rows = "".join(f"u{i},abc,2,3,0\n" for i in range(12)) + "".join(
        f"v{i},1,2,3,-1\n" for i in range(12)
    )
    error = error_of(f"{HEADER}\n{rows}")
    assert len(error.violations) == 20
    assert error.total == 24
    assert str(error).endswith("(and 23 more problems)")


def test_plain_numbers_are_read_exactly() -> None:
    units = units_of(f"{HEADER}\na,75.61,+89.02,7.353e1,.5\nb,0,100.,1E1,0\n")
    assert units.internal.tolist() == [75.61, 0.0]
    assert units.external.tolist() == [89.02, 100.0]
    assert units.expert.tolist() == [73.53, 10.0]
    assert units.correction_unsplit.tolist() == [0.5, 0.0]


def test_not_valid_csv() -> None:
    error = error_of(f"{HEADER}\n" + '"' + "x" * 200_000 + '"\n')
    (violation,) = error.violations
    assert violation.field == "line 2"
    assert violation.description.startswith("not valid CSV (field larger than field limit")


def test_parts_and_totals_per_row() -> None:
    text = (
        "unit_id,internal,external,expert,correction_integrity,correction_prevalence,correction\n"
        "a,80,80,80,1,2,\n"
        "b,80,80,80,,,4\n"
        "c,80,80,80,,,0\n"
        "d,80,80,80,1,2,3\n"
    )
    units = units_of(text)
    assert units.ids == ("a", "b", "c", "d")
    assert units.correction_integrity.tolist() == [1.0, 0.0, 0.0, 1.0]
    assert units.correction_prevalence.tolist() == [2.0, 0.0, 0.0, 2.0]
    assert units.correction_unsplit.tolist() == [0.0, 4.0, 0.0, 0.0]


def test_a_row_with_every_correction_cell_empty_is_an_error() -> None:
    text = "unit_id,internal,external,expert,correction_integrity,correction_prevalence,correction\nc,80,80,80,,,\n"
    with pytest.raises(InvalidInputError) as caught:
        units_of(text)
    assert caught.value.violations[0].field == "line 2, column 'correction'"


def test_published_header() -> None:
    text = (
        f"{PUBLISHED_HEADER}\n"
        "2024,100,KOTA CONTOH,kota,75.61,89.02,73.53,7.00,0.59,71.65,\n"
        '2022,200,"KABUPATEN CONTOH, BARAT",kabupaten,80.00,80.00,80.00,0.00,0.00,74.00,extra_deduction_2022\n'
    )
    table = parse_csv(text, "results.csv")
    assert table.header == tuple(PUBLISHED_HEADER.split(","))
    units = units_from_table(table)
    assert units.ids == ("100", "200")
    assert units.groups == ("kota", "kabupaten")
    assert units.correction_integrity.tolist() == [7.0, 0.0]
    assert units.correction_prevalence.tolist() == [0.59, 0.0]
    assert table.column("name") == ("KOTA CONTOH", "KABUPATEN CONTOH, BARAT")
    assert table.column("index") == ("71.65", "74.00")
    assert table.column("flag") == ("", "extra_deduction_2022")


def test_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\na,75.61,89.02,73.53,7.59\r\n").encode("utf-8"))
    table = read_csv(path)
    assert table.header[0] == "unit_id"
    assert table.origin == str(path)
    units = units_from_table(table)
    assert units.ids == ("a",)
    assert units.correction_unsplit.tolist() == [7.59]


def test_spaces_around_numbers_and_names() -> None:
    units = units_of(" unit_id , internal ,external,expert,correction\n a , 75.61 ,89,73.5, 1\n")
    assert units.ids == ("a",)
    assert units.internal.tolist() == [75.61]


def test_header_only_gives_no_units() -> None:
    assert len(units_of(f"{HEADER}\n")) == 0


def test_blank_lines_are_skipped() -> None:
    units = units_of(f"{HEADER}\n\na,1,2,3,0\n\n\nb,4,5,6,1\n\n")
    assert units.ids == ("a", "b")


def test_chosen_id_and_group_columns() -> None:
    text = "code,region,internal,external,expert,correction\nx1,jawa,1,2,3,0\n"
    units = units_from_table(parse_csv(text), id_column="code", group_column="region")
    assert (units.ids, units.groups) == (("x1",), ("jawa",))


def test_chosen_column_that_is_absent() -> None:
    with pytest.raises(InvalidInputError) as caught:
        units_from_table(parse_csv(f"{HEADER}\n", "u.csv"), id_column="code")
    assert caught.value.violations == (
        Violation(
            "line 1",
            "expected a column 'code'; the header has unit_id, internal, external, expert, correction",
        ),
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(InvalidInputError) as caught:
        read_csv(path)
    assert caught.value.context == str(path)
    assert caught.value.violations[0].description.startswith("cannot read the file (")


def test_numbers_optional_and_required() -> None:
    table = Table(("a",), (("1.5",), ("",), (" 2 ",)), "t.csv")
    assert np.isnan(numbers(table, "a", optional=True)).tolist() == [False, True, False]
    assert numbers(table, "a", optional=True)[[0, 2]].tolist() == [1.5, 2.0]
    with pytest.raises(InvalidInputError, match=r"^t.csv: line 3, column 'a': expected a number"):
        numbers(table, "a")


def test_table_take_and_where() -> None:
    table = parse_csv(f"{HEADER}\na,1,2,3,0\n\nb,4,5,6,0\n", "u.csv")
    assert table.where(0, "internal") == "line 2, column 'internal'"
    assert table.where(1, "internal") == "line 4, column 'internal'"
    taken = table.take([1])
    assert taken.column("unit_id") == ("b",)
    assert taken.where(0, "expert") == "line 4, column 'expert'"


def test_table_built_directly_numbers_rows_from_line_2() -> None:
    table = Table(("a",), (("1",), ("2",)), "t.csv")
    assert table.where(1, "a") == "line 3, column 'a'"
    assert table.take([1]).where(0, "a") == "line 3, column 'a'"
