"""TeleCMI through Home Assistant: its flow step, polling, and pushes to the webhook."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.callwatch import live_calls
from custom_components.callwatch.const import (
    CONF_DIRECTIONS,
)
from custom_components.callwatch.diagnostics import async_get_config_entry_diagnostics

from .conftest import TelecmiPushes
from .fakes.telecmi import FakeTelecmi, cdr_push, event_push

ACTIVE = "sensor.telecmi_1111113_active_calls"
LATEST = "sensor.telecmi_1111113_latest_missed_caller"
EVENT = "event.telecmi_1111113_missed_call"


async def test_polled_missed_calls(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    telecmi_pushes: TelecmiPushes,
) -> None:
    """Polling finds missed calls; without a push the active count is unknown."""
    assert hass.states.get(ACTIVE).state == "unknown"
    events = telecmi_pushes.events
    now = telecmi_pushes.started
    telecmi.add_missed_call(now - 20, 919800000001, 918000000000, name="Asha")
    telecmi.add_missed_call(now - 10, "209_1111113", 919700000002, direction="outbound")
    await telecmi_pushes.poll()
    # Incoming only, unless the options ask for outgoing too.
    assert [event.data["caller_number"] for event in events] == ["+919800000001"]
    assert events[0].data["caller_number_raw"] == "919800000001"
    assert events[0].data["provider"] == "telecmi"
    # The name where there is one.
    assert hass.states.get(LATEST).state == "Asha"

    hass.config_entries.async_update_entry(
        telecmi_entry, options={CONF_DIRECTIONS: ["inbound", "outbound"]}
    )
    await hass.config_entries.async_reload(telecmi_entry.entry_id)
    await hass.async_block_till_done()
    telecmi.add_missed_call(now + 20, "207_1111113", 919700000003, direction="outbound")
    await telecmi_pushes.poll()
    assert [event.data["caller_number"] for event in events][1:] == ["207_1111113"]
    assert events[-1].data["direction"] == "outbound"


async def test_pushes_count_live_calls(
    hass: HomeAssistant, telecmi_pushes: TelecmiPushes, freezer: FrozenDateTimeFactory
) -> None:
    """Pushes count live calls."""
    now = telecmi_pushes.started
    await telecmi_pushes.push(event_push(1111113, "conv-1", "waiting", now))
    await telecmi_pushes.push(event_push(1111113, "conv-2", "started", now))
    assert hass.states.get(ACTIVE).state == "2"
    await telecmi_pushes.push(event_push(1111113, "conv-1", "answered", now + 5))
    assert hass.states.get(ACTIVE).state == "2"
    await telecmi_pushes.push(cdr_push(1111113, "conv-1", "answered", now + 60))
    assert hass.states.get(ACTIVE).state == "1"
    # A live push that arrives after the call's record does not bring the call back.
    await telecmi_pushes.push(event_push(1111113, "conv-1", "answered", now + 5))
    assert hass.states.get(ACTIVE).state == "1"
    # A poll in between keeps the pushed count.
    await telecmi_pushes.poll()
    assert hass.states.get(ACTIVE).state == "1"
    # A call whose end never arrives is dropped after four hours.
    freezer.tick(timedelta(hours=4))
    await telecmi_pushes.poll()
    assert hass.states.get(ACTIVE).state == "0"


async def test_pushed_missed_call_fires_once(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """Pushed missed call fires once."""
    now = telecmi_pushes.started
    await telecmi_pushes.push(event_push(1111113, "conv-9", "waiting", now - 30))
    await telecmi_pushes.push(
        cdr_push(1111113, "conv-9", "missed", now - 30, from_="+919811111111"),
    )
    assert [event.data["caller_number"] for event in telecmi_pushes.events] == [
        "+919811111111"
    ]
    assert hass.states.get(EVENT).attributes["caller_number"] == "+919811111111"
    assert hass.states.get(LATEST).state == "098111 11111"
    assert hass.states.get(ACTIVE).state == "0"
    # The poll lists the same call, under TeleCMI's row id and a second later.
    telecmi.add_missed_call(now - 29, "+919811111111", "+918000000000")
    await telecmi_pushes.poll()
    await telecmi_pushes.poll()
    assert len(telecmi_pushes.events) == 1
    # The same push again (a retry) is not a second call either.
    await telecmi_pushes.push(
        cdr_push(1111113, "conv-9", "missed", now - 30, from_="+919811111111"),
    )
    assert len(telecmi_pushes.events) == 1


async def test_pushes_that_are_refused(
    hass: HomeAssistant, telecmi_pushes: TelecmiPushes
) -> None:
    """Pushes for another app, of the wrong shape or not JSON are refused."""
    now = telecmi_pushes.started
    await telecmi_pushes.push(
        event_push(999, "conv-x", "waiting", now), HTTPStatus.FORBIDDEN
    )
    await telecmi_pushes.push({"type": "event"}, HTTPStatus.BAD_REQUEST)
    response = await telecmi_pushes.client.post(
        telecmi_pushes.path, data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status == HTTPStatus.BAD_REQUEST
    await telecmi_pushes.push([1, 2], HTTPStatus.BAD_REQUEST)  # type: ignore[arg-type]
    await telecmi_pushes.push({"type": "balance", "appid": 1111113})
    assert hass.states.get(ACTIVE).state == "unknown"


async def test_a_flood_of_forged_live_pushes_is_capped(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    telecmi_pushes: TelecmiPushes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whoever knows the address may push: each new id is kept, up to the cap."""
    # Read at each push, so set after the entry is.
    monkeypatch.setattr(live_calls, "MAX_LIVE_CALLS", 5, raising=False)
    now = telecmi_pushes.started
    for index in range(20):
        await telecmi_pushes.push(
            event_push(1111113, f"forged-{index}", "waiting", now)
        )
    assert hass.states.get(ACTIVE).state == "5"
    # The newest stay; a real call pushed now counts among them.
    kept = [call["since"] for call in hass.states.get(ACTIVE).attributes["calls"]]
    assert len(kept) == 5
    await telecmi_pushes.push(event_push(1111113, "real", "waiting", now))
    assert hass.states.get(ACTIVE).state == "5"
    # What the diagnostics platform gives Home Assistant names the calls.
    diagnostics = await async_get_config_entry_diagnostics(hass, telecmi_entry)
    live = {call["call_id"] for call in diagnostics["last_poll"]["active_calls"]}
    assert "real" in live
    assert "forged-15" not in live


async def test_push_by_get(
    hass: HomeAssistant, telecmi_pushes: TelecmiPushes, freezer: FrozenDateTimeFactory
) -> None:
    """CHUB global may push with GET and the fields in the query."""
    push = event_push(1111113, "conv-g", "started", freezer().timestamp())
    response = await telecmi_pushes.client.get(
        telecmi_pushes.path, params={k: str(v) for k, v in push.items()}
    )
    assert response.status == HTTPStatus.OK
    assert hass.states.get(ACTIVE).state == "1"


async def test_unload_stops_listening(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    telecmi_pushes: TelecmiPushes,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Once unloaded, the entry's webhook is gone: a push reaches no handler."""
    caplog.set_level(logging.INFO, logger="homeassistant.components.webhook")
    assert await hass.config_entries.async_unload(telecmi_entry.entry_id)
    push = event_push(1111113, "conv-u", "waiting", freezer().timestamp())
    await telecmi_pushes.push(push)
    assert (
        "Received message for unregistered webhook "
        f"{telecmi_entry.data[CONF_WEBHOOK_ID]}" in caplog.text
    )
