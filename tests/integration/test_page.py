"""The planner page in a real browser: Debian's headless Chromium driven by playwright-core.

A spi-server (gRPC and the HTTP door) is started here; tests/browser/page-check.mjs loads the
page from it, scores Probolinggo 2024 (71.66 rentan, +1.34 to waspada), moves external +3 (72.64,
still rentan), runs a goal seek with costs, the uncertainty view and a group scenario (every
kabupaten of 2024, external +2), reopens a link, and takes screenshots at laptop and phone width.
Each view's "copy as spi command" text is then run with the `spi` CLI (in-process) and the page's
numbers must equal the CLI's. Load time and lever-move-to-answer time are printed, not asserted.

Setup: tests/browser/setup.sh installs chromium (apt) and playwright-core (npm ci) when missing;
the tests skip with its message only when that is impossible here (no apt-get as root, no node).
Screenshots go to a temporary folder; with SPI_SCREENSHOTS=DIR (`make screenshots`) they are
copied there too.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ServerProcess, launch, stop

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BROWSER = ROOT / "tests" / "browser"
DATASET = ROOT.parent / "shared" / "data" / "spi-published" / "results.csv"
SETUP_TIMEOUT = 900.0
DRIVE_TIMEOUT = 240.0
CLI_TIMEOUT = 120.0
SKIPPED = 3
CHROMIUM = os.environ.get("SPI_CHROMIUM", "/usr/bin/chromium")
"""The browser (tests/browser/setup.sh installs Debian's chromium there when missing)."""


@pytest.fixture(scope="module")
def browser() -> None:
    """Chromium and playwright-core, installed by tests/browser/setup.sh when missing."""
    done = subprocess.run(
        ["bash", str(BROWSER / "setup.sh")],
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    if done.returncode == SKIPPED:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, f"tests/browser/setup.sh failed:\n{done.stderr}"


def page_server(folder: Path, *args: str) -> ServerProcess:
    server = launch(folder, "--http-address", "127.0.0.1:0", *args)
    assert server.extra.get("http_port"), f"no HTTP door in the port file: {server.extra}"
    return server


@pytest.fixture(scope="module")
def with_dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    if not DATASET.is_file():
        pytest.skip(f"the published results are not here ({DATASET}): dataset steps skipped")
    server = page_server(
        tmp_path_factory.mktemp("page-server"), "--dataset", f"spi-published={DATASET}"
    )
    yield server
    stop(server)


@pytest.fixture(scope="module")
def without_dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = page_server(tmp_path_factory.mktemp("page-server-bare"))
    yield server
    stop(server)


def drive(server: ServerProcess, out: Path, *options: str) -> dict[str, Any]:
    """What the page showed (tests/browser/page-check.mjs), as a dict."""
    url = f"http://127.0.0.1:{server.extra['http_port']}/"
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            "node",
            "page-check.mjs",
            "--url",
            url,
            "--out",
            str(out),
            "--chromium",
            CHROMIUM,
            *options,
        ],
        cwd=BROWSER,
        capture_output=True,
        text=True,
        timeout=DRIVE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (
        f"page-check.mjs failed:\n{done.stderr}\n{server.log_path.read_text('utf-8')[-3000:]}"
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def cli(command: str) -> dict[str, Any]:
    """Runs a command the page offered (``spi ...``) with this environment's `spi`, in-process."""
    words = shlex.split(command)
    assert words[0] == "spi", command
    spi = Path(sys.executable).parent / "spi"
    done = subprocess.run(
        [str(spi), *words[1:]],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("SPI_")},
    )
    assert done.returncode == 0, f"{command}\n{done.stderr}"
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def report_timings(report: dict[str, Any], capsys: pytest.CaptureFixture[str], name: str) -> None:
    lever = sorted(report["levers"]["timingsMs"])
    with capsys.disabled():
        print(
            f"\n[{name}] first load {report['loadMs']} ms (in page {report['loadInPageMs']} ms "
            f"since navigation); a link with a moved lever: its answer on screen "
            f"{report['reopenAnsweredMs']} ms after navigation, the page complete (dataset rows "
            f"listed) {report['reopenInPageMs']} ms, {report['reopenMs']} ms seen from the test; "
            f"lever move to "
            f"answer {', '.join(f'{t:.1f}' for t in report['levers']['timingsMs'])} ms (median "
            f"{lever[len(lever) // 2]:.1f}, including the 40 ms debounce)"
        )


def keep_screenshots(report: dict[str, Any]) -> None:
    target = os.environ.get("SPI_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for file in report["screenshots"]:
            shutil.copy(file, Path(target) / Path(file).name)


def check_score(report: dict[str, Any]) -> None:
    score = report["score"]
    assert (score["index"]["text"], score["category"]) == ("71.66", "rentan")
    assert score["up"]["text"] == "+1.34 to waspada"
    result = cli(score["command"])["results"][0]
    assert float(score["index"]["value"]) == result["index"]
    assert f"{result['index']:.2f}" == score["index"]["text"]
    assert float(score["raw"]) == result["index_raw"]
    assert float(score["up"]["value"]) == result["margin_up"]["points"]
    for part, shown in score["contributions"].items():
        assert float(shown["value"]) == result["contributions"][part]
        assert shown["text"] == f"{result['contributions'][part]:+.6f}"
    assert f"ruleset {result['ruleset']}, sha256 {result['ruleset_sha256']}" in score["provenance"]
    clipboard = report["clipboard"]
    assert (clipboard["command"], clipboard["link"]) == (score["command"], clipboard["url"])


def check_levers(report: dict[str, Any]) -> None:
    levers = report["levers"]
    assert (levers["index"]["text"], levers["category"]) == ("72.64", "rentan")
    row = cli(levers["command"])["rows"][0]
    assert (row["index_before"], row["index_after"]) == (71.66, float(levers["index"]["value"]))
    assert row["category_after"] == levers["category"]
    assert levers["keyboard"] == "75.62", "the slider does not move with the arrow keys"
    assert report["reopened"] == {"view": "levers", "index": "72.64", "external": "92.02"}


def check_goal(report: dict[str, Any]) -> None:
    goal = report["goal"]
    unit = cli(goal["command"])["answers"][0]["units"][0]
    for lever in unit["levers"]:
        shown = goal["changes"][lever["lever"]]
        assert (float(shown) if shown else None) == lever.get("change"), lever
    assert goal["changes"]["external"] == "4.09"
    assert report["costError"] == "expected a finite number >= 0; got -1.0"
    plan = unit["plan"]
    assert float(goal["planCost"]) == plan["cost"]
    assert goal["planChanges"] == plan["changes"]


def check_uncertainty(report: dict[str, Any]) -> None:
    shown = report["uncertainty"]
    unit = cli(shown["command"])["answers"][0]["units"][0]
    for probability in unit["probabilities"]:
        assert float(shown["probabilities"][probability["category"]]) == probability["probability"]
    for group, needed in unit["certainty"]["respondents"].items():
        assert float(shown["needed"][group]) == needed


def check_group(report: dict[str, Any]) -> None:
    group = report["group"]
    comparison = cli(group["command"])["summary"]["comparisons"][0]
    for side, counts in (
        ("before", comparison["counts_before"]),
        ("after", comparison["counts_after"]),
    ):
        for tally in counts:
            assert group["counts"][f"{tally['category']}:{side}"] == tally["units"]
    assert group["movers"] == comparison["changed_category"] > 0


def check_page(report: dict[str, Any]) -> None:
    assert report["external"] == [], "the page asked for something outside the server"
    assert "pageErrors" not in report, report.get("pageErrors")
    assert "expected a number" in report["fieldError"]["text"]
    assert report["fieldError"]["invalid"] == "true"
    assert "spi-1999" in report["rulesetError"]
    assert "not_found" in report["rulesetError"]
    assert all(width <= 0 for width in report["overflow"].values()), report["overflow"]
    for view, found in report["accessibility"].items():
        assert found == {"unlabelled": [], "lowContrast": []}, view


def test_planner_page_with_the_published_dataset(
    browser: None,
    with_dataset: ServerProcess,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = drive(with_dataset, tmp_path / "shots")
    keep_screenshots(report)
    report_timings(report, capsys, "dataset")
    check_page(report)
    check_score(report)
    check_levers(report)
    check_goal(report)
    check_uncertainty(report)
    check_group(report)
    assert len(report["screenshots"]) == 6
    assert all(Path(file).stat().st_size > 0 for file in report["screenshots"])


def test_planner_page_scores_typed_inputs_without_a_dataset(
    browser: None,
    without_dataset: ServerProcess,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = drive(without_dataset, tmp_path / "shots", "--no-dataset")
    report_timings(report, capsys, "no dataset")
    check_page(report)
    check_score(report)
    check_levers(report)
    check_goal(report)
    check_uncertainty(report)


def test_the_page_connect_client_decodes_field_violations_without_debug_json() -> None:
    """tests/browser/connect.test.mjs (node --test): BadRequest from its base64 protobuf value."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the page's JavaScript tests need node >= 18")
    done = subprocess.run(
        ["node", "--test", "connect.test.mjs"],
        cwd=BROWSER,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
