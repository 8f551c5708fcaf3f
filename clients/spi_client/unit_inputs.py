"""Units given to the client (dicts or a pandas DataFrame) as UnitInput messages, checked first.

Nothing is dropped or defaulted on the way: an unknown key or column is an error that names it
(a column called ``koreksi`` is not a correction), as is a value that is not a number. The
server checks the values themselves (ranges, an absent correction) and names each bad field.

>>> unit_to_pb({"institution_id": "a", "internal": 70, "external": 80, "expert": 75,
...             "correction": 0}).unit_id
'a'
>>> unit_to_pb({"internal": 70, "external": 80, "expert": 75, "koreksi": 7.59})
Traceback (most recent call last):
...
spi_engine.errors.InvalidInputError: units[0].koreksi: unknown field 'koreksi'; expected one of unit_id, group, internal, external, expert, correction, correction_integrity, correction_prevalence (or institution_id, id for unit_id; type for group)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spi.v1 import scoring_pb2
from spi_engine.errors import InvalidInputError, Violation
from spi_engine.units import COMPONENTS, CORRECTION_PARTS

UNIT_FIELDS = ("unit_id", "group", *COMPONENTS, "correction", *CORRECTION_PARTS)
NUMBERS = UNIT_FIELDS[2:]
ALIASES = {"institution_id": "unit_id", "id": "unit_id", "type": "group"}
"""Other names for the text fields, as the CLI reads them in CSV files."""
EXPECTED = (
    f"expected one of {', '.join(UNIT_FIELDS)} (or institution_id, id for unit_id; type for group)"
)
MAX_LISTED = 20


def unit_to_pb(unit: Mapping[str, Any], row: int = 0) -> scoring_pb2.UnitInput:
    """A UnitInput from a dict; None (or NaN for a correction, as a table's empty cell) means
    absent. An unknown key or a value that is not a number is an error naming the field."""
    problems: list[Violation] = []
    message = _unit(unit, row, problems)
    if problems:
        raise InvalidInputError(problems[:MAX_LISTED], total=len(problems))
    return message


def units_to_pb(units: Any) -> list[scoring_pb2.UnitInput]:
    """UnitInput messages from dicts or a DataFrame; every problem reported in one error."""
    if is_frame(units):
        check_columns([str(name) for name in units.columns])
        rows: Iterable[Mapping[str, Any]] = units.to_dict("records")
    elif isinstance(units, Mapping):
        raise TypeError("expected units as a list of dicts or a DataFrame; got one dict")
    else:
        rows = units
    problems: list[Violation] = []
    messages = [_unit(unit, row, problems) for row, unit in enumerate(rows)]
    if problems:
        raise InvalidInputError(problems[:MAX_LISTED], total=len(problems))
    return messages


def check_columns(columns: Sequence[str]) -> None:
    """One error for the DataFrame's columns, rather than one per row."""
    problems = [
        Violation("units", f"unknown column {name!r}; {EXPECTED}")
        for name in columns
        if name not in UNIT_FIELDS and name not in ALIASES
    ]
    problems += [
        Violation(
            "units", f"column {name!r} is missing; expected the components {', '.join(COMPONENTS)}"
        )
        for name in COMPONENTS
        if name not in columns
    ]
    parts = [name for name in ("correction_integrity", "correction_prevalence") if name in columns]
    if "correction" not in columns and len(parts) < 2:
        problems.append(
            Violation(
                "units",
                "expected a 'correction' column (0 for none), or both 'correction_integrity' and "
                f"'correction_prevalence'; got {', '.join(parts) or 'none of them'}",
            )
        )
    if problems:
        raise InvalidInputError(problems[:MAX_LISTED], total=len(problems))


def _unit(unit: Mapping[str, Any], row: int, problems: list[Violation]) -> scoring_pb2.UnitInput:
    if not isinstance(unit, Mapping):
        problems.append(Violation(f"units[{row}]", f"expected a dict; got {type(unit).__name__}"))
        return scoring_pb2.UnitInput()
    fields = _canonical(unit, row, problems)
    message = scoring_pb2.UnitInput(
        unit_id=_text(fields.get("unit_id")), group=_text(fields.get("group"))
    )
    for name in NUMBERS:
        value = fields.get(name)
        if value is None or (name.startswith("correction") and _is_nan(value)):
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            got = f"{value!r} ({type(value).__name__})"
            problems.append(Violation(f"units[{row}].{name}", f"expected a number; got {got}"))
            continue
        setattr(message, name, float(value))
    return message


def _canonical(unit: Mapping[str, Any], row: int, problems: list[Violation]) -> dict[str, Any]:
    """The unit's fields under their canonical names; unknown or doubled names are problems."""
    fields: dict[str, Any] = {}
    for key, value in unit.items():
        name = ALIASES.get(str(key), str(key))
        if name not in UNIT_FIELDS:
            problems.append(Violation(f"units[{row}].{key}", f"unknown field {key!r}; {EXPECTED}"))
        elif name in fields and not _blank(value) and not _blank(fields[name]):
            problems.append(
                Violation(
                    f"units[{row}].{key}", f"{name} is given twice (as {key!r} and another name)"
                )
            )
        elif name not in fields or _blank(fields[name]):
            fields[name] = value
    return fields


def _blank(value: Any) -> bool:
    return value is None or _is_nan(value)


def is_frame(units: Any) -> bool:
    return type(units).__module__.startswith("pandas") and hasattr(units, "columns")


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value)
