"""Logbook: each `callwatch_missed_call` event as a line people read.

The logbook loads this platform when it is set up; its lines are English, as in Home
Assistant's own logbook platforms, which have no translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import DOMAIN, EVENT_MISSED_CALL
from .providers import number_for_reading

# The name of a line whose account is gone.
FALLBACK_NAME = "Callwatch"
ICON = "mdi:phone-missed"


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe the missed-call event to the logbook."""

    @callback
    def async_describe_missed_call(event: Event) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: account_name(hass, event.data.get("config_entry_id")),
            LOGBOOK_ENTRY_MESSAGE: describe_missed_call(
                event.data, hass.config.country
            ),
            LOGBOOK_ENTRY_ICON: ICON,
        }

    async_describe_event(DOMAIN, EVENT_MISSED_CALL, async_describe_missed_call)


def account_name(hass: HomeAssistant, entry_id: object) -> str:
    """Return the title of the account an event came from."""
    entry = (
        hass.config_entries.async_get_entry(entry_id)
        if isinstance(entry_id, str)
        else None
    )
    return (
        entry.title if entry is not None and entry.domain == DOMAIN else FALLBACK_NAME
    )


def describe_missed_call(data: Mapping[str, Any], country: str | None) -> str:
    """Return the logbook's line for the data of a missed-call event.

    Events fired by earlier or later versions may lack fields: each is optional.
    """
    name = _text(data.get("caller_name"))
    if name in (data.get("caller_number"), data.get("caller_number_raw")):
        # Some systems give the number again as the caller's name.
        name = None
    caller = _party(
        name,
        readable_number(_text(data.get("caller_number")), country),
        withheld=data.get("caller_withheld") is True,
    )
    called = readable_number(_text(data.get("called_number")), country)
    if data.get("direction") == "outbound":
        line = "Outgoing call"
        if caller:
            line += f" from {caller}"
        line += f" to {called or 'an unknown number'} not answered"
    else:
        line = f"Missed call from {caller or 'an unknown caller'}"
        if called:
            line += f" to {called}"
    if data.get("voicemail") is True:
        line += ", voicemail left"
    elif data.get("voicemail") is False:
        line += ", no voicemail"
    if data.get("catch_up") is True:
        line += f" ({_when(data.get('time'))}while Home Assistant was not watching)"
    return line


def readable_number(number: str | None, country: str | None) -> str | None:
    """Return a number as people write it (see `number_for_reading`), if any."""
    return number_for_reading(number, country) if number else number


def _party(name: str | None, number: str | None, *, withheld: bool) -> str | None:
    """Return who a caller is: the name and the number, whichever are known."""
    if withheld and number is None:
        return f"{name} (number withheld)" if name else "a withheld number"
    if name and number:
        return f"{name} ({number})"
    return name or number


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _when(value: object) -> str:
    """Return when a call was missed, in local time, before the catch-up note."""
    if not isinstance(value, str) or (moment := dt_util.parse_datetime(value)) is None:
        return ""
    local: datetime = dt_util.as_local(moment)
    return f"at {local:%Y-%m-%d %H:%M}, "
