"""Setting an account up, failing to, unloading and removing it."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.callwatch.announcer import storage_key
from custom_components.callwatch.const import DOMAIN

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan

ACTIVE = "sensor.alice_pbx_example_com_active_calls"
LATEST = "sensor.alice_pbx_example_com_latest_missed_caller"
EVENT = "event.alice_pbx_example_com_missed_call"


async def test_setup_and_unload(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Setup loads the entry with its device; unload unloads it."""
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.LOADED
    [device] = dr.async_entries_for_config_entry(
        device_registry, enswitch_entry.entry_id
    )
    assert device.identifiers == {(DOMAIN, enswitch_entry.entry_id)}
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
    """Provider down at start retries."""
    enswitch.fault = FaultPlan(status=503)
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.SETUP_RETRY
    assert "Could not get the calls from the provider" in str(enswitch_entry.reason)


async def test_rejected_credentials_start_reauth(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    """Rejected credentials start reauth."""
    enswitch.password = "changed"
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_confirm"


@pytest.mark.usefixtures("init_integration")
async def test_credentials_rejected_later_start_reauth(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Credentials rejected later start reauth."""
    # A new password ends the sessions of the old one.
    enswitch.password = "changed"
    enswitch.expire_tokens()
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
    """Unload saves and remove forgets the missed call state."""
    key = storage_key(enswitch_entry.entry_id)
    await setup_entry(hass, enswitch_entry)
    assert key not in hass_storage
    assert await hass.config_entries.async_unload(enswitch_entry.entry_id)
    assert hass_storage[key]["data"]["tracker"]["last_poll"] is not None
    await hass.config_entries.async_remove(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_role_losing_missed_calls_raises_a_repair(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    announced: list[Event],
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Active calls keep working; missed calls come back, caught up, with the role."""
    enswitch.missed_role = False
    enswitch.start_call("+641", "100")
    enswitch.add_missed_call(freezer().timestamp(), "+64meanwhile")
    await next_poll(hass, freezer)
    issue_id = f"{enswitch_entry.entry_id}_missed_calls_forbidden"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "missed_calls_forbidden"
    assert issue.translation_placeholders == {"account": "alice@pbx.example.com"}
    assert hass.states.get(ACTIVE).state == "1"
    assert hass.states.get(LATEST).state == STATE_UNAVAILABLE
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE

    enswitch.missed_role = True
    await next_poll(hass, freezer)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(LATEST).state == "+64meanwhile"
    assert [event.data["caller_number"] for event in announced] == ["+64meanwhile"]


@pytest.mark.usefixtures("init_integration")
async def test_role_losing_active_calls_raises_a_repair(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Role losing active calls raises a repair."""
    enswitch.active_role = False
    await next_poll(hass, freezer)
    issue_id = f"{enswitch_entry.entry_id}_active_calls_forbidden"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert hass.states.get(ACTIVE).state == STATE_UNAVAILABLE
    assert hass.states.get(LATEST).state == "unknown"
    enswitch.active_role = True
    await next_poll(hass, freezer)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(ACTIVE).state == "0"


@pytest.mark.usefixtures("init_integration")
async def test_role_losing_everything_makes_the_account_unavailable(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A role that may list nothing fails the update with what it may not list."""
    enswitch.active_role = enswitch.missed_role = False
    await next_poll(hass, freezer)
    assert (
        f"Error fetching {enswitch_entry.title} data: The account is not allowed"
        " to list its calls: active_calls, missed_calls\n"
    ) in caplog.text
    assert hass.states.get(ACTIVE).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_rate_limit_waits_as_asked(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Rate limit waits as asked."""
    enswitch.fault = FaultPlan(status=429, retry_after="120", times=1)
    await next_poll(hass, freezer)
    served = len(enswitch.requests)
    await next_poll(hass, freezer, 60)
    assert len(enswitch.requests) == served
    await next_poll(hass, freezer, 61)
    polled = len(enswitch.requests)
    assert polled > served
    # Then back to the poll interval.
    await next_poll(hass, freezer)
    assert len(enswitch.requests) > polled
