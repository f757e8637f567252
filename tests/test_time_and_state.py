"""Exactly once across clock steps and option changes, through Home Assistant.

A Raspberry Pi that lost power boots with the time it saved last (fake-hwclock), hours
behind, until NTP sets it right; a user changes the country the numbers are read in.
Neither may announce a call again, nor lose one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import CONF_COUNTRY, EVENT_MISSED_CALL

from .conftest import WallClock, next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch


async def _poll_at(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    wall_clock: WallClock,
    when: datetime,
) -> None:
    """Step the clock to `when` (back or forward), a poll interval on, and poll."""
    wall_clock.step(when)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.parametrize("dated", [True, False], ids=["dated", "undated"])
async def test_a_clock_set_back_then_right_repeats_and_loses_nothing(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    wall_clock: WallClock,
    dated: bool,
) -> None:
    """Set back 3 hours, then forward again: no call of those hours comes again.

    A call missed while the clock is behind is found at its poll when the provider's
    replies tell its time (`Date`), else once the clock is right again.
    """
    enswitch.dates_replies = dated
    start = freezer()
    now = start.timestamp()
    for hours_ago in (4, 3, 2, 1, 0.5):
        enswitch.add_missed_call(
            now - hours_ago * 3600, f"+64911{int(hours_ago * 10):05d}"
        )
    await setup_entry(hass, enswitch_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    for _ in range(3):
        await next_poll(hass, freezer)
    right = freezer()

    # fake-hwclock: three hours behind, for a while; a call is missed meanwhile,
    # more than the margin a window asks for past the latest time known (5 minutes).
    enswitch.clock_offset = 3 * 3600
    behind = right - timedelta(hours=3)
    for poll in range(1, 14):
        await _poll_at(
            hass, enswitch_entry, wall_clock, behind + timedelta(seconds=poll * 31)
        )
    enswitch.add_missed_call(right.timestamp() + 13 * 31 + 10, "+6492220000")
    await _poll_at(
        hass, enswitch_entry, wall_clock, behind + timedelta(seconds=14 * 31)
    )
    assert [event.data["caller_number"] for event in events] == (
        ["+6492220000"] if dated else []
    )

    # NTP sets it right.
    enswitch.clock_offset = 0
    await _poll_at(hass, enswitch_entry, wall_clock, right + timedelta(seconds=15 * 31))
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == ["+6492220000"]
    # Found after a gap only when the provider's time was not known.
    assert events[0].data["catch_up"] is not dated


async def test_a_clock_ahead_then_right_loses_nothing(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    wall_clock: WallClock,
) -> None:
    """Two hours ahead, then right: each call missed meanwhile is announced once.

    The windows asked for are the provider's, as its replies date them, so the calls
    of those hours are neither skipped while the clock runs ahead nor after it.
    """
    await setup_entry(hass, enswitch_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    await next_poll(hass, freezer)
    right = freezer()

    # A wrong clock (a bad time server, a real-time clock set wrong) two hours ahead.
    enswitch.clock_offset = -2 * 3600
    ahead = right + timedelta(hours=2)
    callers = []
    for poll in range(1, 7):
        caller = f"+649333{poll:04d}"
        enswitch.add_missed_call(right.timestamp() + poll * 31 - 10, caller)
        callers.append(caller)
        await _poll_at(
            hass, enswitch_entry, wall_clock, ahead + timedelta(seconds=poll * 31)
        )
    assert [event.data["caller_number"] for event in events] == callers

    # Set right; one more call is missed.
    enswitch.clock_offset = 0
    enswitch.add_missed_call(right.timestamp() + 7 * 31 - 10, "+6493339999")
    await _poll_at(hass, enswitch_entry, wall_clock, right + timedelta(seconds=7 * 31))
    for _ in range(3):
        await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == [
        *callers,
        "+6493339999",
    ]
    assert not any(event.data["catch_up"] for event in events)


@pytest.mark.parametrize("where", ["option", "home assistant"])
async def test_a_new_country_does_not_announce_calls_again(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    where: str,
) -> None:
    """Calls without an id, listed again after the country changed, are not new."""
    hass.config.country = "NZ"
    await setup_entry(hass, enswitch_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    enswitch.add_missed_call(freezer().timestamp() - 5, "094561234")
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == ["+6494561234"]

    if where == "option":
        hass.config_entries.async_update_entry(
            enswitch_entry, options={CONF_COUNTRY: "AU"}
        )
    else:
        hass.config.country = "AU"
    assert await hass.config_entries.async_reload(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(3):
        await next_poll(hass, freezer)
    assert len(events) == 1
