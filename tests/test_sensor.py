"""The sensors: what they show, when they change, and when they write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from .conftest import SnapshotEntities, next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan

ACTIVE = "sensor.alice_pbx_example_com_active_calls"
LATEST = "sensor.alice_pbx_example_com_latest_missed_caller"
EVENT = "event.alice_pbx_example_com_missed_call"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "enswitch_in_use")
@pytest.mark.parametrize("init_integration", [Platform.SENSOR], indirect=True)
async def test_entities(snapshot_entities: SnapshotEntities) -> None:
    """The sensors' registry entries and states, from an account in use."""
    await snapshot_entities()


@pytest.mark.usefixtures("init_integration")
async def test_active_calls_follow_the_calls(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Active calls follow the calls."""
    assert hass.states.get(ACTIVE).state == "0"
    first = enswitch.start_call("+641", "100", legs=2)
    second = enswitch.start_call("+642", "100")
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == "2"
    enswitch.end_call(first)
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == "1"
    enswitch.end_call(second)
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == "0"


@pytest.mark.usefixtures("init_integration")
async def test_latest_missed_caller(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The latest missed caller shows the name, with the call in its attributes."""
    assert hass.states.get(LATEST).state == "unknown"
    when = freezer().timestamp() - 5
    enswitch.add_missed_call(when, "+6425550000", callername="Dan", dnumber="100")
    await next_poll(hass, freezer)
    state = hass.states.get(LATEST)
    # The name where there is one; the number in the attributes.
    assert state.state == "Dan"
    assert state.attributes["caller_number"] == "+6425550000"
    assert state.attributes["caller_name"] == "Dan"
    assert state.attributes["caller_name_source"] == "provider"
    assert state.attributes["called_number"] == "100"
    assert (
        state.attributes["time"] == datetime.fromtimestamp(int(when), UTC).isoformat()
    )
    # A field the provider did not fill is left out, not shown as null.
    assert "call_id" not in state.attributes


async def test_idle_polls_write_nothing(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Idle polls write nothing."""
    enswitch.start_call("+641", "100")
    enswitch.add_missed_call(freezer().timestamp() - 60, "+642")
    await setup_entry(hass, enswitch_entry)
    writes: list[str] = []

    @callback
    def ours(event_data: Mapping[str, Any]) -> bool:
        return event_data["entity_id"] in (ACTIVE, LATEST, EVENT)

    @callback
    def count(event: Event) -> None:
        writes.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, count, event_filter=ours)
    hass.bus.async_listen(EVENT_STATE_REPORTED, count, event_filter=ours)
    for _ in range(5):
        await next_poll(hass, freezer)
    assert writes == []
    enswitch.start_call("+643", "100")
    await next_poll(hass, freezer)
    assert writes == [ACTIVE]


async def test_unavailable_then_back(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed poll makes every entity unavailable; the next good one brings them back."""
    enswitch.add_missed_call(freezer().timestamp() - 60, "+642")
    await setup_entry(hass, enswitch_entry)
    enswitch.fault = FaultPlan(fault="html")
    await next_poll(hass, freezer)
    for entity_id in (ACTIVE, LATEST, EVENT):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    enswitch.fault = FaultPlan()
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == "0"
    assert hass.states.get(LATEST).state == "+642"
    assert hass.states.get(EVENT).state == "unknown"
