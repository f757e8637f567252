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

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch


async def _poll_at(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    when: datetime,
) -> None:
    """Set the clock to `when` (back or forward) and poll."""
    freezer.move_to(when)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_a_clock_set_back_then_right_repeats_and_loses_nothing(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set back 3 hours, then forward again: no call of those hours comes again.

    Calls missed while the clock is behind are found once it is right again.
    """
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

    # fake-hwclock: three hours behind, for a while; a call is missed meanwhile.
    for minutes in range(0, 20, 5):
        await _poll_at(
            hass, enswitch_entry, freezer, right - timedelta(hours=3, minutes=-minutes)
        )
    enswitch.add_missed_call(right.timestamp() + 600, "+6492220000")
    await _poll_at(
        hass, enswitch_entry, freezer, right - timedelta(hours=2, minutes=40)
    )
    assert events == []

    # NTP sets it right.
    await _poll_at(hass, enswitch_entry, freezer, right + timedelta(minutes=12))
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == ["+6492220000"]
    assert events[0].data["catch_up"] is True


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
