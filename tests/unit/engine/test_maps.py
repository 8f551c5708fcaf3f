"""The maps written in docstrings and proto comments name things that exist."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import spi_engine
from spi.v1 import engine_pb2, instrument_pb2, ruleset_pb2, scoring_pb2, simulation_pb2, survey_pb2
from spi_engine import errors

PROTOS = Path(__file__).resolve().parents[3] / "protos" / "spi" / "v1"


def _subclasses(root: type) -> set[type]:
    found = set()
    for sub in root.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_the_exception_tree_in_errors_names_every_public_error_of_the_engine() -> None:
    for module in pkgutil.walk_packages(spi_engine.__path__, "spi_engine."):
        importlib.import_module(module.name)
    public = {
        cls.__name__
        for cls in _subclasses(errors.SpiError)
        if cls.__module__.startswith("spi_engine") and not cls.__name__.startswith("_")
    }
    tree = errors.__doc__ or ""
    assert sorted(name for name in public if name not in tree) == []


def test_message_names_in_proto_comments_exist() -> None:
    modules = (engine_pb2, instrument_pb2, ruleset_pb2, scoring_pb2, simulation_pb2, survey_pb2)
    known = {name for module in modules for name in module.DESCRIPTOR.message_types_by_name}
    for path in sorted(PROTOS.glob("*.proto")):
        for line in path.read_text(encoding="utf-8").splitlines():
            comment = line.partition("//")[2]
            for name in re.findall(r"streamed (\w+) message", comment):
                assert name in known, f"{path.name}: {line.strip()}"


def test_the_screening_reasons_are_those_of_the_proto_enum() -> None:
    from spi_engine.survey.reasons import REASON_NAMES, REASONS

    enum = instrument_pb2.ExclusionReason
    declared = {v: enum.Name(v).removeprefix("EXCLUSION_REASON_").lower() for v in enum.values()}
    assert {r: REASON_NAMES[r] for r in REASONS} == {v: n for v, n in declared.items() if v}
