"""The peers of the survey benchmarks: the same work in pandas and in polars, and ours.

Each peer computes, from respondent answers: item scores (answer code -> points), respondent
dimension scores (mean of the item scores present), the component (weighted mean of the
dimension scores present, weights renormalised), then per unit and per (unit, sub-unit) the
mean, standard deviation and count of every dimension, the same of the component per group, and
answers counted per item. From a file, reading it is part of the work (``read_csv`` of the
columns scoring needs, answers as small integers).

Not a benchmark of its own: ``bench.survey`` and ``bench._survey_curve`` use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spi_engine import bundled
from spi_engine.survey import (
    Instrument,
    population_from_columns,
    read_population,
    read_responses,
    responses_from_columns,
    score_survey,
)

TEXT = ("respondent_id", "unit_id", "sub_unit_id", "group")


def wanted(inst: Instrument) -> list[str]:
    """The columns scoring reads."""
    return [*TEXT, *inst.item_ids]


def ours_in_process(inst: Instrument, columns: dict[str, Any], population: dict[str, Any]) -> Any:
    """Validate respondent columns already in memory and score every unit and sub-unit."""
    responses = responses_from_columns(
        inst,
        respondent_ids=columns["respondent_id"],
        unit_ids=columns["unit_id"],
        groups=columns["group"],
        answers={item: columns[item] for item in inst.item_ids},
        sub_unit_ids=columns["sub_unit_id"],
    )
    table = population_from_columns(
        population["unit_id"],
        population["group"],
        population["population"],
        sampled=population["sampled"],
        sub_unit_ids=population["sub_unit_id"],
    )
    return score_survey(responses, bundled().get("spi-2024"), population=table)


def ours_from_file(inst: Instrument, respondents: Path, population: Path) -> Any:
    """Read, validate and score a respondent file (CSV or Parquet) with its population table."""
    responses, table = ours_read(inst, respondents, population)
    return score_survey(responses, bundled().get("spi-2024"), population=table)


def ours_read(inst: Instrument, respondents: Path, population: Path) -> Any:
    """The respondent file read and validated, and its population table: what
    :func:`ours_from_file` scores."""
    return read_responses(respondents, inst, screening=False), read_population(population)


def pandas_scores(frame: Any, inst: Instrument) -> dict[str, Any]:
    """A straightforward pandas implementation: item scores by ``map``, respondent dimension
    scores by row means, the component as a weighted mean, then group-by means, standard
    deviations and counts per unit and per (unit, sub-unit), and answers counted per item."""
    import pandas as pd

    dims = {}
    for d, dim in enumerate(inst.dimension_ids):
        scores = []
        for i in np.flatnonzero(inst.item_dimension == d).tolist():
            mapping = {code: p for code, p in enumerate(inst.score_table[i]) if not np.isnan(p)}
            scores.append(frame[inst.item_ids[i]].map(mapping))
        dims[dim] = pd.concat(scores, axis=1).mean(axis=1)
    table = pd.DataFrame(dims)
    weights = pd.Series(inst.dimension_weight, index=list(inst.dimension_ids))
    has = table.notna()
    table["component"] = (table.fillna(0) * weights).sum(axis=1) / (has * weights).sum(axis=1)
    for name in ("unit_id", "sub_unit_id", "group"):
        table[name] = frame[name]
    out: dict[str, Any] = {}
    for keys in (["unit_id"], ["unit_id", "sub_unit_id"]):
        grouped = table.groupby(keys)
        out["/".join(keys)] = grouped[list(inst.dimension_ids)].agg(["mean", "std", "count"])
        out["/".join(keys) + "/component"] = table.groupby([*keys, "group"])["component"].agg(
            ["mean", "std", "count"]
        )
        out["/".join(keys) + "/items"] = frame.groupby(keys)[list(inst.item_ids)].count()
    return out


def pandas_in_process(inst: Instrument, columns: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    return pandas_scores(pd.DataFrame({name: columns[name] for name in wanted(inst)}), inst)


def pandas_from_file(inst: Instrument, path: Path) -> dict[str, Any]:
    return pandas_scores(pandas_read(inst, path), inst)


def pandas_read(inst: Instrument, path: Path) -> Any:
    """The respondent file (CSV or Parquet) as the pandas frame its scoring takes."""
    import pandas as pd

    if path.suffix == ".csv":
        frame = pd.read_csv(path, usecols=wanted(inst), keep_default_na=False, na_values=[""])
        frame["sub_unit_id"] = frame["sub_unit_id"].fillna("")
    else:
        frame = pd.read_parquet(path, columns=wanted(inst))
        frame["sub_unit_id"] = frame["sub_unit_id"].astype(str)
    return frame


def polars_scores(frame: Any, inst: Instrument) -> dict[str, Any]:
    """The same work in polars expressions: ``replace_strict`` for item scores,
    ``mean_horizontal`` for dimension scores, horizontal sums for the component, ``group_by``
    with mean, std and count. Eager: on this work it ran twice as fast as the same lazy query
    collected with ``collect_all``."""
    import polars as pl

    dims = {}
    for d, dim in enumerate(inst.dimension_ids):
        scores = []
        for i in np.flatnonzero(inst.item_dimension == d).tolist():
            codes = [c for c, p in enumerate(inst.score_table[i]) if not np.isnan(p)]
            points = [float(inst.score_table[i][c]) for c in codes]
            scores.append(
                pl.col(inst.item_ids[i]).replace_strict(
                    codes, points, default=None, return_dtype=pl.Float64
                )
            )
        dims[dim] = pl.mean_horizontal(scores)
    weight = dict(zip(inst.dimension_ids, inst.dimension_weight.tolist(), strict=True))
    weighted = pl.sum_horizontal([pl.col(d).fill_null(0) * weight[d] for d in inst.dimension_ids])
    present = pl.sum_horizontal(
        [pl.col(d).is_not_null().cast(pl.Float64) * weight[d] for d in inst.dimension_ids]
    )
    table = frame.select("unit_id", "sub_unit_id", "group", **dims).with_columns(
        component=weighted / present
    )
    out: dict[str, Any] = {}
    for keys in (["unit_id"], ["unit_id", "sub_unit_id"]):
        name = "/".join(keys)
        stats = [
            getattr(pl.col(d), how)().alias(f"{d}/{how}")
            for d in inst.dimension_ids
            for how in ("mean", "std", "count")
        ]
        out[name] = table.group_by(keys).agg(stats)
        out[name + "/component"] = table.group_by([*keys, "group"]).agg(
            [getattr(pl.col("component"), how)().alias(how) for how in ("mean", "std", "count")]
        )
        out[name + "/items"] = frame.group_by(keys).agg(pl.col(list(inst.item_ids)).count())
    return out


def polars_in_process(inst: Instrument, columns: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    return polars_scores(pl.DataFrame({name: columns[name] for name in wanted(inst)}), inst)


def polars_from_file(inst: Instrument, path: Path) -> dict[str, Any]:
    return polars_scores(polars_read(inst, path), inst)


def polars_read(inst: Instrument, path: Path) -> Any:
    """The respondent file (CSV or Parquet) as the polars frame its scoring takes."""
    import polars as pl

    if path.suffix == ".csv":
        return pl.read_csv(
            path,
            columns=wanted(inst),
            schema_overrides={item: pl.Int8 for item in inst.item_ids},
            null_values=[""],
        ).with_columns(pl.col("sub_unit_id").fill_null(""))
    return pl.read_parquet(path, columns=wanted(inst))


def agree(ours: Any, theirs: dict[str, Any], inst: Instrument) -> float:
    """The largest difference between our unit dimension scores and pandas' (points)."""
    frame = theirs["unit_id"]
    means = np.column_stack([frame[(d, "mean")].to_numpy() for d in inst.dimension_ids])
    order = [list(frame.index).index(u) for u in ours.units.unit_ids]
    diff = np.abs(means[order] - ours.units.estimates.dimension_score)
    return float(np.nanmax(diff))


def agree_polars(ours: Any, theirs: dict[str, Any], inst: Instrument) -> float:
    """The largest difference between our unit dimension scores and polars' (points)."""
    frame = theirs["unit_id"]
    units = frame["unit_id"].to_list()
    means = np.column_stack(
        [frame[f"{d}/mean"].to_numpy().astype(np.float64) for d in inst.dimension_ids]
    )
    order = [units.index(u) for u in ours.units.unit_ids]
    diff = np.abs(means[order] - ours.units.estimates.dimension_score)
    return float(np.nanmax(diff))
