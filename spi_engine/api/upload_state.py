"""What a ScoreSurvey upload keeps between chunks: the folded statistics and the respondent ids.

Both are built chunk by chunk as the upload is read, with memory bounded by the upload's cells
and ids (not by chunks times cells, nor by its longest id times its ids), and both give what a
single batch of every respondent would: the statistics of :func:`spi_engine.survey.stats.merge`
exactly, and every repeated respondent id.
"""

from __future__ import annotations

import numpy as np

from ..survey import SurveyStats
from ..survey.instrument import Instrument
from ..survey.stats import Layout

WIDTHS = (8, 16, 32, 64, 128)
"""Ids are kept in classes by length (up to 8 characters, up to 16, ...), each class at its own
width, so one long id widens only the ids of its class (a fixed-width array is as wide as its
longest string)."""


class CellFold:
    """Statistics of chunks folded as they come: a chunk's cells are found among the cells so far
    by their (unit, sub-unit) and its rows added there in int64, exactly (each cell once per
    chunk, so no np.add.at); memory stays one row per cell. :meth:`stats` gives what merging
    every chunk's statistics gives (:func:`spi_engine.survey.stats.merge`), cells sorted by
    (unit id, sub-unit id)."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.rows: dict[tuple[str, str], int] = {}
        self.counts = np.zeros((0, Layout.of(instrument).columns), dtype=np.int64)
        self.first = np.zeros(0, dtype=np.int64)

    def add(self, part: SurveyStats) -> None:
        """Add one chunk's statistics (rows numbered across the upload)."""
        keys = zip(part.unit_ids, part.sub_unit_ids, strict=True)
        rows = np.fromiter(
            (self.rows.setdefault(key, len(self.rows)) for key in keys),
            dtype=np.int64,
            count=len(part.unit_ids),
        )
        new = len(self.rows) - self.first.size
        if new:
            self.counts = np.concatenate(
                (self.counts, np.zeros((new, self.counts.shape[1]), dtype=np.int64))
            )
            self.first = np.concatenate(
                (self.first, np.full(new, np.iinfo(np.int64).max, dtype=np.int64))
            )
        self.counts[rows] += part.counts
        self.first[rows] = np.minimum(self.first[rows], part.first_row)

    def stats(self) -> SurveyStats:
        keys = list(self.rows)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        return SurveyStats(
            self.instrument,
            tuple(keys[i][0] for i in order),
            tuple(keys[i][1] for i in order),
            self.counts[order],
            self.first[order],
        )


class SeenIds:
    """The respondent ids of the chunks so far, in sorted runs per length class.

    Runs of about equal size are merged (a binary counter), so a chunk is looked up in at most
    log2(chunks) runs per class and checking an upload costs O(n log n) whatever the chunk size.
    """

    def __init__(self) -> None:
        self.runs: dict[int, list[np.ndarray]] = {}

    def repeated(self, ids: np.ndarray) -> np.ndarray:
        """Rows of ``ids`` (a unicode array) whose id came in an earlier chunk, in row order."""
        found = np.zeros(ids.size, dtype=bool)
        classes = _classes(ids)
        for group in np.unique(classes).tolist():
            rows = np.flatnonzero(classes == group)
            wanted = ids[rows]
            for run in self.runs.get(group, ()):
                at = np.minimum(np.searchsorted(run, wanted), run.size - 1)
                found[rows] |= run[at] == wanted
        return np.flatnonzero(found)

    def add(self, ids: np.ndarray) -> None:
        """Remember a chunk's ids (checked by :meth:`repeated` first)."""
        classes = _classes(ids)
        for group in np.unique(classes).tolist():
            width = WIDTHS[group] if group < len(WIDTHS) else None
            values = ids[classes == group]
            runs = self.runs.setdefault(group, [])
            runs.append(np.sort(values.astype(f"U{width}") if width else values))
            while len(runs) > 1 and runs[-1].size >= runs[-2].size:
                newer, older = runs.pop(), runs.pop()
                runs.append(np.sort(np.concatenate((older, newer)), kind="stable"))


def _classes(ids: np.ndarray) -> np.ndarray:
    """Each id's length class: 0 up to 8 characters, 1 up to 16, ..., len(WIDTHS) beyond."""
    result: np.ndarray = np.searchsorted(np.array(WIDTHS), np.char.str_len(ids), side="left")
    return result
