"""The missed-call workflow: today's count, calls waiting, dealt with, called back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, CONF_SCAN_INTERVAL, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.callwatch.const import CONF_DIRECTIONS, DOMAIN
from custom_components.callwatch.diagnostics import async_get_config_entry_diagnostics
from custom_components.callwatch.missed_call_log import MAX_WAITING

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch

TODAY = "sensor.alice_pbx_example_com_missed_calls_today"
WAITING = "sensor.alice_pbx_example_com_missed_calls_waiting"
ACTIVE = "sensor.alice_pbx_example_com_active_calls"
BUTTON = "button.alice_pbx_example_com_mark_missed_calls_as_dealt_with"
# Home Assistant's time zone in tests is US/Pacific: 10:00 there is 18:00 UTC.
MORNING = datetime.fromisoformat("2026-11-20T10:00:00-08:00")


@pytest.fixture
async def watched_from_new_zealand(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """Set up the Enswitch entry in a Home Assistant in New Zealand; return it.

    The clock is frozen first: freezegun's monotonic clock counts from the epoch, and
    one that leapt decades after the setup would move the provider's time with it.
    """
    hass.config.country = "NZ"
    await setup_entry(hass, enswitch_entry)
    return enswitch_entry


async def _miss(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
    *callers: str,
    seconds: float = 31,
) -> None:
    """Miss calls a few seconds before the next poll, `seconds` from now."""
    now = freezer().timestamp() + seconds
    for index, caller in enumerate(callers):
        enswitch.add_missed_call(
            now - 10 + index, caller, dnumber="100", uniqueid=f"{now}.{index}"
        )
    await next_poll(hass, freezer, seconds)


@pytest.mark.freeze_time(MORNING)
async def test_missed_calls_today(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Today's count survives a reload and starts again at local midnight, unpolled."""
    await setup_entry(hass, enswitch_entry, {CONF_SCAN_INTERVAL: 3600})
    state = hass.states.get(TODAY)
    assert state.state == "0"
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["unit_of_measurement"] == "calls"
    await _miss(hass, enswitch, freezer, "+6491110000", "+6492220000", seconds=3601)
    assert hass.states.get(TODAY).state == "2"

    # A reload (a restart alike) keeps the count.
    assert await hass.config_entries.async_reload(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(TODAY).state == "2"

    # Local midnight starts a new day, without waiting for a poll: the last one
    # before it came a few seconds earlier.
    midnight = dt_util.start_of_local_day(MORNING + timedelta(days=1))
    await _miss(hass, enswitch, freezer, seconds=(midnight - dt_util.now()).seconds - 5)
    polls = len(enswitch.requests)
    assert hass.states.get(TODAY).state == "2"
    freezer.move_to(midnight)
    async_fire_time_changed(hass, midnight)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(enswitch.requests) == polls
    assert hass.states.get(TODAY).state == "0"
    await _miss(hass, enswitch, freezer, "+6493330000", seconds=3601)
    assert hass.states.get(TODAY).state == "1"


async def test_missed_calls_today_counts_what_the_options_let_through(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Missed calls today counts what the options let through."""
    await setup_entry(
        hass, enswitch_entry, {CONF_DIRECTIONS: ["inbound"], "called_numbers": ["200"]}
    )
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 5, "+6491110000", dnumber="100")
    enswitch.add_missed_call(now - 4, "+6492220000", dnumber="200")
    await next_poll(hass, freezer)
    assert hass.states.get(TODAY).state == "1"
    assert hass.states.get(WAITING).state == "1"


async def test_waiting_calls_and_dealing_with_them(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    watched_from_new_zealand: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Waiting calls and dealing with them."""
    await _miss(
        hass, enswitch, freezer, "+6491110000", "+6492220000", "+6491110000", "+64933"
    )
    state = hass.states.get(WAITING)
    assert state.state == "4"
    calls = state.attributes["calls"]
    # Newest first, with what a dashboard shows.
    assert [call["caller_number"] for call in calls] == [
        "+64933",
        "+6491110000",
        "+6492220000",
        "+6491110000",
    ]
    assert set(calls[0]) == {
        "time",
        "caller_number",
        "caller_name",
        "caller_name_source",
        "called_number",
        "call_id",
        "voicemail",
        "caller_number_for_reading",
        "called_number_for_reading",
        "catch_up",
    }
    # Enswitch does not tell whether a voicemail was left.
    assert calls[0]["voicemail"] is None
    # The list is kept out of the recorder (test_recorder.py).

    # One call, by its id.
    response = await hass.services.async_call(
        DOMAIN,
        "acknowledge_missed_calls",
        {
            "config_entry_id": watched_from_new_zealand.entry_id,
            "call_id": calls[0]["call_id"],
        },
        blocking=True,
        return_response=True,
    )
    assert response == {"acknowledged": 1}
    assert hass.states.get(WAITING).state == "3"
    # One caller, written in national form.
    await hass.services.async_call(
        DOMAIN,
        "acknowledge_missed_calls",
        {
            "config_entry_id": watched_from_new_zealand.entry_id,
            "caller_number": "09 111 0000",
        },
        blocking=True,
    )
    state = hass.states.get(WAITING)
    assert state.state == "1"
    assert [call["caller_number"] for call in state.attributes["calls"]] == [
        "+6492220000"
    ]
    # What is waiting survives a reload.
    assert await hass.config_entries.async_reload(watched_from_new_zealand.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(WAITING).state == "1"
    # The button deals with all of them.
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: BUTTON}, blocking=True
    )
    assert hass.states.get(WAITING).state == "0"
    assert hass.states.get(WAITING).attributes["calls"] == []
    # Today's count stays.
    assert hass.states.get(TODAY).state == "4"


@pytest.mark.usefixtures("watched_from_new_zealand")
async def test_waiting_calls_show_numbers_as_people_write_them(
    hass: HomeAssistant, enswitch: FakeEnswitch, freezer: FrozenDateTimeFactory
) -> None:
    """National at home, international from abroad; found while watching."""
    await _miss(hass, enswitch, freezer, "+6493031234", "+61298765432")
    calls = hass.states.get(WAITING).attributes["calls"]
    assert [
        (
            call["caller_number_for_reading"],
            call["called_number_for_reading"],
            call["catch_up"],
        )
        for call in calls
    ] == [("+61 2 9876 5432", "100", False), ("09 303 1234", "100", False)]


async def test_acknowledging_needs_a_loaded_account(
    hass: HomeAssistant, enswitch_entry: MockConfigEntry
) -> None:
    """Acknowledging needs a loaded account."""
    await setup_entry(hass, enswitch_entry)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "acknowledge_missed_calls",
            {"config_entry_id": "nope"},
            blocking=True,
        )


@pytest.mark.usefixtures("init_integration")
async def test_the_waiting_list_is_bounded(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The waiting list is bounded."""
    callers = [f"+64900{index:05d}" for index in range(MAX_WAITING + 5)]
    await _miss(hass, enswitch, freezer, *callers)
    state = hass.states.get(WAITING)
    assert state.state == str(MAX_WAITING)
    shown = [call["caller_number"] for call in state.attributes["calls"]]
    assert shown == callers[::-1][:20]


@pytest.mark.usefixtures("init_integration")
async def test_calling_back_deals_with_a_caller(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An outgoing call to a waiting caller's number: that caller is dealt with."""
    await _miss(hass, enswitch, freezer, "+6491110000", "+6492220000", "+6491110000")
    assert hass.states.get(WAITING).state == "3"
    # An incoming call from the caller is not calling back.
    incoming = enswitch.start_call("+6491110000", "100", direction="in")
    await next_poll(hass, freezer)
    assert hass.states.get(WAITING).state == "3"
    enswitch.end_call(incoming)
    enswitch.start_call("100", "+6491110000", direction="out")
    await next_poll(hass, freezer)
    state = hass.states.get(WAITING)
    assert state.state == "1"
    assert state.attributes["calls"][0]["caller_number"] == "+6492220000"
    calls = hass.states.get(ACTIVE).attributes["calls"]
    assert calls == [
        {
            "caller_number": "100",
            "called_number": "+6491110000",
            "direction": "outbound",
            "answered": False,
            "since": calls[0]["since"],
            "caller_name": None,
            "called_name": None,
            "caller_number_for_reading": "100",
            "called_number_for_reading": "+6491110000",
        }
    ]


@pytest.mark.usefixtures("init_integration")
async def test_workflow_entities_follow_the_role(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Workflow entities follow the role."""
    enswitch.missed_role = False
    await next_poll(hass, freezer)
    for entity_id in (TODAY, WAITING, BUTTON):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    assert hass.states.get(ACTIVE).state == "0"


@pytest.mark.usefixtures("init_integration")
async def test_the_waiting_list_is_in_the_diagnostics_redacted(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The waiting list is in the diagnostics redacted."""
    await _miss(hass, enswitch, freezer, "+6491110000")
    diagnostics: dict[str, Any] = await async_get_config_entry_diagnostics(
        hass, enswitch_entry
    )
    waiting = diagnostics["missed_calls"]["waiting"]
    assert len(waiting) == 1
    assert waiting[0]["caller_number"] == "**REDACTED**"
    assert "+649111" not in repr(diagnostics)
