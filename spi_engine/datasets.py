"""Reference datasets: results files in the published format, loaded once and addressed by name.

A dataset is a results table (``year,institution_id,name,type,internal,external,expert,
correction_integrity,correction_prevalence,index,flag`` for ``../shared/data/spi-published/``;
any file :func:`~spi_engine.tabular.units_from_table` reads will do) turned into Units (id: the
``unit_id``/``institution_id`` column, group: ``group``/``type``) plus its metadata: name, year,
published index and flag of every row. Callers address units by dataset and id, and run a
scenario over a whole dataset: the interventions are applied to every row at once, then each
year is scored under its own ruleset (``spi-YEAR`` from a catalog), baseline beside scenario.

The baseline of a dataset scenario is the engine's recomputation of each row, not the published
index: the two agree within 0.02 except for the 179 rows flagged ``extra_deduction_2022``, and a
what-if compares like with like. Rows flagged ``withheld_by_kpk`` (never officially published)
are left out by default, as they are from the national index.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from . import levers
from .catalog import Catalog, bundled
from .comparison import Comparison
from .errors import InvalidInputError, UnknownDatasetError, Violation, shown
from .levers import BoolArray, frozen
from .numeric import FloatArray, IntArray
from .ruleset import Ruleset
from .scenario import Scenario, apply, side_by_side
from .tabular import Table, find_column, numbers, parse_csv, units_from_table
from .units import Units
from .variants import derive_variant

WITHHELD = "withheld_by_kpk"
DEFAULT_EXCLUDED = (WITHHELD,)


@dataclass(frozen=True)
class Dataset:
    """One results file as units plus metadata, in file order."""

    name: str
    origin: str
    sha256: str
    """sha256 of the file's bytes (empty when built from a table)"""
    units: Units
    years: IntArray
    """0 where the file has no year column"""
    names: tuple[str, ...]
    published_index: FloatArray
    """NaN where the file has no published index"""
    flags: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.units)

    @property
    def year_list(self) -> tuple[int, ...]:
        return tuple(int(y) for y in np.unique(self.years))

    def take(self, rows: Sequence[int] | IntArray) -> Dataset:
        """The rows ``rows`` as a dataset of the same name."""
        index = np.asarray(rows, dtype=np.intp)
        return Dataset(
            name=self.name,
            origin=self.origin,
            sha256=self.sha256,
            units=self.units.take(index),
            years=frozen(self.years[index]),
            names=_pick(self.names, index),
            published_index=frozen(self.published_index[index]),
            flags=_pick(self.flags, index),
        )

    def for_year(self, year: int) -> Dataset:
        rows = np.flatnonzero(self.years == year)
        if not rows.size:
            raise InvalidInputError(
                [
                    Violation(
                        "year",
                        f"dataset {self.name!r} has no rows for {year}; years: {self.year_list}",
                    )
                ]
            )
        return self.take(rows)

    def without_flags(self, flags: Iterable[str]) -> Dataset:
        """The rows whose flag is not in ``flags`` (this dataset itself when none is)."""
        dropped = set(flags)
        if dropped.isdisjoint(self.flags):
            return self
        keep = ~np.isin(
            np.asarray(self.flags, dtype=object), np.asarray(sorted(dropped), dtype=object)
        )
        return self.take(np.flatnonzero(keep))

    def rows_of(self, ids: Sequence[str]) -> IntArray:
        """Row of each id, in the order asked; an unknown id is an error naming it."""
        have = np.asarray(self.units.ids, dtype=str)
        wanted = np.asarray(list(ids), dtype=str)
        order = np.argsort(have, kind="stable")
        found = np.minimum(np.searchsorted(have[order], wanted), max(have.size - 1, 0))
        rows = order[found] if have.size else np.zeros(wanted.size, dtype=np.intp)
        missing = (have[rows] != wanted) if have.size else np.ones(wanted.size, dtype=bool)
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise InvalidInputError(
                [
                    Violation(
                        f"unit_ids[{i}]",
                        f"dataset {self.name!r} has no unit with id {shown(str(wanted[i]))}",
                    )
                ]
            )
        return rows.astype(np.int64)

    def units_by_id(self, ids: Sequence[str]) -> Units:
        """The units with these ids, in that order."""
        return self.units.take(self.rows_of(ids))


def dataset_from_table(table: Table, name: str, sha256: str = "") -> Dataset:
    """A Dataset from a parsed results table (pure)."""
    units = units_from_table(table)
    size = len(units)
    year_column = find_column(table, ("year",))
    years = numbers(table, "year") if year_column else np.zeros(size)
    if not np.all(years == np.floor(years)):
        row = int(np.flatnonzero(years != np.floor(years))[0])
        raise InvalidInputError(
            [
                Violation(
                    table.where(row, "year"), f"expected a whole year; got {float(years[row])!r}"
                )
            ]
        )
    published = (
        numbers(table, "index", optional=True) if "index" in table.header else np.full(size, np.nan)
    )
    return Dataset(
        name=name,
        origin=table.origin,
        sha256=sha256,
        units=units,
        years=frozen(years.astype(np.int64)),
        names=_text(table, "name", size),
        published_index=frozen(np.asarray(published, dtype=np.float64)),
        flags=_text(table, "flag", size),
    )


def _pick(texts: tuple[str, ...], index: IntArray | npt.NDArray[np.intp]) -> tuple[str, ...]:
    picked: list[str] = np.asarray(texts, dtype=object)[index].tolist()
    return tuple(picked)


def _text(table: Table, column: str, size: int) -> tuple[str, ...]:
    return (
        tuple(cell.strip() for cell in table.column(column))
        if column in table.header
        else ("",) * size
    )


def load_dataset(path: str | Path, name: str | None = None) -> Dataset:
    """A Dataset from a CSV results file; its name defaults to the file's stem."""
    path = Path(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            [Violation("", f"cannot read the file ({error})")], context=str(path)
        ) from None
    table = parse_csv(text, str(path))
    return dataset_from_table(table, name or path.stem, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Datasets:
    """Reference datasets by name (immutable)."""

    datasets: Mapping[str, Dataset]

    def __post_init__(self) -> None:
        object.__setattr__(self, "datasets", MappingProxyType(dict(sorted(self.datasets.items()))))

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self.datasets.values())

    def __len__(self) -> int:
        return len(self.datasets)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.datasets)

    def get(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            raise UnknownDatasetError(name, self.names) from None


def load_datasets(paths: Mapping[str, str | Path]) -> Datasets:
    """Datasets from files, by the names given."""
    return Datasets({name: load_dataset(path, name) for name, path in paths.items()})


@dataclass(frozen=True)
class DatasetSimulation:
    """A scenario over a dataset: one side-by-side comparison per year (its own ruleset)."""

    dataset: Dataset
    """the rows simulated (after leaving out excluded flags), in file order"""
    scenario: Scenario
    years: tuple[int, ...]
    rows: tuple[IntArray, ...]
    """rows of ``dataset`` in each year's comparison"""
    comparisons: tuple[Comparison, ...]
    capped: BoolArray
    """(rows, levers) of ``dataset``"""
    excluded: int
    """rows left out because of their flag"""

    def for_year(self, year: int) -> Comparison:
        if year not in self.years:
            raise InvalidInputError(
                [Violation("year", f"expected one of {self.years}; got {year!r}")]
            )
        return self.comparisons[self.years.index(year)]


def simulate_dataset(
    dataset: Dataset,
    scenario: Scenario,
    *,
    catalog: Catalog | None = None,
    ruleset: Ruleset | None = None,
    exclude_flags: Sequence[str] = DEFAULT_EXCLUDED,
) -> DatasetSimulation:
    """Run ``scenario`` over every row; each year under ``ruleset`` or its ``spi-YEAR`` ruleset.

    The interventions are applied to the whole dataset at once (so a selection by id or group
    is checked against the whole dataset), then each year is scored, baseline beside scenario.
    """
    kept = dataset.without_flags(exclude_flags) if exclude_flags else dataset
    applied = apply(kept.units, scenario.interventions)
    years, order, ends = _by_year(kept, ruleset)
    in_order = bool(np.all(order == np.arange(order.size)))
    before, after = (u if in_order else u.take(order) for u in (kept.units, applied.units))
    comparisons = []
    for year, (start, stop) in zip(years, itertools.pairwise(ends), strict=True):
        rules = ruleset or (catalog or bundled()).for_year(year)
        variant = None if scenario.variant is None else derive_variant(rules, scenario.variant)
        sides = [levers.rows_slice(side, start, stop) for side in (before, after)]
        comparisons.append(side_by_side(rules, sides[0], sides[1], variant))
    return DatasetSimulation(
        dataset=kept,
        scenario=scenario,
        years=years,
        rows=tuple(frozen(order[start:stop]) for start, stop in itertools.pairwise(ends)),
        comparisons=tuple(comparisons),
        capped=applied.capped,
        excluded=len(dataset) - len(kept),
    )


def _by_year(
    dataset: Dataset, ruleset: Ruleset | None
) -> tuple[tuple[int, ...], IntArray, list[int]]:
    """(years, row order grouping the years, where each year starts and ends in that order)."""
    if ruleset is not None:
        return (0,), np.arange(len(dataset), dtype=np.int64), [0, len(dataset)]
    years = dataset.year_list
    if 0 in years:
        raise InvalidInputError(
            [
                Violation(
                    "ruleset", f"dataset {dataset.name!r} has no year column; expected a ruleset"
                )
            ]
        )
    order = np.argsort(dataset.years, kind="stable").astype(np.int64)
    counts = np.bincount(np.searchsorted(years, dataset.years), minlength=len(years))
    return years, order, [0, *np.cumsum(counts).tolist()]
