"""Every missed call exactly once, through Home Assistant, the webhook and the fakes.

One test per case that broke it before: a call listed before its push, a push retried
after the overlap, numbers written two ways, look-alike calls, one id twice in a listing,
an unreadable row, the idle cursor never saved, a push from the future, a long
Retry-After, and a role refused everything without a repair issue.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.callwatch.announcer import storage_key
from custom_components.callwatch.const import DOMAIN

from .conftest import TelecmiPushes, next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan
from .fakes.telecmi import FakeTelecmi, cdr_push

TELECMI_LATEST = "sensor.telecmi_1111113_latest_missed_caller"
ENSWITCH_LATEST = "sensor.alice_pbx_example_com_latest_missed_caller"
ENSWITCH_EVENT = "event.alice_pbx_example_com_missed_call"
APP_ID = 1111113


def _callers(events: list[Any]) -> list[str | None]:
    return [event.data["caller_number"] for event in events]


async def test_a_call_listed_before_its_push_is_announced_once(
    telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """The listing's `_id` and the push's `cmiuuid` differ; the call is the same."""
    now = telecmi_pushes.started
    telecmi.add_missed_call(now - 20, "+919811111111", "+918000000000")
    await telecmi_pushes.poll()
    assert telecmi_pushes.callers() == ["+919811111111"]
    await telecmi_pushes.push(
        cdr_push(APP_ID, "conv-1", "missed", now - 20, from_="+919811111111"),
    )
    await telecmi_pushes.poll()
    assert telecmi_pushes.callers() == ["+919811111111"]


async def test_numbers_written_two_ways_are_one_call(
    telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """The listing writes `to` as a number and `from` without "+"; the push "+91..."."""
    now = telecmi_pushes.started
    await telecmi_pushes.push(
        cdr_push(
            APP_ID,
            "conv-2",
            "missed",
            now - 20,
            from_="+91 98111 11111",
            virtual_number="+918000000000",
            region="global",
        ),
    )
    telecmi.add_missed_call(now - 20, 919811111111, 918000000000)
    await telecmi_pushes.poll()
    await telecmi_pushes.poll()
    assert telecmi_pushes.callers() == ["+919811111111"]
    assert telecmi_pushes.events[0].data["caller_number_raw"] == "+91 98111 11111"
    assert telecmi_pushes.events[0].data["called_number"] == "+918000000000"


async def test_a_push_retried_after_the_overlap_is_not_announced_again(
    telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """A push retried after the overlap is not announced again."""
    now = telecmi_pushes.started
    push = cdr_push(APP_ID, "conv-3", "missed", now - 5, from_="+919811111111")
    await telecmi_pushes.push(push)
    telecmi.add_missed_call(now - 5, "+919811111111", "+918000000000")
    for _ in range(40):  # twenty minutes of polls
        await telecmi_pushes.poll()
    await telecmi_pushes.push(push)
    await telecmi_pushes.push(push)
    assert telecmi_pushes.callers() == ["+919811111111"]


async def test_look_alike_calls_are_not_merged(
    telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """A redial a minute later, and two withheld callers to one line, are four calls.

    The poll then lists all four (under other ids, in the other order); each row claims
    the pushed call nearest in time, and nothing is announced twice.
    """
    now = telecmi_pushes.started
    for conversation, when, caller in (
        ("redial-1", now - 100, "+919811111111"),
        ("redial-2", now - 40, "+919811111111"),
        ("withheld-1", now - 90, "anonymous"),
        ("withheld-2", now - 30, "anonymous"),
    ):
        await telecmi_pushes.push(
            cdr_push(APP_ID, conversation, "missed", when, from_=caller)
        )
    assert telecmi_pushes.callers() == ["+919811111111", "+919811111111", None, None]
    assert [event.data["caller_withheld"] for event in telecmi_pushes.events] == [
        False,
        False,
        True,
        True,
    ]
    telecmi.add_missed_call(now - 41, 919811111111, 918000000000)
    telecmi.add_missed_call(now - 31, "anonymous", 918000000000)
    await telecmi_pushes.poll()
    telecmi.add_missed_call(now - 101, 919811111111, 918000000000)
    telecmi.add_missed_call(now - 91, "anonymous", 918000000000)
    await telecmi_pushes.poll()
    await telecmi_pushes.poll()
    assert len(telecmi_pushes.events) == 4


async def test_one_id_twice_in_a_listing_is_one_call(
    telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """A call arriving while the pages are read shifts a row onto the next page."""
    now = telecmi_pushes.started
    for index in range(60):
        telecmi.add_missed_call(now - 100 + index, f"+9198000{index:05d}")

    def a_call_arrives(path: str, page: int) -> None:
        if path == "missed" and page == 1:
            telecmi.add_missed_call(now - 1, "+919899999999")

    telecmi.after_page = a_call_arrives
    await telecmi_pushes.poll()
    telecmi.after_page = None
    await telecmi_pushes.poll()
    callers = telecmi_pushes.callers()
    assert len(callers) == len(set(callers)) == 61


async def test_an_unreadable_row_is_skipped_and_the_rest_counts(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    announced: list[Event],
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unreadable row is skipped and the rest counts."""
    now = freezer().timestamp()

    async def reply(request: web.Request) -> web.Response:
        action = request.path.split("/api/json/")[1]
        data: list[dict[str, Any]] = []
        if action.startswith("calls/missed"):
            data = [
                {"callerid": "+6491110000", "time": "yesterday"},
                {"callerid": "+6491234567", "time": int(now) - 10, "uniqueid": "u1"},
            ]
        return web.json_response({"responses": [{"code": "200"}], "data": data})

    enswitch.reply_override = reply
    for _ in range(3):
        await next_poll(hass, freezer)
    assert _callers(announced) == ["+6491234567"]
    # Not a valid New Zealand number: shown as received.
    assert hass.states.get(ENSWITCH_LATEST).state == "+6491234567"
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and "skipped a row" in record.getMessage()
    ]
    assert warnings == [
        "Enswitch: skipped a row of calls/missed/list without a usable 'time'; "
        "the rest of the reply counts"
    ]
    # The cursor moves on.
    await hass.config_entries.async_unload(enswitch_entry.entry_id)
    stored = hass_storage[storage_key(enswitch_entry.entry_id)]["data"]["tracker"]
    assert stored["last_poll"] == int(freezer().timestamp() * 1000)


async def test_the_idle_cursor_reaches_the_disk(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polls every 30 s do not put off the write of the cursor for ever."""
    key = storage_key(enswitch_entry.entry_id)
    await setup_entry(hass, enswitch_entry)
    writes = []
    for _ in range(24):  # twelve minutes
        await next_poll(hass, freezer)
        if key in hass_storage:
            writes.append(hass_storage[key]["data"]["tracker"]["last_poll"])
    assert writes, "the cursor was never written"
    age = (
        freezer().timestamp() * 1000 - hass_storage[key]["data"]["tracker"]["last_poll"]
    )
    assert age <= 5 * 60 * 1000 + 31_000
    # A bounded rate: at most one write in five minutes while nothing is announced.
    assert len(set(writes)) <= 3


async def test_an_announcement_reaches_the_disk_within_seconds(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    telecmi_pushes: TelecmiPushes,
    hass_storage: dict[str, Any],
) -> None:
    """A poll right after a push does not put off writing what the push announced."""
    await telecmi_pushes.poll(400)
    await telecmi_pushes.push(
        cdr_push(
            APP_ID, "conv-s", "missed", telecmi_pushes.started + 400, "+919811111111"
        )
    )
    # A refresh asked through Home Assistant, as an automation or the UI asks one.
    assert await async_setup_component(hass, "homeassistant", {})
    asked = len(telecmi.requests)
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {ATTR_ENTITY_ID: TELECMI_LATEST},
        blocking=True,
    )
    assert len(telecmi.requests) > asked
    await telecmi_pushes.poll(11)
    saved = hass_storage[storage_key(telecmi_entry.entry_id)]["data"]
    assert "919811111111" in str(saved)


async def test_a_push_from_the_future_is_refused(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    telecmi_pushes: TelecmiPushes,
    hass_storage: dict[str, Any],
) -> None:
    """Stamped a day ahead (a skewed clock, a forged push): neither latest nor saved."""
    now = telecmi_pushes.started
    await telecmi_pushes.push(
        cdr_push(APP_ID, "conv-p", "missed", now - 60, from_="+919811111111")
    )
    await telecmi_pushes.push(
        cdr_push(APP_ID, "conv-f", "missed", now + 86400, from_="+919822222222"),
    )
    assert telecmi_pushes.callers() == ["+919811111111"]
    # CHUB India: an Indian number is shown as Indians write it.
    assert hass.states.get(TELECMI_LATEST).state == "098111 11111"
    await hass.config_entries.async_unload(telecmi_entry.entry_id)
    stored = str(hass_storage[storage_key(telecmi_entry.entry_id)]["data"])
    assert "919822222222" not in stored


async def test_a_long_retry_after_skips_no_calls(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    announced: list[Event],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A provider asking for 30 hours' rest is asked again within the hour."""
    enswitch.fault = FaultPlan(status=429, retry_after=str(30 * 3600), times=1)
    await next_poll(hass, freezer)
    served = len(enswitch.requests)
    enswitch.add_missed_call(freezer().timestamp() + 60, "+6491234567")
    await next_poll(hass, freezer, 1800)
    assert len(enswitch.requests) == served
    await next_poll(hass, freezer, 1801)
    assert len(enswitch.requests) > served
    assert _callers(announced) == ["+6491234567"]


@pytest.mark.usefixtures("init_integration")
async def test_a_role_refused_everything_raises_both_repairs(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A role refused everything raises both repairs."""
    enswitch.active_role = enswitch.missed_role = False
    await next_poll(hass, freezer)
    for capability in ("active_calls", "missed_calls"):
        issue_id = f"{enswitch_entry.entry_id}_{capability}_forbidden"
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    enswitch.active_role = enswitch.missed_role = True
    await next_poll(hass, freezer)
    assert not [
        issue
        for (domain, _), issue in issue_registry.issues.items()
        if domain == DOMAIN
    ]
