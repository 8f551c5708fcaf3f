"""The CI recipe of examples/ci (issue 10, item 10), run as a team would run it.

A temporary git repository keeps its own ruleset (``rules/team-2024.txtpb`` with golden cases,
its fits measured on a small stand-in for the published results). Each scenario changes the
ruleset on a branch; the command lines of the GitHub Actions step and of the pre-commit hook are
read from the YAML files (not copied here) and run with bash; their exit codes are the verdicts.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spi_engine import bundled, score, units_from_columns

ROOT = Path(__file__).parents[2]
RECIPE = ROOT / "examples" / "ci"
RULESETS = ROOT / "spi_engine" / "rulesets"
FIT = re.compile(r"\s*fit \{[^{}]*\}")
TEAM_FIT = (
    '\n    fit { dataset: "team results.csv, year 2024" rows_reproduced: 3 rows_total: 3 '
    "tolerance: 0.02 max_residual: 0 }"
)
UNITS = ((75.61, 89.02, 73.53, 7.59), (80.0, 70.0, 60.0, 0.0), (90.5, 88.25, 79.0, 1.5))
RULES = "rules/team-2024.txtpb"
CASES = "rules/team-2024.cases.txtpb"

if shutil.which("git") is None:  # pragma: no cover - the repository is a git checkout
    pytest.skip("git is not installed", allow_module_level=True)


def published(folder: Path) -> Path:
    """Three 2024 rows published as spi-2024 scores them."""
    columns = list(zip(*UNITS, strict=True))
    index = score(
        bundled().get("spi-2024"), units_from_columns(*columns[:3], correction=columns[3])
    ).index.tolist()
    path = folder / "results.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                *("year", "institution_id", "internal", "external", "expert"),
                *("correction_integrity", "correction_prevalence", "index", "flag"),
            ]
        )
        for i, (unit, value) in enumerate(zip(UNITS, index, strict=True)):
            out.writerow([2024, f"unit-{i}", *unit, 0, f"{value:.2f}", ""])
    return path


def team_ruleset() -> str:
    text = (RULESETS / "spi-2024.txtpb").read_text("utf-8")
    return FIT.sub(TEAM_FIT, text.replace('id: "spi-2024"', 'id: "team-2024"'))


def team_cases() -> str:
    text = (RULESETS / "spi-2024.cases.txtpb").read_text("utf-8")
    return text.replace('ruleset_id: "spi-2024"', 'ruleset_id: "team-2024"')


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A team repository on branch main with its ruleset and the gate script, and a PR branch."""
    folder = tmp_path / "team"
    (folder / "rules").mkdir(parents=True)
    (folder / "ci").mkdir()
    shutil.copy(RECIPE / "spi-rules-gate", folder / "ci" / "spi-rules-gate")
    (folder / RULES).write_text(team_ruleset(), "utf-8")
    (folder / CASES).write_text(team_cases(), "utf-8")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "rules")
    git(folder, "update-ref", "refs/remotes/origin/main", "main")
    git(folder, "checkout", "-q", "-b", "change")
    return folder


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SPI_PUBLISHED_DATA"] = str(published(tmp_path))
    return env


def workflow_gate() -> tuple[str, dict[str, str]]:
    """The run: lines and the env of the workflow's gate step, with the base branch 'main'."""
    workflow = yaml.safe_load((RECIPE / "github-workflow.yml").read_text("utf-8"))
    (step,) = [s for s in workflow["jobs"]["gate"]["steps"] if s.get("id") == "gate"]
    assert step["shell"] == "bash"
    script = step["run"].replace("${{ github.base_ref }}", "main")
    return script, {k: str(v) for k, v in step.get("env", {}).items()}


def run_workflow(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script, step_env = workflow_gate()
    step_env["SPI_PUBLISHED_DATA"] = env["SPI_PUBLISHED_DATA"]  # the team's copy, here a stand-in
    # GitHub runs `shell: bash` as bash --noprofile --norc -eo pipefail {0}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=repo,
        env={**env, **step_env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_hook(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The pre-commit hook's entry with the staged files its pattern selects."""
    config = yaml.safe_load((RECIPE / "pre-commit-config.yaml").read_text("utf-8"))
    (hook,) = config["repos"][0]["hooks"]
    assert hook["pass_filenames"] is True
    staged = git(repo, "diff", "--cached", "--name-only").split()
    files = [f for f in staged if re.search(hook["files"], f)]
    return subprocess.run(
        ["bash", "-c", hook["entry"] + ' "$@"', "hook", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def change(repo: Path, path: str, text: str, *, commit: bool) -> None:
    (repo / path).write_text(text, "utf-8")
    git(repo, "add", path)
    if commit:
        git(repo, "commit", "-q", "-m", f"change {path}")


def weights(text: str, internal: str, expert: str) -> str:
    return text.replace("internal: 0.305", f"internal: {internal}").replace(
        "expert: 0.367", f"expert: {expert}"
    )


def assumed(text: str) -> str:
    """Every inferred number re-labelled as an assumption (fits removed, the note says why)."""
    return FIT.sub("", text).replace("basis: BASIS_INFERRED", "basis: BASIS_ASSUMED")


SCENARIOS = {
    "a comment only": ("# reviewed 2026\n" + team_ruleset(), RULES, 0),
    "weights edited, old fit kept": (weights(team_ruleset(), "0.405", "0.267"), RULES, 5),
    "a golden case broken": (
        team_cases().replace('expected_category: "rentan"', 'expected_category: "waspada"', 1),
        CASES,
        4,
    ),
    "weights edited as an assumption": (
        assumed(weights(team_ruleset(), "0.306", "0.366")),
        RULES,
        3,
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_workflow_gates_a_pull_request(repo: Path, tmp_path: Path, scenario: str) -> None:
    text, path, expected = SCENARIOS[scenario]
    change(repo, path, text, commit=True)
    env = environment(tmp_path)
    env["SPI_GATE_REPORT"] = str(tmp_path / "report.md")
    done = run_workflow(repo, env)
    assert done.returncode == expected, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"spi-rules-gate: exit {expected}"
    if expected == 3:
        report = (repo / "spi-rules-gate.md").read_text("utf-8")
        assert "#### Units that change category" in report
        assert report.splitlines()[-1] == "verdict: changed (--fail-on-change: exit 3)"


@pytest.mark.parametrize(
    "scenario", ["weights edited, old fit kept", "weights edited as an assumption"]
)
def test_the_pre_commit_hook_refuses_a_staged_change(
    repo: Path, tmp_path: Path, scenario: str
) -> None:
    text, path, expected = SCENARIOS[scenario]
    env = environment(tmp_path)
    assert run_hook(repo, env).returncode == 0  # nothing staged: nothing to refuse
    change(repo, path, text, commit=False)
    done = run_hook(repo, env)
    assert done.returncode == expected, done.stdout + done.stderr


def test_a_new_ruleset_is_checked_without_a_diff(repo: Path, tmp_path: Path) -> None:
    change(
        repo,
        "rules/other-2024.txtpb",
        team_ruleset().replace("team-2024", "other-2024"),
        commit=True,
    )
    done = run_workflow(repo, environment(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(new file: nothing to diff against at origin/main)" in done.stdout
