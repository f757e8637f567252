"""Reading the rows of a provider's replies: tolerant of types, strict about meaning.

One module for all providers: text, times and numbers are read here, and a row that
cannot be read is skipped with a warning instead of failing the whole reply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
import logging
import re
from typing import Any

from .numbers import WITHHELD_MARKERS, Number, read_number

_LOGGER = logging.getLogger(__name__)
# Rows already warned about, per reader: a bad row inside every poll's window is
# reported once, not at every poll.
_WARNED_ROWS_LIMIT = 1024
# What a caller-name field holds when it is only a number again.
_NUMBER_LIKE = re.compile(r"[0-9\s()+\-./*#]+")


class UnreadableRowError(ValueError):
    """A row lacks a field it needs, or has it in a form that means nothing."""

    def __init__(self, field: str) -> None:
        """Name the field that could not be read."""
        super().__init__(field)
        self.field = field


def text(row: dict[str, Any], *fields: str) -> str | None:
    """Return the first of `fields` that holds text or a number; empty means absent.

    A list gives its first item (VoipNow writes some numbers as one-item lists).
    """
    for field in fields:
        value = row.get(field)
        if type(value) is list:
            value = value[0] if value else None
        # Exact type checks first: this runs for every field of every row.
        if type(value) is str:
            if stripped := value.strip():
                return stripped
            continue
        if value is None or isinstance(value, bool):
            continue
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


def any_time(row: dict[str, Any], *fields: str) -> datetime | None:
    """Return the first of `fields` that holds an ISO 8601 or a Unix time, in UTC."""
    for field in fields:
        value = row.get(field)
        if type(value) is str and not value.strip().isdecimal():
            try:
                moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if (unix := unix_time(row, field)) is not None:
            return unix
    return None


def number(row: dict[str, Any], country: str | None, *fields: str) -> Number:
    """Return the first of `fields` that holds a number, read into its canonical form."""
    return read_number(text(row, *fields), country)


def caller_name(row: dict[str, Any], caller: Number, *fields: str) -> str | None:
    """Return the first of `fields` that holds the caller's name.

    Not a name: "unknown" and the other words for a withheld caller, and the number
    again (written as digits, or as the caller's number was).
    """
    for field in fields:
        name = text(row, field)
        if (
            name is not None
            and is_a_name(name)
            and name not in (caller.raw, caller.value)
        ):
            return name
    return None


def is_a_name(value: str) -> bool:
    """Tell whether what a caller-id field holds is a name, not a number or a marker."""
    return value.lower() not in WITHHELD_MARKERS and not _NUMBER_LIKE.fullmatch(value)


def required[T](value: T | None, field: str) -> T:
    """Return a value a row cannot do without; UnreadableRowError if it is missing."""
    if value is None:
        raise UnreadableRowError(field)
    return value


class RowReader:
    """Reads the rows of one kind of reply, skipping and reporting those it cannot."""

    def __init__(self, service: str) -> None:
        """Name the provider, for the warnings."""
        self._service = service
        self._warned: set[str] = set()

    def read_all[T](
        self,
        what: str,
        rows: Iterable[dict[str, Any]],
        read: Callable[[dict[str, Any]], T],
    ) -> list[T]:
        """Read every row; a row that cannot be read is left out with one warning."""
        read_rows: list[T] = []
        for row in rows:
            try:
                read_rows.append(read(row))
            except UnreadableRowError as err:
                self._warn(what, row, err.field)
        return read_rows

    def _warn(self, what: str, row: dict[str, Any], field: str) -> None:
        fingerprint = f"{what}|{sorted(row.items(), key=str)!r}"
        if fingerprint in self._warned:
            return
        if len(self._warned) >= _WARNED_ROWS_LIMIT:
            self._warned.clear()
        self._warned.add(fingerprint)
        _LOGGER.warning(
            "%s: skipped a row of %s without a usable %r; the rest of the reply counts",
            self._service,
            what,
            field,
        )
