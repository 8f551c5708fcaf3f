"""Respondent and population files: CSV (numpy) or Parquet (pyarrow, imported only when used).

Respondent columns: ``respondent_id``, ``unit_id``, ``group`` (internal, external, expert), one
column per item answered (its id), and optionally ``sub_unit_id``, ``completion_seconds``,
``device_fingerprint`` and ``submitted_at`` (ISO 8601 UTC, or seconds since the epoch). Any other
column is an error that names it. Population columns: ``unit_id``, ``group``, ``population`` and
optionally ``sub_unit_id`` and ``sampled``.

Messages name the line and column of a CSV file (``line 5, column 'int_pbj_1'``; line 1 is the
header) or the row of a Parquet file (``row 4, column 'int_pbj_1'``; row 1 is the first).

CSV files are read by pyarrow's multithreaded reader when it is installed, else by numpy
(:mod:`spi_engine.survey.arrowcsv`); both give identical results and identical messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Violation
from .arrowcsv import Table, check_reader, read_csv_file
from .csvio import gather_text, to_csv_bytes
from .instrument import Instrument
from .instrument_checks import RESERVED_COLUMNS
from .labels import Labels, factorize
from .population import Population, population_from_columns
from .reasons import REASON_NAMES
from .responses import Responses, responses_from_columns
from .times import bad_times, iso_seconds, seconds_iso

REQUIRED = ("respondent_id", "unit_id", "group")
POPULATION_REQUIRED = ("unit_id", "group", "population")
POPULATION_OPTIONAL = ("sub_unit_id", "sampled")
PARQUET_SUFFIXES = (".parquet", ".pq")
UNIQUE_TEXT = ("respondent_id", "device_fingerprint")
"""text columns read as they are (nearly every value distinct), not dictionary-encoded"""
NULL_TIME = -(2**62)
SCREENING_COLUMNS = ("completion_seconds", "device_fingerprint", "submitted_at")
"""columns only screening uses"""


def _error(origin: str, where: str, description: str) -> InvalidInputError:
    return InvalidInputError([Violation(where, description)], context=origin)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def _check_header(
    header: tuple[str, ...], required: tuple[str, ...], allowed: set[str], origin: str, where: str
) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        raise _error(
            origin, where, f"expected columns {', '.join(required)}; missing: {', '.join(missing)}"
        )
    unknown = [name for name in header if name not in allowed]
    if unknown:
        raise _error(
            origin,
            f"{where}, column {unknown[0]!r}",
            f"{unknown[0]!r} is neither an item of the instrument nor a respondent column "
            f"({', '.join(RESERVED_COLUMNS)})",
        )


def read_responses(
    path: str | Path, instrument: Instrument, *, screening: bool = True, reader: str = "auto"
) -> Responses:
    """Validated Responses from a CSV or Parquet file.

    ``screening=False`` skips the columns only screening uses (completion_seconds,
    device_fingerprint, submitted_at): scoring does not need them. ``reader`` picks the CSV
    reader (:data:`~spi_engine.survey.arrowcsv.READERS`; ``auto``: pyarrow when installed).
    """
    path = Path(path)
    check_reader(reader)
    if _is_parquet(path):
        return _responses_parquet(path, instrument, screening)
    wanted = (
        None
        if screening
        else [c for c in RESERVED_COLUMNS + instrument.item_ids if c not in SCREENING_COLUMNS]
    )
    table = read_csv_file(path, wanted, instrument.item_ids, reader=reader)
    allowed = set(RESERVED_COLUMNS) | set(instrument.item_ids)
    _check_header(table.file_header, REQUIRED, allowed, str(path), "line 1")
    answers = table.code_columns([name for name in table.header if name in instrument.item_ids])
    use = set(table.header)
    return responses_from_columns(
        instrument,
        respondent_ids=table.text("respondent_id"),
        unit_ids=table.text("unit_id"),
        groups=table.text("group"),
        answers=answers,
        sub_unit_ids=table.text("sub_unit_id") if "sub_unit_id" in table.header else None,
        completion_seconds=table.numbers("completion_seconds")
        if "completion_seconds" in use
        else None,
        device_fingerprints=table.text("device_fingerprint")
        if "device_fingerprint" in use
        else None,
        submitted_at=_csv_times(table) if "submitted_at" in use else None,
        where=table.where,
        context=str(path),
    )


def _csv_times(table: Table) -> npt.NDArray[np.float64]:
    """ISO 8601 UTC times, or seconds since 1970, or a mix of both; anything else names its line."""
    raw = np.char.strip(table.raw("submitted_at"))
    seconds = iso_seconds(raw)
    bad = bad_times(raw, seconds)
    if bad.size == 0:
        return seconds
    if bad.size == raw.size - int((np.char.str_len(raw) == 0).sum()) and _numeric(raw):
        return table.numbers("submitted_at")
    for row in bad.tolist():
        try:
            seconds[row] = float(raw[row])
        except ValueError:
            raise _error(
                table.origin,
                table.where(row, "submitted_at"),
                "expected an ISO 8601 UTC time such as 2024-07-01T09:15:03, or seconds since "
                f"1970; got {raw[row].decode('utf-8', 'replace')!r}",
            ) from None
    return seconds


def _numeric(raw: npt.NDArray[np.bytes_]) -> bool:
    try:
        np.where(np.char.str_len(raw) == 0, b"nan", raw).astype(np.float64)
    except ValueError:
        return False
    return True


def read_population(path: str | Path, *, reader: str = "auto") -> Population:
    """A validated population table from a CSV or Parquet file (``reader`` as in
    :func:`read_responses`)."""
    path = Path(path)
    check_reader(reader)
    if _is_parquet(path):
        columns, where = _parquet_columns(
            path, set(POPULATION_REQUIRED + POPULATION_OPTIONAL), POPULATION_REQUIRED
        )
        return population_from_columns(
            columns["unit_id"],
            columns["group"],
            columns["population"],
            sampled=columns.get("sampled"),
            sub_unit_ids=columns.get("sub_unit_id"),
            where=where,
            context=str(path),
        )
    table = read_csv_file(path, reader=reader)
    allowed = set(POPULATION_REQUIRED + POPULATION_OPTIONAL)
    missing = [name for name in POPULATION_REQUIRED if name not in table.header]
    unknown = [name for name in table.header if name not in allowed]
    if missing or unknown:
        raise _error(
            str(path),
            "line 1",
            f"expected columns {', '.join(POPULATION_REQUIRED)} and optionally "
            f"{', '.join(POPULATION_OPTIONAL)}; missing: {', '.join(missing) or 'none'}; "
            f"unknown: {', '.join(unknown) or 'none'}",
        )
    return population_from_columns(
        table.text("unit_id"),
        table.text("group"),
        table.text("population"),
        sampled=table.text("sampled") if "sampled" in table.header else None,
        sub_unit_ids=table.text("sub_unit_id") if "sub_unit_id" in table.header else None,
        where=table.where,
        context=str(path),
    )


def _parquet_where(row: int, column: str) -> str:
    return f"row {row + 1}, column {column!r}"


def _arrow() -> Any:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow ships no type stubs
    except ImportError:
        raise _error(
            "", "", "Parquet files need pyarrow: pip install 'spi-engine[frames]'"
        ) from None
    return pq


def _parquet_columns(
    path: Path, allowed: set[str], required: tuple[str, ...], skip: set[str] | None = None
) -> tuple[dict[str, Any], Any]:
    pq = _arrow()
    try:
        header = tuple(pq.read_schema(path).names)
        _check_header(header, required, allowed, str(path), "schema")
        wanted = [name for name in header if name not in (skip or set())]
        table = pq.read_table(path, columns=wanted)
    except (OSError, ValueError) as error:
        raise _error(str(path), "", f"cannot read the Parquet file ({error})") from None
    return {name: _arrow_column(table.column(name), name) for name in wanted}, _parquet_where


def _arrow_column(column: Any, name: str) -> Any:
    """A numpy array (numbers: NaN for null; whole numbers: -1 for null; unique text: UTF-8
    bytes) or Labels (repeated text)."""
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # as above

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if name in UNIQUE_TEXT:
            return _arrow_bytes(
                pc.fill_null(column, "").combine_chunks(), pa.types.is_large_string(kind)
            )
        encoded = pc.dictionary_encode(pc.fill_null(column, "")).combine_chunks()
        names = tuple(str(v) for v in encoded.dictionary.to_pylist())
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return factorize(Labels(names, codes))
    if pa.types.is_timestamp(kind):
        seconds = pc.cast(column, pa.timestamp("ms", tz=kind.tz)).cast(pa.int64())
        return pc.fill_null(seconds, NULL_TIME).to_numpy().astype(np.float64) / 1000.0
    if pa.types.is_integer(kind):
        return pc.fill_null(column, -1).to_numpy()
    if pa.types.is_floating(kind):
        return pc.fill_null(column, float("nan")).to_numpy()
    return column.to_numpy(zero_copy_only=False)


def _arrow_bytes(array: Any, large: bool) -> npt.NDArray[np.bytes_]:
    """A string array's values as fixed-width UTF-8 bytes, straight from its buffers."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64 if large else np.int32)
    bounds: npt.NDArray[np.int64] = offsets[array.offset : array.offset + len(array) + 1].astype(
        np.int64
    )
    data = np.frombuffer(array.buffers()[2] or b"", dtype=np.uint8)
    return gather_text(data, bounds[:-1], bounds[1:])


def _responses_parquet(path: Path, instrument: Instrument, screening: bool) -> Responses:
    allowed = set(RESERVED_COLUMNS) | set(instrument.item_ids)
    skip = set() if screening else set(SCREENING_COLUMNS)
    columns, where = _parquet_columns(path, allowed, REQUIRED, skip)
    times = columns.get("submitted_at")
    if times is not None:
        times = (
            np.where(times <= NULL_TIME / 1000.0, np.nan, times)
            if times.dtype.kind == "f"
            else times
        )
    ids = columns["respondent_id"]
    return responses_from_columns(
        instrument,
        respondent_ids=ids.values() if isinstance(ids, Labels) else ids,
        unit_ids=columns["unit_id"],
        groups=columns["group"],
        answers={name: columns[name] for name in columns if name in instrument.item_ids},
        sub_unit_ids=columns.get("sub_unit_id"),
        completion_seconds=columns.get("completion_seconds"),
        device_fingerprints=_values(columns.get("device_fingerprint")),
        submitted_at=times,
        where=where,
        context=str(path),
    )


def _values(column: Any) -> Any:
    return column.values() if isinstance(column, Labels) else column


def respondent_header(instrument: Instrument) -> tuple[str, ...]:
    """The column order of respondent files written by :func:`write_responses`."""
    return (*RESERVED_COLUMNS[:4], *instrument.item_ids, *RESERVED_COLUMNS[4:])


def write_responses(columns: dict[str, Any], instrument: Instrument, path: str | Path) -> Path:
    """Write respondent columns (as made by the synthetic generator) to CSV or Parquet."""
    path = Path(path)
    header = [name for name in respondent_header(instrument) if name in columns]
    if _is_parquet(path):
        _write_parquet(columns, header, path)
    else:
        values = [seconds_iso(columns[n]) if n == "submitted_at" else columns[n] for n in header]
        path.write_bytes(to_csv_bytes(header, values))
    return path


def write_table(columns: dict[str, Any], path: str | Path) -> Path:
    """Write plain columns (a population table, ground truth) to CSV or Parquet."""
    path = Path(path)
    if _is_parquet(path):
        _write_parquet(columns, list(columns), path)
    else:
        path.write_bytes(to_csv_bytes(list(columns), list(columns.values())))
    return path


def _write_parquet(columns: dict[str, Any], header: list[str], path: Path) -> None:
    pq = _arrow()  # first: without pyarrow, the [frames] hint rather than an ImportError
    import pyarrow as pa

    arrays = []
    for name in header:
        values = np.asarray(columns[name])
        if name == "submitted_at":
            known = ~np.isnan(values)
            stamps = np.where(known, values, 0).astype("datetime64[s]")
            arrays.append(pa.array(stamps, mask=~known, type=pa.timestamp("s", tz="UTC")))
        elif values.dtype == np.int8:
            arrays.append(pa.array(values, mask=values < 0))
        elif values.dtype.kind == "U" and name in ("unit_id", "sub_unit_id", "group"):
            arrays.append(pa.array(values).dictionary_encode())
        else:
            arrays.append(pa.array(values))
    pq.write_table(pa.table(arrays, names=header), path)


def write_survey(
    columns: dict[str, Any],
    population: dict[str, Any],
    truth: npt.NDArray[np.int64] | None,
    instrument: Instrument,
    directory: str | Path,
    *,
    fmt: str = "csv",
) -> dict[str, Path]:
    """Write a survey's files into ``directory``: respondents, population and (when given) the
    ground truth of injected patterns (respondent_id, pattern), as ``csv`` or ``parquet``."""
    if fmt not in ("csv", "parquet"):
        raise _error("", "fmt", f"expected 'csv' or 'parquet'; got {fmt!r}")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "respondents": write_responses(columns, instrument, folder / f"respondents.{fmt}"),
        "population": write_table(population, folder / f"population.{fmt}"),
    }
    if truth is not None:
        names = np.array(["clean", *(name for name in TRUTH_NAMES)])
        paths["truth"] = write_table(
            {"respondent_id": columns["respondent_id"], "pattern": names[truth]},
            folder / f"truth.{fmt}",
        )
    return paths


TRUTH_NAMES = REASON_NAMES[1:]
