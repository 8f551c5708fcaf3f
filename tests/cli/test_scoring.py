"""The `spi` command in-process: outputs, formats, exit codes and error messages."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spi_client.cli.main import main
from spi_engine import bundled
from tests.catalogue import BUNDLED_IDS, KNOWN

PROBOLINGGO = [
    "--internal",
    "75.61",
    "--external",
    "89.02",
    "--expert",
    "73.53",
    "--correction",
    "7.59",
]
SHA_2024 = bundled().get("spi-2024").sha256


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_score_one_unit_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--ruleset", "spi-2024", *PROBOLINGGO)
    assert (code, err) == (0, "")
    assert "index        71.66  rentan" in out
    assert "index_raw    71.65512" in out
    assert "next up      waspada: +1.34 index points" in out
    assert SHA_2024 in out


def test_score_one_unit_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", "--ruleset", "spi-2024", *PROBOLINGGO, "--format", "json")
    document = json.loads(out)
    result = document["results"][0]
    assert code == 0
    assert (result["index"], result["category"], result["ruleset_sha256"]) == (
        71.66,
        "rentan",
        SHA_2024,
    )
    assert result["margin_up"] == {"category": "waspada", "points": 1.34}
    assert result["margin_down"] is None
    parts = result["contributions"]
    assert parts["internal"] + parts["external"] + parts["expert"] + parts[
        "correction"
    ] == pytest.approx(result["index_raw"], abs=1e-12)


def test_score_is_byte_identical_across_runs(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "score", "--ruleset", "spi-2024", *PROBOLINGGO, "--format", "json")
    second = run(capsys, "score", "--ruleset", "spi-2024", *PROBOLINGGO, "--format", "json")
    assert first == second


@pytest.mark.parametrize(
    ("scores", "index", "category"),
    [
        ("72.99", "72.99", "rentan"),
        ("73", "73.00", "waspada"),
        ("77.99", "77.99", "waspada"),
        ("78", "78.00", "terjaga"),
    ],
)
def test_threshold_sides_in_csv(
    capsys: pytest.CaptureFixture[str], scores: str, index: str, category: str
) -> None:
    argv = [
        "score",
        "--ruleset",
        "spi-2025",
        "--internal",
        scores,
        "--external",
        scores,
        "--expert",
        scores,
        "--correction",
        "0",
        "--format",
        "csv",
    ]
    code, out, _ = run(capsys, *argv)
    row = next(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert (row["index"], row["category"]) == (index, category)


def test_csv_file_passes_columns_through(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "units.csv",
        "unit_id,name,internal,external,expert,correction_integrity,correction_prevalence\nu1,Kota A,80,85,75,1,0.5\nu2,Kab B,70,72,68,0,0\n",
    )
    code, out, _ = run(capsys, "score", "--ruleset", "spi-2024", "--input", path)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["name"] for r in rows] == ["Kota A", "Kab B"]
    assert [r["category"] for r in rows] == ["terjaga", "rentan"]  # 78.305 and 70.042
    assert rows[0]["ruleset_sha256"] == SHA_2024
    assert list(rows[0])[-8:] == [
        "index",
        "index_raw",
        "category",
        "margin_up",
        "margin_down",
        "ruleset",
        "ruleset_sha256",
        "engine_version",
    ]


def test_clashing_columns_get_a_prefix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "published.csv",
        "year,unit_id,internal,external,expert,correction,index\n2024,a,80,80,80,0,79.99\n",
    )
    code, out, _ = run(capsys, "score", "--ruleset", "auto", "--input", path)
    row = next(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert (row["index"], row["spi_index"], row["spi_ruleset"]) == ("79.99", "80.00", "spi-2024")


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "unit_id,internal,external,expert,correction\na,80,80,80,0\n")
    target = tmp_path / "out.json"
    code, out, _ = run(
        capsys,
        "score",
        "--ruleset",
        "spi-2024",
        "--input",
        path,
        "--output",
        str(target),
        "--format",
        "json",
    )
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["results"][0]["index"] == 80.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "u.csv: line 1: the file is empty; expected a header line of column names"),
        (
            "unit_id,internal,external,expert\na,1,2,3\n",
            "u.csv: line 1: expected a 'correction' column, or both 'correction_integrity' and 'correction_prevalence'; got none of them",
        ),
        (
            "unit_id,internal,external\na,1,2\n",
            "u.csv: line 1: expected columns internal, external, expert; missing: expert",
        ),
        (
            "internal,internal,external,expert,correction\n1,1,2,3,0\n",
            "u.csv: line 1: expected unique column names; repeated: internal",
        ),
        (
            "unit_id,internal,external,expert,correction\na,70,80,,1\n",
            "u.csv: line 2, column 'expert': expected a number; got an empty value",
        ),
        (
            "unit_id,internal,external,expert,correction\na,70,80,abc,1\n",
            "u.csv: line 2, column 'expert': expected a number; got 'abc'",
        ),
        (
            "unit_id,internal,external,expert,correction\na,70,80,inf,1\n",
            "u.csv: line 2, column 'expert': expected a number; got 'inf'",
        ),
        (
            "unit_id,internal,external,expert,correction\na,75.61,89.02,79.53,NaN\n",
            "u.csv: line 2, column 'correction': expected a number; got 'NaN'",
        ),
        (
            "unit_id,internal,external,expert,correction\na,75.61,89.02,79.53,\n",
            "u.csv: line 2, column 'correction': expected a correction: 'correction' (points >= 0; "
            "write 0 for none) or both 'correction_integrity' and 'correction_prevalence'; got "
            "nothing (the fields are absent)",
        ),
        (
            "unit_id,internal,external,expert,correction\na,7_5.61,89.02,79.53,1\n",
            "u.csv: line 2, column 'internal': expected a number; got '7_5.61'",
        ),
        (
            "unit_id,internal,external,expert,correction\na,70,80,90,1\nb,70,101.5,80,1\n",
            "u.csv: line 3, column 'external': expected a number from 0 to 100; got 101.5",
        ),
        (
            "unit_id,internal,external,expert,correction\na,70,80,90,-2\n",
            "u.csv: line 2, column 'correction': expected points from 0 to 100; got -2.0",
        ),
        (
            "unit_id,internal,external,expert,correction\na,70,80\n",
            "u.csv: line 2: expected 5 fields as in the header; got 3",
        ),
    ],
)
def test_bad_files_exit_2_with_the_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, "u.csv", content)
    code, out, err = run(capsys, "score", "--ruleset", "spi-2024", "--input", path)
    assert (code, out) == (2, "")
    assert err == f"spi: error: {tmp_path / message}\n"


def test_several_problems_are_listed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "u.csv",
        "unit_id,internal,external,expert,correction\na,nan,80,90,1\nb,70,80,120,1\n",
    )
    code, _, err = run(capsys, "score", "--ruleset", "spi-2024", "--input", path)
    assert code == 2
    assert err.splitlines()[1:] == [
        "  line 2, column 'internal': expected a number; got 'nan'",
        "  line 3, column 'expert': expected a number from 0 to 100; got 120.0",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--ruleset", "spi-2019", *PROBOLINGGO],
            f"unknown ruleset 'spi-2019'; known rulesets: {KNOWN}",
        ),
        (
            ["--ruleset", "spi-2024", "--internal", "1", "--external", "2"],
            "give --input FILE, or one unit with --internal, --external and --expert (missing: --expert)",
        ),
        (
            [
                "--ruleset",
                "spi-2024",
                "--internal",
                "1",
                "--external",
                "2",
                "--expert",
                "3",
                "--correction",
                "-1",
            ],
            "--correction: expected points from 0 to 100; got -1.0",
        ),
        (
            ["--ruleset", "spi-2024", "--internal", "nan", "--external", "2", "--expert", "3"],
            "give the unit's correction: --correction POINTS (0 for none), or both "
            "--correction-integrity and --correction-prevalence; got none",
        ),
        (
            [
                "--ruleset",
                "spi-2024",
                "--internal",
                "nan",
                "--external",
                "2",
                "--expert",
                "3",
                "--correction",
                "0",
            ],
            "--internal: expected a number; got 'nan'",
        ),
        (
            ["--ruleset", "spi-2024", *PROBOLINGGO[:6], "--correction", "NaN"],
            "--correction: expected a number; got 'NaN'",
        ),
        (
            ["--ruleset", "spi-2024", *PROBOLINGGO[:6], "--correction-integrity", "1"],
            "give the unit's correction: --correction POINTS (0 for none), or both "
            "--correction-integrity and --correction-prevalence; got --correction-integrity",
        ),
        (
            ["--ruleset", "auto", *PROBOLINGGO],
            "--ruleset auto picks the ruleset by a 'year' column (or --year for one unit); there is none",
        ),
        (
            ["--ruleset", "auto", "--year", "2019", *PROBOLINGGO],
            f"--year: expected a year with a ruleset ({KNOWN}); got '2019'",
        ),
    ],
)
def test_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "score", *argv)
    assert (code, err) == (2, f"spi: error: {message}\n")


def test_auto_ruleset_by_year_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "score", "--ruleset", "auto", "--year", "2024", *PROBOLINGGO, "--format", "csv"
    )
    row = next(csv.DictReader(io.StringIO(out)))
    assert (code, row["ruleset"], row["index"]) == (0, "spi-2024", "71.66")


def test_summarize_ranks_and_means(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "u.csv",
        "unit_id,type,internal,external,expert,correction\na,kota,80,80,80,0\nb,kota,70,70,70,0\nc,kabupaten,75,75,75,0\nd,kabupaten,75.004,75.004,75.004,0\n",
    )
    code, out, _ = run(
        capsys, "summarize", "--ruleset", "spi-2024", "--input", path, "--format", "json"
    )
    document = json.loads(out)
    assert code == 0
    assert [(r["rank"], r["unit_id"]) for r in document["ranking"]] == [
        (1, "a"),
        (2, "d"),
        (3, "c"),
        (4, "b"),
    ]
    assert document["overall"] == {
        "group": "",
        "units": 4,
        "mean_index": 75.0,
        "categories": {"rentan": 1, "waspada": 2, "terjaga": 1},
    }
    assert [g["group"] for g in document["groups"]] == ["kabupaten", "kota"]


def test_rules_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    ids = [r["id"] for r in json.loads(out)["rulesets"]]
    assert (code, ids) == (0, list(BUNDLED_IDS))
    code, out, _ = run(capsys, "rules", "show", "spi-2022")
    assert code == 0
    assert out.startswith("# spi-2022  sha256 ")
    assert 'topic: "extra_deduction_2022"' in out


def test_rules_check_bundled_files(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(
        str(p) for p in (Path(__file__).parents[2] / "spi_engine" / "rulesets").glob("*.txtpb")
    )
    code, out, _ = run(capsys, "rules", "check", *files)
    assert code == 0
    *files_lines, verdict = out.splitlines()
    assert len(files_lines) == 5
    assert all(line.startswith("ok    ") and "golden cases passed" in line for line in files_lines)
    assert verdict == "verdict: ok (5 files)"


def test_rules_check_reports_each_bad_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = Path(__file__).parents[2] / "spi_engine" / "rulesets" / "spi-2024.txtpb"
    bad = write(tmp_path, "x.txtpb", 'id: "x"\nbogus: 1\n')
    weights = write(
        tmp_path, "w.txtpb", good.read_text().replace("internal: 0.305", "internal: 0.5")
    )
    code, out, _ = run(capsys, "rules", "check", bad, str(good), weights)
    assert code == 5  # the file is invalid (was 2, the code of bad input: issue 10)
    assert (
        f'FAIL  {bad}  (invalid: exit 5)\n{bad}: line 2, column 1: Message type "spi.v1.Ruleset" has no field named "bogus".'
        in out
    )
    assert f"{weights}: weights: expected weights summing to 1 (within 1e-9); got 1.195" in out
    assert f"ok    {good}" in out


def test_rules_check_runs_failing_cases(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "spi_engine" / "rulesets"
    write(tmp_path, "spi-2024.txtpb", (source / "spi-2024.txtpb").read_text())
    cases = (
        (source / "spi-2024.cases.txtpb")
        .read_text()
        .replace("expected_index: 73.00", "expected_index: 73.01", 1)
    )
    write(tmp_path, "spi-2024.cases.txtpb", cases)
    code, out, _ = run(capsys, "rules", "check", str(tmp_path / "spi-2024.txtpb"))
    assert code == 4  # a golden case failed (was 2, the code of bad input: issue 10)
    assert "case waspada-at-bound: FAILED waspada-at-bound: index 73.00 (expected 73.01 ± 0)" in out


def test_rules_hash_matches_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(Path(__file__).parents[2] / "spi_engine" / "rulesets" / "spi-2024.txtpb")
    code, out, _ = run(capsys, "rules", "hash", path)
    assert (code, out) == (0, f"{SHA_2024}  {path}\n")


def test_own_ruleset_file_by_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = (Path(__file__).parents[2] / "spi_engine" / "rulesets" / "spi-2023.txtpb").read_text()
    variant = source.replace('id: "spi-2023"', 'id: "spi-2023-alt"').replace(
        "lower_bound: 78 }", "lower_bound: 77.5 }"
    )
    path = write(tmp_path, "alt.txtpb", variant)
    code, out, _ = run(
        capsys,
        "score",
        "--ruleset",
        path,
        "--internal",
        "77.6",
        "--external",
        "77.6",
        "--expert",
        "77.6",
        "--correction",
        "0",
        "--format",
        "csv",
    )
    row = next(csv.DictReader(io.StringIO(out)))
    assert (code, row["category"], row["ruleset"]) == (0, "terjaga", "spi-2023-alt")


def test_console_script_bad_input_has_no_traceback() -> None:
    spi = Path(sys.executable).with_name("spi")
    done = subprocess.run(
        [
            str(spi),
            "score",
            "--ruleset",
            "spi-2024",
            "--internal",
            "500",
            "--external",
            "1",
            "--expert",
            "1",
            "--correction",
            "0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "spi: error: --internal: expected a number from 0 to 100; got 500.0\n"
    assert "Traceback" not in done.stderr


def test_24_problems_are_counted_and_20_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = "".join(f"u{i},70,80,abc,0\n" for i in range(24))
    path = write(tmp_path, "u.csv", "unit_id,internal,external,expert,correction\n" + rows)
    code, _, err = run(capsys, "score", "--ruleset", "spi-2024", "--input", path)
    lines = err.splitlines()
    assert code == 2
    assert lines[0] == f"spi: error: {path}: 24 problems (the first 20 listed)"
    assert len(lines) == 21


def test_a_server_refusal_of_24_problems_is_counted_like_in_process() -> None:
    import grpc

    from spi_client.cli.main import _remote_text
    from spi_client.errors import FieldViolation, SpiRpcError

    listed = tuple(FieldViolation(f"units[{i}].expert", "expected a number") for i in range(20))
    error = SpiRpcError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "units[0].expert: expected a number (and 23 more problems)",
        listed,
    )
    assert _remote_text(error, "INVALID_ARGUMENT").splitlines()[0] == (
        "24 problems (the first 20 listed)"
    )
