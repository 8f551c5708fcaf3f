"""The decision log file: one JSON line per decision, never a corrupted earlier line."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from spi_server import decisions, logs
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


def _ids(path: Path) -> list[str]:
    """The decision ids of a file that must be valid JSON lines, every one of them."""
    return [json.loads(line)["decision_id"] for line in path.read_text().splitlines()]


def test_a_huge_caller_string_leaves_a_short_line(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    huge = "A" * 4 * 2**20
    line = _line("a") | {"ruleset_id": huge, "caller": huge, "message": huge}
    log = DecisionLog(str(path))
    log.record(line)
    log.close()
    assert path.stat().st_size < 4 * 1100
    (recorded,) = [json.loads(text) for text in path.read_text().splitlines()]
    assert recorded["decision_id"] == "a"
    digest = hashlib.sha256(huge.encode()).hexdigest()
    assert recorded["ruleset_id"].endswith(f"… ({len(huge)} characters, sha256 {digest})")


class FailingWriter:
    """``os.write`` until write number ``fail_at``, which writes ``partial`` bytes then fails."""

    def __init__(self, fail_at: int, partial: int, error: int = errno.ENOSPC) -> None:
        self.calls, self.fail_at, self.partial, self.error = 0, fail_at, partial, error

    def __call__(self, fd: int, data: bytes) -> int:
        self.calls += 1
        if self.calls != self.fail_at:
            return os.write(fd, data)
        if self.partial:
            os.write(fd, data[: self.partial])
        raise OSError(self.error, os.strerror(self.error))


class ShortWriter(FailingWriter):
    """Write number ``fail_at`` returns short after ``partial`` bytes, as a full disk does."""

    def __call__(self, fd: int, data: bytes) -> int:
        self.calls += 1
        if self.calls != self.fail_at:
            return os.write(fd, data)
        return os.write(fd, data[: self.partial])


@pytest.mark.parametrize(
    "writer",
    [FailingWriter(3, partial=40), FailingWriter(3, partial=0), ShortWriter(3, partial=40)],
    ids=["enospc-after-part", "enospc", "short-write"],
)
def test_a_failed_write_leaves_no_partial_line(tmp_path: Path, writer: FailingWriter) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(str(path), writer=writer)
    log.record(_line("a"))
    log.record(_line("b"))
    with pytest.raises(DecisionLogError) as raised:
        log.record(_line("c"))
    assert str(raised.value).startswith(f"decision log {path}: ")
    assert path.read_bytes().endswith(b"\n")
    assert _ids(path) == ["a", "b"]
    log.record(_line("d"))
    log.close()
    assert _ids(path) == ["a", "b", "d"]


def test_a_renamed_log_takes_lines_until_it_is_reopened(tmp_path: Path) -> None:
    path, rotated = tmp_path / "decisions.jsonl", tmp_path / "decisions.jsonl.1"
    log = DecisionLog(str(path))
    log.record(_line("a"))
    path.rename(rotated)
    log.record(_line("b"))  # logrotate sends SIGHUP after renaming: until then, the old file
    assert not path.exists()
    assert log.reopen() is True
    log.record(_line("c"))
    assert log.reopen() is False  # the same file: nothing to do
    log.record(_line("d"))
    log.close()
    assert _ids(rotated) == ["a", "b"]
    assert _ids(path) == ["c", "d"]


def test_a_deleted_log_is_opened_again_and_the_line_written_there(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(str(path))
    log.record(_line("a"))
    path.unlink()
    log.record(_line("b"))
    assert _ids(path) == ["b"]
    log.close()


def test_lines_written_into_a_file_deleted_before_their_fsync_are_written_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "decisions.jsonl"
    deleted: list[bytes] = []

    def write_then_delete(fd: int, data: bytes) -> int:
        written = os.write(fd, data)
        if b'"b"' in data and not deleted:
            deleted.append(data)
            path.unlink()  # between the write and the fsync of line b
        return written

    log = DecisionLog(str(path), writer=write_then_delete)
    log.record(_line("a"))
    log.record(_line("b"))
    log.record(_line("c"))
    log.close()
    assert _ids(path) == ["b", "c"]


def test_a_deleted_log_that_cannot_be_opened_again_refuses_until_it_can(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    path = folder / "decisions.jsonl"
    log = DecisionLog(str(path))
    log.record(_line("a"))
    path.unlink()
    folder.rmdir()
    for attempt in ("b", "c"):
        with pytest.raises(DecisionLogError) as raised:
            log.record(_line(attempt))
        assert "was deleted and cannot be opened again" in str(raised.value)
    folder.mkdir()
    log.record(_line("d"))
    log.close()
    assert _ids(path) == ["d"]  # the refused calls b and c are not recorded as answered


def test_a_failed_write_keeps_the_lines_another_process_appended(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    failing = DecisionLog(str(path), writer=FailingWriter(2, partial=40))
    other = DecisionLog(str(path))  # another worker process's descriptor of the same file
    failing.record(_line("a"))
    other.record(_line("b"))
    with pytest.raises(DecisionLogError):
        failing.record(_line("c"))
    other.record(_line("d"))
    failing.record(_line("e"))
    failing.close()
    other.close()
    assert _ids(path) == ["a", "b", "d", "e"]


def test_concurrent_records_lose_no_line_when_the_log_is_deleted(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    order: list[str] = []  # decision ids in the order of their first write

    def write_and_delete_once(fd: int, data: bytes) -> int:
        written = os.write(fd, data)
        if data.count(b"\n") == 1:  # a line, not the lines written again into a new file
            order.append(json.loads(data)["decision_id"])
            if len(order) == 200:
                path.unlink()
        return written

    log = DecisionLog(str(path), writer=write_and_delete_once)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: log.record(_line(f"id-{i}")), range(400)))
    log.close()
    ids = _ids(path)
    assert len(ids) == len(set(ids))
    assert set(order[199:]) <= set(ids)  # every line from the deletion on is in the new file


def test_a_record_after_close_fails_and_writes_nowhere(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(str(path))
    log.record(_line("a"))
    log.close()
    log.close()
    # a file opened now may get the closed descriptor's number
    with open(tmp_path / "other", "wb"), pytest.raises(DecisionLogError):
        log.record(_line("b"))
    assert (tmp_path / "other").read_bytes() == b""
    assert _ids(path) == ["a"]


def test_no_decision_line_is_longer_than_the_maximum(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(str(path))
    head = {key: value for key, value in _line("a").items() if key != "status"}
    extras = {f"extra_{i}": "\x00" * 2000 for i in range(100)}
    log.record(head | extras | {"status": "OK"})  # a field never shortened comes last
    log.close()
    (text,) = path.read_bytes().splitlines()
    assert len(text) <= logs.MAX_LINE_BYTES
    line = json.loads(text)
    assert (line["decision_id"], line["method"], line["status"]) == ("a", "Score", "OK")
    assert line["fields_left_out"] > 0
