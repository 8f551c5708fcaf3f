"""Text columns as codes: sorted distinct names and one integer code per row, found without a loop.

Strings are hashed column-wise (a 64-bit FNV-style hash over their characters), the hashes are
sorted, and every row is checked against the first row with its hash, so a hash collision can
never merge two names: when one occurs the column falls back to an exact sort of the strings.

>>> labels = factorize(["b", "a", "b", ""])
>>> labels.names, labels.codes.tolist()
(('', 'a', 'b'), [2, 1, 2, 0])
>>> repeats(["x", "y", "x"]).tolist()
[2]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..numeric import IntArray

StrArray = npt.NDArray[np.str_]
FNV_PRIME = np.uint64(1099511628211)
FNV_OFFSET = np.uint64(14695981039346656037)


@dataclass(frozen=True)
class Labels:
    """A text column: ``names[codes[i]]`` is row i's value; names are sorted and distinct."""

    names: tuple[str, ...]
    codes: IntArray

    def __len__(self) -> int:
        return int(self.codes.size)

    def values(self) -> StrArray:
        """The column as a numpy string array."""
        table = np.array(self.names if self.names else [""], dtype=str)
        result: StrArray = table[self.codes]
        return result

    def take(self, rows: npt.NDArray[np.intp]) -> Labels:
        return Labels(self.names, _frozen(self.codes[rows]))


def as_strings(values: Any) -> StrArray:
    """``values`` as a 1-D numpy unicode array (bytes are decoded as UTF-8)."""
    if isinstance(values, Labels):
        return values.values()
    array = np.asarray(values)
    if array.dtype.kind == "S":
        ascii_only = bool((np.ascontiguousarray(array).view(np.uint8) < 128).all())
        width = max(array.dtype.itemsize, 1)
        array = array.astype(f"U{width}") if ascii_only else np.char.decode(array, "utf-8")
    elif array.dtype.kind != "U":
        array = array.astype(str)
    result: StrArray = array.reshape(-1)
    return result


TextArray = npt.NDArray[np.str_] | npt.NDArray[np.bytes_]


def as_text(values: Any) -> TextArray:
    """``values`` as a 1-D numpy text array; UTF-8 bytes stay bytes (hashed and compared as such)."""
    if isinstance(values, Labels):
        return values.values()
    array = np.asarray(values)
    if array.dtype.kind not in "US":
        return as_strings(array)
    result: TextArray = array.reshape(-1)
    return result


def string_hashes(strings: TextArray) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each string (unicode or bytes), eight bytes at a time: each word is
    xored in, multiplied by the FNV prime, and the high half folded into the low half."""
    size = strings.dtype.itemsize
    raw = np.ascontiguousarray(strings).view(np.uint8).reshape(strings.size, size)
    if size % 8:
        raw = np.concatenate((raw, np.zeros((strings.size, 8 - size % 8), np.uint8)), axis=1)
    words = raw.view(np.uint64)
    result = np.full(strings.size, FNV_OFFSET, dtype=np.uint64)
    for column in range(words.shape[1]):
        result ^= words[:, column]
        result *= FNV_PRIME
        result ^= result >> np.uint64(32)
    return result


def _first_rows(strings: TextArray) -> tuple[npt.NDArray[np.intp], IntArray]:
    """(first, inverse): the first row of each distinct value (in hash order), each row's code."""
    if strings.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    _, inverse = np.unique(string_hashes(strings), return_inverse=True)
    inverse = inverse.astype(np.int64).reshape(-1)
    first = np.full(int(inverse.max()) + 1, strings.size, dtype=np.intp)
    np.minimum.at(first, inverse, np.arange(strings.size, dtype=np.intp))
    if bool((strings[first[inverse]] == strings).all()):
        return first, inverse
    _, first, inverse = np.unique(strings, return_index=True, return_inverse=True)
    return first.astype(np.intp), inverse.astype(np.int64).reshape(-1)


def factorize(values: Any) -> Labels:
    """Labels from text (unicode or UTF-8 bytes), a Labels (re-sorted, repeats merged) or numbers."""
    if isinstance(values, Labels):
        return _normalise(values)
    strings = as_text(values)
    first, inverse = _first_rows(strings)
    names = as_strings(strings[first])
    order = np.argsort(names, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return Labels(tuple(names[order].tolist()), _frozen(rank[inverse]))


def _normalise(labels: Labels) -> Labels:
    merged = (
        factorize(np.array(labels.names, dtype=str)) if labels.names else Labels((), labels.codes)
    )
    if not labels.names:
        return labels
    return Labels(merged.names, _frozen(merged.codes[labels.codes]))


@dataclass(frozen=True)
class Pairs:
    """Two parallel text columns (units and sub-units) and their distinct pairs ("cells")."""

    first: Labels
    second: Labels
    cells: IntArray
    """each row's position among the distinct pairs"""
    keys: IntArray
    """each distinct pair as ``first code * len(second.names) + second code``, sorted"""


def factorize_pair(first: Any, second: Any) -> Pairs:
    """Labels of two parallel text columns and of their pairs, found with one pass over the rows.

    The pairs are factorised once (by a hash of both strings); each column's own labels are then
    found among the distinct pairs only, which are few (units and their sub-units).

    >>> p = factorize_pair(["u2", "u1", "u2"], ["x", "", "x"])
    >>> p.first.names, p.first.codes.tolist(), p.second.names, p.cells.tolist(), p.keys.tolist()
    (('u1', 'u2'), [1, 0, 1], ('', 'x'), [1, 0, 1], [0, 3])
    """
    left, right = as_text(first), as_text(second)
    if left.size:
        hashes = string_hashes(left) * FNV_PRIME ^ string_hashes(right)
        _, inverse = np.unique(hashes, return_inverse=True)
        inverse = inverse.astype(np.int64).reshape(-1)
        rep = np.full(int(inverse.max()) + 1, left.size, dtype=np.intp)
        np.minimum.at(rep, inverse, np.arange(left.size, dtype=np.intp))
        rows = rep[inverse]
        if bool((left[rows] == left).all()) and bool((right[rows] == right).all()):
            a, b = factorize(left[rep]), factorize(right[rep])
            pair_keys = a.codes * max(len(b.names), 1) + b.codes
            order = np.argsort(pair_keys)
            rank = np.empty(order.size, dtype=np.int64)
            rank[order] = np.arange(order.size)
            return Pairs(
                Labels(a.names, _frozen(a.codes[inverse])),
                Labels(b.names, _frozen(b.codes[inverse])),
                _frozen(rank[inverse]),
                _frozen(pair_keys[order]),
            )
    a, b = factorize(left), factorize(right)
    keys = a.codes * max(len(b.names), 1) + b.codes
    distinct, cells = np.unique(keys, return_inverse=True)
    return Pairs(
        a, b, _frozen(cells.reshape(-1).astype(np.int64)), _frozen(distinct.astype(np.int64))
    )


def factorize_pair_codes(first: Labels, second: Labels) -> Pairs:
    """What :func:`factorize_pair` gives for two columns already dictionary-encoded (as a chunk's
    text columns arrive), found from their codes alone: no string is hashed or compared per row.
    Both must hold sorted, distinct names (what Labels promises, and text_labels gives); names
    no row uses are dropped, as :func:`factorize_pair` never sees them.

    >>> p = factorize_pair_codes(Labels(("u1", "u2", "u9"), np.array([1, 0, 1])),
    ...     Labels(("", "x"), np.array([1, 0, 1])))
    >>> p.first.names, p.first.codes.tolist(), p.second.names, p.cells.tolist(), p.keys.tolist()
    (('u1', 'u2'), [1, 0, 1], ('', 'x'), [1, 0, 1], [0, 3])
    """
    a, b = _used(first), _used(second)
    keys = a.codes * max(len(b.names), 1) + b.codes
    space = len(a.names) * max(len(b.names), 1)
    if space <= 4 * keys.size + 4096:
        present = np.zeros(space, dtype=bool)
        present[keys] = True
        distinct = np.flatnonzero(present).astype(np.int64)
        rank = np.cumsum(present, dtype=np.int64) - 1
        cells = rank[keys]
    else:
        distinct, cells = np.unique(keys, return_inverse=True)
    return Pairs(
        a, b, _frozen(cells.reshape(-1).astype(np.int64)), _frozen(distinct.astype(np.int64))
    )


def _used(labels: Labels) -> Labels:
    """``labels`` without the names no row uses (codes renumbered, order kept)."""
    codes = np.asarray(labels.codes, dtype=np.int64)
    used = np.bincount(codes, minlength=len(labels.names)) > 0
    if bool(used.all()):
        return Labels(labels.names, _frozen(codes))
    new = np.cumsum(used, dtype=np.int64) - 1
    names = tuple(n for n, u in zip(labels.names, used.tolist(), strict=True) if u)
    return Labels(names, _frozen(new[codes]))


def repeats(values: Any) -> npt.NDArray[np.intp]:
    """Rows whose value occurred in an earlier row, in row order."""
    strings = as_text(values)
    hashes = np.sort(string_hashes(strings))
    if not bool((hashes[1:] == hashes[:-1]).any()):
        return np.zeros(0, dtype=np.intp)
    first, inverse = _first_rows(strings)
    rows: npt.NDArray[np.intp] = np.flatnonzero(first[inverse] != np.arange(strings.size))
    return rows


def first_occurrence(values: Any, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """For each of ``rows``, the first row holding the same value."""
    strings = as_text(values)
    first, inverse = _first_rows(strings)
    result: npt.NDArray[np.intp] = first[inverse[rows]]
    return result


def show(value: Any) -> str:
    """A cell value as it reads in a message: text in quotes (bytes decoded), numbers as numbers.

    >>> show(b"staff"), show(np.str_("x")), show(np.float64(2.5)), show(np.int64(7))
    ("'staff'", "'x'", '2.5', '7')
    """
    if isinstance(value, bytes):
        return repr(value.decode("utf-8", "replace"))
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, np.generic):
        return show(value.item())
    return repr(value)


def key_rows(table: Sequence[Any], wanted: Sequence[Any]) -> IntArray:
    """For each wanted key, the row of ``table`` holding it; -1 where absent.

    ``table`` and ``wanted`` are parallel sequences of key columns (text or integers), e.g.
    ``(unit_ids, sub_unit_ids, groups)``. The first matching row wins.

    >>> key_rows((["a", "b"], [0, 1]), (["b", "b", "c"], [1, 0, 0])).tolist()
    [1, -1, -1]
    """
    size = len(table[0])
    keys = np.zeros(size + len(wanted[0]), dtype=np.int64)
    for mine, theirs in zip(table, wanted, strict=True):
        both = np.concatenate((np.asarray(mine), np.asarray(theirs)))
        labels = factorize(both) if both.dtype.kind in "USO" else _int_labels(both)
        keys = keys * max(len(labels.names), 1) + labels.codes
    if size == 0:
        return np.full(keys.size, -1, dtype=np.int64)
    order = np.argsort(keys[:size], kind="stable")
    sorted_keys = keys[:size][order]
    pos = np.minimum(np.searchsorted(sorted_keys, keys[size:]), size - 1)
    result: IntArray = np.where(sorted_keys[pos] == keys[size:], order[pos], -1).astype(np.int64)
    return result


def _int_labels(values: npt.NDArray[Any]) -> Labels:
    names, codes = np.unique(values, return_inverse=True)
    return Labels(tuple(str(n) for n in names.tolist()), codes.astype(np.int64).reshape(-1))


def _frozen(array: IntArray) -> IntArray:
    array.flags.writeable = False
    return array
