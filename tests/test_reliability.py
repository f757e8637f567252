"""Faults through Home Assistant: outages, timeouts, bursts, resets, huge and bad replies.

Each scenario breaks the fake provider for several polls while calls are missed, then
mends it. Nothing may crash; the entities go unavailable and come back; the log says once
that the account is unavailable and once that it is back; every call missed meanwhile is
announced exactly once, oldest first.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
import time
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch import provider_specs
from custom_components.callwatch.const import EVENT_MISSED_CALL

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan

ACTIVE = "sensor.alice_pbx_example_com_active_calls"
LATEST = "sensor.alice_pbx_example_com_latest_missed_caller"
EVENT = "event.alice_pbx_example_com_missed_call"


def _reply(body: Any, status: int = 200) -> Callable[[FakeEnswitch], None]:
    def apply(enswitch: FakeEnswitch) -> None:
        async def reply(request: web.Request) -> web.StreamResponse:
            return web.json_response(body, status=status)

        enswitch.reply_override = reply

    return apply


def _fault(plan: FaultPlan) -> Callable[[FakeEnswitch], None]:
    def apply(enswitch: FakeEnswitch) -> None:
        enswitch.fault = plan

    return apply


SCENARIOS: dict[str, Callable[[FakeEnswitch], None]] = {
    "down (503)": _fault(FaultPlan(status=503)),
    "5xx burst": _fault(FaultPlan(status=500)),
    "reset mid-body": _fault(FaultPlan(fault="reset")),
    "malformed JSON": _fault(FaultPlan(fault="garbage")),
    "HTML error page": _fault(FaultPlan(fault="html")),
    "empty 502": _fault(FaultPlan(fault="empty", status=502)),
    "rate limited without Retry-After": _fault(FaultPlan(status=429)),
    "data of the wrong type": _reply({"responses": [{"code": "200"}], "data": "rows"}),
    "rows of the wrong type": _reply({"responses": [{"code": "200"}], "data": [1, 2]}),
    "missing envelope": _reply({"data": []}),
    "provider error in body": _reply(
        {"responses": [{"code": "500", "key": "db", "message": "Database down"}]}
    ),
}


@pytest.mark.parametrize("breakage", SCENARIOS.values(), ids=SCENARIOS.keys())
async def test_outage_then_recovery(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    breakage: Callable[[FakeEnswitch], None],
) -> None:
    """Each fault for 12 polls: unavailable, logged once and back once, no call lost."""
    caplog.set_level(logging.DEBUG, logger="custom_components.callwatch")
    enswitch.add_missed_call(freezer().timestamp() - 60, "+64history")
    await setup_entry(hass, enswitch_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    caplog.clear()

    breakage(enswitch)
    for index in range(12):
        enswitch.add_missed_call(freezer().timestamp() - 3, f"+64down{index:02d}")
        await next_poll(hass, freezer)
        for entity_id in (ACTIVE, LATEST, EVENT):
            assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    assert events == []

    enswitch.fault = FaultPlan()
    enswitch.reply_override = None
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == [
        f"+64down{index:02d}" for index in range(12)
    ]
    assert hass.states.get(LATEST).state == "+64down11"
    assert hass.states.get(ACTIVE).state == "0"
    unavailable = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and "Error fetching" in record.getMessage()
    ]
    back = [
        record for record in caplog.records if "data recovered" in record.getMessage()
    ]
    assert len(unavailable) == 1
    assert len(back) == 1


async def test_timeouts(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider too slow to answer: unavailable, then back, calls caught up.

    Real time here (no frozen clock), so that the request's timeout can expire; 3 s
    instead of 15, ample for an answer from 127.0.0.1 however busy the machine is.
    """
    monkeypatch.setattr(provider_specs, "REQUEST_TIMEOUT", 3.0)
    await setup_entry(hass, enswitch_entry)
    coordinator = enswitch_entry.runtime_data
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    enswitch.fault = FaultPlan(delay=4)
    enswitch.add_missed_call(time.time() - 2, "+64slow")
    await coordinator.async_refresh()
    assert hass.states.get(ACTIVE).state == STATE_UNAVAILABLE
    assert "did not answer within 3 s" in str(coordinator.last_exception)
    enswitch.fault = FaultPlan()
    await coordinator.async_refresh()
    assert hass.states.get(ACTIVE).state == "0"
    assert [event.data["caller_number"] for event in events] == ["+64slow"]


async def test_a_very_long_outage_catches_up_a_day(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    announced: list[Event],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Down for 30 hours: calls of the last 24 hours are announced once it is back."""
    enswitch.fault = FaultPlan(status=503)
    for hour in range(30):
        enswitch.add_missed_call(freezer().timestamp(), f"+64hour{hour:02d}")
        await next_poll(hass, freezer, 3600)
    enswitch.fault = FaultPlan()
    await next_poll(hass, freezer)
    # The poll that finds them is 30 hours and 31 seconds after the first call: the
    # calls of the 24 hours before it are those from hour 7 on.
    assert [event.data["caller_number"] for event in announced] == [
        f"+64hour{hour:02d}" for hour in range(7, 30)
    ]


async def test_fifty_thousand_legs(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Fifty thousand legs of 25,000 calls are counted as 25,000 calls."""
    for index in range(25_000):
        enswitch.start_call(f"+64{index:07d}", "100", legs=2, callid=f"c{index}")
    await setup_entry(hass, enswitch_entry)
    assert hass.states.get(ACTIVE).state == "25000"


async def test_ten_megabyte_reply(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    announced: list[Event],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A ten-megabyte listing is read and each of its calls announced once."""
    padding = "x" * 1000
    now = freezer().timestamp()
    for index in range(10_000):
        enswitch.add_missed_call(
            now - 5, f"+64{index:07d}", notes=padding, uniqueid=f"u{index}"
        )
    await next_poll(hass, freezer)
    assert len(announced) == 10_000
    assert len({event.data["call_id"] for event in announced}) == 10_000
    await next_poll(hass, freezer)
    assert len(announced) == 10_000


async def test_a_reply_past_the_size_bound_is_refused_not_read(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reply past the size bound is refused not read."""
    from custom_components.callwatch.providers import http

    await setup_entry(hass, enswitch_entry)
    monkeypatch.setattr(http, "MAX_REPLY_BYTES", 100_000)
    for index in range(2000):
        enswitch.start_call(f"+64{index:07d}", "100")
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == STATE_UNAVAILABLE
    # The update failed for the reply's size (as Home Assistant logs the failure).
    assert any(
        record.getMessage().startswith(f"Error fetching {enswitch_entry.title} data")
        and "larger than" in record.getMessage()
        for record in caplog.records
    )
