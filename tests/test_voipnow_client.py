"""The VoipNow client against the fake VoipNow UAPI over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.callwatch.providers import (
    CallDirection,
    MissedCall,
    VoipnowClient,
    voipnow as voipnow_module,
    voipnow_uapi,
)
from custom_components.callwatch.providers.exceptions import (
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderPermissionError,
    ProviderResponseError,
)
from custom_components.callwatch.providers.voipnow import ZONE_SPREAD

from .conftest import HOUR, utc_now
from .fakes.server import FaultPlan
from .fakes.voipnow import FakeVoipnow
from .helpers import later_clock, listed_again_after, missed_in_the_last_hour


@pytest.fixture
def client(voipnow_client: VoipnowClient) -> VoipnowClient:
    """Return the client of the fake Voipnow."""
    return voipnow_client


async def test_account(client: VoipnowClient, voipnow_url: str) -> None:
    """The app is named and keyed by client id and host."""
    account = await client.account()
    host = voipnow_url.removeprefix("http://")
    assert account.name == f"callwatch-app@{host}"
    assert account.unique_id == f"callwatch-app@{host}"


async def test_token_request_and_reuse(
    client: VoipnowClient, voipnow: FakeVoipnow, voipnow_url: str
) -> None:
    """Token request and reuse."""
    await client.active_calls()
    await client.active_calls()
    await missed_in_the_last_hour(client)
    assert voipnow.token_requests == 1
    _, form = voipnow.requests[0]
    assert form == {
        "client_id": "callwatch-app",
        "client_secret": voipnow.client_secret,
        "grant_type": "client_credentials",
        "type": "unifiedapi",
        "redirect_uri": f"{voipnow_url}/oauth/token.php",
    }
    # The secret goes to the token endpoint only, never in a URL.
    for path, query in voipnow.requests[1:]:
        assert voipnow.client_secret not in path + repr(query)


async def test_token_fetched_again_near_expiry(
    client: VoipnowClient, voipnow: FakeVoipnow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Token fetched again near expiry."""
    voipnow.expires_in = 61  # one second past the safety margin
    await listed_again_after(client, later_clock(monkeypatch, voipnow_uapi, 2))
    assert voipnow.token_requests == 2


async def test_revoked_token_is_replaced_once(
    client: VoipnowClient, voipnow: FakeVoipnow
) -> None:
    """Revoked token is replaced once."""
    assert await listed_again_after(client, voipnow.expire_tokens) == []
    assert voipnow.token_requests == 2


async def test_token_refused_twice_is_an_auth_error(
    client: VoipnowClient, voipnow: FakeVoipnow
) -> None:
    """Token refused twice is an auth error."""
    voipnow.expires_in = -100  # every token is born expired
    with pytest.raises(ProviderAuthenticationError, match="refused the app's token"):
        await client.active_calls()
    assert voipnow.token_requests == 2


async def test_wrong_secret(
    voipnow: FakeVoipnow, voipnow_url: str, session: aiohttp.ClientSession
) -> None:
    """A wrong secret is an authentication error that does not show the secret."""
    client = VoipnowClient(
        voipnow_url, voipnow.client_id, "wrong-secret", session=session
    )
    with pytest.raises(ProviderAuthenticationError, match="invalid_client") as caught:
        await client.account()
    assert "wrong-secret" not in str(caught.value)


@pytest.mark.parametrize("entry_as_object", [False, True])
@pytest.mark.parametrize("caller_key", ["callerId", "callerID"])
@pytest.mark.parametrize("numbers_as_int", [False, True])
async def test_active_calls_count_calls_not_views(
    client: VoipnowClient,
    voipnow: FakeVoipnow,
    entry_as_object: bool,
    caller_key: str,
    numbers_as_int: bool,
) -> None:
    """Active calls count calls not views."""
    voipnow.entry_as_object = entry_as_object
    voipnow.caller_key = caller_key
    voipnow.numbers_as_int = numbers_as_int
    ringing = voipnow.start_call("6421234567", ["0003*210", "0003*211", "0003*212"])
    voipnow.start_call("0298765432", ["0003*210"], flow=4, answered=True)
    calls = {call.call_id: call for call in await client.active_calls()}
    assert len(calls) == 2
    first = calls[ringing]
    # Written without its "+", the number is read as the international one it is.
    assert first.caller_number == "+6421234567"
    assert first.called_number == "210"
    assert first.direction is CallDirection.INBOUND
    assert first.answered is False
    assert first.started is not None
    assert [call.direction for call in calls.values()][1] is CallDirection.OUTBOUND


async def test_active_calls_are_paged(
    client: VoipnowClient, voipnow: FakeVoipnow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Active calls are paged."""
    monkeypatch.setattr(voipnow_uapi, "PAGE_SIZE", 3)
    for index in range(8):
        voipnow.start_call(f"02100000{index:02d}", ["0003*210"])
    assert len(await client.active_calls()) == 8
    starts = [
        query["startIndex"] for path, query in voipnow.requests if "phoneCalls" in path
    ]
    assert starts == ["0", "3", "6"]


async def test_paging_has_a_bound(
    client: VoipnowClient, voipnow: FakeVoipnow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paging has a bound."""
    monkeypatch.setattr(voipnow_uapi, "PAGE_SIZE", 2)
    monkeypatch.setattr(voipnow_uapi, "MAX_START_INDEX", 4)
    for index in range(7):
        voipnow.start_call(f"02100000{index:02d}", ["0003*210"])
    with pytest.raises(ProviderResponseError, match="paging can reach"):
        await client.active_calls()


async def test_one_extension(
    voipnow: FakeVoipnow, make_voipnow_client: Callable[..., VoipnowClient]
) -> None:
    """With one extension watched, only its calls are listed."""
    client = make_voipnow_client(extension="0003*211")
    voipnow.start_call("021", ["0003*210"])
    voipnow.start_call("022", ["0003*210", "0003*211"])
    assert [call.caller_number for call in await client.active_calls()] == ["022"]
    now = time.time()
    voipnow.add_history(now - 60, "031", "0003*210")
    voipnow.add_history(now - 30, "032", "0003*211")
    assert [call.caller_number for call in await missed_in_the_last_hour(client)] == [
        "032"
    ]
    assert (await client.account()).name.endswith("(0003*211)")


async def test_missed_calls_are_unanswered_incoming(
    client: VoipnowClient, voipnow: FakeVoipnow
) -> None:
    """Missed calls are unanswered incoming."""
    now = time.time()
    voipnow.add_history(now - 120, "0211111111", caller_name="Wiremu")
    voipnow.add_history(now - 90, "0222222222", disposition=0)  # answered
    voipnow.add_history(now - 60, "0233333333", flow=4)  # outgoing
    voipnow.add_history(now - 30, "0244444444", disposition="NO ANSWER")
    voipnow.add_history(now - 7200, "0255555555")  # outside the window
    calls = await missed_in_the_last_hour(client)
    assert [call.caller_number for call in calls] == ["0211111111"]
    assert calls[0] == MissedCall(
        time=datetime.fromtimestamp(int(now - 120), UTC),
        caller_number="0211111111",
        caller_number_raw="0211111111",
        caller_name="Wiremu",
        called_number="210",
        call_id=calls[0].call_id,
        direction=CallDirection.INBOUND,
    )
    _, query = voipnow.requests[-1]
    assert query["disposition"] == "3"
    assert query["flow"] == "8"
    # Local date-times without a zone, as 4PSA's client sends them, widened by the
    # largest UTC offset on each side: the server reads them in its own zone.
    start = datetime.fromisoformat(query["startDate"])
    end = datetime.fromisoformat(query["endDate"])
    assert start.tzinfo is None
    assert end.tzinfo is None
    assert end - start <= HOUR + 2 * ZONE_SPREAD + timedelta(seconds=1)


async def test_no_calls_is_204(client: VoipnowClient) -> None:
    """No calls is 204."""
    assert await client.active_calls() == []
    assert await missed_in_the_last_hour(client) == []


async def test_forbidden(client: VoipnowClient, voipnow: FakeVoipnow) -> None:
    """A refused listing is a permission error."""
    voipnow.forbidden = True
    with pytest.raises(ProviderPermissionError, match="forbidden"):
        await client.active_calls()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (FaultPlan(fault="garbage"), ProviderResponseError),
        (FaultPlan(fault="html"), ProviderResponseError),
        (FaultPlan(fault="reset"), ProviderConnectionError),
        (FaultPlan(status=500), ProviderResponseError),
        (FaultPlan(delay=3), ProviderConnectionError),
    ],
)
async def test_faults(
    client: VoipnowClient,
    voipnow: FakeVoipnow,
    fault: FaultPlan,
    error: type[Exception],
) -> None:
    """Each HTTP fault is its provider error."""
    voipnow.fault = fault
    with pytest.raises(error):
        await client.active_calls()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"error": {"code": "count_invalid", "message": "count too big"}},
            400,
            "400 to uapi/phoneCalls/@me/@self: count_invalid count too big",
        ),
        ({"entry": "nope", "totalResults": 1}, 200, "malformed 'entry'"),
        ([1, 2], 200, "without a JSON object"),
    ],
)
async def test_malformed_replies(
    client: VoipnowClient, voipnow: FakeVoipnow, body: Any, status: int, message: str
) -> None:
    """A reply of the wrong shape is a response error saying what is wrong."""

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status)

    voipnow.reply_override = reply
    with pytest.raises(ProviderResponseError, match=message):
        await client.active_calls()


async def test_phone_call_without_an_id_is_skipped(
    client: VoipnowClient, voipnow: FakeVoipnow, caplog: pytest.LogCaptureFixture
) -> None:
    """Phone call without an id is skipped."""

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"entry": [{"phoneCallView": []}, {"id": "b"}], "totalResults": 2}
        )

    voipnow.reply_override = reply
    assert [call.call_id for call in await client.active_calls()] == ["b"]
    assert (
        "VoipNow: skipped a row of uapi/phoneCalls/@me/@self without a usable 'id'"
        in caplog.text
    )


async def test_missed_call_without_time_is_skipped(
    client: VoipnowClient, voipnow: FakeVoipnow, caplog: pytest.LogCaptureFixture
) -> None:
    """Missed call without time is skipped."""
    good = utc_now() - timedelta(minutes=5)

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "entry": {
                    "a": {"id": "a", "disposition": 3, "flow": 8, "startDate": "soon"},
                    "b": {
                        "id": "b",
                        "disposition": 3,
                        "flow": 8,
                        "startDate": good.isoformat(),
                    },
                },
                "totalResults": 2,
            }
        )

    voipnow.reply_override = reply
    calls = await missed_in_the_last_hour(client)
    assert [call.call_id for call in calls] == ["b"]
    assert (
        "VoipNow: skipped a row of uapi/cdr/@me without a usable 'startDate'"
        in caplog.text
    )


@pytest.mark.parametrize(
    ("body", "status", "error", "message"),
    [
        ({"error": "server_error"}, 500, ProviderResponseError, "server_error"),
        ({"access_token": ""}, 200, ProviderResponseError, "lacks a token"),
        ({}, 401, ProviderAuthenticationError, "rejected the client id"),
    ],
)
async def test_token_endpoint_errors(
    voipnow: FakeVoipnow,
    session: aiohttp.ClientSession,
    socket_enabled: None,
    body: Any,
    status: int,
    error: type[Exception],
    message: str,
) -> None:
    """Each error of the token endpoint is its provider error."""

    async def token(request: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post("/oauth/token.php", token)
    from .fakes.server import FakeServer

    server = FakeServer(app)
    url = await server.start()
    try:
        client = VoipnowClient(url, "id", "secret", session=session)
        with pytest.raises(error, match=message):
            await client.active_calls()
    finally:
        await server.stop()


@pytest.mark.parametrize("honours_sort_order", [True, False])
async def test_the_widened_history_window_costs_a_page_more(
    client: VoipnowClient, voipnow: FakeVoipnow, honours_sort_order: bool
) -> None:
    """Newest first, the history is read until a page reaches back before the window.

    The window asked for is 28 hours wider than the poll's; the rows before it are
    not read. A server that ignores `sortOrder` is read whole, and still right.
    """
    voipnow.honours_sort_order = honours_sort_order
    now = time.time()
    for index in range(400):
        voipnow.add_history(now - 3600 - index * 180, f"0210{index:06d}")
    voipnow.add_history(now - 30, "0299999999")
    calls = await client.missed_calls(utc_now() - timedelta(minutes=20), utc_now())
    assert [call.caller_number for call in calls] == ["0299999999"]
    pages = [query for path, query in voipnow.requests if path.startswith("/uapi/cdr")]
    assert all(query["sortOrder"] == "descending" for query in pages)
    if honours_sort_order:
        assert len(pages) == 1
        assert int(pages[0]["count"]) == voipnow_module.HISTORY_PAGE_SIZE
    else:
        # Every row of the widened window (268): 100, then up to 4999 a page.
        assert [query["count"] for query in pages] == ["100", "4999"]


async def test_a_history_row_stamped_in_the_server_zone(
    client: VoipnowClient, voipnow: FakeVoipnow
) -> None:
    """A stamp with its offset is read as the moment it names."""
    voipnow.zone = timezone(timedelta(hours=13))
    now = time.time()
    row = voipnow.add_history(now - 30, "0211111111")
    assert row["startDate"].endswith("+13:00")
    [call] = await missed_in_the_last_hour(client)
    assert call.time == datetime.fromtimestamp(int(now - 30), UTC)
