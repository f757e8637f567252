"""Enswitch missed calls as its JSON API documents them (tests/fixtures/vendor).

`calls/missed/list` rows carry `time` and `callerid` only: the called number is known
only from the `dnumber` a query asked with.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import CONF_CALLED_NUMBERS, EVENT_MISSED_CALL
from custom_components.callwatch.providers import EnswitchClient

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch

MISSED_LIST = json.loads(
    (
        Path(__file__).parent
        / "fixtures"
        / "vendor"
        / "enswitch-calls-missed-list.json"
    ).read_text()
)


def _missed_queries(enswitch: FakeEnswitch) -> list[dict[str, str]]:
    return [
        params for action, params in enswitch.requests if action == "calls/missed/list"
    ]


async def test_the_fake_lists_missed_calls_as_documented(
    enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    """The documented request gets rows of the documented shape, and only those."""
    example = MISSED_LIST["request"]["example"]
    [documented_row, _] = MISSED_LIST["response"]["data"]
    enswitch.add_missed_call(1234567890, "2125551234", destination="1234567")
    enswitch.add_missed_call(1234567891, "2125551234", destination="7654321")
    form = example | {
        "auth_username": enswitch.username,
        "auth_password": enswitch.password,
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{enswitch_url}/api/json/calls/missed/list/", data=form) as reply,
    ):
        body = await reply.json()
    assert body["responses"] == MISSED_LIST["response"]["responses"]
    assert body["data"] == [documented_row]
    assert enswitch.unnarrowed_missed_queries == 0


async def test_the_documented_reply_is_read(
    enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    """Two calls a second apart, from one caller, with no id and no called number."""

    async def reply(request: web.Request) -> web.Response:
        return web.json_response(MISSED_LIST["response"])

    enswitch.reply_override = reply
    async with aiohttp.ClientSession() as session:
        client = EnswitchClient(
            enswitch_url, enswitch.username, enswitch.password, session=session
        )
        calls = await client.missed_calls(
            datetime.fromtimestamp(1230000000, UTC),
            datetime.fromtimestamp(1240000000, UTC),
        )
    assert [
        (
            call.time.timestamp(),
            call.caller_number_raw,
            call.called_number,
            call.call_id,
        )
        for call in calls
    ] == [
        (1234567890, "2125551234", None, None),
        (1234567891, "2125551234", None, None),
    ]


async def test_watched_numbers_find_their_missed_calls(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each watched number is asked for with dtype and dnumber; its calls carry it."""
    hass.config.country = "NZ"
    assert await setup_entry(
        hass, enswitch_entry, {CONF_CALLED_NUMBERS: ["100", "09 111 0000"]}
    )
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 6, "+6421000001", destination="100")
    enswitch.add_missed_call(now - 5, "+6421000002", destination="6491110000", dtype="")
    enswitch.add_missed_call(now - 4, "+6421000003", destination="200")
    enswitch.add_missed_call(now - 3, "+6421000004")
    await next_poll(hass, freezer)
    assert [
        (event.data["caller_number_raw"], event.data["called_number"])
        for event in events
    ] == [("+6421000001", "100"), ("+6421000002", "+6491110000")]
    queries = _missed_queries(enswitch)
    assert {query["dnumber"] for query in queries} == {"100", "091110000", "6491110000"}
    assert all(query["dtype"] == "" for query in queries)
    assert enswitch.unnarrowed_missed_queries == 0


async def test_without_watched_numbers_every_missed_call_counts(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One query for any destination, with the inputs the page recommends."""
    assert await setup_entry(hass, enswitch_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 6, "+6421000001", destination="100")
    enswitch.add_missed_call(now - 5, "+6421000002", destination="200")
    await next_poll(hass, freezer)
    data: list[dict[str, Any]] = [event.data for event in events]
    assert [(item["caller_number_raw"], item["called_number"]) for item in data] == [
        ("+6421000001", None),
        ("+6421000002", None),
    ]
    for query in _missed_queries(enswitch):
        assert (query["dtype"], query["dnumber"]) == ("", "")
        assert {"start", "end"} <= query.keys()
    assert enswitch.unnarrowed_missed_queries == 0
