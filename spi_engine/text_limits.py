"""The longest id or name a request may carry, checked where messages become values.

Ids and names (unit ids, groups, respondent and device ids) are echoed in answers and used as
keys; one 10,000-character id used to make every id of a batch 10,000 characters wide in a
fixed-width numpy array (gigabytes for a 200 KB request). Longer texts are refused, each named by
its field, so memory stays proportional to the request.

>>> too_long(["a", "b" * 300], lambda i: f"unit_ids[{i}]")
[Violation(field='unit_ids[1]', description='expected at most 256 characters; got 300')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .errors import InvalidInputError, Violation

MAX_TEXT_LENGTH = 256
"""Characters at most in an id or a name (a documented limit of the API)."""
MAX_LISTED = 20


def too_long(texts: Sequence[str], field: Callable[[int], str]) -> list[Violation]:
    """A violation for each text longer than MAX_TEXT_LENGTH (the first 20 described)."""
    if max(map(len, texts), default=0) <= MAX_TEXT_LENGTH:
        return []  # the usual case, without numpy (a 1-unit Score checks two texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    rows = np.flatnonzero(lengths > MAX_TEXT_LENGTH)
    return [
        Violation(
            field(int(row)),
            f"expected at most {MAX_TEXT_LENGTH} characters; got {int(lengths[row]):,}",
        )
        for row in rows.tolist()
    ]


def check_lengths(*named: tuple[Sequence[str], Callable[[int], str]]) -> None:
    """Raise one InvalidInputError for every text too long in any of ``named``."""
    problems = [v for texts, field in named for v in too_long(texts, field)]
    if problems:
        raise InvalidInputError(problems[:MAX_LISTED], total=len(problems))
