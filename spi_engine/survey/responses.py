"""Responses: validated respondent columns (one row per respondent), ready to score or screen.

Answers are held item by item as int8 codes (``answers[item, row]``, -1 for missing). Every bad
value is reported with its place, named by a ``where(row, column)`` function, so that a file
names ``line 5, column 'int_pbj_1'`` and the API ``respondents[3].int_pbj_1``.

>>> from spi_engine.survey.instrument import bundled_instrument
>>> r = responses_from_columns(
...     bundled_instrument(), respondent_ids=["r1", "r2"], unit_ids=["u1", "u1"],
...     groups=["internal", "expert"], answers={"int_trans_1": [5, None], "exp_audit": [None, 9]})
>>> len(r), r.units.names, r.answers[r.instrument.item_index("exp_audit")].tolist()
(2, ('u1',), [-1, 9])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from ..numeric import FloatArray, IntArray
from .instrument import GROUP_NAMES, MISSING_CODE, Instrument
from .instrument_checks import MAX_CODE
from .labels import (
    Labels,
    Pairs,
    TextArray,
    as_strings,
    as_text,
    factorize_pair,
    factorize_pair_codes,
    first_occurrence,
    repeats,
    show,
)

Where = Callable[[int, str], str]
CodeArray = npt.NDArray[np.int8]
MAX_VIOLATIONS = 20


def api_where(row: int, column: str) -> str:
    """``respondents[3].unit_id``: how the library and the API name a value."""
    return f"respondents[{row}].{column}"


@dataclass(frozen=True)
class Responses:
    """Validated respondent columns. Build with :func:`responses_from_columns` or a reader."""

    instrument: Instrument = field(repr=False)
    respondent_ids: TextArray
    """respondent ids: text, or UTF-8 bytes as read from a file (``as_strings`` decodes)"""
    units: Labels
    sub_units: Labels
    """'' for a respondent of the unit as a whole"""
    cells: IntArray
    """each respondent's (unit, sub-unit) cell, a position in ``cell_keys``"""
    cell_keys: IntArray
    """distinct cells as ``unit code * len(sub_units.names) + sub-unit code``, sorted"""
    groups: IntArray
    """0 internal, 1 external, 2 expert"""
    answers: CodeArray = field(repr=False)
    """(items, respondents) answer codes; -1 missing"""
    completion_seconds: FloatArray
    devices: TextArray
    """device fingerprints (text, or UTF-8 bytes as read from a file); empty for unknown"""
    submitted_at: FloatArray
    """seconds since 1970-01-01T00:00:00Z; NaN for unknown"""

    def __len__(self) -> int:
        return int(self.groups.size)

    def take(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Responses:
        """The respondents at ``rows`` (positions or a mask), in that order."""
        index = np.flatnonzero(rows) if rows.dtype == np.bool_ else np.asarray(rows, dtype=np.intp)
        return Responses(
            instrument=self.instrument,
            respondent_ids=self.respondent_ids[index],
            units=self.units.take(index),
            sub_units=self.sub_units.take(index),
            cells=_frozen(self.cells[index]),
            cell_keys=self.cell_keys,
            groups=_frozen(self.groups[index]),
            answers=_frozen(self.answers[:, index]),
            completion_seconds=_frozen(self.completion_seconds[index]),
            devices=self.devices[index],
            submitted_at=_frozen(self.submitted_at[index]),
        )


class _Problems:
    """Violations with their (row, column order), reported sorted and capped."""

    def __init__(self, where: Where) -> None:
        self.where = where
        self.found: list[tuple[int, int, Violation]] = []

    def add(
        self, rows: npt.NDArray[np.intp], order: int, column: str, describe: Callable[[int], str]
    ) -> None:
        for row in rows[:MAX_VIOLATIONS].tolist():
            self.found.append((row, order, Violation(self.where(row, column), describe(row))))

    def add_one(self, row: int, order: int, column: str, description: str) -> None:
        self.found.append((row, order, Violation(self.where(row, column), description)))

    def raise_if_any(self, context: str) -> None:
        if self.found:
            self.found.sort(key=lambda item: (item[0], item[1]))
            raise InvalidInputError([v for _, _, v in self.found[:MAX_VIOLATIONS]], context=context)


def responses_from_columns(
    instrument: Instrument,
    *,
    respondent_ids: Any,
    unit_ids: Any,
    groups: Any,
    answers: Mapping[str, Any],
    sub_unit_ids: Any = None,
    completion_seconds: Any = None,
    device_fingerprints: Any = None,
    submitted_at: Any = None,
    where: Where = api_where,
    context: str = "",
) -> Responses:
    """Validate respondent columns against ``instrument``; every bad value raises, with its place.

    ``groups`` holds names (internal, external, expert) or RespondentGroup values (1, 2, 3).
    ``answers`` maps item ids to codes (integers; None, NaN or -1 for missing); an absent item is
    missing for everyone. Text columns may be sequences, numpy arrays or :class:`Labels`.
    """
    size = len(respondent_ids)
    _check_lengths(
        size,
        locals_of(
            unit_ids,
            groups,
            sub_unit_ids,
            completion_seconds,
            device_fingerprints,
            submitted_at,
            answers,
        ),
        context,
    )
    problems = _Problems(where)
    ids = as_text(respondent_ids)
    _check_ids(ids, problems)
    pairs = _pairs(unit_ids, sub_unit_ids, size)
    units, sub_units = pairs.first, pairs.second
    _check_present(units, "unit_id", problems)
    group_codes = _groups(groups, size, problems)
    codes = _answers(instrument, answers, size, group_codes, problems)
    seconds = _numbers(completion_seconds, size, "completion_seconds", problems, minimum=0.0)
    times = _times(submitted_at, size, problems)
    problems.raise_if_any(context)
    return Responses(
        instrument=instrument,
        respondent_ids=ids,
        units=units,
        sub_units=sub_units,
        cells=pairs.cells,
        cell_keys=pairs.keys,
        groups=_frozen(group_codes),
        answers=_frozen(codes),
        completion_seconds=_frozen(seconds),
        devices=as_text(device_fingerprints)
        if device_fingerprints is not None
        else np.full(size, ""),
        submitted_at=_frozen(times),
    )


def _pairs(unit_ids: Any, sub_unit_ids: Any, size: int) -> Pairs:
    """Units, sub-units and cells; from the codes alone when both come dictionary-encoded."""
    if isinstance(unit_ids, Labels) and isinstance(sub_unit_ids, Labels | None):
        whole = Labels(("",), np.zeros(size, dtype=np.int64))
        return factorize_pair_codes(unit_ids, whole if sub_unit_ids is None else sub_unit_ids)
    return factorize_pair(unit_ids, sub_unit_ids if sub_unit_ids is not None else np.full(size, ""))


def locals_of(
    unit_ids: Any,
    groups: Any,
    sub_unit_ids: Any,
    seconds: Any,
    devices: Any,
    times: Any,
    answers: Mapping[str, Any],
) -> dict[str, Any]:
    named = {
        "unit_id": unit_ids,
        "group": groups,
        "sub_unit_id": sub_unit_ids,
        "completion_seconds": seconds,
        "device_fingerprint": devices,
        "submitted_at": times,
    }
    return {**{k: v for k, v in named.items() if v is not None}, **answers}


def _check_lengths(size: int, columns: dict[str, Any], context: str) -> None:
    wrong = {name: len(values) for name, values in columns.items() if len(values) != size}
    if wrong:
        listed = ", ".join(f"{name} has {n}" for name, n in wrong.items())
        raise InvalidInputError(
            [
                Violation(
                    "", f"expected {size} values (one per respondent id) in every column; {listed}"
                )
            ],
            context=context,
        )


def _check_ids(ids: TextArray, problems: _Problems) -> None:
    empty = np.flatnonzero(np.char.str_len(ids) == 0)
    problems.add(
        empty, 0, "respondent_id", lambda row: "expected a respondent id; got an empty value"
    )
    repeated = repeats(ids)
    if repeated.size:
        first = dict(zip(repeated.tolist(), first_occurrence(ids, repeated).tolist(), strict=True))
        problems.add(
            repeated,
            0,
            "respondent_id",
            lambda row: (
                f"expected unique respondent ids; {str(as_strings(ids[row : row + 1])[0])!r} is also at "
                f"{problems.where(first[row], 'respondent_id')}"
            ),
        )


def _check_present(labels: Labels, column: str, problems: _Problems) -> None:
    if labels.names and labels.names[0] == "":
        rows = np.flatnonzero(labels.codes == 0)
        problems.add(rows, 1, column, lambda row: f"expected a {column}; got an empty value")


def _groups(values: Any, size: int, problems: _Problems) -> IntArray:
    array = np.asarray(values.values() if isinstance(values, Labels) else values)
    if array.dtype.kind in "iuf":
        codes = np.where(np.isin(array, (1, 2, 3)), array, 0).astype(np.int64) - 1
    else:
        codes = _group_codes(as_text(array), size)
        if bool((codes < 0).any()):
            codes = _group_codes(np.char.lower(np.char.strip(as_strings(array))), size)
    bad = np.flatnonzero(codes < 0)
    problems.add(
        bad,
        2,
        "group",
        lambda row: f"expected internal, external or expert; got {show(array[row])}",
    )
    return codes


def _group_codes(strings: TextArray, size: int) -> IntArray:
    codes = np.full(size, -1, dtype=np.int64)
    for index, name in enumerate(GROUP_NAMES):
        codes[strings == (name.encode() if strings.dtype.kind == "S" else name)] = index
    return codes


def _answers(
    instrument: Instrument,
    answers: Mapping[str, Any],
    size: int,
    groups: IntArray,
    problems: _Problems,
) -> CodeArray:
    unknown = sorted(set(answers) - set(instrument.item_ids))
    for name in unknown:
        problems.add_one(
            0,
            3,
            name,
            f"{name!r} is not an item of instrument {instrument.id!r} nor a respondent column",
        )
    codes = np.full((len(instrument.item_ids), size), MISSING_CODE, dtype=np.int8)
    answered = np.zeros((len(GROUP_NAMES), size), dtype=bool)
    for i, item in enumerate(instrument.item_ids):
        if item in answers:
            codes[i] = _item_codes(instrument, i, answers[item], problems)
            answered[instrument.item_group[i]] |= codes[i] != MISSING_CODE
    _check_groups(instrument, codes, answered, groups, problems)
    return codes


def _item_codes(instrument: Instrument, i: int, values: Any, problems: _Problems) -> CodeArray:
    item = instrument.item_ids[i]
    array = np.asarray(values)
    if array.dtype == np.int8:
        bins = instrument.bin_table[i][array.view(np.uint8)]
        if not bool((bins < 0).any()):
            return array
    if array.dtype.kind in "iu":
        raw = array.astype(np.int64)
    else:
        number = _as_float(array)
        missing = np.isnan(number)
        whole = np.where(missing, MISSING_CODE, number)
        bad = np.flatnonzero(~missing & (~np.isfinite(whole) | (whole != np.floor(whole))))
        problems.add(
            bad, 4 + i, item, lambda row: f"expected a whole answer code; got {show(array[row])}"
        )
        raw = np.where(np.isfinite(whole) & (whole == np.floor(whole)), whole, MISSING_CODE).astype(
            np.int64
        )
    in_range = (raw >= MISSING_CODE) & (raw <= MAX_CODE)
    bins = instrument.bin_table[i][np.where(in_range, raw, MISSING_CODE).astype(np.uint8)]
    bad = np.flatnonzero(~in_range | (bins < 0))
    problems.add(
        bad, 4 + i, item, lambda row: f"expected {_allowed(instrument, i)}; got {int(raw[row])}"
    )
    return np.where(bins >= 0, raw, MISSING_CODE).astype(np.int8)


def _as_float(array: npt.NDArray[Any]) -> FloatArray:
    if array.dtype.kind == "O":
        array = np.array([np.nan if v is None else v for v in array.tolist()], dtype=object)
    try:
        return np.asarray(array, dtype=np.float64)
    except ValueError:
        return np.array([_float_or_nan(v) for v in array.tolist()], dtype=np.float64)


def _float_or_nan(value: Any) -> float:
    try:
        return float(value) if value not in ("", None) else float("nan")
    except (TypeError, ValueError):
        return float("inf")


def _allowed(instrument: Instrument, i: int) -> str:
    yes, no, dont_know = instrument.codes
    k = int(instrument.item_points[i])
    if instrument.item_kind[i] == 3:
        answers = f"{yes} (yes), {no} (no)"
    else:
        answers = f"an answer from 1 to {k}"
    return f"{answers}, {dont_know} (don't know) or an empty value"


def _check_groups(
    instrument: Instrument,
    codes: CodeArray,
    answered: npt.NDArray[np.bool_],
    groups: IntArray,
    problems: _Problems,
) -> None:
    for group, name in enumerate(GROUP_NAMES):
        wrong = np.flatnonzero(answered[group] & (groups != group) & (groups >= 0))
        for row in wrong[:MAX_VIOLATIONS].tolist():
            items = np.flatnonzero(
                (instrument.item_group == group) & (codes[:, row] != MISSING_CODE)
            )
            item = instrument.item_ids[int(items[0])]
            problems.add_one(
                row,
                4 + int(items[0]),
                item,
                f"item {item!r} is for {name} respondents; this respondent is "
                f"{GROUP_NAMES[groups[row]]}",
            )


def _numbers(
    values: Any, size: int, column: str, problems: _Problems, minimum: float
) -> FloatArray:
    if values is None:
        return np.full(size, np.nan)
    array = _as_float(np.asarray(values))
    bad = np.flatnonzero(~np.isnan(array) & ~(np.isfinite(array) & (array >= minimum)))
    problems.add(
        bad,
        90_000,
        column,
        lambda row: f"expected a number >= {minimum:g} or empty; got {show(array[row])}",
    )
    return array


def _times(values: Any, size: int, problems: _Problems) -> FloatArray:
    if values is None:
        return np.full(size, np.nan)
    array = np.asarray(values)
    if array.dtype.kind == "M":
        seconds = array.astype("datetime64[ms]").astype(np.int64) / 1000.0
        result: FloatArray = np.where(np.isnat(array), np.nan, seconds)
        return result
    return _numbers(array, size, "submitted_at", problems, minimum=-np.inf)


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array
