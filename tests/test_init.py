"""Setting an account up, failing to, unloading and removing it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import DOMAIN
from custom_components.callwatch.coordinator import storage_key

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan


async def test_setup_and_unload(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.LOADED
    device = device_registry.async_get_device({(DOMAIN, enswitch_entry.entry_id)})
    assert device is not None
    assert (device.manufacturer, device.model, device.name) == (
        "Integrics",
        "Enswitch",
        "alice@pbx.example.com",
    )
    assert await hass.config_entries.async_unload(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    assert enswitch_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("sensor.alice_pbx_example_com_active_calls").state == (
        "unavailable"
    )


async def test_provider_down_at_start_retries(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    enswitch.fault = FaultPlan(status=503)
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.SETUP_RETRY
    assert "Could not get the calls from the provider" in str(enswitch_entry.reason)


async def test_rejected_credentials_start_reauth(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    enswitch.password = "changed"
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_confirm"


async def test_credentials_rejected_later_start_reauth(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, enswitch_entry)
    enswitch.password = "changed"
    await next_poll(hass, freezer)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert hass.states.get("sensor.alice_pbx_example_com_active_calls").state == (
        "unavailable"
    )


async def test_unload_saves_and_remove_forgets_the_missed_call_state(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    key = storage_key(enswitch_entry.entry_id)
    await setup_entry(hass, enswitch_entry)
    assert key not in hass_storage
    assert await hass.config_entries.async_unload(enswitch_entry.entry_id)
    assert hass_storage[key]["data"]["last_poll"] is not None
    await hass.config_entries.async_remove(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_role_losing_a_permission_makes_entities_unavailable(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, enswitch_entry)
    enswitch.missed_role = False
    await next_poll(hass, freezer)
    coordinator = enswitch_entry.runtime_data
    assert str(coordinator.last_exception).startswith(
        "The account is not allowed to list its calls"
    )
    assert hass.states.get("sensor.alice_pbx_example_com_active_calls").state == (
        "unavailable"
    )


async def test_rate_limit_stretches_the_interval(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, enswitch_entry)
    enswitch.fault = FaultPlan(status=429, retry_after="120", times=1)
    await next_poll(hass, freezer)
    coordinator = enswitch_entry.runtime_data
    assert coordinator.update_interval == timedelta(seconds=120)
    served = len(enswitch.requests)
    await next_poll(hass, freezer, 60)
    assert len(enswitch.requests) == served
    await next_poll(hass, freezer, 61)
    assert len(enswitch.requests) > served
    assert coordinator.update_interval == timedelta(seconds=30)
