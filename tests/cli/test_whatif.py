"""The what-if commands in-process: outputs, formats, exit codes, bad inputs and plots.

`spi whatif`, `goal`, `sensitivity`, `sweep`, `uncertainty`, `datasets` and `rules diff`, driven
through ``spi_client.cli.main.main``. The unit is Kabupaten Probolinggo 2024 (71.66 rentan); a small
results file written here stands for a dataset; the published file is used when present.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from spi_client.cli import progress, whatif_commands
from spi_client.cli import whatif_plots as plots
from spi_client.cli.main import main
from spi_engine import bundled

PROBOLINGGO = [
    "--ruleset",
    "spi-2024",
    "--internal",
    "75.61",
    "--external",
    "89.02",
    "--expert",
    "73.53",
    "--correction",
    "7.59",
    "--unit-id",
    "probolinggo",
]
SHA_2024 = bundled().get("spi-2024").sha256
SMALL = """year,institution_id,name,type,internal,external,expert,correction_integrity,correction_prevalence,index,flag
2023,1,KABUPATEN SATU,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,
2023,2,KOTA DUA,kota,80.00,80.00,77.90,0.00,0.00,79.36,
2023,3,KABUPATEN TIGA,kabupaten,70.10,85.00,72.00,2.00,1.00,73.10,
2024,1,KABUPATEN SATU,kabupaten,75.61,89.02,73.53,7.59,0.00,71.65,
2024,2,KOTA DUA,kota,81.00,82.00,79.00,0.50,0.00,80.00,
2024,4,LEMBAGA EMPAT,lembaga,90.00,88.00,85.00,0.00,0.00,87.70,withheld_by_kpk
"""
SAMPLE = [
    "--respondents",
    "internal=120",
    "--respondents",
    "external=200",
    "--respondents",
    "expert=10",
    "--sd",
    "internal=12",
    "--sd",
    "external=10",
    "--sd",
    "expert=9",
]
ERRORS = ["--se", "internal=1.2", "--se", "external=0.8", "--se", "expert=2.5"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def small(tmp_path: Path) -> str:
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    return str(path)


# spi whatif -------------------------------------------------------------------------------------


def test_whatif_one_unit_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "whatif", *PROBOLINGGO, "--add", "external=3")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "scenario add external=3"
    assert f"ruleset  spi-2024  sha256 {SHA_2024}" in out
    assert "before  1      71.66  1       0        0" in out
    assert "after   1      72.64  1       0        0" in out
    assert "probolinggo         71.66 rentan  72.64 rentan  +0.98" in out


def test_whatif_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "whatif", *PROBOLINGGO, "--add", "external=20", "--format", "json")
    document = json.loads(out)
    summary, row = document["summary"], document["rows"][0]
    assert "decision_id" not in summary
    assert summary["capped_units"] == 1
    assert summary["comparisons"][0]["mean_after"] == 75.26
    assert (row["index_after"], row["category_after"], row["direction"]) == (
        75.26,
        "waspada",
        "DIRECTION_UP",
    )
    assert row["capped_levers"] == ["external"]
    _, out, _ = run(capsys, "whatif", *PROBOLINGGO, "--add", "external=20", "--format", "csv")
    (line,) = rows(out)
    assert line["index_before"] == "71.66"
    assert (line["index_after"], line["category_after"], line["direction"]) == (
        "75.26",
        "waspada",
        "up",
    )
    assert line["capped_levers"] == "external"
    assert line["ruleset_after"] == "spi-2024"


def test_whatif_applies_interventions_in_order_with_scopes(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    argv = [
        "whatif",
        "--input",
        small,
        "--ruleset",
        "spi-2024",
        "--year",
        "2024",
        "--format",
        "csv",
    ]
    _, out, _ = run(capsys, *argv, "--set", "external=90@id:1", "--add", "external=1")
    assert [r["index_after"] for r in rows(out)] == ["72.30", "80.42", "87.84"]
    _, out, _ = run(capsys, *argv, "--add", "external=1", "--set", "external=90@id:1")
    assert [r["index_after"] for r in rows(out)] == ["71.98", "80.42", "87.84"]
    _, out, _ = run(
        capsys, *argv, "--scale", "internal=0.5@group:kota,lembaga", "--cap", "expert=75"
    )
    assert [r["index_after"] for r in rows(out)] == ["71.66", "66.27", "70.11"]


def test_whatif_over_a_dataset_scores_each_year_under_its_ruleset(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    code, out, _ = run(capsys, "whatif", "--dataset", small, "--add", "external=5@group:kabupaten")
    assert code == 0
    assert "dataset  small  sha256 " in out
    assert "; 1 row left out (withheld_by_kpk)" in out
    assert "year 2023: ruleset  spi-2023" in out
    assert "year 2024: ruleset  spi-2024" in out
    # baselines are the published indexes: the engine's 71.66 carries a -0.01 adjustment
    assert "4 rows carry a published adjustment (published minus the rules, -0.09 to +0.42)" in out
    assert "transitions: rentan -> waspada 1" in out
    assert "1        KABUPATEN SATU  kabupaten  2024  71.65 rentan   73.29 waspada  +1.64" in out
    assert "3        KABUPATEN TIGA  kabupaten  2023  73.10 rentan   74.74 waspada  +1.64" in out
    _, out, _ = run(
        capsys, "whatif", "--dataset", f"named={small}", "--keep-withheld", "--format", "json"
    )
    assert json.loads(out)["summary"]["dataset"] == "named"
    assert json.loads(out)["summary"]["units"] == 6


def test_whatif_with_a_rule_variant(capsys: pytest.CaptureFixture[str], small: str) -> None:
    argv = ["whatif", "--dataset", small, "--year", "2024", "--bound", "terjaga=80.5"]
    code, out, _ = run(capsys, *argv, "--variant-id", "strict")
    assert code == 0
    assert "scenario rules strict: terjaga from 80.5" in out
    assert "scenario ruleset strict  sha256 " in out
    assert "transitions: terjaga -> waspada 1" in out


def test_whatif_lists_only_units_changing_category_beyond_twenty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = ["unit_id,internal,external,expert,correction"]
    lines += [f"u{i},75,{80 + i / 10},76,0" for i in range(30)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n")
    _, out, _ = run(
        capsys, "whatif", "--input", str(path), "--ruleset", "spi-2024", "--add", "expert=2"
    )
    assert "units changing category (22)" in out  # u8 ... u29 reach terjaga
    assert "(every unit: --format csv)" in out
    _, out, _ = run(
        capsys,
        "whatif",
        "--input",
        str(path),
        "--ruleset",
        "spi-2024",
        "--add",
        "expert=2",
        "--format",
        "csv",
    )
    assert len(rows(out)) == 30


def test_published_regencies_external_plus_two(
    capsys: pytest.CaptureFixture[str], published_dir: Path
) -> None:
    data = str(published_dir / "results.csv")
    argv = ["whatif", "--dataset", data, "--year", "2024", "--add", "external=2@group:kabupaten"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert (
        "193 rows carry a published adjustment (published minus the rules, -0.01 to +0.01)" in out
    )
    assert "before  642    71.52  376     170      96" in out  # the published indexes
    assert "after   642    71.94  359     173      110" in out
    assert "transitions: rentan -> waspada 17, waspada -> terjaga 14" in out


# spi goal ---------------------------------------------------------------------------------------


def test_goal_every_lever_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "goal", *PROBOLINGGO, "--target", "waspada")
    assert (code, err) == (0, "")
    assert "unit probolinggo: 71.66 rentan; rise to 73.00" in out
    assert "  external               +4.09   93.11      73.00 waspada" in out
    assert "  expert                 +3.66   77.19      73.00 waspada" in out
    assert "  correction             -1.34   6.25       73.00 waspada" in out
    assert (
        "correction_integrity   -       -          -              this lever does not apply" in out
    )


def test_goal_cheapest_plan(capsys: pytest.CaptureFixture[str]) -> None:
    costs = ["--cost", "internal=3", "--cost", "external=1", "--cost", "expert=5"]
    costs += ["--cost", "correction=2", "--max", "external=5", "--max", "correction=3"]
    code, out, _ = run(capsys, "goal", *PROBOLINGGO, "--target", "terjaga", *costs)
    assert code == 0
    assert "external -                 not reachable" not in out
    assert (
        "cheapest plan: internal +5.58, external +5.00, correction -3.00 -> 78.00 terjaga; "
        "cost 27.74 (exact optimum 27.720131; best single lever 62.37)"
    ) in out
    _, out, _ = run(capsys, "goal", *PROBOLINGGO, "--target", "terjaga", *costs, "--format", "csv")
    plan = next(r for r in rows(out) if r["lever"] == "plan")
    assert plan["change"] == "internal:5.58;external:5.00;correction:-3.00"
    assert float(plan["cost"]) == pytest.approx(27.74)
    assert float(plan["cost"]) <= float(plan["best_single_cost"])


def test_goal_infeasible_targets_are_answers_not_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "goal",
        *PROBOLINGGO,
        "--target",
        "terjaga",
        "--lever",
        "external",
        "--cost",
        "external=1",
        "--max",
        "external=2",
    )
    assert code == 0
    assert "not reachable with this lever alone: it would need a score above 100" in out
    assert "cheapest plan: not reachable within the bounds" in out
    _, out, _ = run(
        capsys,
        "goal",
        *PROBOLINGGO,
        "--target",
        "terjaga",
        "--lever",
        "external",
        "--format",
        "json",
    )
    answer = json.loads(out)["answers"][0]["units"][0]["levers"][0]
    assert answer["status"] == "GOAL_STATUS_NEEDS_SCORE_ABOVE_MAX"
    assert "change" not in answer


def test_goal_by_year_gives_one_answer_per_ruleset(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    argv = ["goal", "--input", small, "--ruleset", "auto", "--target", "75", "--lever", "external"]
    code, out, _ = run(capsys, *argv, "--format", "json")
    answers = json.loads(out)["answers"]
    assert code == 0
    assert [a["provenance"]["ruleset_id"] for a in answers] == ["spi-2023", "spi-2024"]
    assert [len(a["units"]) for a in answers] == [3, 3]
    _, out, _ = run(
        capsys,
        "goal",
        "--dataset",
        small,
        "--year",
        "2024",
        "--id",
        "2,1",
        "--target",
        "waspada",
        "--format",
        "csv",
    )
    assert [(r["unit_id"], r["ruleset"]) for r in rows(out)][::6] == [
        ("2", "spi-2024"),
        ("1", "spi-2024"),
    ]


# spi sensitivity --------------------------------------------------------------------------------


def test_sensitivity_ranks_levers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sensitivity", *PROBOLINGGO)
    assert code == 0
    assert "index points per lever point: internal 0.305, external 0.328, expert 0.367" in out
    assert "  1     correction             -1     -1.34 -> waspada       -" in out
    assert "  2     expert                 0.367  +3.66 -> waspada       -" in out
    _, out, _ = run(
        capsys, "sensitivity", *PROBOLINGGO, "--lever", "internal,external", "--format", "csv"
    )
    assert [(r["rank"], r["lever"], r["up_change"], r["down_status"]) for r in rows(out)] == [
        ("1", "external", "4.09", "no_category"),
        ("2", "internal", "4.40", "no_category"),
    ]


# spi sweep --------------------------------------------------------------------------------------


def test_sweep_one_lever(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sweep", *PROBOLINGGO, "--axis", "external=92:94:0.5")
    assert code == 0
    assert "sweep    external (5 values)" in out
    assert "category changes along external: from 93.11 waspada" in out
    assert "  93.50     73.12  waspada" in out
    _, out, _ = run(capsys, "sweep", *PROBOLINGGO, "--axis", "external=90,95", "--format", "csv")
    assert [(r["external"], r["index"], r["category"]) for r in rows(out)] == [
        ("90", "71.98", "rentan"),
        ("95", "73.62", "waspada"),
    ]


def test_sweep_two_levers(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", *PROBOLINGGO, "--axis", "external=90:100:5", "--axis", "internal=70:80:5"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "  95.00                71.91 rentan   73.43 waspada  74.96 waspada" in out
    _, out, _ = run(capsys, *argv, "--format", "json")
    summary = json.loads(out)["answers"][0]["summary"]
    assert (summary["sizes"], summary["points"]) == ([3, 3], 9)


# spi uncertainty --------------------------------------------------------------------------------


def test_uncertainty_analytic_monte_carlo_and_certainty(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["uncertainty", *PROBOLINGGO, *SAMPLE, "--draws", "10000", "--seed", "2024"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "standard error 1.1209 index points; 95% interval 69.46 to 73.85" in out
    assert "  normal approximation  88.40%        11.60%        0.00%" in out
    assert "  Monte Carlo           88.43% ±0.32  11.57% ±0.32  0.00% ±0.00" in out
    assert (
        "95% needs x1.8935 the respondents: internal 228 (+108), external 379 (+179), expert 19 (+9)"
        in out
    )
    assert "one component alone: expert 22" in out
    assert run(capsys, *argv) == (0, out, "")  # the same seed, the same bytes


def test_uncertainty_csv_and_columns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sampled.csv"
    path.write_text(
        "unit_id,internal,external,expert,correction,se_internal,se_external,se_expert\n"
        "a,75.61,89.02,73.53,7.59,1.2,0.8,2.5\nb,80,80,80,0,0,0,0\n"
    )
    code, out, _ = run(
        capsys, "uncertainty", "--input", str(path), "--ruleset", "spi-2024", "--format", "csv"
    )
    first, second = rows(out)
    assert code == 0
    assert (first["standard_error"][:6], first["ci_low"], first["ci_high"]) == (
        "1.0220",
        "69.65",
        "73.66",
    )
    assert second["p_terjaga"] == "1.0"
    assert second["certainty_status"] == "certain_now"
    _, again, _ = run(capsys, "uncertainty", *PROBOLINGGO, *ERRORS, "--format", "csv")
    assert rows(again)[0]["ci_low"] == first["ci_low"]


# spi rules diff ---------------------------------------------------------------------------------


def test_rules_diff_and_the_ci_gate(capsys: pytest.CaptureFixture[str], small: str) -> None:
    code, out, _ = run(capsys, "rules", "diff", "spi-2023", "spi-2024", "--input", small)
    assert code == 0
    assert "old      spi-2023  sha256 " in out
    assert "index change (new - old): min +0.00" in out
    assert "verdict: changed" in out
    code, out, _ = run(
        capsys, "rules", "diff", "spi-2023", "spi-2024", "--input", small, "--fail-on-change"
    )
    assert code == whatif_commands.EXIT_CHANGED == 3
    assert "verdict: changed (--fail-on-change: exit 3)" in out
    code, out, _ = run(
        capsys, "rules", "diff", "spi-2024", "spi-2024", "--input", small, "--fail-on-change"
    )
    assert code == 0
    assert "verdict: unchanged" in out


def test_rules_diff_with_a_variant_and_a_file(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    argv = ["rules", "diff", "spi-2024", "spi-2024", "--dataset", small, "--year", "2024"]
    code, out, _ = run(capsys, *argv, "--bound", "terjaga=80.5", "--format", "csv")
    assert code == 0
    changed = [r for r in rows(out) if r["category_before"] != r["category_after"]]
    assert [(r["unit_id"], r["category_after"], r["ruleset_after"]) for r in changed] == [
        ("2", "waspada", "variant")
    ]
    text = bundled().get("spi-2024").to_text().replace("lower_bound: 78.0", "lower_bound: 80.5")
    path = tmp_path / "spi-2024.txtpb"
    path.write_text(text)
    code, out, _ = run(
        capsys,
        "rules",
        "diff",
        "spi-2024",
        str(path),
        "--dataset",
        small,
        "--year",
        "2024",
        "--fail-on-change",
    )
    assert code == 3
    assert "category changes: 1 (0 up, 1 down); index changes: 0" in out


# spi datasets -----------------------------------------------------------------------------------


def test_datasets_lists_the_files_given(capsys: pytest.CaptureFixture[str], small: str) -> None:
    code, out, _ = run(capsys, "datasets", "--dataset", small, "--format", "json")
    (dataset,) = json.loads(out)["datasets"]
    assert code == 0
    assert (dataset["name"], dataset["rows"], dataset["years"]) == ("small", 6, [2023, 2024])
    assert dataset["groups"] == ["kabupaten", "kota", "lembaga"]


# Output files -----------------------------------------------------------------------------------


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "goal.csv"
    code, out, _ = run(
        capsys,
        "goal",
        *PROBOLINGGO,
        "--target",
        "waspada",
        "--format",
        "csv",
        "--output",
        str(target),
    )
    assert (code, out) == (0, "")
    assert rows(target.read_text())[1]["change"] == "4.09"


# Bad inputs: exit 2 and the exact message -------------------------------------------------------

BAD = [
    (["whatif", *PROBOLINGGO, "--add", "externl=3"], "--add externl=3: unknown lever 'externl'; expected one of internal, external, expert, correction_integrity, correction_prevalence, correction"),
    (["whatif", *PROBOLINGGO, "--add", "external3"], "--add external3: expected LEVER=VALUE, optionally @group:NAME[,NAME...] or @id:ID[,ID...]; got 'external3'"),
    (["whatif", *PROBOLINGGO, "--add", "external=x"], "--add external=x: expected a number after '='; got 'x'"),
    (["whatif", *PROBOLINGGO, "--add", "external=2@kabupaten"], "--add external=2@kabupaten: expected a scope group:NAME[,NAME...] or id:ID[,ID...] after '@'; got 'kabupaten'"),
    (["whatif", *PROBOLINGGO, "--add", "external=2@id:nobody"], "scenario.interventions[0].unit_ids[0]: no unit has id 'nobody' (empty selection)"),
    (["whatif", *PROBOLINGGO, "--set", "external=120"], "scenario.interventions[0].value: expected a value from 0 to 100 for external (set); got 120.0"),
    (["whatif", *PROBOLINGGO, "--scale", "external=-1"], "scenario.interventions[0].value: expected a factor from 0 to 1000 for scale; got -1.0"),
    (["whatif", *PROBOLINGGO, "--add", "correction_integrity=1"], "scenario.interventions[0].lever: lever 'correction_integrity' does not apply to units[0] (id 'probolinggo'): its correction is given as a total; expected lever correction for it (1 unit(s) affected)"),
    (["whatif", "--ruleset", "spi-2024", "--internal", "75"], "give --input FILE, or one unit with --internal, --external and --expert (missing: --external, --expert)"),
    (["whatif", "--internal", "75", "--external", "80", "--expert", "70"], "--ruleset is required with --input or a single unit (an id such as spi-2024, a ruleset file, or auto to pick it by the year column or --year)"),
    (["goal", *PROBOLINGGO, "--target", "blau"], "target: expected a category of spi-2024 (rentan, waspada, terjaga) or an index; got 'blau'"),
    (["goal", *PROBOLINGGO, "--target", "120"], "target: expected a category or an index from 0 to 100 with at most 2 decimals; got 120.0"),
    (["goal", *PROBOLINGGO, "--target", "waspada", "--lever", "foo"], "--lever foo: unknown lever 'foo'; expected one of internal, external, expert, correction_integrity, correction_prevalence, correction"),
    (["goal", *PROBOLINGGO, "--target", "waspada", "--cost", "external=-1"], "costs[0].cost_per_point: expected a finite number >= 0; got -1.0"),
    (["goal", *PROBOLINGGO, "--target", "waspada", "--cost", "external=1", "--max", "external=-2"], "costs[0].max_change: expected a finite number >= 0; got -2.0"),
    (["goal", *PROBOLINGGO, "--target", "waspada", "--max", "external=2"], "--max external=2: a bound needs a cost: add --cost external=COST"),
    (["goal", *PROBOLINGGO, "--target", "waspada", "--cost", "external=1", "--cost", "external=2"], "--cost external=2: expected each lever once; external has a cost already"),
    (["sweep", *PROBOLINGGO, "--axis", "external=0:100:0.01", "--axis", "internal=0:100:0.01"], "sweep grid points (units x values): at most 2,000,000 allowed; got 100,020,001"),
    (["sweep", *PROBOLINGGO, "--axis", "external=0:1e12:0.01"], "sweep grid points: at most 2,000,000 allowed; got 100,000,000,000,001"),
    (["sweep", *PROBOLINGGO, "--axis", "external=90:80"], "axes[0].range: expected start <= stop and step > 0; got 90.0, 80.0, 1.0"),
    (["sweep", *PROBOLINGGO, "--axis", "external=1:2:3:4"], "--axis external=1:2:3:4: expected LEVER=START:STOP[:STEP] or LEVER=V1,V2,...; got 'external=1:2:3:4'"),
    (["sweep", *PROBOLINGGO, "--axis", "a=1:2", "--axis", "b=1:2", "--axis", "c=1:2"], "--axis a=1:2: unknown lever 'a'; expected one of internal, external, expert, correction_integrity, correction_prevalence, correction"),
    (["sweep", *PROBOLINGGO, "--axis", "external=1:2", "--axis", "internal=1:2", "--axis", "expert=1:2"], "--axis: expected one or two axes; got 3"),
    (["uncertainty", *PROBOLINGGO, *ERRORS, "--draws", "300000"], "Monte Carlo draws: at most 200,000 allowed; got 300,000"),
    (["uncertainty", *PROBOLINGGO, "--se", "internal=1"], "--se internal=1: expected a value for each of internal, external, expert; missing external, expert"),
    (["uncertainty", *PROBOLINGGO, *ERRORS, "--respondents", "internal=3"], "--respondents internal=3: expected a value for each of internal, external, expert; missing external, expert"),
    (["uncertainty", *PROBOLINGGO, "--respondents", "internal=1", "--respondents", "external=1", "--respondents", "expert=1"], "--sd: expected --sd too: respondents and their standard deviations go together"),
    (["uncertainty", *PROBOLINGGO], "give each component's precision: --se COMPONENT=SE for internal, external and expert, or --respondents COMPONENT=N and --sd COMPONENT=SD for each (or se_*, respondents_*/sd_* columns in --input)"),
    (["uncertainty", *PROBOLINGGO, "--se", "internal=-1", "--se", "external=1", "--se", "expert=1"], "sampling.standard_errors.units[0].internal: expected a standard error from 0 to 100; got -1.0"),
    (["uncertainty", *PROBOLINGGO, *ERRORS, "--level", "1.5"], "level: expected a confidence level between 0 and 1; got 1.5"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a[-3:]) for a, _ in BAD])
def test_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == f"spi: error: {message}\n"


BAD_UNITS = [
    (["--year", "2030"], "units.dataset.year: dataset 'small' has no rows for 2030; years: (2023, 2024)"),
    (["--year", "2024", "--id", "99"], "units.dataset.unit_ids[0]: dataset 'small' has no unit with id '99'"),
    (["--id", "1"], "units.dataset.unit_ids[0]: id '1' names several rows of dataset 'small' (years (2023, 2024)); expected a year to pick one"),
    (["--group", "provinsi"], "units.dataset.groups[0]: dataset 'small' has no unit in group 'provinsi' (empty selection); groups: kabupaten, kota, lembaga"),
]  # fmt: skip


@pytest.mark.parametrize(("options", "message"), BAD_UNITS)
def test_empty_or_ambiguous_dataset_selections(
    capsys: pytest.CaptureFixture[str], small: str, options: list[str], message: str
) -> None:
    code, _, err = run(capsys, "goal", "--dataset", small, *options, "--target", "waspada")
    assert (code, err) == (2, f"spi: error: {message}\n")


def test_empty_or_ambiguous_input_selections(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    argv = ["goal", "--input", small, "--ruleset", "auto", "--target", "waspada"]
    cases = [
        (["--id", "1"], f"--id 1: id '1' names 2 rows of {small}; add --year to pick one"),
        (["--id", "9"], f"--id 9: no row of {small} has id '9' (empty selection)"),
        (["--year", "2030"], f"--year 2030: no row of {small} has year 2030 (empty selection)"),
        (["--group", "bumn"], f"--group bumn: no row of {small} has group 'bumn' (empty selection); groups: kabupaten, kota, lembaga"),
    ]  # fmt: skip
    for options, message in cases:
        assert run(capsys, *argv, *options) == (2, "", f"spi: error: {message}\n")


def test_whatif_refuses_several_rulesets_from_one_input(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    code, _, err = run(
        capsys, "whatif", "--input", small, "--ruleset", "auto", "--add", "external=1"
    )
    assert code == 2
    assert err == (
        "spi: error: whatif scores one ruleset per run; the input spans spi-2023, spi-2024 (use "
        "--dataset FILE to score each year under its own ruleset, or pick --year)\n"
    )


def test_argument_ranges_are_checked_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["uncertainty", *PROBOLINGGO, *ERRORS, "--draws", "99999999999"])
    assert raised.value.code == 2
    assert (
        "argument --draws: expected a whole number from 0 to 2,147,483,647; got 99,999,999,999"
        in capsys.readouterr().err
    )


# Plots ------------------------------------------------------------------------------------------

matplotlib_needed = pytest.mark.skipif(
    "matplotlib" not in sys.modules and not __import__("importlib").util.find_spec("matplotlib"),
    reason="plots need the [plot] extra",
)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the commands save (they are still written to their files)."""
    figures: list[Any] = []
    save = plots.save

    def keep(figure: Any, path: Any) -> None:
        figures.append(figure)
        save(figure, path)

    monkeypatch.setattr(plots, "save", keep)
    return figures


def _gids(axes: Any) -> dict[str, Any]:
    artists = [*axes.patches, *axes.lines, *axes.texts, *axes.collections]
    return {a.get_gid(): a for a in artists if a.get_gid()}


def top_down(axes: Any) -> list[str]:
    """The y tick labels from the top of the plot down."""
    ticks = axes.get_yticks().tolist()
    labels = [t.get_text() for t in axes.get_yticklabels()]
    return [label for _, label in sorted(zip(ticks, labels, strict=True), reverse=True)]


@matplotlib_needed
def test_goal_plot_draws_the_lever_with_bands_target_and_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, drawn: list[Any]
) -> None:
    target = tmp_path / "goal.png"
    code, _, _ = run(
        capsys,
        "goal",
        *PROBOLINGGO,
        "--target",
        "waspada",
        "--lever",
        "external",
        "--plot",
        str(target),
    )
    assert code == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    axes = drawn[0].axes[0]
    found = _gids(axes)
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("external (points)", "integrity index")
    assert axes.get_title() == "probolinggo: index against external, target waspada (spi-2024)"
    assert {"rentan", "waspada", "terjaga", "index", "current", "target"} <= set(found)
    assert (found["waspada"].get_y(), found["waspada"].get_height()) == (73.0, 5.0)
    assert found["current"].get_xdata().tolist() == [89.02]
    assert found["current"].get_ydata().tolist() == [71.66]
    assert list(found["target"].get_ydata()) == [73.0, 73.0]
    assert list(found["crossing:→ waspada; goal +4.09"].get_xdata()) == [93.11, 93.11]
    assert axes.get_xlim() == (79.0, 100.0)


@matplotlib_needed
def test_sensitivity_plot_is_a_tornado(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, drawn: list[Any]
) -> None:
    assert run(capsys, "sensitivity", *PROBOLINGGO, "--plot", str(tmp_path / "t.svg"))[0] == 0
    axes = drawn[0].axes[0]
    assert top_down(axes) == ["correction", "expert", "external", "internal"]
    assert _gids(axes)["expert:rise"].get_width() == pytest.approx(3.66)
    assert (tmp_path / "t.svg").read_text().startswith("<?xml")


@matplotlib_needed
def test_sweep_plots_one_and_two_levers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, drawn: list[Any]
) -> None:
    argv = ["sweep", *PROBOLINGGO, "--axis", "external=80:100:0.5"]
    assert run(capsys, *argv, "--plot", str(tmp_path / "s.png"))[0] == 0
    found = _gids(drawn[0].axes[0])
    assert list(found["crossing:→ waspada"].get_xdata()) == [93.11, 93.11]
    assert found["index"].get_ydata()[0] == pytest.approx(68.70)
    argv += ["--axis", "internal=60:100:10"]
    assert run(capsys, *argv, "--plot", str(tmp_path / "g.png"))[0] == 0
    axes = drawn[1].axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("external (points)", "internal (points)")
    grid = _gids(axes)["categories"].get_array()
    assert grid.shape == (5, 41)
    assert (grid.min(), grid.max()) == (0, 2)  # rentan ... terjaga
    assert _gids(axes)["current"].get_xdata().tolist() == [89.02]
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend[:3] == ["Rentan (vulnerable)", "Waspada (alert)", "Terjaga (maintained)"]


@matplotlib_needed
def test_uncertainty_plot_has_normal_and_monte_carlo_bars(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, drawn: list[Any]
) -> None:
    argv = ["uncertainty", *PROBOLINGGO, *SAMPLE, "--draws", "2000", "--seed", "1"]
    assert run(capsys, *argv, "--plot", str(tmp_path / "u.png"))[0] == 0
    axes = drawn[0].axes[0]
    assert top_down(axes) == ["probolinggo (normal)", "probolinggo (Monte Carlo)"]
    widths = [p.get_width() for p in axes.patches if p.get_gid() == "share:rentan"]
    assert widths[0] == pytest.approx(0.884, abs=0.001)
    assert axes.get_xlabel() == "probability"


@matplotlib_needed
def test_whatif_plot_shows_transitions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, small: str, drawn: list[Any]
) -> None:
    argv = ["whatif", "--dataset", small, "--add", "external=5@group:kabupaten"]
    code, _, err = run(capsys, *argv, "--plot", str(tmp_path / "w.png"))
    assert (code, err) == (
        2,
        "spi: error: --plot draws one comparison; the answer has 2 (years 2023, 2024): add --year\n",
    )
    code, _, _ = run(
        capsys, *argv, "--year", "2023", "--name", "kab +5", "--plot", str(tmp_path / "w.png")
    )
    assert code == 0
    bars, table = drawn[0].axes
    assert bars.get_title() == "2023: kab +5"
    found = _gids(bars)
    # spi-2023 has KPK's four bands: 73.29 is still rentan (waspada from 73.70)
    kinds = ("sangat_rentan", "rentan", "waspada", "terjaga")
    assert [found[f"before:{c}"].get_height() for c in kinds] == [0, 2, 0, 1]
    assert [found[f"after:{c}"].get_height() for c in kinds] == [0, 1, 1, 1]
    assert _gids(table)["cell:1:2"].get_text() == "1"  # rentan -> waspada


def test_plot_bad_name_and_missing_matplotlib(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["sensitivity", *PROBOLINGGO, "--plot"]
    code, out, err = run(capsys, *argv, str(tmp_path / "t.pdf"))
    assert (code, out) == (2, "")
    assert (
        err
        == f"spi: error: --plot {tmp_path / 't.pdf'}: expected a file name ending .png or .svg\n"
    )
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out, err = run(capsys, *argv, str(tmp_path / "t.png"))
    assert (code, out) == (2, "")
    assert err == "spi: error: --plot: plotting needs matplotlib: pip install 'spi-engine[plot]'\n"
    assert not (tmp_path / "t.png").exists()


def test_plot_needs_one_unit(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    argv = [
        "sensitivity",
        "--input",
        small,
        "--ruleset",
        "spi-2024",
        "--plot",
        str(tmp_path / "t.png"),
    ]
    code, _, err = run(capsys, *argv)
    assert (code, err) == (
        2,
        "spi: error: --plot draws the tornado of one unit; the selection has 6 (pick one with --id)\n",
    )


# The progress bar -------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_erases_itself() -> None:
    screen = Terminal()
    with progress.Progress("sweep", 400, stream=screen) as bar:
        for _ in range(4):
            bar.advance(100)
    text = screen.getvalue()
    assert "\rsweep [######------------------]  25% 100/400" in text
    assert "\rsweep [########################] 100% 400/400" in text
    assert text.endswith("\r" + " " * len("sweep [########################] 100% 400/400") + "\r")


def test_progress_is_silent_elsewhere(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = io.StringIO()
    with progress.Progress("sweep", 10, stream=quiet) as bar:
        bar.advance(10)
    assert quiet.getvalue() == ""
    code, _, err = run(
        capsys, "sweep", *PROBOLINGGO, "--axis", "external=0:100:0.01", "--format", "csv"
    )
    assert (code, err) == (0, "")  # 10,001 points: a bar on a terminal, nothing in a pipe


def test_a_long_answer_shows_a_bar_when_it_goes_to_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    argv = ["sweep", *PROBOLINGGO, "--axis", "external=0:100:0.01", "--format", "csv"]
    assert main([*argv, "--output", str(tmp_path / "sweep.csv")]) == 0
    assert "\rsweep [########################] 100% 10,001/10,001" in screen.getvalue()
    assert screen.getvalue().endswith("\r")
    assert len(rows((tmp_path / "sweep.csv").read_text())) == 10_001
    shown = screen.getvalue()
    monkeypatch.setattr(sys, "stdout", Terminal())  # the answer itself streams to the terminal
    assert main(argv) == 0
    assert screen.getvalue() == shown


REGIONAL = """year,institution_id,internal,external,expert,correction_integrity,correction_prevalence,index,flag
2022,synthetic-kab-a,80,80,80,2,1,73.31,extra_deduction_2022
2022,synthetic-kab-b,80,80,80,2,1,77.00,
"""


def test_whatif_says_which_rows_need_the_regional_class_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Synthetic ids: under the bundled spi-2022 (no class table) the flagged row is reported as
    not reproduced for that reason; with a derived table in --rulesets DIR it is reproduced."""
    from spi_engine.regional_fit import RegionalFit, regional_message, ruleset_text

    path = tmp_path / "regional.csv"
    path.write_text(REGIONAL, encoding="utf-8")
    code, out, _ = run(capsys, "whatif", "--dataset", str(path), "--add", "external=1")
    assert code == 0
    assert (
        "1 row carries a published adjustment (published minus the rules, -3.69 to -3.69), kept "
        "fixed in the scenario; 1 of them not reproduced: the inferred rule needs its class table"
    ) in out
    folder = tmp_path / "rulesets"
    folder.mkdir()
    table = RegionalFit(8.388, ("synthetic-kab-a",), (4,), (2,), 1, 0, 0)
    (folder / "spi-2022.txtpb").write_text(ruleset_text(regional_message(table), "synthetic"))
    code, out, _ = run(
        capsys, "whatif", "--dataset", str(path), "--rulesets", str(folder), "--add", "external=1"
    )
    assert code == 0
    assert "no published adjustment" in out
    assert "class table" not in out
