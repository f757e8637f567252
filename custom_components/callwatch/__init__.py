"""Callwatch: missed and active calls of cloud telephony accounts."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .announcer import STORAGE_VERSION, storage_key
from .client import async_load_number_metadata, create_client, read_options
from .const import DOMAIN, LOGGER
from .coordinator import CallwatchConfigEntry, CallwatchCoordinator
from .dashboard_card import async_register_card
from .services import async_setup_services
from .webhook import async_register_call_events, async_register_webhook

PLATFORMS: list[Platform] = [Platform.BUTTON, Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and the dashboard card, whether or not an account is loaded.

    Phone-number metadata is imported here, off the event loop, before any entry,
    action or logbook line reads a number on it.
    """
    await async_load_number_metadata(hass)
    async_setup_services(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> bool:
    """Start watching an account."""
    options = read_options(hass, entry.options)
    client = create_client(hass, entry.data, options)
    coordinator = CallwatchCoordinator(hass, entry, client, options)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start_announcing()
    async_register_webhook(hass, entry)
    await async_register_call_events(hass, entry)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> bool:
    """Rebuild the unique id of an entry made before hosts were normalised."""
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        unique_id = entry.unique_id
        try:
            options = read_options(hass, entry.options)
            unique_id = create_client(hass, entry.data, options).account_id
        except ValueError:
            LOGGER.warning("%s: the host cannot be read; unique id kept", entry.title)
        if unique_id != entry.unique_id and any(
            other.unique_id == unique_id
            for other in hass.config_entries.async_entries(DOMAIN)
        ):
            # The same account added twice before: the user removes one of them.
            LOGGER.warning(
                "%s is the same account as another entry; remove one of them",
                entry.title,
            )
            unique_id = entry.unique_id
        hass.config_entries.async_update_entry(
            entry, unique_id=unique_id, minor_version=2
        )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> bool:
    """Stop watching an account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> None:
    """Forget what was announced for an account that is removed."""
    store = Store[dict[str, object]](hass, STORAGE_VERSION, storage_key(entry.entry_id))
    await store.async_remove()
