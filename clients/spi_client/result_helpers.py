"""Helpers the simulation result modules share: optional pandas, enum names, optional fields."""

from __future__ import annotations

import importlib
from typing import Any

from google.protobuf.message import Message


def pandas() -> Any:
    """The pandas module; a clear ImportError when it is not installed (it is optional)."""
    try:
        return importlib.import_module("pandas")
    except ModuleNotFoundError:
        raise ImportError(
            "to_frame() needs pandas, which is not installed: pip install pandas"
        ) from None


def enum_name(enum: Any, value: int, prefix: str) -> str:
    """``GOAL_STATUS_REACHED`` -> ``"reached"``."""
    return str(enum.Name(value)).removeprefix(prefix).lower()


def optional(message: Message, name: str) -> float | None:
    """An ``optional`` field's value, None when unset."""
    value: float | None = getattr(message, name) if message.HasField(name) else None
    return value
