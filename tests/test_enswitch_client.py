"""The Enswitch client against the fake Enswitch over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.callwatch.providers import (
    CallDirection,
    EnswitchClient,
    MissedCall,
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderPermissionError,
    ProviderRateLimitError,
    ProviderResponseError,
    http,
)

from .conftest import HOUR
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan
from .helpers import later_clock, listed_again_after, missed_in_the_last_hour


@pytest.fixture
def client(enswitch_client: EnswitchClient) -> EnswitchClient:
    """Return the client of the fake Enswitch."""
    return enswitch_client


async def test_account_is_named_after_user_and_host(
    client: EnswitchClient, enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    """Account is named after user and host."""
    account = await client.account()
    host = enswitch_url.removeprefix("http://")
    assert account.name == f"alice@{host}"
    assert account.unique_id == f"alice@{host}"
    # Both endpoints were tried, so a role that lacks either is caught at setup.
    assert [action for action, _ in enswitch.requests] == [
        "user/login",
        "calls/active/list",
        "calls/missed/list",
    ]


async def test_credentials_travel_in_the_body_only(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Credentials travel in the body only."""
    await client.account()
    assert enswitch.query_strings == ["", "", ""]
    (login, form), *calls = enswitch.requests
    assert login == "user/login"
    assert form["auth_password"] == enswitch.password
    # After the login, a session token stands in for the password.
    for _, params in calls:
        assert "auth_password" not in params
        assert params["auth_token"] in enswitch.tokens


async def test_active_calls_fold_legs_into_calls(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Active calls fold legs into calls."""
    first = enswitch.start_call("+6491111111", "100", legs=3)
    enswitch.start_call("+6492222222", "200")
    enswitch.answer_call(first)
    calls = {call.call_id: call for call in await client.active_calls()}
    assert len(calls) == 2
    assert calls[first].caller_number == "+6491111111"
    assert calls[first].called_number == "100"
    assert calls[first].answered is True
    assert calls[first].started is not None
    assert calls[first].direction is CallDirection.INBOUND
    enswitch.end_call(first)
    assert [call.caller_number for call in await client.active_calls()] == [
        "+6492222222"
    ]


async def test_active_call_direction_and_uniqueid_fallback(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Active call direction and uniqueid fallback."""
    enswitch.legs.append(
        {
            "uniqueid": "1700000000.7",
            "snumber": 6491234,
            "dnumber": "300",
            # An outbound leg goes to a peer through an outbound group.
            "outgroup": "7",
            "peer": 12,
            "start": "1700000000",
            "unknown": {"x": 1},
        }
    )
    enswitch.legs.append({"uniqueid": "1700000000.8", "ingroup": 0, "peer": "0"})
    call, internal = await client.active_calls()
    assert internal.direction is None
    assert call.call_id == "1700000000.7"
    assert call.caller_number == "6491234"
    assert call.called_number == "300"
    assert call.direction is CallDirection.OUTBOUND
    assert call.started == datetime.fromtimestamp(1700000000, UTC)
    assert call.answered is False


async def test_active_call_without_any_id_is_skipped(
    client: EnswitchClient,
    enswitch: FakeEnswitch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Active call without any id is skipped."""
    enswitch.legs.append({"snumber": "1", "callid": "", "uniqueid": None})
    enswitch.start_call("+6491110000", "100", callid="good")
    calls = await client.active_calls()
    assert [call.call_id for call in calls] == ["good"]
    calls = await client.active_calls()
    assert [call.call_id for call in calls] == ["good"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "Enswitch: skipped a row of calls/active/list without a usable 'callid'; "
        "the rest of the reply counts"
    ]


async def test_no_active_calls(client: EnswitchClient) -> None:
    """An account with no call in progress lists none."""
    assert await client.active_calls() == []


async def test_missed_calls_in_a_bounded_window_oldest_first(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Missed calls in a bounded window oldest first."""
    now = time.time()
    enswitch.add_missed_call(
        now - 30, "+642", callername="Bea", destination="100", uniqueid="u2"
    )
    enswitch.add_missed_call(now - 60, "+641")
    enswitch.add_missed_call(now - 3 * 3600, "+640")
    calls = await missed_in_the_last_hour(client)
    assert [call.caller_number for call in calls] == ["+641", "+642"]
    assert calls[1] == MissedCall(
        time=datetime.fromtimestamp(int(now - 30), UTC),
        caller_number="+642",
        caller_number_raw="+642",
        caller_name="Bea",
        # The row does not say which number was called, and none is watched.
        called_number=None,
        call_id="u2",
        direction=CallDirection.INBOUND,
    )
    assert enswitch.unbounded_missed_queries == 0
    # All four inputs the page recommends, dtype and dnumber empty (any).
    assert enswitch.unnarrowed_missed_queries == 0
    _, params = enswitch.requests[-1]
    assert (params["dtype"], params["dnumber"]) == ("", "")
    assert int(params["end"]) - int(params["start"]) <= 3600 + 1


@pytest.mark.parametrize("end_inclusive", [False, True])
async def test_window_end_is_exclusive_on_every_release(
    client: EnswitchClient, enswitch: FakeEnswitch, end_inclusive: bool
) -> None:
    """Releases before 3.14 include `end`; the client returns start <= time < end."""
    enswitch.end_inclusive = end_inclusive
    edge = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    enswitch.add_missed_call(edge.timestamp(), "+64end")
    enswitch.add_missed_call((edge - HOUR).timestamp(), "+64start")
    calls = await client.missed_calls(edge - HOUR, edge)
    assert [call.caller_number for call in calls] == ["+64start"]
    calls = await client.missed_calls(edge, edge + HOUR)
    assert [call.caller_number for call in calls] == ["+64end"]


async def test_missed_call_fields_of_other_types_are_tolerated(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Missed call fields of other types are tolerated."""
    now = int(time.time())
    enswitch.missed.append(
        {
            "time": str(now - 5),
            "callerid": 6421234,
            "name": "Ann",
            # Beyond what the page documents; cnumber is the caller's.
            "dnumber": 55,
            "cnumber": 6421234,
            "callid": 99,
            "uniqueid": "",
            "extra": [1, 2],
        }
    )
    enswitch.missed.append({"time": now - 4, "callerid": None, "callername": True})
    first, second = await missed_in_the_last_hour(client)
    assert (
        first.caller_number,
        first.caller_name,
        first.called_number,
        first.call_id,
    ) == ("6421234", "Ann", "55", "99")
    assert (second.caller_number, second.caller_withheld, second.caller_name) == (
        None,
        True,
        None,
    )


@pytest.mark.parametrize("bad_time", [None, 0, "soon", True, 10**20, -5, "²", "1e9"])
async def test_missed_call_without_a_usable_time_is_skipped(
    client: EnswitchClient,
    enswitch: FakeEnswitch,
    caplog: pytest.LogCaptureFixture,
    bad_time: object,
) -> None:
    """The row is left out with a warning; the good rows of the reply still count."""
    good = int(time.time()) - 60

    async def reply(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "responses": [{"code": "200"}],
                "data": [
                    {"time": bad_time, "callerid": "1"},
                    {"time": good, "callerid": "+6491234567"},
                ],
            }
        )

    enswitch.reply_override = reply
    calls = await missed_in_the_last_hour(client)
    assert [call.caller_number for call in calls] == ["+6491234567"]
    assert (
        "Enswitch: skipped a row of calls/missed/list without a usable 'time'"
        in caplog.text
    )


async def test_customer_scope_is_sent(
    enswitch: FakeEnswitch, make_enswitch_client: Callable[..., EnswitchClient]
) -> None:
    """Customer scope is sent."""
    client = make_enswitch_client(customer="42")
    await client.active_calls()
    assert enswitch.requests[-1][1]["customer"] == "42"


@pytest.mark.parametrize("mirrors", [True, False])
async def test_wrong_password(
    enswitch: FakeEnswitch,
    enswitch_url: str,
    session: aiohttp.ClientSession,
    mirrors: bool,
) -> None:
    """The body's code is authoritative even when the HTTP status says 200."""
    enswitch.status_mirrors_code = mirrors
    client = EnswitchClient(enswitch_url, "alice", "wrong", session=session)
    with pytest.raises(ProviderAuthenticationError, match="rejected the username"):
        await client.account()


@pytest.mark.parametrize("mirrors", [True, False])
async def test_role_without_permission(
    client: EnswitchClient, enswitch: FakeEnswitch, mirrors: bool
) -> None:
    """A role refused a listing is a permission error naming the action."""
    enswitch.status_mirrors_code = mirrors
    enswitch.missed_role = False
    with pytest.raises(ProviderPermissionError, match=r"calls/missed/list \(402\)"):
        await client.account()
    enswitch.missed_role = True
    enswitch.active_role = False
    with pytest.raises(ProviderPermissionError, match=r"calls/active/list \(402\)"):
        await client.active_calls()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, ProviderAuthenticationError),
        (403, ProviderPermissionError),
        (402, ProviderPermissionError),
        (500, ProviderResponseError),
        (503, ProviderResponseError),
        (404, ProviderResponseError),
    ],
)
async def test_http_status_without_a_body(
    client: EnswitchClient,
    enswitch: FakeEnswitch,
    status: int,
    error: type[Exception],
) -> None:
    """Http status without a body."""
    enswitch.fault = FaultPlan(status=status)
    with pytest.raises(error):
        await client.active_calls()


async def test_provider_error_carries_key_and_message_without_the_password(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Provider error carries key and message without the password."""

    async def reply(request: web.Request) -> web.Response:
        message = f"Query failed for {enswitch.password}"
        return web.json_response(
            {"responses": [{"code": "500", "key": "database", "message": message}]},
            status=500,
        )

    enswitch.reply_override = reply
    with pytest.raises(ProviderResponseError) as caught:
        await client.active_calls()
    assert "database Query failed for ***" in str(caught.value)
    assert enswitch.password not in str(caught.value)


async def test_unknown_action_is_a_response_error(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Unknown action is a response error."""
    with pytest.raises(
        ProviderResponseError, match="404 to calls/nothing/list: action"
    ):
        await client._call("calls/nothing/list", {})


@pytest.mark.parametrize(
    ("fault", "message"),
    [("garbage", "not JSON"), ("html", r"not JSON \(text/html")],
)
async def test_bodies_that_are_not_json(
    client: EnswitchClient, enswitch: FakeEnswitch, fault: str, message: str
) -> None:
    """Bodies that are not json."""
    enswitch.fault = FaultPlan(fault=fault)  # type: ignore[arg-type]
    with pytest.raises(ProviderResponseError, match=message):
        await client.active_calls()


async def test_empty_reply_means_no_rows(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Empty reply means no rows."""
    enswitch.fault = FaultPlan(fault="empty")
    assert await client.active_calls() == []
    enswitch.fault = FaultPlan(fault="empty", status=500)
    with pytest.raises(ProviderResponseError, match="HTTP 500"):
        await client.active_calls()


async def test_connection_reset_mid_body(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Connection reset mid body."""
    enswitch.fault = FaultPlan(fault="reset")
    with pytest.raises(ProviderConnectionError, match="Cannot talk to Enswitch"):
        await client.active_calls()


async def test_slow_reply_times_out(
    enswitch: FakeEnswitch, make_enswitch_client: Callable[..., EnswitchClient]
) -> None:
    """A slow reply times out; the next request of the same client answers.

    3 s: ample for an answer from 127.0.0.1 however busy the machine is.
    """
    client = make_enswitch_client(request_timeout=3)
    enswitch.fault = FaultPlan(delay=4, times=1)
    with pytest.raises(ProviderConnectionError, match=r"within 3 s"):
        await client.active_calls()
    assert await client.active_calls() == []


async def test_nobody_listening(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A host where nothing listens is a connection error naming the host."""
    client = EnswitchClient("http://127.0.0.1:9", "a", "b", session=session)
    with pytest.raises(ProviderConnectionError, match="at 127.0.0.1"):
        await client.active_calls()


@pytest.mark.parametrize(
    ("retry_after", "seconds"), [("7", 7.0), (None, None), ("whenever", None)]
)
async def test_rate_limited(
    client: EnswitchClient,
    enswitch: FakeEnswitch,
    retry_after: str | None,
    seconds: float | None,
) -> None:
    """HTTP 429 is a rate-limit error carrying the Retry-After seconds."""
    enswitch.fault = FaultPlan(status=429, retry_after=retry_after)
    with pytest.raises(ProviderRateLimitError) as caught:
        await client.active_calls()
    assert caught.value.retry_after == seconds


def test_retry_after_as_http_date() -> None:
    """Retry after as http date."""
    later = datetime.now(UTC) + timedelta(seconds=120)
    seconds = http.retry_after_seconds(later.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert seconds is not None
    assert 100 < seconds <= 120
    assert http.retry_after_seconds("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "not an object"),
        ({"data": []}, "no 'responses' list"),
        ({"responses": []}, "no 'responses' list"),
        ({"responses": ["ok"]}, "malformed 'responses' entry"),
        ({"responses": [{"code": "two hundred"}]}, "non-numeric response code"),
        ({"responses": [{"code": "200"}], "data": {"a": 1}}, "not a list of rows"),
        ({"responses": [{"code": "200"}], "data": [1]}, "not a list of rows"),
    ],
)
async def test_malformed_envelopes(
    client: EnswitchClient, enswitch: FakeEnswitch, body: object, message: str
) -> None:
    """A reply whose envelope cannot be read is a response error."""

    async def reply(request: web.Request) -> web.Response:
        return web.json_response(body)

    enswitch.reply_override = reply
    with pytest.raises(ProviderResponseError, match=message):
        await client.active_calls()


async def test_envelope_without_data_or_code(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Envelope without data or code."""

    async def reply(request: web.Request) -> web.Response:
        return web.json_response({"responses": [{"message": "OK"}], "extra": 1})

    enswitch.reply_override = reply
    assert await client.active_calls() == []


@pytest.mark.parametrize("declared", [True, False])
async def test_reply_larger_than_the_bound(
    client: EnswitchClient,
    enswitch: FakeEnswitch,
    monkeypatch: pytest.MonkeyPatch,
    declared: bool,
) -> None:
    """A reply past the size bound is refused, whether or not it declares its size."""
    monkeypatch.setattr(http, "MAX_REPLY_BYTES", 4096)
    for index in range(200):
        enswitch.start_call(f"+64{index:07d}", "100")
    enswitch.chunked = not declared
    with pytest.raises(ProviderResponseError, match="larger than"):
        await client.active_calls()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("pbx.example.com", "https://pbx.example.com"),
        (" https://pbx.example.com/ ", "https://pbx.example.com"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
        ("pbx.example.com:8443?x=1#y", "https://pbx.example.com:8443"),
    ],
)
def test_base_url(host: str, expected: str) -> None:
    """A host written any way becomes one base URL."""
    assert str(http.base_url(host)) == expected


@pytest.mark.parametrize(
    "host", ["", "ftp://pbx.example.com", "https://", "http://:80"]
)
def test_unusable_host(host: str) -> None:
    """A host that is no usable URL is refused."""
    with pytest.raises(ValueError, match="Not a usable host"):
        http.base_url(host)


async def test_one_login_serves_many_polls(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """One login serves many polls."""
    for _ in range(3):
        await client.active_calls()
    assert [action for action, _ in enswitch.requests].count("user/login") == 1


async def test_token_renewed_before_it_expires(
    client: EnswitchClient, enswitch: FakeEnswitch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Token renewed before it expires."""
    from custom_components.callwatch.providers import enswitch as enswitch_module

    enswitch.token_lifetime = 120
    await listed_again_after(client, later_clock(monkeypatch, enswitch_module, 61))
    assert [action for action, _ in enswitch.requests].count("user/login") == 2


async def test_revoked_token_logs_in_again_once(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Revoked token logs in again once."""
    assert await listed_again_after(client, enswitch.expire_tokens) == []
    assert [action for action, _ in enswitch.requests].count("user/login") == 2
    # A token refused again right after a fresh login is an authentication error.
    enswitch.token_lifetime = -10
    enswitch.expire_tokens()
    with pytest.raises(ProviderAuthenticationError, match="token is expired"):
        await client.active_calls()


@pytest.mark.parametrize("login", ["absent", "2fa"])
async def test_servers_without_tokens_get_the_password(
    client: EnswitchClient, enswitch: FakeEnswitch, login: str
) -> None:
    """Before 4.1 there is no user/login; with a second factor, a poll cannot log in."""
    enswitch.login = login
    await client.active_calls()
    await client.active_calls()
    actions = [action for action, _ in enswitch.requests]
    assert actions == ["user/login", "calls/active/list", "calls/active/list"]
    assert enswitch.requests[-1][1]["auth_password"] == enswitch.password


async def test_login_that_gives_no_token_falls_back_to_the_password(
    client: EnswitchClient, enswitch: FakeEnswitch
) -> None:
    """Login that gives no token falls back to the password."""

    def login(params: dict[str, str]) -> web.Response:
        return web.json_response(
            {"responses": [{"code": "200"}], "data": [{"auth_token_expiry": "60"}]}
        )

    enswitch._log_in = login  # type: ignore[method-assign]
    await client.active_calls()
    assert enswitch.requests[-1][1]["auth_password"] == enswitch.password
