"""VoipNow Call Events through Home Assistant: registered, pushed, removed, refused.

The fake VoipNow calls back the address it was given over real HTTP; that address is a
relay on 127.0.0.1 that hands each request to Home Assistant's HTTP API, as the
internet would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Event, HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch.const import (
    CONF_CALL_EVENTS,
    DOMAIN,
    EVENT_MISSED_CALL,
)

from .conftest import WallClock, next_poll, setup_entry
from .fakes.server import served
from .fakes.voipnow import FakeVoipnow

ACTIVE = "sensor.callwatch_app_voipnow_example_com_active_calls"
ISSUE = "01JVOIPNOW0000000000000000_call_events"


@pytest.fixture
async def relay(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> AsyncIterator[str]:
    """Serve an address on 127.0.0.1 whose requests reach Home Assistant."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {"Content-Type": request.headers.get("Content-Type", "")}
        async with client.request(
            request.method, request.path_qs, data=body, headers=headers
        ) as response:
            return web.Response(status=response.status, body=await response.read())

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    async with served(app) as url:
        await async_process_ha_core_config(hass, {"external_url": url})
        yield url


def _registered(voipnow: FakeVoipnow) -> dict[str, list[str]]:
    return {
        extension: sorted(event["type"] for event in events)
        for extension, events in voipnow.call_events.items()
        if events
    }


@dataclass
class VoipnowPushes:
    """Home Assistant on a frozen clock, and the fake VoipNow calling back its relay."""

    hass: HomeAssistant
    voipnow: FakeVoipnow
    entry: MockConfigEntry
    freezer: FrozenDateTimeFactory
    relay: str

    def active(self) -> str:
        """Return the state of the active-calls sensor."""
        return self.hass.states.get(ACTIVE).state

    async def set_up_with_call_events(self) -> None:
        """Set the entry up with Call Events on."""
        assert await setup_entry(self.hass, self.entry, {CONF_CALL_EVENTS: True})

    async def rung_unanswered(self, call: str) -> None:
        """Let `call` ring for 20 s and hang up unanswered; let its pushes arrive."""
        self.freezer.tick(20)
        await self.voipnow.hang_up(call)
        await self.hass.async_block_till_done()

    async def polls(self, count: int) -> None:
        """Let `count` regular polls run."""
        for _ in range(count):
            await next_poll(self.hass, self.freezer)


@pytest.fixture
def pushes(
    hass: HomeAssistant,
    relay: str,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> VoipnowPushes:
    """Return the VoipNow entry, not yet set up, whose calls are pushed to the relay."""
    return VoipnowPushes(hass, voipnow, voipnow_entry, freezer, relay)


@pytest.fixture
def provider() -> str:
    """Set up VoipNow entries here."""
    return "voipnow"


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Set them up with Call Events on."""
    return {CONF_CALL_EVENTS: True}


async def test_a_missed_call_is_announced_at_once_and_once(
    pushes: VoipnowPushes,
) -> None:
    """A missed call is announced at once and once."""
    pushes.hass.config.country = "NZ"
    await pushes.set_up_with_call_events()
    webhook_id = pushes.entry.data[CONF_WEBHOOK_ID]
    # Registered on each of the user's extensions, for the entry's webhook.
    assert _registered(pushes.voipnow) == {
        "0003*210": ["0", "1", "2", "3", "4"],
        "0003*211": ["0", "1", "2", "3", "4"],
    }
    for events in pushes.voipnow.call_events.values():
        assert all(webhook_id in event["url"] for event in events)
        assert all(event["url"].startswith(pushes.relay) for event in events)
    events = async_capture_events(pushes.hass, EVENT_MISSED_CALL)

    call = await pushes.voipnow.ring("021 555 0101", "0003*210", caller_name="Aroha")
    await pushes.hass.async_block_till_done()
    assert all(delivery.status == 200 for delivery in pushes.voipnow.deliveries)
    assert pushes.active() == "1"
    await pushes.rung_unanswered(call)
    # At once, without a poll.
    assert [event.data["caller_number"] for event in events] == ["+64215550101"]
    assert events[0].data["caller_name"] == "Aroha"
    assert pushes.active() == "0"
    # The poll finds the same call in the history, and says nothing more.
    await pushes.polls(2)
    assert len(events) == 1


async def test_an_answered_call_is_no_missed_call(
    hass: HomeAssistant,
    relay: str,
    voipnow: FakeVoipnow,
    announced: list[Event],
    freezer: FrozenDateTimeFactory,
) -> None:
    """An answered call is no missed call."""
    call = await voipnow.ring("021 555 0101")
    await voipnow.answer(call)
    await voipnow.hang_up(call)
    await hass.async_block_till_done()
    await next_poll(hass, freezer)
    assert announced == []


@pytest.mark.usefixtures("relay", "init_integration")
async def test_unload_removes_the_registration(
    hass: HomeAssistant,
    relay: str,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
) -> None:
    """Unload removes the registration."""
    assert _registered(voipnow)
    assert await hass.config_entries.async_unload(voipnow_entry.entry_id)
    assert _registered(voipnow) == {}
    # Set up again, it registers again: once, not twice.
    assert await hass.config_entries.async_setup(voipnow_entry.entry_id)
    await hass.async_block_till_done()
    assert all(len(types) == 5 for types in _registered(voipnow).values())


async def test_without_the_option_nothing_is_registered(
    hass: HomeAssistant,
    relay: str,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
) -> None:
    """Without the option nothing is registered."""
    assert await setup_entry(hass, voipnow_entry, {})
    assert _registered(voipnow) == {}
    assert CONF_WEBHOOK_ID not in voipnow_entry.data


@pytest.mark.usefixtures("init_integration")
async def test_no_address_the_provider_can_reach_is_a_repair(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No address the provider can reach is a repair."""
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "call_events_no_url"
    assert _registered(voipnow) == {}
    # Polling goes on.
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    voipnow.add_history(freezer().timestamp() - 5, "0215550101")
    await next_poll(hass, freezer)
    assert len(events) == 1


async def test_a_refused_permission_is_a_repair_that_clears(
    pushes: VoipnowPushes, issue_registry: ir.IssueRegistry
) -> None:
    """A refused permission is a repair that clears."""
    pushes.voipnow.call_events_forbidden = True
    await pushes.set_up_with_call_events()
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "call_events_not_allowed"
    assert pushes.voipnow.client_secret not in str(issue.translation_placeholders)
    pushes.voipnow.call_events_forbidden = False
    assert await pushes.hass.config_entries.async_reload(pushes.entry.entry_id)
    await pushes.hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
    assert _registered(pushes.voipnow)


@pytest.mark.usefixtures("relay", "init_integration")
async def test_a_push_for_another_extension_is_refused(
    hass: HomeAssistant,
    relay: str,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A push for another extension is refused."""
    client = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{voipnow_entry.data[CONF_WEBHOOK_ID]}",
        data={
            "CallID": "x1",
            "CallerIDNum": "0215550101",
            "CalledExtension": "0009*100",
            "CallFlow": "IN",
            "CallStatus": "CALLING",
        },
    )
    assert response.status == 403
    assert hass.states.get(ACTIVE).state == "0"


async def test_pushes_add_to_the_calls_a_poll_listed(pushes: VoipnowPushes) -> None:
    """A push between polls changes what the last listing showed, not replaces it."""
    pushes.voipnow.start_call("021 111 1111", ["0003*211"])
    await pushes.set_up_with_call_events()
    assert pushes.active() == "1"
    call = await pushes.voipnow.ring("021 555 0101", "0003*210")
    await pushes.hass.async_block_till_done()
    assert pushes.active() == "2"
    await pushes.voipnow.answer(call)
    await pushes.voipnow.hang_up(call)
    await pushes.hass.async_block_till_done()
    assert pushes.active() == "1"
    # The next listing agrees.
    await pushes.polls(1)
    assert pushes.active() == "1"


async def test_a_missed_call_through_a_did_is_announced_once(
    pushes: VoipnowPushes,
) -> None:
    """The callback's CalledNumber is the DID; the history gives the extension.

    Both are read as the extension (`210`), so the push and the row are one call.
    """
    pushes.hass.config.country = "NZ"
    await pushes.set_up_with_call_events()
    events = async_capture_events(pushes.hass, EVENT_MISSED_CALL)
    call = await pushes.voipnow.ring("021 555 0101", "0003*210", did="+6494561234")
    await pushes.rung_unanswered(call)
    [delivery] = [
        d for d in pushes.voipnow.deliveries if d.params["CallStatus"] == "NOANSWER"
    ]
    assert delivery.params["CalledNumber"] == "+6494561234"
    assert len(events) == 1
    await pushes.polls(2)
    assert len(events) == 1
    assert events[0].data["called_number"] == "210"


@pytest.mark.parametrize("step", [3, -3])
async def test_a_clock_step_before_a_push_does_not_move_its_stamp(
    pushes: VoipnowPushes, wall_clock: WallClock, step: int
) -> None:
    """Home Assistant's clock steps hours (NTP after a power cut) between a poll and
    a push: the push is stamped by VoipNow's time all the same, announced once, at
    once, and its row is found to be the same call.
    """
    await pushes.set_up_with_call_events()
    events = async_capture_events(pushes.hass, EVENT_MISSED_CALL)
    await pushes.polls(1)
    # VoipNow's clock goes on; ours steps, with no reply since to show it.
    pushes.voipnow.clock_offset = -step * 3600
    wall_clock.step(dt_util.utcnow() + timedelta(hours=step), elapsed=2)
    call = await pushes.voipnow.ring("021 555 0101", "0003*210")
    await pushes.rung_unanswered(call)
    assert len(events) == 1
    [row] = pushes.voipnow.history
    pushed = datetime.fromisoformat(events[0].data["time"])
    assert abs(pushed - datetime.fromisoformat(row["startDate"])) < timedelta(
        seconds=10
    )
    await pushes.polls(3)
    assert len(events) == 1


@pytest.mark.parametrize("dates_replies", [True, False])
@pytest.mark.parametrize("skew", [180, -180])
async def test_a_voipnow_clock_minutes_off_announces_a_pushed_call_once(
    pushes: VoipnowPushes, skew: int, dates_replies: bool
) -> None:
    """Callbacks carry no time: a push is stamped by VoipNow's clock as its replies date
    them, the time of its row; with no date to go by, by ours, and paired all the same.
    """
    pushes.voipnow.clock_offset = skew
    pushes.voipnow.dates_replies = dates_replies
    await pushes.set_up_with_call_events()
    events = async_capture_events(pushes.hass, EVENT_MISSED_CALL)
    call = await pushes.voipnow.ring("021 555 0101", "0003*210")
    await pushes.rung_unanswered(call)
    assert len(events) == 1
    [row] = pushes.voipnow.history
    pushed = datetime.fromisoformat(events[0].data["time"])
    gap = abs(pushed - datetime.fromisoformat(row["startDate"]))
    if dates_replies:
        assert gap < timedelta(seconds=10)
    else:
        assert gap > timedelta(seconds=170)
    await pushes.polls(2)
    assert len(events) == 1
