"""Missed-call events: once per call, oldest first, across polls, restarts and outages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, Platform
from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.announcer import storage_key
from custom_components.callwatch.const import EVENT_MISSED_CALL

from .conftest import Account, SnapshotEntities, next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan

EVENT = "event.alice_pbx_example_com_missed_call"
LATEST = "sensor.alice_pbx_example_com_latest_missed_caller"


def _callers(events: list[Event]) -> list[str | None]:
    return [event.data["caller_number"] for event in events]


@asynccontextmanager
async def _stopped(hass: HomeAssistant, entry: MockConfigEntry) -> AsyncIterator[None]:
    """Unload `entry` for the block, then set it up again, as a restart does."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    yield
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "enswitch_in_use")
@pytest.mark.parametrize("init_integration", [Platform.EVENT], indirect=True)
async def test_entities(snapshot_entities: SnapshotEntities) -> None:
    """The event entity's registry entry and state, from an account in use."""
    await snapshot_entities()


async def test_history_is_not_news(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The first setup fires nothing, but shows the latest missed caller of 24 hours."""
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 25 * 3600, "+64old")
    enswitch.add_missed_call(now - 23 * 3600, "+64yesterday")
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    await setup_entry(hass, enswitch_entry)
    await next_poll(hass, freezer)
    assert events == []
    assert hass.states.get(LATEST).state == "+64yesterday"
    assert hass.states.get(EVENT).state == "unknown"


async def test_each_new_call_fires_once_oldest_first(
    enswitch: FakeEnswitch, account: Account
) -> None:
    """Each new call fires once oldest first."""
    now = account.started
    enswitch.add_missed_call(
        now - 2, "+64second", callername="Sam", dnumber="100", uniqueid="1763640000.2"
    )
    enswitch.add_missed_call(now - 20, "+64first")
    await account.poll()
    assert account.callers() == ["+64first", "+64second"]
    assert account.events[1].data == {
        "config_entry_id": account.entry.entry_id,
        "provider": "enswitch",
        "caller_number": "+64second",
        "caller_number_raw": "+64second",
        "caller_withheld": False,
        "caller_name": "Sam",
        "caller_name_source": "provider",
        "called_number": "100",
        "time": datetime.fromtimestamp(int(now - 2), UTC).isoformat(),
        "call_id": "1763640000.2",
        "direction": "inbound",
        # Enswitch does not tell whether a voicemail was left.
        "voicemail": None,
        "catch_up": False,
    }
    # Later polls see the same calls again in their overlap, and stay silent.
    for _ in range(5):
        await account.poll()
    assert len(account.events) == 2


@pytest.mark.usefixtures("init_integration")
async def test_event_entity_triggers_per_call(
    hass: HomeAssistant, enswitch: FakeEnswitch, freezer: FrozenDateTimeFactory
) -> None:
    """Event entity triggers per call."""
    triggered: list[dict[str, Any]] = []

    @callback
    def ours(event_data: Mapping[str, Any]) -> bool:
        return event_data["entity_id"] == EVENT

    @callback
    def record(event: Event) -> None:
        triggered.append(dict(event.data["new_state"].attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, record, event_filter=ours)
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 20, "+64first")
    enswitch.add_missed_call(now - 2, "+64second", callername="Sam")
    await next_poll(hass, freezer)
    assert [attributes["caller_number"] for attributes in triggered] == [
        "+64first",
        "+64second",
    ]
    state = hass.states.get(EVENT)
    assert state.attributes["event_type"] == "missed_call"
    assert state.attributes["caller_name"] == "Sam"
    assert state.attributes["direction"] == "inbound"


async def test_late_and_edge_calls_fire_once(
    enswitch: FakeEnswitch, account: Account
) -> None:
    """A call logged late with an earlier time, or stamped at a window's end."""
    await account.poll()
    # Logged now, but stamped when it started ringing, before the last poll.
    enswitch.add_missed_call(account.freezer().timestamp() - 90, "+64late")
    # Stamped by a provider clock running ahead, at the very second of our clock.
    enswitch.add_missed_call(account.freezer().timestamp() + 31, "+64ahead")
    await account.poll()
    await account.poll()
    await account.poll()
    assert sorted(account.callers()) == ["+64ahead", "+64late"]


async def test_calls_that_look_alike_are_two_events(
    enswitch: FakeEnswitch, account: Account
) -> None:
    """Two calls from one number in one second, without ids, are two calls."""
    now = account.started
    enswitch.add_missed_call(now - 5, "+64twice")
    enswitch.add_missed_call(now - 5, "+64twice")
    await account.poll()
    enswitch.add_missed_call(now - 5, "+64twice")
    await account.poll()
    await account.poll()
    assert account.callers() == ["+64twice"] * 3


async def test_restart_neither_repeats_nor_loses(
    hass: HomeAssistant, enswitch: FakeEnswitch, account: Account
) -> None:
    """Restart neither repeats nor loses."""
    enswitch.add_missed_call(account.started - 5, "+64before")
    await account.poll()
    assert account.callers() == ["+64before"]
    event_state = hass.states.get(EVENT).state

    # Home Assistant is down for two hours; calls are missed meanwhile.
    async with _stopped(hass, account.entry):
        account.freezer.tick(timedelta(hours=1))
        enswitch.add_missed_call(account.freezer().timestamp(), "+64whiledown1")
        account.freezer.tick(timedelta(hours=1))
        enswitch.add_missed_call(account.freezer().timestamp() - 60, "+64whiledown2")
    assert account.callers() == ["+64before", "+64whiledown1", "+64whiledown2"]
    assert hass.states.get(LATEST).state == "+64whiledown2"
    assert hass.states.get(EVENT).state != event_state

    # A plain restart with nothing new fires nothing, and the entity does not replay.
    event_state = hass.states.get(EVENT).state
    async with _stopped(hass, account.entry):
        pass
    await account.poll()
    assert len(account.events) == 3
    assert hass.states.get(EVENT).state == event_state
    assert hass.states.get(EVENT).attributes["caller_number"] == "+64whiledown2"


async def test_catch_up_is_bounded_to_a_day(
    hass: HomeAssistant, enswitch: FakeEnswitch, account: Account
) -> None:
    """After more than a day down, only the last 24 hours are caught up."""
    async with _stopped(hass, account.entry):
        account.freezer.tick(timedelta(hours=2))
        enswitch.add_missed_call(account.freezer().timestamp(), "+64toolong")
        account.freezer.tick(timedelta(hours=30))
        enswitch.add_missed_call(account.freezer().timestamp() - 3600, "+64recent")
    assert account.callers() == ["+64recent"]
    _, params = enswitch.requests[-1]
    assert int(params["end"]) - int(params["start"]) <= 24 * 3600 + 5 * 60 + 1


async def test_no_replay_after_unavailability(
    hass: HomeAssistant, enswitch: FakeEnswitch, account: Account
) -> None:
    """No replay after unavailability."""
    enswitch.add_missed_call(account.started - 5, "+64once")
    await account.poll()
    shown = hass.states.get(EVENT).state
    enswitch.fault = FaultPlan(status=500)
    await account.poll()
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE
    # A call missed during the outage is account.events once the provider is back.
    enswitch.add_missed_call(account.freezer().timestamp() - 5, "+64during")
    enswitch.fault = FaultPlan()
    await account.poll()
    assert account.callers() == ["+64once", "+64during"]
    after = hass.states.get(EVENT)
    assert after.state != shown
    assert after.attributes["caller_number"] == "+64during"
    await account.poll()
    assert hass.states.get(EVENT).state == after.state


@pytest.mark.parametrize(
    "data",
    [
        {"version": 1, "last_poll": "yesterday", "seen": [], "latest": None},
        [],
        "",
        0,
        None,
        {"tracker": [], "log": {}},
        {"tracker": {}, "log": 3},
    ],
)
async def test_saved_state_of_any_shape_is_a_warning(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    data: object,
) -> None:
    """Damaged saved data, of any shape, starts afresh: no crash, no flood of old calls."""
    hass_storage[storage_key(enswitch_entry.entry_id)] = {
        "version": 1,
        "minor_version": 1,
        "key": storage_key(enswitch_entry.entry_id),
        "data": data,
    }
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    enswitch.add_missed_call(1763640000, "+64history")
    assert await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.LOADED
    assert events == []
    if data is not None:
        assert (
            "saved missed-call state of alice@pbx.example.com is damaged" in caplog.text
        )
