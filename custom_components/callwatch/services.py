"""Actions: list an account's missed calls; mark waiting ones as dealt with."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import DOMAIN
from .coordinator import CallwatchConfigEntry
from .providers import ProviderError
from .schema import ha_schema

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_START = "start"
ATTR_END = "end"
ATTR_CALL_ID = "call_id"
ATTR_CALLER_NUMBER = "caller_number"

SERVICE_LIST_MISSED_CALLS = "list_missed_calls"
SERVICE_ACKNOWLEDGE_MISSED_CALLS = "acknowledge_missed_calls"
# A bounded query: providers warn that unbounded history loads their databases.
MAX_SPAN = timedelta(days=7)
DEFAULT_SPAN = timedelta(hours=24)

LIST_MISSED_CALLS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
    }
)


ACKNOWLEDGE_MISSED_CALLS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Exclusive(ATTR_CALL_ID, "which"): cv.string,
        vol.Exclusive(ATTR_CALLER_NUMBER, "which"): cv.string,
    }
)


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> CallwatchConfigEntry:
    entry: CallwatchConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"account": entry.title},
        )
    return entry


def _aware(value: datetime) -> datetime:
    """Read a time without a zone as Home Assistant's local time."""
    return dt_util.as_utc(
        value if value.tzinfo else value.replace(tzinfo=dt_util.get_default_time_zone())
    )


async def _async_list_missed_calls(call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    end = _aware(call.data[ATTR_END]) if ATTR_END in call.data else dt_util.utcnow()
    start = (
        _aware(call.data[ATTR_START]) if ATTR_START in call.data else end - DEFAULT_SPAN
    )
    if start >= end:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="start_not_before_end"
        )
    if end - start > MAX_SPAN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="span_too_long",
            translation_placeholders={"days": str(MAX_SPAN.days)},
        )
    coordinator = entry.runtime_data
    try:
        calls = await coordinator.client.missed_calls(start, end)
    except ProviderError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    return {
        "missed_calls": [
            dict(coordinator.callers.describe(missed).attributes)
            for missed in calls
            if coordinator.watched.counts(missed)
        ]
    }


async def _async_acknowledge_missed_calls(call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    dealt_with = entry.runtime_data.async_acknowledge(
        call_id=call.data.get(ATTR_CALL_ID),
        caller_number=call.data.get(ATTR_CALLER_NUMBER),
    )
    return {"acknowledged": dealt_with} if call.return_response else None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_MISSED_CALLS,
        _async_list_missed_calls,
        schema=ha_schema(LIST_MISSED_CALLS_SCHEMA),
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ACKNOWLEDGE_MISSED_CALLS,
        _async_acknowledge_missed_calls,
        schema=ha_schema(ACKNOWLEDGE_MISSED_CALLS_SCHEMA),
        supports_response=SupportsResponse.OPTIONAL,
    )
