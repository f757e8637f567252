"""Diagnostics: the entry's configuration and the last poll, secrets and numbers redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import CONF_CALLED_NUMBERS, CONF_CONTACTS_FILE, CONF_PHONEBOOK
from .coordinator import CallwatchConfigEntry
from .phonebook import Phonebook
from .provider_specs import PROVIDER_SPECS

# Every secret and identity any provider's form asks for, and every field that holds a
# phone number or a name, wherever it appears.
TO_REDACT = {
    *(field for spec in PROVIDER_SPECS.values() for field in spec.redacted),
    CONF_CALLED_NUMBERS,
    CONF_CONTACTS_FILE,
    CONF_PHONEBOOK,
    "token",
    "webhook_id",
    "caller_number",
    "caller_number_raw",
    "caller_name",
    "called_number",
    "title",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CallwatchConfigEntry
) -> dict[str, Any]:
    """Return what helps to understand an entry's behaviour, and nothing private."""
    coordinator = entry.runtime_data
    data = coordinator.data
    bookkeeping = data.bookkeeping
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "provider": coordinator.client.provider,
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds()
                if coordinator.update_interval
                else None
            ),
            "last_update_success": coordinator.last_update_success,
            "last_poll": {
                "polled_at": data.polled_at.isoformat(),
                "forbidden": sorted(data.forbidden),
                "active_calls": (
                    None
                    if data.active_calls is None
                    else [
                        asdict(call)
                        | {
                            "started": call.started.isoformat()
                            if call.started
                            else None
                        }
                        for call in data.active_calls
                    ]
                ),
            },
            "phonebook_read": _phonebook(data.phonebook),
            "missed_calls": {
                "latest": (
                    dict(data.latest_missed_call.attributes)
                    if data.latest_missed_call
                    else None
                ),
                "announced_since_setup": bookkeeping.announced_since_setup,
                "held_until_started": bookkeeping.held_until_started,
                "cursor": (
                    bookkeeping.cursor.isoformat() if bookkeeping.cursor else None
                ),
                "remembered_calls": bookkeeping.remembered_calls,
                "today": data.missed_calls_on(dt_util.now().date()),
                "waiting": [
                    dict(waiting.described.attributes) for waiting in data.waiting
                ],
            },
        },
        TO_REDACT,
    )


def _phonebook(phonebook: Phonebook) -> dict[str, Any]:
    """Return how much of the phonebook was read, and why the rest was not."""
    contacts = phonebook.contacts_file
    return {
        "country": phonebook.country,
        "typed_numbers": phonebook.typed.numbers,
        "typed_problems": phonebook.typed.problem_count,
        "contacts_file_numbers": contacts.numbers if contacts else None,
        "contacts_file_contacts": contacts.contacts if contacts else None,
        "contacts_file_problems": contacts.problem_count if contacts else None,
        "contacts_file_error": (
            contacts.error.reason if contacts and contacts.error else None
        ),
    }
