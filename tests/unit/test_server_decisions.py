"""The decision log file: one JSON line per decision, never a corrupted earlier line."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from spi_server import decisions
from spi_server.decisions import DecisionLog
from spi_server.errors import DecisionLogError


def _line(decision_id: str) -> dict[str, object]:
    return decisions.entry(
        decision_id=decision_id,
        method="Score",
        caller="planner",
        ruleset=("spi-2024", "ab" * 32),
        engine_version="0.1.0",
        units=1,
        request=b"request",
        response=b"response",
        status="OK",
    )


def test_lines_are_json_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(str(path))
    log.record(_line("a"))
    log.record(_line("b"))
    log.close()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["decision_id"] for line in lines] == ["a", "b"]
    assert set(decisions.FIELDS) <= set(lines[0])
    assert lines[0]["request_sha256"] == hashlib.sha256(b"request").hexdigest()
    assert lines[0]["response_sha256"] == hashlib.sha256(b"response").hexdigest()
    assert lines[0]["time"].endswith("Z")


def test_a_line_cut_by_a_crash_stays_alone(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_text('{"decision_id": "old"}\n{"decision_id": "cut sh')
    log = DecisionLog(str(path))
    log.record(_line("new"))
    log.close()
    lines = path.read_text().splitlines()
    assert lines[0] == '{"decision_id": "old"}'
    assert lines[1] == '{"decision_id": "cut sh'
    assert json.loads(lines[2])["decision_id"] == "new"


def test_an_unwritable_path_is_reported_at_start(tmp_path: Path) -> None:
    with pytest.raises(DecisionLogError) as raised:
        DecisionLog(str(tmp_path / "missing-folder" / "decisions.jsonl"))
    assert "cannot open for appending" in str(raised.value)


def test_too_little_free_space_is_reported_at_start(tmp_path: Path) -> None:
    stats = os.statvfs(tmp_path)
    more_than_free = stats.f_bavail * stats.f_frsize + 2**40
    with pytest.raises(DecisionLogError) as raised:
        DecisionLog(str(tmp_path / "decisions.jsonl"), more_than_free)
    assert "MiB free on its disk" in str(raised.value)


def test_concurrent_records_are_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(str(path))
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: log.record(_line(f"id-{i}")), range(800)))
    log.close()
    ids = [json.loads(line)["decision_id"] for line in path.read_text().splitlines()]
    assert sorted(ids) == sorted(f"id-{i}" for i in range(800))
