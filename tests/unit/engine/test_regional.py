"""spi-2022's inferred regional correction element: the formula, the errors, the validation.

These tests need no published data: the bundled spi-2022 has the element's U but no class table,
and the tests give it a table of SYNTHETIC ids and classes (:func:`with_table`). The real table is
derived from the data in tests/conformance/test_published.py, into a temporary directory.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from spi.v1 import ruleset_pb2
from spi_engine import InvalidInputError, InvalidRulesetError, bundled, score, units_from_columns
from spi_engine.regional_fit import RegionalFit, classes_text, fit_arrays, regional_message
from spi_engine.ruleset import Ruleset, from_message, message_from_text
from spi_engine.tabular import parse_csv, units_from_table

FLAG = "extra_deduction_2022"


SYNTHETIC = RegionalFit(
    unit_points=8.388,
    unit_ids=("synthetic-kab-a", "synthetic-kab-b", "synthetic-kota-c"),
    n=(4, 3, 5),
    m=(2, 4, 2),
    reproduced=3,
    max_residual_steps=0,
    ambiguous=0,
)
"""A made-up class table: no id or class here comes from the published data."""


def with_table() -> Ruleset:
    """spi-2022 with the synthetic class table, built as ``spi rules fit-regional`` builds one."""
    return from_message(regional_message(SYNTHETIC), "synthetic")


def listed() -> tuple[str, int, int]:
    rule = with_table().regional
    assert rule is not None
    return rule.unit_ids[0], rule.n[0], rule.m[0]


def test_listed_unit_gets_the_regional_integrity_term() -> None:
    rules = with_table()
    unit_id, n, m = listed()
    units = units_from_columns(
        [80.0, 80.0],
        [80.0, 80.0],
        [80.0, 80.0],
        correction_integrity=[2.0, 2.0],
        correction_prevalence=[1.0, 1.0],
        ids=[unit_id, "not-listed"],
    )
    scores = score(rules, units)
    expected = 80.0 * (0.3046 + 0.3279 + 0.3675) - ((n - 1) * 2.0 + m * 8.388) / n - 1.0
    assert scores.index_raw[0] == pytest.approx(expected, abs=1e-12)
    assert scores.index_raw[1] == pytest.approx(80.0 - 3.0, abs=1e-12)  # the stated formula
    assert scores.contribution_correction[0] == pytest.approx(
        -(((n - 1) * 2.0 + m * 8.388) / n + 1.0)
    )


def test_single_unit_path_gives_the_same_bits_as_the_batch() -> None:
    rules = with_table()
    unit_id, _, _ = listed()
    one = units_from_columns(
        [71.3],
        [66.2],
        [70.1],
        correction_integrity=[3.17],
        correction_prevalence=[0.4],
        ids=[unit_id],
    )
    two = units_from_columns(
        [71.3, 71.3],
        [66.2, 66.2],
        [70.1, 70.1],
        correction_integrity=[3.17, 3.17],
        correction_prevalence=[0.4, 0.4],
        ids=[unit_id, unit_id],
    )
    assert score(rules, one).index_raw[0] == score(rules, two).index_raw[0]
    assert score(rules, one).index_steps[0] == score(rules, two).index_steps[0]


def test_flagged_unit_without_a_class_is_an_error_not_a_guess() -> None:
    table = parse_csv(
        "institution_id,internal,external,expert,correction_integrity,correction_prevalence,flag\n"
        "new-kabupaten,80,80,80,2,1,extra_deduction_2022\n",
        "units.csv",
    )
    with pytest.raises(InvalidInputError) as error:
        score(with_table(), units_from_table(table))
    message = str(error.value)
    assert "new-kabupaten" in message
    assert "cannot be applied" in message


@pytest.mark.parametrize("flag", ["", "withheld_by_kpk"])
def test_unflagged_unknown_unit_uses_the_stated_formula(flag: str) -> None:
    table = parse_csv(
        "institution_id,internal,external,expert,correction_integrity,correction_prevalence,flag\n"
        f"new-kabupaten,80,80,80,2,1,{flag}\n",
    )
    assert score(with_table(), units_from_table(table)).index_raw[0] == pytest.approx(77.0)


def test_flag_is_ignored_by_years_without_the_element() -> None:
    table = parse_csv(
        "institution_id,internal,external,expert,correction_integrity,correction_prevalence,flag\n"
        "new-kabupaten,80,80,80,2,1,extra_deduction_2022\n",
    )
    assert score(bundled().get("spi-2024"), units_from_table(table)).index_raw[0] == pytest.approx(
        77.0
    )


def test_listed_unit_with_only_a_correction_total_is_an_error() -> None:
    unit_id, _, _ = listed()
    units = units_from_columns([80.0], [80.0], [80.0], correction=[3.0], ids=[unit_id])
    with pytest.raises(InvalidInputError, match="instead of a total"):
        score(with_table(), units)


def test_flags_follow_take() -> None:
    table = parse_csv(
        "unit_id,internal,external,expert,correction,flag\na,1,1,1,0,x\nb,1,1,1,0,y\n"
    )
    units = units_from_table(table)
    assert units.flags == ("x", "y")
    assert units.take([1]).flags == ("y",)
    assert replace(units, flags=()).take([0]).flags == ()


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda r: setattr(r.correction.regional.classes[0], "n", 0), "classes[0].n"),
        (lambda r: setattr(r.correction.regional.classes[1], "m", -1), "classes[1].m"),
        (
            lambda r: setattr(
                r.correction.regional.classes[1],
                "unit_id",
                r.correction.regional.classes[0].unit_id,
            ),
            "classes[1].unit_id",
        ),
        (lambda r: setattr(r.correction.regional, "unit_points", float("nan")), "unit_points"),
        (lambda r: setattr(r.correction.regional, "flag", ""), "regional.flag"),
        (lambda r: r.correction.regional.ClearField("reference"), "regional.reference"),
    ],
)
def test_regional_element_is_validated(edit: object, path: str) -> None:
    message = with_table().to_message()
    edit(message)  # type: ignore[operator]
    with pytest.raises(InvalidRulesetError, match=path.replace("[", r"\[").replace("]", r"\]")):
        from_message(message)


def test_fit_recovers_a_planted_structure() -> None:
    """Rows built from U = 7.5 and known classes give back U and every class."""
    generator = np.random.default_rng(7)
    size = 40
    n = generator.choice([3, 4, 5], size)
    m = generator.choice([2, 3, 4], size)
    integrity = np.round(generator.uniform(1.0, 9.0, size), 2)
    stated = np.round(generator.uniform(60.0, 80.0, size), 4)
    published = np.round(stated + (integrity - m * 7.5) / n, 2)
    fit = fit_arrays(tuple(f"u{i}" for i in range(size)), stated, integrity, published)
    assert fit.unit_points == pytest.approx(7.5, abs=0.002)
    assert (fit.reproduced, fit.rows) == (size, size)
    assert classes_text(fit).count("classes {") == size
    wrong = [i for i in range(size) if (fit.n[i], fit.m[i]) != (n[i], m[i])]
    assert len(wrong) <= fit.ambiguous


def listed_unit() -> tuple[object, float]:
    unit_id, n, _ = listed()
    units = units_from_columns(
        [80.0],
        [80.0],
        [80.0],
        correction_integrity=[2.0],
        correction_prevalence=[1.0],
        ids=[unit_id],
    )
    return units, (n - 1) / n


def test_goal_seek_scores_moves_with_the_regional_rule() -> None:
    """The integrity lever moves a listed unit by (n - 1) / n per point, not 1."""
    from spi_engine.goal import goal_seek

    units, _ = listed_unit()
    rules = with_table()
    seek = goal_seek(rules, units, "waspada", ["correction_integrity"])  # type: ignore[arg-type]
    change = seek.change(0, "correction_integrity")
    assert change is not None
    moved = units_from_columns(
        [80.0],
        [80.0],
        [80.0],
        correction_integrity=[2.0 + change],
        correction_prevalence=[1.0],
        ids=list(units.ids),  # type: ignore[attr-defined]
    )
    assert score(rules, moved).categories == ("waspada",)
    less = units_from_columns(
        [80.0],
        [80.0],
        [80.0],
        correction_integrity=[2.0 + change + 0.01],
        correction_prevalence=[1.0],
        ids=list(units.ids),  # type: ignore[attr-defined]
    )
    assert score(rules, less).categories == ("rentan",)
    assert int(seek.new_index_steps[0, 0]) == int(score(rules, moved).index_steps[0])


def test_sweep_scores_grid_points_with_the_regional_rule() -> None:
    from spi_engine.sweep import Axis, sweep_levers

    units, _ = listed_unit()
    rules = with_table()
    swept = sweep_levers(rules, units, [Axis("correction_integrity", np.array([2.0, 0.0]))])  # type: ignore[arg-type]
    assert swept.index_steps.ravel().tolist()[0] == int(score(rules, units).index_steps[0])  # type: ignore[arg-type]
    assert swept.current_index_steps.tolist() == score(rules, units).index_steps.tolist()  # type: ignore[arg-type]


# --- the bundled spi-2022 has no class table: the rule is not configured ------------------------


def test_bundled_spi_2022_keeps_structure_and_u_but_no_class_table() -> None:
    message = bundled().get("spi-2022").to_message()
    regional = message.correction.regional
    assert message.correction.HasField("regional")
    assert (regional.unit_points, regional.flag, len(regional.classes)) == (8.388, FLAG, 0)
    assert regional.reference.basis == ruleset_pb2.BASIS_INFERRED
    assert "not a KPK input" in regional.reference.note
    rule = bundled().get("spi-2022").regional
    assert rule is not None
    assert not rule.configured


def test_without_a_class_table_a_flagged_unit_gets_the_stated_formula() -> None:
    """No table, no rule: scoring is the stated formula, not an error and not a guess."""
    table = parse_csv(
        "institution_id,internal,external,expert,correction_integrity,correction_prevalence,flag\n"
        "synthetic-kab-a,80,80,80,2,1,extra_deduction_2022\n",
    )
    scores = score(bundled().get("spi-2022"), units_from_table(table))
    assert scores.index_raw[0] == pytest.approx(77.0)


def test_with_a_class_table_a_flagged_unlisted_unit_is_still_an_error() -> None:
    table = parse_csv(
        "institution_id,internal,external,expert,correction_integrity,correction_prevalence,flag\n"
        "synthetic-kab-z,80,80,80,2,1,extra_deduction_2022\n",
    )
    with pytest.raises(InvalidInputError, match="cannot be applied"):
        score(with_table(), units_from_table(table))


def test_derived_ruleset_labels_its_table_inferred() -> None:
    message = regional_message(SYNTHETIC, ruleset_id="spi-2022-regional")
    reference = message.correction.regional.reference
    assert message.id == "spi-2022-regional"
    assert "this file holds that table" in message.description
    assert "no class table" in bundled().get("spi-2022").to_message().description
    assert "no class table" not in message.description
    assert "not a KPK input" in message.label
    assert reference.basis == ruleset_pb2.BASIS_INFERRED
    assert "inferred from published indexes, not a KPK input" in reference.note
    assert (reference.fit.rows_reproduced, reference.fit.rows_total) == (3, 3)
    assert [c.unit_id for c in message.correction.regional.classes] == list(SYNTHETIC.unit_ids)


def planted_csv(path: Path) -> None:
    """Flagged 2022 rows built from U = 7.5 and known classes (equal components: weights sum 1)."""
    generator = np.random.default_rng(11)
    lines = [
        "year,institution_id,internal,external,expert,correction_integrity,"
        "correction_prevalence,index,flag"
    ]
    for i in range(30):
        n, m = int(generator.choice([3, 4, 5])), int(generator.choice([2, 3, 4]))
        component = round(float(generator.uniform(65.0, 85.0)), 2)
        integrity = round(float(generator.uniform(1.0, 6.0)), 2)
        index = component - integrity - 0.5 + (integrity - m * 7.5) / n
        lines.append(
            f"2022,synthetic-{i},{component},{component},{component},{integrity},0.5,"
            f"{index:.2f},extra_deduction_2022"
        )
    lines.append("2022,synthetic-plain,80,80,80,2,1,77.00,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_fit_regional_command_writes_a_ruleset_auto_can_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from spi_client.cli.main import main

    data = tmp_path / "results.csv"
    planted_csv(data)
    folder = tmp_path / "rulesets"
    folder.mkdir()
    output = folder / "spi-2022.txtpb"
    assert main(["rules", "fit-regional", "--data", str(data), "--output", str(output)]) == 0
    assert "30 of 30 rows within 0.02" in capsys.readouterr().out
    written = from_message(message_from_text(output.read_text("utf-8")), str(output))
    assert written.regional is not None
    assert len(written.regional.unit_ids) == 30
    assert (
        main(
            [
                "score",
                "--rulesets",
                str(folder),
                "--ruleset",
                "auto",
                "--input",
                str(data),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    off = [row for row in rows if abs(float(row["spi_index"]) - float(row["index"])) > 0.0101]
    assert off == []
    assert {row["spi_ruleset_sha256"] for row in rows} == {written.sha256}
    assert main(["score", "--ruleset", "auto", "--input", str(data), "--format", "csv"]) == 0
    bundled_rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    within = [abs(float(row["spi_index"]) - float(row["index"])) <= 0.0101 for row in bundled_rows]
    assert sum(within) == 1  # only the unflagged row: the stated formula without the table


def test_fit_regional_refuses_to_write_into_the_repository(tmp_path: Path) -> None:
    from spi_engine.regional_fit import write_regional_ruleset

    data = tmp_path / "results.csv"
    planted_csv(data)
    inside = Path(__file__).resolve().parents[3] / "spi_engine" / "rulesets" / "spi-2022-x.txtpb"
    with pytest.raises(InvalidInputError, match="outside the project's repository"):
        write_regional_ruleset(data, inside)
    assert not inside.exists()


def test_rulesets_directory_is_for_in_process_runs_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from spi_client.cli.main import main

    code = main(
        [
            "score",
            "--rulesets",
            str(tmp_path),
            "--server",
            "127.0.0.1:1",
            "--ruleset",
            "spi-2022",
            "--internal",
            "80",
            "--external",
            "80",
            "--expert",
            "80",
            "--correction",
            "1",
        ]
    )
    assert code != 0
    assert "--rulesets" in capsys.readouterr().err


def test_a_distinct_id_loads_next_to_the_bundled_rulesets(tmp_path: Path) -> None:
    """For a server (spi-server --rulesets DIR), where a bundled id may not be loaded twice."""
    from spi_engine.regional_fit import write_regional_ruleset

    data = tmp_path / "results.csv"
    planted_csv(data)
    folder = tmp_path / "server-rulesets"
    folder.mkdir()
    write_regional_ruleset(data, folder / "spi-2022-regional.txtpb", "spi-2022-regional")
    catalog = bundled().with_directory(folder)
    rule = catalog.get("spi-2022-regional").regional
    assert rule is not None
    assert rule.configured
    bundled_rule = catalog.get("spi-2022").regional
    assert bundled_rule is not None
    assert not bundled_rule.configured
