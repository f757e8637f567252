"""What the recorder keeps of Callwatch's sensors: their lists of calls stay out."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from .conftest import next_poll
from .fakes.enswitch import FakeEnswitch

ACTIVE = "sensor.alice_pbx_example_com_active_calls"
WAITING = "sensor.alice_pbx_example_com_missed_calls_waiting"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None
) -> None:
    """Load callwatch; the recorder's database must be chosen before `hass` exists."""


@pytest.fixture
async def init_integration(
    recorder_mock: Any, init_integration: MockConfigEntry
) -> MockConfigEntry:
    """Set up the entry once the recorder is up, as in a real start."""
    return init_integration


@pytest.mark.usefixtures("init_integration")
async def test_lists_of_calls_are_not_recorded(
    hass: HomeAssistant, enswitch: FakeEnswitch, freezer: FrozenDateTimeFactory
) -> None:
    """The live and the waiting calls are shown on the state, not kept in the history."""
    started = dt_util.utcnow()
    enswitch.start_call("+6492220000", "200", callid="call-b")
    enswitch.add_missed_call(freezer().timestamp() - 5, "+6494440000", dnumber="200")
    await next_poll(hass, freezer)
    for entity_id in (ACTIVE, WAITING):
        assert len(hass.states.get(entity_id).attributes["calls"]) == 1
    await async_wait_recording_done(hass)
    history = await hass.async_add_executor_job(
        get_significant_states, hass, started, None, [ACTIVE, WAITING]
    )
    assert set(history) == {ACTIVE, WAITING}
    recorded = [state for states in history.values() for state in states]
    assert {state.state for state in recorded} >= {"1"}
    for state in recorded:
        assert "calls" not in state.attributes
