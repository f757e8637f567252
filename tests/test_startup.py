"""Calls missed while Home Assistant was stopped reach automations, once, after start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import copy
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.core import CoreState, Event, HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.callwatch.announcer import storage_key
from custom_components.callwatch.const import EVENT_MISSED_CALL

from .conftest import next_poll
from .fakes.enswitch import FakeEnswitch

EVENT = "event.alice_pbx_example_com_missed_call"
WAITING = "sensor.alice_pbx_example_com_missed_calls_waiting"
COUNTER = "counter.missed_calls"
AUTOMATION = {
    "automation": [
        {
            "alias": "Count missed calls",
            "mode": "queued",
            "triggers": [{"trigger": "event", "event_type": EVENT_MISSED_CALL}],
            "actions": [
                {"action": "counter.increment", "target": {"entity_id": COUNTER}}
            ],
        }
    ]
}


async def _set_up_automation(hass: HomeAssistant) -> None:
    assert await async_setup_component(
        hass, "counter", {"counter": {"missed_calls": {}}}
    )
    assert await async_setup_component(hass, "automation", AUTOMATION)


async def _start(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let Home Assistant finish starting, and the second after it pass."""
    await hass.async_start()
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def _unloaded_for(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    gap: timedelta,
) -> None:
    """Unload `entry` and let `gap` pass."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(gap)


async def _two_calls_missed_while_unloaded(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unload `entry` for two hours, in which two calls are missed."""
    await _unloaded_for(hass, entry, freezer, timedelta(hours=2))
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 3600, "+6491110000", uniqueid="u1")
    enswitch.add_missed_call(now - 60, "+6492220000", uniqueid="u2")


async def _set_up_while(
    hass: HomeAssistant, entry: MockConfigEntry, state: CoreState
) -> list[Event]:
    """Set `entry` up, with the counting automation, while Home Assistant is in `state`.

    Return the missed-call events fired from then on.
    """
    hass.set_state(state)
    await _set_up_automation(hass)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return events


@asynccontextmanager
async def _second_run(
    entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> AsyncIterator[tuple[HomeAssistant, list[Event]]]:
    """Start a second Home Assistant with `entry` again; yield it and its missed-call events."""
    async with async_test_home_assistant(
        initial_state=CoreState.not_running
    ) as restarted:
        restarted.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        await _set_up_automation(restarted)
        events = async_capture_events(restarted, EVENT_MISSED_CALL)
        again = MockConfigEntry(
            domain=entry.domain,
            entry_id=entry.entry_id,
            title=entry.title,
            unique_id=entry.unique_id,
            data=dict(entry.data),
        )
        again.add_to_hass(restarted)
        assert await restarted.config_entries.async_setup(again.entry_id)
        await restarted.async_block_till_done()
        await _start(restarted, freezer)
        yield restarted, events
        await restarted.config_entries.async_unload(again.entry_id)
        await restarted.async_stop()


@pytest.mark.usefixtures("init_integration")
async def test_calls_found_during_start_up_wait_for_automations(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Found by the first poll while starting; announced once it has started."""
    await _two_calls_missed_while_unloaded(hass, enswitch, enswitch_entry, freezer)
    events = await _set_up_while(hass, enswitch_entry, CoreState.not_running)
    assert events == []
    assert hass.states.get(EVENT).state == "unknown"

    await _start(hass, freezer)
    assert [event.data["caller_number"] for event in events] == [
        "+6491110000",
        "+6492220000",
    ]
    assert all(event.data["catch_up"] for event in events)
    assert hass.states.get(COUNTER).state == "2"
    assert hass.states.get(EVENT).attributes["catch_up"] is True

    # Later calls are live, not catch-ups.
    enswitch.add_missed_call(freezer().timestamp(), "+6493330000", uniqueid="u3")
    await next_poll(hass, freezer)
    assert [event.data["catch_up"] for event in events] == [True, True, False]
    assert hass.states.get(COUNTER).state == "3"
    # A dashboard marks the waiting catch-ups as such (newest first).
    waiting = hass.states.get(WAITING).attributes["calls"]
    assert [(call["caller_number"], call["catch_up"]) for call in waiting] == [
        ("+6493330000", False),
        ("+6492220000", True),
        ("+6491110000", True),
    ]
    # The marks are kept through a restart (a reload alike).
    assert await hass.config_entries.async_reload(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(WAITING).attributes["calls"] == waiting


@pytest.mark.usefixtures("init_integration")
async def test_a_restart_through_start_up_reaches_an_automation_once(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A second Home Assistant starts from what the first saved when it stopped."""
    enswitch.add_missed_call(freezer().timestamp() - 5, "+6490000000", uniqueid="u0")
    await next_poll(hass, freezer)
    # Stopping Home Assistant saves what was announced; the second run starts from
    # exactly that (the entry is unloaded only to end this test's first run).
    await hass.async_stop()
    key = storage_key(enswitch_entry.entry_id)
    saved = copy.deepcopy(hass_storage[key])
    assert saved["data"]["tracker"]["last_poll"] == int(freezer().timestamp() * 1000)
    await hass.config_entries.async_unload(enswitch_entry.entry_id)
    hass_storage[key] = saved

    # Stopped for three hours; three calls are missed meanwhile.
    freezer.tick(timedelta(hours=3))
    now = freezer().timestamp()
    for minutes, caller in ((170, "+6491110000"), (90, "+6492220000"), (1, "+649333")):
        enswitch.add_missed_call(now - 60 * minutes, caller)

    async with _second_run(enswitch_entry, freezer) as (restarted, events):
        assert [event.data["caller_number"] for event in events] == [
            "+6491110000",
            "+6492220000",
            "+649333",
        ]
        assert restarted.states.get(COUNTER).state == "3"
        await next_poll(restarted, freezer)
        assert restarted.states.get(COUNTER).state == "3"


async def _restart(
    hass_storage: dict[str, Any],
    saved: dict[str, Any],
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> list[tuple[str, bool]]:
    """Start a second Home Assistant from `saved`; return what it announced."""
    hass_storage[storage_key(entry.entry_id)] = saved
    async with _second_run(entry, freezer) as (restarted, events):
        await next_poll(restarted, freezer)
        announced = [
            (event.data["caller_number"], event.data["catch_up"]) for event in events
        ]
        assert restarted.states.get(COUNTER).state == str(len(events))
    return announced


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("how", ["stop", "power cut"])
async def test_calls_held_when_start_up_is_cut_short_are_announced_next_run(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    how: str,
) -> None:
    """Held, not yet announced, and saved so: the next run announces them once.

    A stop does not announce them (automations may no longer run while Home
    Assistant stops); a power cut after the state was saved cannot.
    """
    await _two_calls_missed_while_unloaded(hass, enswitch, enswitch_entry, freezer)
    events = await _set_up_while(hass, enswitch_entry, CoreState.starting)
    key = storage_key(enswitch_entry.entry_id)
    if how == "stop":
        await hass.async_stop()
    else:
        # The state is saved within 10 s of finding the calls; then the power goes.
        freezer.tick(timedelta(seconds=11))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    saved = copy.deepcopy(hass_storage[key])
    assert events == []
    await hass.config_entries.async_unload(enswitch_entry.entry_id)

    freezer.tick(timedelta(minutes=1))
    assert await _restart(hass_storage, saved, enswitch_entry, freezer) == [
        ("+6491110000", True),
        ("+6492220000", True),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_live_calls_found_during_start_up_are_not_catch_ups(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A restart within the poll interval is no gap: its calls keep `catch_up: false`."""
    await _unloaded_for(hass, enswitch_entry, freezer, timedelta(seconds=20))
    enswitch.add_missed_call(freezer().timestamp() - 5, "+6492220000", uniqueid="u2")
    events = await _set_up_while(hass, enswitch_entry, CoreState.not_running)
    assert events == []

    await _start(hass, freezer)
    assert [event.data["catch_up"] for event in events] == [False]
    assert hass.states.get(EVENT).attributes["catch_up"] is False
    assert hass.states.get(COUNTER).state == "1"
