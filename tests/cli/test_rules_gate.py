"""`spi rules check` and `spi rules diff` as CI gates (issue 10, items 7-9).

Distinct exit codes (3 results changed, 4 a golden case failed, 5 an invalid file), the verdict
on the last line, `--format markdown` and `--format json`, stale provenance, and a gate that
never passes because its output was cut by a closed pipe.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spi_client.cli.main import main
from spi_engine import bundled, score, units_from_columns
from spi_engine.provenance import inferred_fits
from spi_engine.ruleset import parse_text

RULESETS = Path(__file__).parents[2] / "spi_engine" / "rulesets"
SPI = Path(sys.executable).with_name("spi")
FIT = re.compile(r"fit \{.*?\n\s*\}", re.DOTALL)
TEAM_FIT = (
    'fit { dataset: "team results.csv, year 2024" rows_reproduced: 3 rows_total: 3 '
    "tolerance: 0.02 max_residual: 0 }"
)
UNITS = ((75.61, 89.02, 73.53, 7.59), (80.0, 70.0, 60.0, 0.0), (90.5, 88.25, 79.0, 1.5))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def spi_2024() -> str:
    return (RULESETS / "spi-2024.txtpb").read_text("utf-8")


def edited_weights(text: str) -> str:
    return text.replace("internal: 0.305", "internal: 0.405").replace(
        "expert: 0.367", "expert: 0.267"
    )


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, "utf-8")
    return str(path)


def units_csv(folder: Path, count: int) -> str:
    """``count`` units with deterministic, varied scores (no randomness)."""
    path = folder / "units.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["unit_id", "internal", "external", "expert", "correction"])
        for i in range(count):
            out.writerow(
                [f"u{i}", 60 + i * 7 % 40, 55 + i * 11 % 45, 50 + i * 13 % 50, i % 5 * 0.5]
            )
    return str(path)


# rules check: exit codes, verdict, json --------------------------------------------------------


def test_check_gives_each_failure_its_own_code_and_the_worst_wins(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = str(RULESETS / "spi-2023.txtpb")
    cases = (RULESETS / "spi-2024.cases.txtpb").read_text("utf-8")
    golden = tmp_path / "golden"
    golden.mkdir()
    write(golden, "spi-2024.txtpb", spi_2024())
    write(
        golden,
        "spi-2024.cases.txtpb",
        cases.replace('expected_category: "rentan"', 'expected_category: "terjaga"', 1),
    )
    invalid = write(tmp_path, "broken.txtpb", 'id: "broken"\n')

    code, out, _ = run(capsys, "rules", "check", good, str(golden / "spi-2024.txtpb"))
    assert code == 4
    assert out.splitlines()[-1] == (
        "verdict: golden-failed (2 files: 0 invalid, 1 with failing golden cases; exit 4)"
    )
    code, out, _ = run(capsys, "rules", "check", good, str(golden / "spi-2024.txtpb"), invalid)
    assert code == 5
    assert out.splitlines()[-1] == (
        "verdict: invalid (3 files: 1 invalid, 1 with failing golden cases; exit 5)"
    )
    assert f"FAIL  {invalid}  (invalid: exit 5)" in out


def test_check_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    invalid = write(tmp_path, "broken.txtpb", 'id: "broken"\n')
    good = str(RULESETS / "spi-2024.txtpb")
    code, out, _ = run(capsys, "rules", "check", good, invalid, "--format", "json")
    document = json.loads(out)
    assert code == 5
    assert document["verdict"]["status"] == "invalid"
    assert document["verdict"]["exit_code"] == 5
    first, second = document["files"]
    assert (first["status"], first["ruleset_id"], first["golden_cases"]) == ("ok", "spi-2024", 10)
    assert first["sha256"] == bundled().get("spi-2024").sha256
    assert second["status"] == "invalid"
    assert {
        "field": "weights",
        "description": "expected component weights (internal, external, expert)",
    } in second["problems"]


# rules check: stale provenance -----------------------------------------------------------------


def test_edited_weights_with_the_bundled_fit_are_flagged_without_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = write(tmp_path, "team.txtpb", spi_2024().replace('id: "spi-2024"', 'id: "team-2024"'))
    code, out, _ = run(capsys, "rules", "check", copy)
    assert code == 0, out  # the same numbers: the fit still describes them
    edited = write(tmp_path, "edited.txtpb", edited_weights(spi_2024()))
    code, out, _ = run(capsys, "rules", "check", edited)
    assert code == 5
    assert (
        "weights.reference.fit: states the fit measured for spi-2024 (642 of 642 rows within "
        "0.02, max residual 0.01), whose weights, correction factors, bounds and rounding differ "
        "(weights 0.305,0.328,0.367 -> 0.405,0.328,0.267); record the fit these numbers give, "
        "or change the basis to BASIS_ASSUMED with a note"
    ) in out


def test_assumed_weights_are_not_flagged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = edited_weights(spi_2024()).replace("basis: BASIS_INFERRED", "basis: BASIS_ASSUMED")
    text = FIT.sub("", text)
    path = write(tmp_path, "assumed.txtpb", text)
    code, out, _ = run(capsys, "rules", "check", path)
    assert code == 0, out


def published_csv(folder: Path) -> str:
    """Three rows of 2024 published as spi-2024 scores them (a stand-in for KPK's file)."""
    columns = list(zip(*UNITS, strict=True))
    result = score(
        bundled().get("spi-2024"), units_from_columns(*columns[:3], correction=columns[3])
    )
    path = folder / "results.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "year",
                "institution_id",
                "internal",
                "external",
                "expert",
                "correction_integrity",
                "correction_prevalence",
                "index",
                "flag",
            ]
        )
        for i, (unit, index) in enumerate(zip(UNITS, result.index.tolist(), strict=True)):
            out.writerow([2024, i, *unit[:3], unit[3], 0, f"{index:.2f}", ""])
    return str(path)


def test_fits_are_remeasured_on_published_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = published_csv(tmp_path)
    team = FIT.sub(TEAM_FIT, spi_2024().replace('id: "spi-2024"', 'id: "team-2024"'))
    path = write(tmp_path, "team.txtpb", team)
    code, out, _ = run(capsys, "rules", "check", path, "--published-data", data)
    assert code == 0, out
    assert f"fits re-measured on {data}" in out

    stale = write(tmp_path, "stale.txtpb", edited_weights(team))
    code, out, _ = run(capsys, "rules", "check", stale)
    assert code == 0, out  # its own fit, not the bundled one: only the data can tell
    code, out, _ = run(capsys, "rules", "check", stale, "--published-data", data)
    assert code == 5
    assert re.search(
        r"weights\.reference\.fit: states 3 of 3 rows within 0\.02, max residual 0; "
        rf"re-measured on {re.escape(data)} year 2024: [0-2] of 3 rows",
        out,
    ), out


# rules diff: verdict last, markdown, help, invalid file ----------------------------------------


def test_diff_verdict_is_the_last_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    units = units_csv(tmp_path, 30)
    code, out, _ = run(
        capsys, "rules", "diff", "spi-2023", "spi-2024", "--input", units, "--fail-on-change"
    )
    assert code == 3
    assert out.splitlines()[-1] == "verdict: changed (--fail-on-change: exit 3)"
    code, out, err = run(
        capsys, "rules", "diff", "spi-2023", "spi-2024", "--input", units, "--format", "csv"
    )
    assert code == 0
    assert out.splitlines()[0].startswith("row,unit_id,")
    assert err.splitlines()[-1] == "verdict: changed"


def test_diff_markdown_is_a_pull_request_comment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    units = units_csv(tmp_path, 30)
    argv = ["rules", "diff", "spi-2023", "spi-2024", "--input", units]
    _, text, _ = run(capsys, *argv)
    code, out, _ = run(capsys, *argv, "--format", "markdown", "--fail-on-change")
    assert code == 3
    lines = out.splitlines()
    assert lines[0] == "### spi rules diff: `spi-2023` -> `spi-2024`"
    assert lines[-1] == "verdict: changed (--fail-on-change: exit 3)"
    assert "| old | " in out
    assert "| new | " in out
    assert "| change | " in out
    moved = re.search(r"category changes: (\d+) ", text)
    assert moved
    assert f"#### Units that change category ({moved[1]})" in out
    rows = [line for line in lines if re.match(r"\| u\d+ \|", line)]
    assert len(rows) == int(moved[1])


def test_diff_help_documents_only_options_it_has(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["rules", "diff", "--help"])
    out = capsys.readouterr().out
    assert "--ruleset ID" not in out
    assert "with --ruleset" not in out
    assert "no --ruleset" in out
    assert "3 with --fail-on-change" in out
    assert "5 OLD or NEW" in out
    assert "markdown" in out


def test_diff_of_an_invalid_file_exits_5(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    units = units_csv(tmp_path, 3)
    bad = write(tmp_path, "bad.txtpb", spi_2024().replace("internal: 0.305", "internal: 0.5"))
    code, _, err = run(capsys, "rules", "diff", "spi-2024", bad, "--input", units)
    assert code == 5
    assert "weights: expected weights summing to 1" in err


# a cut output never passes a gate --------------------------------------------------------------


def piped(command: list[str]) -> subprocess.CompletedProcess[str]:
    """``command | head -5`` in bash with pipefail: the exit status is spi's."""
    line = " ".join(command) + " | head -5"
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_gate_cut_by_head_still_fails(tmp_path: Path) -> None:
    units = units_csv(tmp_path, 5000)  # far more output than a pipe holds
    base = [str(SPI), "rules", "diff", "--input", units, "--format", "csv", "--fail-on-change"]
    changed = piped([*base[:3], "spi-2023", "spi-2024", *base[3:]])
    assert len(changed.stdout.splitlines()) == 5
    assert changed.returncode == 3, changed.stderr
    assert (
        "standard output was closed before the whole answer was written (exit 3)" in changed.stderr
    )
    assert "Traceback" not in changed.stderr
    assert "Exception ignored" not in changed.stderr
    unchanged = piped([*base[:3], "spi-2024", "spi-2024", *base[3:]])
    assert unchanged.returncode == 1, unchanged.stderr  # an answer cut short is not a pass


def test_bundled_fits_remeasure_on_the_published_results(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, published_dir: Path
) -> None:
    data = str(published_dir / "results.csv")
    files = sorted(str(p) for p in RULESETS.glob("spi-20??.txtpb"))
    code, out, _ = run(capsys, "rules", "check", *files, "--published-data", data)
    assert code == 0, out
    assert out.splitlines()[-1] == "verdict: ok (5 files)"
    edited = write(tmp_path, "spi-2024.txtpb", edited_weights(spi_2024()))
    code, out, _ = run(capsys, "rules", "check", edited, "--published-data", data)
    assert code == 5
    assert (
        f"weights.reference.fit: states 642 of 642 rows within 0.02, max residual 0.01; "
        f"re-measured on {data} year 2024: 12 of 642 rows, max residual 0.02"
    ) in out


def spi_2022_fit(text: str, path: str) -> tuple[int, int, float]:
    """(rows reproduced, rows total, max residual) of the fit at ``path`` of a spi-2022 text."""
    fits = dict(inferred_fits(parse_text(text, "spi-2022").to_message()))
    fit = fits[path]
    return fit.rows_reproduced, fit.rows_total, fit.max_residual


def test_bundled_spi_2022_states_what_it_reproduces_without_a_class_table() -> None:
    """No class table in the bundled file, so its fits are the stated formula's (issue h12)."""
    text = (RULESETS / "spi-2022.txtpb").read_text("utf-8")
    for path in ("weights", "correction.integrity", "correction.prevalence", "rounding"):
        assert spi_2022_fit(text, f"{path}.reference.fit") == (446, 625, 0.01), path
    for path in ("correction.regional", "notes[0]"):
        assert spi_2022_fit(text, f"{path}.reference.fit") == (0, 179, 9.85), path


def test_the_regional_fit_is_remeasured_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, published_dir: Path
) -> None:
    """A bundled spi-2022 claiming the derived table's 179 of 179 for its regional element fails."""
    data = str(published_dir / "results.csv")
    text = (RULESETS / "spi-2022.txtpb").read_text("utf-8")
    claimed = re.sub(
        r"(regional \{.*?rows_reproduced: )0(.*?max_residual: )9\.85",
        r"\g<1>179\g<2>0.01",
        text,
        count=1,
        flags=re.DOTALL,
    )
    assert spi_2022_fit(claimed, "correction.regional.reference.fit") == (179, 179, 0.01)
    edited = write(tmp_path, "spi-2022.txtpb", claimed)
    code, out, _ = run(capsys, "rules", "check", edited, "--published-data", data)
    assert code == 5, out
    assert (
        f"correction.regional.reference.fit: states 179 of 179 rows within 0.02, max residual "
        f"0.01; re-measured on {data} year 2022: 0 of 179 rows, max residual 9.85"
    ) in out


def test_derived_spi_2022_states_and_passes_its_own_fits(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, published_dir: Path
) -> None:
    """`spi rules fit-regional` writes the counts the derived file reproduces, re-measured."""
    data = str(published_dir / "results.csv")
    derived = tmp_path / "spi-2022.txtpb"
    code, _, err = run(capsys, "rules", "fit-regional", "--data", data, "--output", str(derived))
    assert code == 0, err
    text = derived.read_text("utf-8")
    for path in ("weights", "correction.integrity", "correction.prevalence", "rounding"):
        assert spi_2022_fit(text, f"{path}.reference.fit") == (625, 625, 0.01), path
    for path in ("correction.regional", "notes[0]"):
        assert spi_2022_fit(text, f"{path}.reference.fit") == (179, 179, 0.01), path
    code, out, _ = run(capsys, "rules", "check", str(derived), "--published-data", data)
    assert code == 0, out
    assert out.splitlines()[-1] == "verdict: ok (1 file)"
