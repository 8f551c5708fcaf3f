"""The server flags table in docs/service.md is generated from the parser and must not drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from spi_server import flags_doc
from spi_server.config import build_parser

SERVICE_DOC = Path(__file__).resolve().parents[3] / "docs" / "service.md"


def test_the_docs_table_is_the_generated_one() -> None:
    text = SERVICE_DOC.read_text("utf-8")
    between = text[text.index(flags_doc.BEGIN) + len(flags_doc.BEGIN) : text.index(flags_doc.END)]
    assert between.strip() == flags_doc.table(), "docs/service.md is stale: run 'make docs'"


def test_every_flag_has_a_row() -> None:
    rows = flags_doc.table()
    flags = [
        action.option_strings[0]
        for action in build_parser({})._actions
        if action.option_strings and action.dest != "help"
    ]
    assert len(flags) > 20
    for flag in flags:
        assert f"`{flag} " in rows or f"`--[no-]{flag[2:]}`" in rows, flag


def test_rewrite_reports_and_fixes_a_drift(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"intro\n{flags_doc.BEGIN}\n| stale |\n{flags_doc.END}\nafter\n", "utf-8")
    assert flags_doc.rewrite(page) is True
    assert flags_doc.table() in page.read_text("utf-8")
    assert flags_doc.rewrite(page) is False


def test_a_page_without_markers_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("no markers\n", "utf-8")
    with pytest.raises(ValueError, match="markers"):
        flags_doc.rewrite(page)
