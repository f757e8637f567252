"""Who called: a name from the provider or the user's phonebook, numbers for reading.

The names come in layers: the provider's, where it is a real name (the providers drop
"unknown" and the number written again); else the user's phonebook, typed in the
options or kept in a contacts file in the configuration folder; else none. The
contacts file is read off the event loop, at setup and whenever it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import os
from pathlib import Path
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .issues import async_set_repair
from .options import CallwatchOptions
from .phonebook import (
    Phonebook,
    PhonebookSource,
    read_contacts_file,
    read_typed_entries,
)
from .providers import ActiveCall, MissedCall, number_for_reading

# How often the contacts file is looked at for a change (a stat, off the event loop).
CONTACTS_FILE_CHECK = timedelta(minutes=1)
# The sensor's state for a caller who withheld the number (sensor states are not
# translated outside enumerations).
WITHHELD = "Withheld"
# Descriptions kept for calls shown again (waiting calls, the latest): more than are
# ever waiting, so that a poll describes only what is new.
MAX_KEPT_DESCRIPTIONS = 256


class NameSource(StrEnum):
    """Which layer named a caller."""

    PROVIDER = "provider"
    PHONEBOOK = "phonebook"


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribedCall:
    """A missed call with its caller named: what events, entities and actions show."""

    call: MissedCall
    # What automations see; time is ISO 8601 UTC.
    attributes: dict[str, Any]
    # The caller for a dashboard: the name, else the number for reading.
    display: str
    caller_number_for_reading: str | None
    called_number_for_reading: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribedActiveCall:
    """A call in progress with the phonebook's names and its numbers for reading."""

    call: ActiveCall
    caller_name: str | None
    called_name: str | None
    caller_number_for_reading: str | None
    called_number_for_reading: str | None


def contacts_file_path(hass: HomeAssistant, name: str) -> Path | None:
    """Return where a contacts file named in the options is; None if outside config."""
    config = Path(hass.config.config_dir).resolve()
    path = (config / name.strip()).resolve()
    return path if path.is_relative_to(config) else None


class Callers:
    """Names and readable numbers of an account's callers."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        entry_id: str,
        account: str,
        options: CallwatchOptions,
        country: str | None,
    ) -> None:
        """Read the typed phonebook now; `async_load` reads the contacts file."""
        self._hass = hass
        self._entry_id = entry_id
        self._account = account
        self.country = country
        name = options.contacts_file
        self._contacts_name = name
        self._contacts_path = contacts_file_path(hass, name) if name else None
        self._contacts_stamp: tuple[int, int] | None = None
        self.phonebook = Phonebook.from_sources(
            read_typed_entries(options.phonebook, country), None, country
        )
        # Oldest first; emptied when the phonebook changes.
        self._described: dict[MissedCall, DescribedCall] = {}

    async def async_load(self) -> None:
        """Read the contacts file, off the event loop."""
        if self._contacts_path is None:
            return
        stamp, contacts = await self._hass.async_add_executor_job(self._read_contacts)
        self._take_contacts(stamp, contacts)

    @callback
    def async_watch(self, on_change: Callable[[], None]) -> CALLBACK_TYPE:
        """Re-read the contacts file when it changes; `on_change` once it is read."""

        async def check(_now: datetime) -> None:
            path = self._contacts_path
            if path is None:
                return
            stamp = await self._hass.async_add_executor_job(_stamp, path)
            if stamp == self._contacts_stamp:
                return
            stamp, contacts = await self._hass.async_add_executor_job(
                self._read_contacts
            )
            self._take_contacts(stamp, contacts)
            LOGGER.debug("%s: contacts file read again", self._account)
            on_change()

        return async_track_time_interval(self._hass, check, CONTACTS_FILE_CHECK)

    def _read_contacts(self) -> tuple[tuple[int, int] | None, PhonebookSource]:
        """Read the contacts file (in an executor), with the stamp it had."""
        path = self._contacts_path
        assert path is not None  # noqa: S101 - only called with a file to read
        return _stamp(path), read_contacts_file(path, self.country)

    @callback
    def _take_contacts(
        self, stamp: tuple[int, int] | None, contacts: PhonebookSource
    ) -> None:
        self._contacts_stamp = stamp
        self.phonebook = Phonebook.from_sources(
            self.phonebook.typed, contacts, self.country
        )
        self._described.clear()
        issue_id = f"{self._entry_id}_contacts_file"
        if (error := contacts.error) is None:
            if (first := contacts.first_unreadable) is None:
                async_set_repair(self._hass, issue_id, None)
                return
            LOGGER.warning(
                "%s: %s contacts of the contacts file %s cannot be read and are "
                "skipped (the first at line %s: %s)",
                self._account,
                contacts.unreadable_contacts,
                self._contacts_name,
                first.line,
                first.text,
            )
            async_set_repair(
                self._hass,
                issue_id,
                "contacts_unreadable_contacts",
                {
                    "account": self._account,
                    "path": self._contacts_name,
                    "count": str(contacts.unreadable_contacts),
                    "line": str(first.line),
                    "detail": first.text,
                },
            )
            return
        LOGGER.warning(
            "%s: the contacts file %s cannot be read (%s%s)",
            self._account,
            self._contacts_name,
            error.reason,
            f": {error.detail}" if error.detail else "",
        )
        async_set_repair(
            self._hass,
            issue_id,
            f"contacts_{error.reason}",
            {
                "account": self._account,
                "path": self._contacts_name,
                "line": str(error.line or ""),
                "detail": error.detail,
            },
        )

    def name(self, call: MissedCall) -> tuple[str | None, NameSource | None]:
        """Return the caller's name and which layer gave it."""
        if call.caller_name:
            return call.caller_name, NameSource.PROVIDER
        if not call.caller_withheld and (
            name := self.phonebook.name_for(call.caller_number)
        ):
            return name, NameSource.PHONEBOOK
        return None, None

    def describe(self, call: MissedCall) -> DescribedCall:
        """Return a missed call described with the phonebook of now."""
        if (described := self._described.get(call)) is not None:
            return described
        name, source = self.name(call)
        described = DescribedCall(
            call=call,
            attributes={
                "caller_number": call.caller_number,
                "caller_number_raw": call.caller_number_raw,
                "caller_name": name,
                "caller_name_source": source.value if source else None,
                "caller_withheld": call.caller_withheld,
                "called_number": call.called_number,
                "time": call.time.astimezone(dt_util.UTC).isoformat(),
                "call_id": call.call_id,
                "direction": call.direction.value,
                # None where the provider does not tell whether one was left.
                "voicemail": call.voicemail,
            },
            display=name
            or (
                WITHHELD
                if call.caller_withheld or call.caller_number is None
                else number_for_reading(call.caller_number, self.country)
            ),
            caller_number_for_reading=self.for_reading(call.caller_number),
            called_number_for_reading=self.for_reading(call.called_number),
        )
        self._described[call] = described
        if len(self._described) > MAX_KEPT_DESCRIPTIONS:
            del self._described[next(iter(self._described))]
        return described

    def describe_active(self, call: ActiveCall) -> DescribedActiveCall:
        """Return a call in progress described with the phonebook of now."""
        return DescribedActiveCall(
            call=call,
            caller_name=self.phonebook.name_for(call.caller_number),
            called_name=self.phonebook.name_for(call.called_number),
            caller_number_for_reading=self.for_reading(call.caller_number),
            called_number_for_reading=self.for_reading(call.called_number),
        )

    def for_reading(self, number: str | None) -> str | None:
        """Return a number as people write it, for a dashboard; None for none."""
        return None if number is None else number_for_reading(number, self.country)


def _stamp(path: Path) -> tuple[int, int] | None:
    """Return what tells a changed file: modification time and size; None if gone."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)
