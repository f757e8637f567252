"""Callwatch: missed and active calls of cloud telephony accounts."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .client import create_client
from .coordinator import (
    STORAGE_VERSION,
    CallwatchConfigEntry,
    CallwatchCoordinator,
    storage_key,
)

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> bool:
    """Start watching an account."""
    coordinator = CallwatchCoordinator(hass, entry, create_client(hass, entry.data))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> bool:
    """Stop watching an account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: CallwatchConfigEntry) -> None:
    """Forget what was announced for an account that is removed."""
    await Store[dict[str, object]](
        hass, STORAGE_VERSION, storage_key(entry.entry_id)
    ).async_remove()
