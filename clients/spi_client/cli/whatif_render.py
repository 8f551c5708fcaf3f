"""Rendering of the spi.v1 simulation answers as text, CSV and JSON, for the what-if commands.

Like :mod:`spi_client.cli.render`, only this module turns messages into text, so in-process and
``--server`` output are byte-identical. Streamed answers are rendered from a summary and an
iterator of rows (or grid points), piece by piece, so a large CSV is written as it arrives.

JSON is each answer message in the proto3 JSON mapping (field names as in
``protos/spi/v1/simulation.proto``; enums by name; absent optional fields left out), without the
server's ``decision_id``. Numbers in text and CSV: published indexes with their ruleset's
decimals, raw indexes with Python's shortest repr, lever values and costs without float noise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from spi.v1 import scoring_pb2

from .render import dumps

LISTED_UNITS = 20
"""Text lists every unit up to this many; beyond, only the units that change category."""


# Numbers ----------------------------------------------------------------------------------------


def num(value: float) -> str:
    """A lever value, slope or cost without float noise: 93.11, 0.305, 5.

    >>> num(89.02 + 4.09), num(0.305), num(5.0), num(-0.0)
    ('93.11', '0.305', '5', '0')
    """
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def lever_value(value: float) -> str:
    """A lever's value: two decimals on the 0.01 grid (96.40), every decimal it has otherwise.

    >>> lever_value(96.4), lever_value(75.613)
    ('96.40', '75.613')
    """
    return f"{value:.2f}" if abs(round(value, 2) - value) < 1e-9 else num(value)


def signed(value: float, decimals: int = 2) -> str:
    return f"{value:+.{decimals}f}"


def percent(share: float) -> str:
    """A probability: 88.40%."""
    return f"{100 * share:.2f}%"


def share(level: float) -> str:
    """A level or certainty as given: 95%, 99.5%."""
    return f"{100 * level:g}%"


CSV_BATCH = 2000
"""CSV lines written at a time (large answers are written as they arrive)."""


def _csv(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """CSV text of ``rows``, in pieces of up to CSV_BATCH lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % CSV_BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


# JSON -------------------------------------------------------------------------------------------


def message_dict(message: Message) -> dict[str, Any]:
    """A message in the proto3 JSON mapping, without the server's decision_id."""
    document = json_format.MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
        unquote_int64_if_possible=True,
    )
    document.pop("decision_id", None)
    return document


def answers_json(answers: Sequence[Message]) -> str:
    """``{"answers": [...]}``: one answer per ruleset (``--ruleset auto`` may give several)."""
    return dumps({"answers": [message_dict(answer) for answer in answers]})


def stream_json(summary: Message, items: Iterable[Message], key: str) -> str:
    """``{"summary": ..., key: [...]}`` for a streamed answer."""
    return dumps({"summary": message_dict(summary), key: [message_dict(i) for i in items]})


def streams_json(answers: Sequence[tuple[Message, Iterable[Message]]], key: str) -> str:
    documents = [
        {"summary": message_dict(s), key: [message_dict(i) for i in items]} for s, items in answers
    ]
    return dumps({"answers": documents})


# Shared pieces ----------------------------------------------------------------------------------


def field(label: str, text: str) -> str:
    """A heading line: the label in a column of its own."""
    return f"{label:<8} {text}"


def provenance_line(p: scoring_pb2.Provenance, label: str = "ruleset") -> str:
    return field(label, f"{p.ruleset_id}  sha256 {p.ruleset_sha256}")


def engine_line(p: scoring_pb2.Provenance) -> str:
    return field("engine", f"spi-engine {p.engine_version}")


def unit_name(unit_id: str, group: str, name: str = "", year: int = 0) -> str:
    """``Kab. Probolinggo (259908, kabupaten, 2024)``; parts that are empty are left out."""
    parts = [part for part in (unit_id, group, str(year) if year else "") if part]
    inside = ", ".join(parts)
    if name:
        return f"{name} ({inside})" if inside else name
    return f"unit {inside}" if inside else "unit"
