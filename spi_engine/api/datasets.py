"""The answer to ListDatasetUnits: the rows of a reference dataset, with their inputs.

A caller that lets a person pick an institution by name (the planner page, a notebook) needs the
rows themselves: id, name, year, group, the five inputs and the published index. The rows are
picked as every other RPC picks dataset units (:func:`~spi_engine.api.whatif.pick_rows`, the
same field paths in errors), then optionally kept by a case-insensitive text in the name. The
inputs travel as :func:`~spi_engine.api.scoring_messages.units_to_pb` writes them, so a caller that scores a
row sends back exactly what the engine read.

>>> from spi.v1 import simulation_pb2 as pb
>>> from spi_engine import bundled
>>> from spi_engine.datasets import Datasets, dataset_from_table
>>> from spi_engine.tabular import parse_csv
>>> text = "year,institution_id,name,type,internal,external,expert,correction,index\\n"
>>> text += "2024,7,KOTA CONTOH,kota,80,85,75,1.5,78.91\\n"
>>> data = Datasets({"d": dataset_from_table(parse_csv(text, "d.csv"), "d")})
>>> request = pb.ListDatasetUnitsRequest(name_contains="contoh",
...     units=pb.UnitSelection(dataset=pb.DatasetUnits(dataset="d")))
>>> row = list_dataset_units(request, Sources(bundled(), data)).units[0]
>>> row.name, row.year, row.input.unit_id, row.input.correction, row.published_index
('KOTA CONTOH', 2024, '7', 1.5, 78.91)
"""

from __future__ import annotations

import math

import numpy as np

from spi.v1 import simulation_pb2 as pb

from ..errors import InvalidInputError, LimitExceededError, Violation
from .scoring_messages import units_to_pb
from .whatif import Sources, pick_rows

__all__ = ["list_dataset_units"]


def list_dataset_units(
    request: pb.ListDatasetUnitsRequest, sources: Sources
) -> pb.ListDatasetUnitsResponse:
    """The selected rows of a dataset (names containing ``name_contains``), in file order."""
    if request.units.WhichOneof("source") != "dataset":
        raise InvalidInputError(
            [Violation("units", "expected a dataset selection (units.dataset); got none")]
        )
    selection = request.units.dataset
    data = pick_rows(sources.datasets.get(selection.dataset), selection)
    if request.name_contains:
        needle = request.name_contains.casefold()
        data = data.take([i for i, name in enumerate(data.names) if needle in name.casefold()])
    limit = sources.limits.max_units
    if len(data) > limit:
        raise LimitExceededError("units per request", limit, len(data))
    rows = [
        pb.DatasetUnit(input=unit, name=name, year=int(year), flag=flag)
        for unit, name, year, flag in zip(
            units_to_pb(data.units), data.names, data.years.tolist(), data.flags, strict=True
        )
    ]
    for row, published in zip(rows, np.asarray(data.published_index).tolist(), strict=True):
        if not math.isnan(published):
            row.published_index = published
    return pb.ListDatasetUnitsResponse(dataset=data.name, dataset_sha256=data.sha256, units=rows)
