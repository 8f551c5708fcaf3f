"""Submission times: ISO 8601 text (UTC) to seconds since 1970-01-01T00:00:00Z and back, vectorised.

The common form ``YYYY-MM-DDTHH:MM:SS`` (a space instead of ``T`` and a final ``Z`` are accepted)
is parsed digit by digit; anything else goes through numpy's ISO parser. Offsets other than Z
are refused rather than guessed.

>>> iso_seconds(np.array([b"2024-07-01T09:15:03", b"2024-07-01 09:15:03Z", b""])).tolist()
[1719825303.0, 1719825303.0, nan]
>>> seconds_iso(np.array([1719825303.0, np.nan])).tolist()
['2024-07-01T09:15:03', '']
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..numeric import FloatArray, IntArray

FIELDS = ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))
"""year, month, day, hour, minute, second"""
SEPARATORS = ((4, b"-"), (7, b"-"), (13, b":"), (16, b":"))


def days_from_civil(year: IntArray, month: IntArray, day: IntArray) -> IntArray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm).

    >>> days_from_civil(np.array([1970, 2024]), np.array([1, 7]), np.array([1, 1])).tolist()
    [0, 19905]
    """
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    result: IntArray = era * 146097 + doe - 719468
    return result


def _parse_fast(raw: npt.NDArray[np.bytes_]) -> tuple[FloatArray, npt.NDArray[np.bool_]] | None:
    """Seconds and a mask of well-formed values, or None when the column is not in the common form."""
    width = raw.dtype.itemsize
    if width < 19:
        return None
    chars = np.ascontiguousarray(raw).view(np.uint8).reshape(raw.size, width)
    length = np.char.str_len(raw)
    ok = (length == 19) | ((length == 20) & (chars[:, min(19, width - 1)] == ord("Z")))
    for position, char in SEPARATORS:
        ok &= chars[:, position] == char[0]
    ok &= (chars[:, 10] == ord("T")) | (chars[:, 10] == ord(" "))
    values = []
    for start, stop in FIELDS:
        value = np.zeros(raw.size, dtype=np.int64)
        for column in range(start, stop):
            digit = chars[:, column] - np.uint8(48)
            ok &= digit <= 9
            value = value * 10 + digit
        values.append(value)
    year, month, day, hour, minute, second = values
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= _month_days(year, month))
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    days = days_from_civil(year, np.clip(month, 1, 12), day)
    seconds = days * 86_400.0 + hour * 3_600.0 + minute * 60.0 + second
    return np.where(ok, seconds, np.nan), ok


def _month_days(year: IntArray, month: IntArray) -> IntArray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    table = np.array([31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    result: IntArray = table[np.clip(month, 0, 12)] + (leap & (month == 2))
    return result


def iso_seconds(raw: npt.NDArray[np.bytes_]) -> FloatArray:
    """Seconds since the epoch of ISO 8601 UTC times (bytes); NaN for empty and malformed values.

    Use :func:`bad_times` to find the malformed ones.
    """
    empty = np.char.str_len(raw) == 0
    fast = _parse_fast(raw)
    if fast is not None and bool((fast[1] | empty).all()):
        return fast[0]
    text = np.char.decode(raw, "utf-8", "replace")
    result = np.full(raw.size, np.nan)
    for row, value in enumerate(text.tolist()):
        result[row] = _slow_seconds(value.strip())
    return result


def _slow_seconds(value: str) -> float:
    body = value.removesuffix("Z").replace(" ", "T")
    if "-" not in body[:8] or "+" in body or "-" in body[10:]:
        return float("nan")
    try:
        return float(np.datetime64(body, "s").astype(np.int64))
    except ValueError:
        return float("nan")


def bad_times(raw: npt.NDArray[np.bytes_], seconds: FloatArray) -> IntArray:
    """Rows with a non-empty value that did not parse."""
    result: IntArray = np.flatnonzero(np.isnan(seconds) & (np.char.str_len(raw) > 0))
    return result


def seconds_iso(seconds: FloatArray) -> npt.NDArray[np.str_]:
    """ISO 8601 text (UTC, whole seconds, no zone letter); '' for NaN."""
    known = ~np.isnan(seconds)
    stamps = np.where(known, seconds, 0.0).astype(np.int64).astype("datetime64[s]")
    result: npt.NDArray[np.str_] = np.where(known, stamps.astype("U19"), "")
    return result
