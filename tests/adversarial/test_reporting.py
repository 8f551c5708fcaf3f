"""Bad input reported whole and in one round; unknown keys named; day 0 of a survey answered.

Issue 8 items 2 (the Python client), 3 and 9:

- a Score with 24 bad values, one of them a missing field, is refused once with all of them
  counted ("and 23 more problems") and the first 20 listed, the missing field hiding none;
- a CSV with an empty cell on line 2 and ``abc`` on line 3 reports both lines;
- the Python client refuses a unit dict or DataFrame column it does not know (``koreksi``),
  naming it, and accepts the CLI's aliases (``institution_id``, ``type``);
- SurveyProgress before any response arrives answers 0 respondents per unit and the responses
  needed, never INTERNAL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spi.v1 import engine_pb2
from spi.v1 import survey_pb2 as sp
from spi_client import SpiClient

from . import harness, inputs

pytestmark = pytest.mark.adversarial

BAD_UNITS = 24


def test_every_violation_is_counted_in_one_round(shared_server: harness.Server) -> None:
    counts = harness.tally("one round")
    units = [inputs.unit(f"u{i}", external=101.0) for i in range(BAD_UNITS)]
    units[0].ClearField("internal")
    units[0].external = 80.0
    with shared_server.channel() as channel:
        outcome = harness.invoke(
            channel, "Score", engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=units)
        )
    counts.tried += 1
    fields = set(outcome.fields)
    if outcome.code != "INVALID_ARGUMENT":
        counts.fail("wrong" if outcome.ok else "other", f"{outcome.code} {outcome.message[:200]}")
    elif not {"units[0].internal", "units[1].external"} <= fields or len(fields) != 20:
        counts.fail("other", f"listed {len(fields)} violations: {sorted(fields)[:4]}…")
    elif f"and {BAD_UNITS - 1} more" not in outcome.message:
        counts.fail("other", f"miscounted: {outcome.message[:200]}")
    lines = "unit_id,internal,external,expert,correction\na,,80,80,0\nb,80,abc,80,0\n"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "spi"),
            "score",
            "--ruleset",
            "spi-2024",
            "--input",
            "-",
        ],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    counts.tried += 1
    if done.returncode != 2 or "line 2" not in done.stderr or "line 3" not in done.stderr:
        counts.fail("other", f"CSV: exit {done.returncode}: {done.stderr.strip()[:200]}")
    assert counts.failures() == 0, counts.verdict()


def _row(**extra: Any) -> dict[str, Any]:
    return {"unit_id": "a", "internal": 75.61, "external": 89.02, "expert": 79.53, **extra}


def test_the_client_names_keys_it_does_not_know(shared_server: harness.Server) -> None:
    import pandas as pd

    counts = harness.tally("client keys")
    with SpiClient(shared_server.address, timeout=30) as client:
        for label, units in (
            ("dict", [_row(koreksi=7.59)]),
            ("DataFrame", pd.DataFrame([_row(koreksi=7.59)])),
        ):
            counts.tried += 1
            try:
                answer = client.score_many("spi-2024", units)
            except Exception as error:
                if "koreksi" not in str(error):
                    counts.fail("other", f"{label}: refused without naming koreksi: {error}")
            else:
                counts.fail("wrong", f"{label} with 'koreksi' scored: {answer}")
        counts.tried += 1
        aliases = {"institution_id": "x", "type": "kota", "correction": 7.59}
        try:
            client.score_many("spi-2024", [_row(**aliases) | {"unit_id": None}])
        except Exception as error:
            counts.fail("other", f"the CLI's aliases refused: {error}")
    assert counts.failures() == 0, counts.verdict()


def test_survey_progress_on_day_0(shared_server: harness.Server) -> None:
    counts = harness.tally("survey day 0")
    request = inputs.survey_progress()
    del request.responses[:]
    with shared_server.channel() as channel:
        outcome = harness.invoke(channel, "SurveyProgress", request)
    counts.tried += 1
    if not outcome.ok:
        kind = "internal" if outcome.code == "INTERNAL" else "other"
        counts.fail(kind, f"{outcome.code} {outcome.message[:200]}")
    else:
        answer = outcome.responses[0]
        assert isinstance(answer, sp.SurveyProgressResponse)
        if not answer.rows or any(r.respondents != 0 for r in answer.rows):
            counts.fail("wrong", f"rows {[r.respondents for r in answer.rows]}")
        elif not all(r.more_for_max_margin > 0 for r in answer.rows):
            counts.fail("wrong", "a unit with no response needs no more")
    assert counts.failures() == 0, counts.verdict()
