"""Reading the fields of a provider's rows: tolerant of types, strict about meaning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def text(row: dict[str, Any], field: str) -> str | None:
    """Return a text field, accepting numbers; empty means absent."""
    value = row.get(field)
    # Exact type checks first: this runs for every field of every row.
    if type(value) is str:
        return value.strip() or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return None


def unix_time(
    row: dict[str, Any], field: str, *, per_second: int = 1
) -> datetime | None:
    """Return a Unix time field (seconds, or `per_second` parts of one) in UTC.

    Decimal text is accepted; zero, negatives and what is not a number are None.
    """
    value = row.get(field)
    if type(value) is str and value.strip().isdecimal():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / per_second, UTC)
    except (OverflowError, OSError, ValueError):
        return None
