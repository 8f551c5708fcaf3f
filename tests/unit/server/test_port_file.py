"""The port file appears once, complete: a reader polling for it never sees a partial record.

A --processes parent used to write the ports first and add the workers' records in a second
write; a test polling the file could read the first version (CI failed with KeyError 'workers').
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from spi_server import workers
from spi_server.config import Config


def test_the_parent_writes_its_port_file_once_with_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port_file = tmp_path / "port.json"
    versions: list[dict[str, Any]] = []
    real_replace = os.replace

    def watch(source: str, target: str) -> None:
        if Path(target) == port_file:
            versions.append(json.loads(Path(source).read_text("utf-8")))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watch)
    ready = [
        {"port": 5, "metrics_port": 7, "http_port": 9, "pid": 11},
        {"port": 5, "metrics_port": 8, "http_port": 9, "pid": 12},
    ]
    config = replace(Config(), port_file=str(port_file))
    workers._write_parent_port_file(config, 5, ready)
    assert len(versions) == 1
    [record] = versions
    assert record["workers"] == ready
    assert (record["port"], record["metrics_port"], record["http_port"]) == (5, 7, 9)
    assert json.loads(port_file.read_text("utf-8")) == record


def test_without_a_port_file_nothing_is_written(tmp_path: Path) -> None:
    workers._write_parent_port_file(replace(Config(), port_file=""), 5, [{"metrics_port": 1}])
    assert list(tmp_path.iterdir()) == []
