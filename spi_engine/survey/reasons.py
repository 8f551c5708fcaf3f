"""The screening reasons, declared once: their codes (as spi.v1.ExclusionReason numbers them),
their names, and the bits of a respondent's reasons.

>>> reasons_of(1 << SPEEDER | 1 << BURST), [REASON_NAMES[r] for r in reasons_of(0b100)]
((1, 5), ['straight_liner'])
"""

from __future__ import annotations

SPEEDER, STRAIGHT_LINER, DUPLICATE_DEVICE, DUPLICATE_ANSWERS, BURST = 1, 2, 3, 4, 5
REASONS = (SPEEDER, STRAIGHT_LINER, DUPLICATE_DEVICE, DUPLICATE_ANSWERS, BURST)
"""Every reason, in code order (0 is no reason)."""
REASON_NAMES = ("", "speeder", "straight_liner", "duplicate_device", "duplicate_answers", "burst")
"""Name by code (the enum names of spi.v1.ExclusionReason, lower case, without the prefix)."""


def reasons_of(bits: int) -> tuple[int, ...]:
    """The reasons set in ``bits`` (bit ``r`` for reason ``r``), in code order."""
    return tuple(r for r in REASONS if bits >> r & 1)
