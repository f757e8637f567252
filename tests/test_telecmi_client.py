"""The TeleCMI client against the fake TeleCMI over real HTTP, both API families."""

from __future__ import annotations

from datetime import UTC, datetime
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.callwatch.providers import (
    CallDirection,
    MissedCall,
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderPermissionError,
    ProviderResponseError,
    TelecmiClient,
    telecmi as telecmi_module,
)
from custom_components.callwatch.providers.telecmi_push import parse_push

from .fakes.server import FaultPlan
from .fakes.telecmi import FakeTelecmi, Region, cdr_push, event_push
from .helpers import missed_in_the_last_hour


@pytest.fixture(params=["india", "global"])
def telecmi(request: pytest.FixtureRequest) -> FakeTelecmi:
    return FakeTelecmi(region=request.param)


@pytest.fixture
def client(telecmi_client: TelecmiClient) -> TelecmiClient:
    """Return the client of the fake TeleCMI."""
    return telecmi_client


async def test_account(client: TelecmiClient, telecmi: FakeTelecmi) -> None:
    """The app is named and keyed by region and id; checking it asks one narrow listing."""
    account = await client.account()
    assert account.unique_id == f"{telecmi.region}_1111113"
    assert account.name == "TeleCMI 1111113"
    assert client.model == f"CHUB {telecmi.region.capitalize()}"
    [(path, body)] = telecmi.requests
    assert path == "missed"
    assert body["end_date"] - body["start_date"] <= 1


async def test_secret_travels_in_the_body_under_the_family_name(
    client: TelecmiClient, telecmi: FakeTelecmi
) -> None:
    """Secret travels in the body under the family name."""
    await client.account()
    _, body = telecmi.requests[0]
    field = "token" if telecmi.region == "india" else "secret"
    assert body[field] == telecmi.secret
    assert body["appid"] == 1111113


async def test_incoming_and_outgoing_missed_calls(
    client: TelecmiClient, telecmi: FakeTelecmi
) -> None:
    """Incoming and outgoing missed calls."""
    now = time.time()
    caller, called, agent = 919800000001, 918000000000, "209_1111113"
    telecmi.add_missed_call(now - 60, caller, called, name="Asha", call_id="c-in")
    telecmi.add_outgoing_missed_call(now - 30, agent, 919700000002, call_id="c-out")
    telecmi.add_missed_call(now - 2 * 3600, 919800000009)
    calls = await missed_in_the_last_hour(client)
    assert calls == [
        MissedCall(
            time=datetime.fromtimestamp(int((now - 60) * 1000) / 1000, UTC),
            # Numbers written without "+" are read as the international numbers
            # they are.
            caller_number=f"+{caller}",
            caller_number_raw=str(caller),
            caller_name="Asha",
            called_number=f"+{called}",
            call_id="c-in",
            direction=CallDirection.INBOUND,
        ),
        MissedCall(
            time=datetime.fromtimestamp(int((now - 30) * 1000) / 1000, UTC),
            # For an outgoing call, the agent (India's `from`, global's `agent`):
            # not a phone number.
            caller_number=agent,
            caller_number_raw=agent,
            caller_name=None,
            called_number="+919700000002",
            call_id="c-out",
            direction=CallDirection.OUTBOUND,
        ),
    ]
    paths = [path for path, _ in telecmi.requests]
    out = "outmissed" if telecmi.region == "india" else "out_missed"
    assert paths == ["missed", out]
    for _, body in telecmi.requests:
        assert body["end_date"] - body["start_date"] <= 3600 * 1000 + 1


async def test_every_page_is_followed(
    client: TelecmiClient, telecmi: FakeTelecmi
) -> None:
    """Every page is followed."""
    now = time.time()
    for index in range(130):
        telecmi.add_missed_call(now - 1000 + index, 919800000000 + index)
    calls = await missed_in_the_last_hour(client)
    assert len(calls) == 130
    assert len({call.call_id for call in calls}) == 130
    assert calls == sorted(calls, key=lambda call: call.time)
    limits = {body["limit"] for path, body in telecmi.requests if path == "missed"}
    assert limits == ({50} if telecmi.region == "india" else {20})
    pages = [body["page"] for path, body in telecmi.requests if path == "missed"]
    assert pages == list(range(1, len(pages) + 1))


async def test_a_window_without_end_is_refused(
    client: TelecmiClient, telecmi: FakeTelecmi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than MAX_PAGES pages is an error, not an endless loop."""

    async def endless(request: web.Request) -> web.Response:
        limit = (await request.json())["limit"]
        rows = [
            {"time": int(time.time() * 1000), "from": "1", "_id": str(n)}
            for n in range(limit)
        ]
        return web.json_response({"total": 10**9, "cdr": rows})

    telecmi.reply_override = endless
    monkeypatch.setattr(telecmi_module, "MAX_PAGES", 7)
    with pytest.raises(ProviderResponseError, match="more than"):
        await missed_in_the_last_hour(client)
    assert len(telecmi.requests) == 7


@pytest.mark.parametrize("status", [404, 407])
async def test_wrong_secret(
    telecmi: FakeTelecmi, telecmi_url: str, session: aiohttp.ClientSession, status: int
) -> None:
    """A wrong secret is an authentication error that does not show the secret."""
    telecmi.auth_status = status
    client = TelecmiClient(
        telecmi.region, "1111113", "wrong", session=session, api_url=telecmi_url
    )
    with pytest.raises(ProviderAuthenticationError) as caught:
        await client.account()
    assert "wrong" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, ProviderPermissionError),
        (500, ProviderResponseError),
        (502, ProviderResponseError),
    ],
)
async def test_http_errors(
    client: TelecmiClient, telecmi: FakeTelecmi, status: int, error: type[Exception]
) -> None:
    """Each HTTP error status is its provider error."""
    telecmi.fault = FaultPlan(status=status)
    with pytest.raises(error):
        await missed_in_the_last_hour(client)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("garbage", ProviderResponseError),
        ("html", ProviderResponseError),
        ("reset", ProviderConnectionError),
        ("empty", ProviderResponseError),
    ],
)
async def test_bad_replies(
    client: TelecmiClient, telecmi: FakeTelecmi, fault: str, error: type[Exception]
) -> None:
    """Replies cut short or not JSON are their provider errors."""
    telecmi.fault = FaultPlan(fault=fault)  # type: ignore[arg-type]
    with pytest.raises(error):
        await missed_in_the_last_hour(client)


async def test_slow_reply(client: TelecmiClient, telecmi: FakeTelecmi) -> None:
    """A reply slower than the timeout is a connection error saying so."""
    telecmi.fault = FaultPlan(delay=3, times=1)
    with pytest.raises(ProviderConnectionError, match="within 2 s"):
        await missed_in_the_last_hour(client)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (
            {"code": "404", "msg": "bad"},
            ProviderAuthenticationError,
            "rejected the app id",
        ),
        (
            {"code": 500, "msg": "oops tcmi-secret-7f3a9c"},
            ProviderResponseError,
            r"code 500 to /missed: oops \*\*\*",
        ),
        ({"total": 1, "cdr": {"a": 1}}, ProviderResponseError, "not a list of rows"),
        ({"total": "many", "cdr": []}, ProviderResponseError, "non-numeric total"),
        ([], ProviderResponseError, "without a JSON object"),
    ],
)
async def test_malformed_replies(
    client: TelecmiClient,
    telecmi: FakeTelecmi,
    body: Any,
    error: type[Exception],
    message: str,
) -> None:
    """A reply of the wrong shape is a response error saying what is wrong."""

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(body)

    telecmi.reply_override = reply
    with pytest.raises(error, match=message):
        await missed_in_the_last_hour(client)


@pytest.mark.parametrize("row", [{"from": "1"}, {"time": "²"}, {"time": "soon"}])
async def test_a_row_without_a_usable_time_is_skipped(
    client: TelecmiClient,
    telecmi: FakeTelecmi,
    caplog: pytest.LogCaptureFixture,
    row: dict[str, Any],
) -> None:
    """A row without a usable time is skipped."""
    good = {"time": int(time.time() * 1000) - 60_000, "from": 919800000001}

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response({"total": 2, "cdr": [row, good]})

    telecmi.reply_override = reply
    calls = await missed_in_the_last_hour(client)
    # The same reply answers the incoming and the outgoing listing.
    assert [call.caller_number for call in calls] == ["+919800000001"] * 2
    assert "TeleCMI: skipped a row of /missed without a usable 'time'" in caplog.text


async def test_no_active_call_listing(client: TelecmiClient) -> None:
    """No active call listing."""
    assert client.supports_active_calls is False
    with pytest.raises(NotImplementedError):
        await client.active_calls()


def test_parse_live_event() -> None:
    """A live event push is read into its call's state."""
    push = parse_push(event_push(1111113, "conv-1", "answered", 1763640000.5), "IN")
    assert push is not None
    assert (push.account_id, push.call_id, push.answered, push.ended) == (
        "1111113",
        "conv-1",
        True,
        False,
    )
    assert push.caller_number == "+919800000001"
    assert push.time == datetime.fromtimestamp(1763640000.5, UTC)


@pytest.mark.parametrize("region", ["india", "global"])
def test_parse_missed_cdr(region: Region) -> None:
    """The record is stamped when the caller gave up; the call began `waitedsec` before."""
    push = parse_push(
        cdr_push(1111113, "conv-2", "missed", 1763640000, region=region), "IN"
    )
    assert push is not None
    assert push.ended
    assert push.time == datetime.fromtimestamp(1763640000 + 119, UTC)
    assert push.missed_call == MissedCall(
        time=datetime.fromtimestamp(1763640000, UTC),
        caller_number="+919800000001",
        # CHUB India writes numbers in national form, CHUB global with the code.
        caller_number_raw="919800000001" if region == "global" else "9800000001",
        # CHUB India's record names no called number.
        called_number="+918000000000" if region == "global" else None,
        call_id="conv-2",
        direction=CallDirection.INBOUND,
        voicemail=False,
    )
    answered = parse_push(
        cdr_push(1111113, "conv-3", "answered", 1763640000, region=region)
    )
    assert answered is not None
    assert answered.ended
    assert answered.missed_call is None


@pytest.mark.parametrize(
    "payload",
    [
        [1],
        "x",
        {"type": "cdr"},
        {"type": "event", "appid": 1, "time": 5},
        {"type": "cdr", "appid": 1, "cmiuuid": "a", "time": "never"},
    ],
)
def test_parse_malformed_pushes(payload: Any) -> None:
    """A push of the wrong shape is a response error."""
    with pytest.raises(ProviderResponseError):
        parse_push(payload)


def test_parse_other_pushes() -> None:
    """A push of another type is ignored."""
    assert parse_push({"type": "balance", "appid": 1}) is None
