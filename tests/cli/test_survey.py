"""`spi survey generate | score | progress | screen` in-process: outputs, formats, exit codes and
bad files with their exact messages, on small generated surveys written to tmp_path."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from spi_client.cli import survey_commands, survey_render
from spi_client.cli.main import main
from spi_engine.survey import bundled_instrument


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("survey")
    code = main(
        [
            "survey",
            "generate",
            "--out",
            str(folder),
            "--institutions",
            "6",
            "--respondents",
            "1200",
            "--seed",
            "7",
        ]
    )
    assert code == 0
    return folder


def test_generate_writes_the_files_and_says_what_it_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "survey",
        "generate",
        "--out",
        str(tmp_path),
        "--institutions",
        "6",
        "--respondents",
        "1200",
        "--seed",
        "7",
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "synthetic survey, seed 7, instrument example-survey (a9cfecb20d17)"
    assert "1,200 respondents in 6 institutions (129 to 299 each)" in lines[1]
    assert lines[3].endswith(
        "1,200 rows; injected: speeder 2, straight_liner 1, duplicate_device 37, "
        "duplicate_answers 33, burst 80"
    )
    assert lines[4] == "  clean respondents: 1,047"
    rows = list(csv.DictReader(io.StringIO((tmp_path / "respondents.csv").read_text())))
    assert len(rows) == 1200
    assert len({r["unit_id"] for r in rows}) == 6
    truth = list(csv.DictReader(io.StringIO((tmp_path / "truth.csv").read_text())))
    assert sum(r["pattern"] != "clean" for r in truth) == 1200 - 1047


def test_generate_is_seeded_and_writes_parquet(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("a", "b"):
        assert (
            main(
                [
                    "survey",
                    "generate",
                    "--out",
                    str(tmp_path / name),
                    "--institutions",
                    "3",
                    "--respondents",
                    "300",
                    "--clean",
                ]
            )
            == 0
        )
    assert (tmp_path / "a/respondents.csv").read_bytes() == (
        tmp_path / "b/respondents.csv"
    ).read_bytes()
    code, out, _ = run(
        capsys,
        "survey",
        "generate",
        "--out",
        str(tmp_path / "p"),
        "--institutions",
        "3",
        "--respondents",
        "300",
        "--format",
        "parquet",
        "--clean",
    )
    assert code == 0
    assert "injected: none" in out
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "population.parquet",
        "respondents.parquet",
        "truth.parquet",
    ]


def test_generate_refuses_an_impossible_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "survey",
        "generate",
        "--out",
        str(tmp_path),
        "--institutions",
        "3",
        "--respondents",
        "20",
    )
    assert (code, out) == (2, "")
    assert err == (
        "spi: error: respondents: expected 30 to 2554 respondents per institution (30 >= 10) "
        "over 3 institutions; got 20 in total\n"
    )


def _lines(survey: Path, name: str) -> list[str]:
    return (survey / name).read_text().splitlines()


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_score_units_sub_units_and_weakest_dimensions(
    capsys: pytest.CaptureFixture[str], survey: Path
) -> None:
    code, out, err = run(
        capsys,
        "survey",
        "score",
        "--responses",
        str(survey / "respondents.csv"),
        "--population",
        str(survey / "population.csv"),
        "--sub-units",
    )
    assert (code, err) == (0, "")
    assert out.startswith(
        "instrument example-survey (a9cfecb20d17): 1,200 respondents scored, 6 units; ruleset spi-2024; "
        "index published for 6 of 6 units\n\nunits\n"
    )
    assert (
        "kabupaten-005                  87/86/10         7.55%  publishable      50.95     70.82   42.71  54.44  rentan\n"
        in out
    )
    assert (
        "kabupaten-004  kabupaten-004-u02      29/18/0        15.10%  not_publishable     84.01     91.77  78.33*         not_publishable\n"
        in out
    )
    assert "\nsub-units per category\n" in out
    assert "kabupaten-003       0        0        1           1\n" in out
    assert (
        "kabupaten-005  Human-resource management                             36.21  rentan    Merit system and open selection\n"
        in out
    )


def test_score_formats_and_output_file(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    base = [
        "survey",
        "score",
        "--responses",
        str(survey / "respondents.csv"),
        "--population",
        str(survey / "population.csv"),
    ]
    code, out, _ = run(capsys, *base, "--format", "json", "--sub-units")
    body = json.loads(out)
    assert code == 0
    assert [u["category"] for u in body["units"]] == [
        "terjaga",
        "waspada",
        "terjaga",
        "terjaga",
        "rentan",
        "terjaga",
    ]
    assert len(body["sub_units"]) == 12
    assert body["sub_unit_categories"][0] == {
        "unit_id": "kabupaten-001",
        "rentan": 0,
        "waspada": 0,
        "terjaga": 2,
        "not_scored": 0,
    }
    assert body["weakest"][0]["dimension"] == "Procurement of goods and services (PBJ)"
    code, out, _ = run(capsys, *base, "--format", "csv", "--output", str(tmp_path / "s.csv"))
    assert (code, out) == (0, "")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text())))
    assert [r["index"] for r in rows] == ["86.17", "76.33", "78.20", "81.98", "54.44", "80.28"]
    assert list(rows[0]) == [
        "unit_id",
        "sub_unit_id",
        "respondents",
        "internal_moe",
        "adequacy",
        "internal",
        "external",
        "expert",
        "index",
        "category",
    ]


def test_score_without_population_and_with_flagged_respondents_left_out(
    capsys: pytest.CaptureFixture[str], survey: Path
) -> None:
    plain = run(capsys, "survey", "score", "--responses", str(survey / "respondents.csv"))
    screened = run(
        capsys,
        "survey",
        "score",
        "--responses",
        str(survey / "respondents.csv"),
        "--exclude-flagged",
    )
    assert plain[0] == screened[0] == 0
    assert "1,200 respondents scored, 6 units" in plain[1]
    assert "correction points: Local rule (not KPK's)" in screened[1]
    assert "1,049 respondents scored (151 flagged left out), 6 units" in screened[1]
    assert plain[1] != screened[1]


def test_progress_rates_margins_and_responses_needed(
    capsys: pytest.CaptureFixture[str], survey: Path
) -> None:
    base = [
        "survey",
        "progress",
        "--sample",
        str(survey / "population.csv"),
        "--responses",
        str(survey / "respondents.csv"),
    ]
    code, out, err = run(capsys, *base)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        lines[0]
        == "instrument example-survey (a9cfecb20d17): 1,200 responses so far; 30 sample rows in 6 units"
    )
    assert lines[2].split() == [
        "unit_id",
        "sub_unit_id",
        "group",
        "population",
        "sampled",
        "respondents",
        "response_rate",
        "moe",
        "more_for_10pct",
        "more_for_5pct",
    ]
    assert lines[4].split() == [
        "kabupaten-001",
        "internal",
        "149",
        "138",
        "114",
        "82.61%",
        "4.46%",
        "0",
        "0",
    ]
    assert lines[5].split() == [
        "kabupaten-001",
        "external",
        "13915",
        "147",
        "126",
        "85.71%",
        "8.69%",
        "0",
        "unreachable",
    ]
    code, out, _ = run(capsys, *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 30
    assert rows[2]["more_for_10pct"] == "4"
    code, out, _ = run(capsys, *base, "--format", "json")
    assert json.loads(out)["rows"][0]["response_rate"] == "82.61%"


def test_screen_lists_every_excluded_respondent_and_local_points(
    capsys: pytest.CaptureFixture[str], survey: Path
) -> None:
    base = ["survey", "screen", "--responses", str(survey / "respondents.csv")]
    code, out, err = run(capsys, *base, "--corrections")
    assert (code, err) == (0, "")
    assert out.startswith(
        "instrument example-survey (a9cfecb20d17): 151 of 1,200 respondents flagged\n"
    )
    assert "burst                       80\n" in out
    assert "any (excluded)             151\n" in out
    assert "R0000074       kabupaten-002  burst              R0000073\n" in out
    assert (
        "LOCAL correction points (units with flagged respondents) - Local rule (not KPK's)" in out
    )
    assert "kabupaten-002          299   33.44%         10.00\n" in out
    code, out, _ = run(capsys, *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 151
    assert list(rows[0]) == ["respondent_id", "unit_id", "reasons", "related_to"]
    code, out, _ = run(capsys, *base, "--format", "json")
    body = json.loads(out)
    assert len(body["excluded"]) == 151
    assert "local_corrections" not in body


def test_bad_files_are_named_by_line_and_column(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    lines = _lines(survey, "respondents.csv")
    header = lines[0].split(",")
    row = lines[2].split(",")
    row[header.index("ext_int_money")] = "7"
    cases = {
        "item": [lines[0].replace("int_trans_2", "x99"), *lines[1:4]],
        "scale": [lines[0], lines[1], ",".join(row), lines[3]],
        "dup": [lines[0], lines[1], lines[2], lines[1]],
    }
    paths = {name: _write(tmp_path / f"{name}.csv", rows) for name, rows in cases.items()}
    expected = {
        "item": f"{paths['item']}: line 1, column 'x99': 'x99' is neither an item of the instrument "
        "nor a respondent column (respondent_id, unit_id, sub_unit_id, group, completion_seconds, "
        "device_fingerprint, submitted_at)",
        "scale": f"{paths['scale']}: line 3, column 'ext_int_money': expected 1 (yes), 2 (no), "
        "9 (don't know) or an empty value; got 7",
        "dup": f"{paths['dup']}: line 4, column 'respondent_id': expected unique respondent ids; "
        "'R0000001' is also at line 2, column 'respondent_id'",
    }
    assert lines[2].split(",")[3] == "external"
    for name, path in paths.items():
        for command in ("score", "screen"):
            assert run(capsys, "survey", command, "--responses", path) == (
                2,
                "",
                f"spi: error: {expected[name]}\n",
            )


def test_units_missing_from_the_population_table(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    population = [x for x in _lines(survey, "population.csv") if "kabupaten-001," not in x]
    table = _write(tmp_path / "pop.csv", population)
    responses = str(survey / "respondents.csv")
    message = (
        f"spi: error: {responses}: line 2, column 'unit_id': unit 'kabupaten-001' has 114 "
        "internal respondents but no internal row in the population table\n"
    )
    assert run(capsys, "survey", "score", "--responses", responses, "--population", table) == (
        2,
        "",
        message,
    )
    assert run(capsys, "survey", "progress", "--responses", responses, "--sample", table) == (
        2,
        "",
        message,
    )


def test_missing_files_unknown_instrument_and_usage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = str(tmp_path / "none.csv")
    assert run(capsys, "survey", "score", "--responses", missing) == (
        2,
        "",
        f"spi: error: --responses {missing}: no such file\n",
    )
    assert run(capsys, "survey", "screen", "--responses", missing, "--instrument", "kpk") == (
        2,
        "",
        "spi: error: unknown instrument 'kpk'; bundled instruments: example-survey\n",
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["survey", "progress", "--responses", missing])
    assert exit_info.value.code == 2
    assert "--sample" in capsys.readouterr().err


def test_progress_until_a_time_counts_earlier_responses_only(
    capsys: pytest.CaptureFixture[str], survey: Path
) -> None:
    base = [
        "survey",
        "progress",
        "--sample",
        str(survey / "population.csv"),
        "--responses",
        str(survey / "respondents.csv"),
        "--format",
        "csv",
    ]
    code, out, _ = run(capsys, *base, "--until", "2024-08-15")
    early = list(csv.DictReader(io.StringIO(out)))
    code_all, out_all, _ = run(capsys, *base)
    later = list(csv.DictReader(io.StringIO(out_all)))
    assert code == code_all == 0
    assert all(
        int(a["respondents"]) <= int(b["respondents"]) for a, b in zip(early, later, strict=True)
    )
    assert sum(int(a["respondents"]) for a in early[:3]) < sum(
        int(b["respondents"]) for b in later[:3]
    )
    assert run(capsys, *base, "--until", "2024-13-15") == (
        2,
        "",
        "spi: error: --until 2024-13-15: expected a UTC time like 2024-08-15 or 2024-08-15T12:00:00\n",
    )


def test_unit_filter_shows_those_units_and_their_sub_units(
    capsys: pytest.CaptureFixture[str], survey: Path
) -> None:
    responses, population = str(survey / "respondents.csv"), str(survey / "population.csv")
    code, out, _ = run(
        capsys,
        "survey",
        "score",
        "--responses",
        responses,
        "--population",
        population,
        "--sub-units",
        "--unit",
        "kabupaten-005",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [(r["unit_id"], r["sub_unit_id"]) for r in rows] == [
        ("kabupaten-005", ""),
        ("kabupaten-005", "kabupaten-005-u01"),
        ("kabupaten-005", "kabupaten-005-u02"),
    ]
    code, out, _ = run(
        capsys,
        "survey",
        "progress",
        "--responses",
        responses,
        "--sample",
        population,
        "--unit",
        "kabupaten-001,kabupaten-002",
        "--format",
        "csv",
    )
    assert {r["unit_id"] for r in csv.DictReader(io.StringIO(out))} == {
        "kabupaten-001",
        "kabupaten-002",
    }
    assert run(capsys, "survey", "score", "--responses", responses, "--unit", "kota-9") == (
        2,
        "",
        "spi: error: --unit kota-9: not a unit of this survey (6 units)\n",
    )


def test_parquet_and_an_instrument_file_give_the_same_scores(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    argv = [
        "survey",
        "generate",
        "--out",
        str(tmp_path),
        "--institutions",
        "6",
        "--respondents",
        "1200",
        "--seed",
        "7",
        "--format",
        "parquet",
    ]
    assert main(argv) == 0
    capsys.readouterr()
    instrument = tmp_path / "mine.txtpb"
    instrument.write_text(bundled_instrument().to_message().__str__())
    from_csv = run(
        capsys,
        "survey",
        "score",
        "--responses",
        str(survey / "respondents.csv"),
        "--population",
        str(survey / "population.csv"),
        "--format",
        "json",
    )
    from_parquet = run(
        capsys,
        "survey",
        "score",
        "--responses",
        str(tmp_path / "respondents.parquet"),
        "--population",
        str(tmp_path / "population.parquet"),
        "--format",
        "json",
        "--instrument",
        str(instrument),
    )
    assert from_csv[0] == from_parquet[0] == 0
    assert from_csv[1] == from_parquet[1]


def test_an_instrument_without_a_local_rule_excludes_without_correcting(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    text = Path("spi_engine/instruments/example-survey.txtpb").read_text()
    start = text.index("local_integrity_rule {")
    end = text.index("\n}\n", start) + 3
    instrument = tmp_path / "no-local.txtpb"
    instrument.write_text(text[:start] + text[end:])
    base = ["--responses", str(survey / "respondents.csv"), "--instrument", str(instrument)]
    code, out, err = run(capsys, "survey", "score", *base, "--exclude-flagged")
    assert (code, err) == (0, "")
    assert "1,049 respondents scored (151 flagged left out)" in out
    assert "correction" not in out
    code, out, err = run(capsys, "survey", "screen", *base, "--corrections")
    assert code == 2
    assert out == ""
    assert (
        err == f"spi: error: --corrections: instrument {instrument} has no local integrity rule\n"
    )


def test_an_internal_failure_exits_1_without_a_traceback(
    capsys: pytest.CaptureFixture[str], survey: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(survey_render, "screen_text", broken)
    monkeypatch.delenv("SPI_DEBUG", raising=False)
    assert run(capsys, "survey", "screen", "--responses", str(survey / "respondents.csv")) == (
        1,
        "",
        "spi: internal error: RuntimeError: renderer broke (SPI_DEBUG=1 shows the traceback)\n",
    )


def test_lines_are_counted_as_the_reader_counts_them(tmp_path: Path) -> None:
    text = 'respondent_id,unit_id\n\nr1,u\n"r\n2",u\n\n\nr3,u\n'
    path = tmp_path / "odd.csv"
    path.write_text(text)
    assert [survey_commands.csv_line(str(path), row) for row in range(3)] == [3, 5, 8]
    assert survey_commands.file_where(str(path), "chunks[0].unit_ids.codes[2]", None) == (
        "line 8, column 'unit_id'"
    )
    parquet = "r.parquet"
    assert survey_commands.file_where(parquet, "chunks[1].answers[item=q1].codes[3]", None) == (
        f"row {survey_commands.CHUNK_ROWS + 4}, column 'q1'"
    )
    assert survey_commands.file_where(parquet, "responses[1].unit_id", [7, 9]) == (
        "row 10, column 'unit_id'"
    )
    assert survey_commands.file_where(parquet, "start.population[2].sampled", None) is None


def test_a_csv_with_blank_lines_is_read_and_named_by_its_lines(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    lines = _lines(survey, "respondents.csv")
    first = next(i for i, line in enumerate(lines) if ",kabupaten-002," in line)
    spaced = _write(tmp_path / "spaced.csv", [lines[0], "", *lines[1:first], "", *lines[first:]])
    plain = run(capsys, "survey", "score", "--responses", str(survey / "respondents.csv"))
    assert run(capsys, "survey", "score", "--responses", spaced) == plain
    table = _write(
        tmp_path / "pop.csv",
        [x for x in _lines(survey, "population.csv") if "kabupaten-002," not in x],
    )
    code, _, err = run(capsys, "survey", "score", "--responses", spaced, "--population", table)
    assert code == 2
    assert err.startswith(
        f"spi: error: {spaced}: line {first + 3}, column 'unit_id': unit 'kabupaten-002' has "
    )


def test_progress_on_day_0_with_a_header_only_responses_file(
    capsys: pytest.CaptureFixture[str], survey: Path, tmp_path: Path
) -> None:
    header = (survey / "respondents.csv").read_text("utf-8").splitlines()[0]
    empty = tmp_path / "none-yet.csv"
    empty.write_text(header + "\n", "utf-8")
    argv = ["survey", "progress", "--sample", str(survey / "population.csv")]
    code, out, err = run(capsys, *argv, "--responses", str(empty))
    assert (code, err) == (0, "")
    assert "0 responses so far" in out.splitlines()[0]


def test_parquet_without_pyarrow_gives_the_frames_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("pyarrow", "pyarrow.parquet", "pyarrow.compute"):
        monkeypatch.setitem(sys.modules, name, None)  # import pyarrow now raises ImportError
    argv = ["survey", "generate", "--out", str(tmp_path), "--institutions", "2"]
    code, out, err = run(capsys, *argv, "--respondents", "100", "--format", "parquet")
    assert (code, out) == (2, "")
    assert "pip install 'spi-engine[frames]'" in err
