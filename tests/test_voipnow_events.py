"""VoipNow Call Events: registration against the fake UAPI, and the callbacks it makes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.callwatch.providers import (
    CallDirection,
    CallEventsProvider,
    CallPush,
    MissedCall,
    ProviderAuthenticationError,
    ProviderPermissionError,
    ProviderResponseError,
    PushingProvider,
    TelecmiClient,
    VoipnowClient,
    voipnow_push,
)
from custom_components.callwatch.providers.voipnow_push import (
    EVENT_PARAMETER,
    parse_call_event,
)

from .fakes.server import FaultPlan, served
from .fakes.voipnow import (
    ANSWER_IN,
    DIAL_IN,
    DIAL_OUT,
    EVENT_TYPES,
    HANGUP,
    FakeVoipnow,
)

NOW = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)
WEBHOOK_ID = "5e3f0c9a8b7d41e2a6c4f1b0d9e8a7c6"


@dataclass
class Receiver:
    """A small web server standing in for Home Assistant's webhook."""

    url: str = ""
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def pushes(self, client: VoipnowClient) -> list[CallPush | None]:
        return [client.parse_push(params, NOW) for _, params in self.received]


HOOK = "https://home.example.com/api/webhook/voipnow_hook"


@pytest.fixture
def client(voipnow_client: VoipnowClient) -> VoipnowClient:
    """Return the client of the fake VoipNow, reading numbers as New Zealand's."""
    voipnow_client.country = "NZ"
    return voipnow_client


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncIterator[Receiver]:
    receiver = Receiver()

    async def receive(request: web.Request) -> web.Response:
        # What the webhook handler does: our marker is in the query, VoipNow's
        # parameters in the query (GET) or the form body (POST).
        params = dict(request.query)
        if request.method == "POST":
            params |= {key: str(value) for key, value in (await request.post()).items()}
        receiver.received.append((request.method, params))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_route("*", "/api/webhook/{webhook_id}", receive)
    async with served(app) as base:
        receiver.url = f"{base}/api/webhook/{WEBHOOK_ID}"
        yield receiver


def _event_posts(voipnow: FakeVoipnow) -> list[str]:
    return [path for method, path in voipnow.event_requests if method == "POST"]


# Registration


async def test_register_on_every_extension_of_the_user(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Register on every extension of the user."""
    registration = await client.register_call_events(receiver.url)

    items = registration.split()
    assert len(items) == 2 * len(EVENT_TYPES)
    for extension in ("0003*210", "0003*211"):
        events = voipnow.call_events[extension]
        assert sorted(event["type"] for event in events) == sorted(EVENT_TYPES)
        for event in events:
            assert event["method"] == "1"  # POST
            assert event["status"] == "1"  # enabled
            assert event["url"].startswith(f"{receiver.url}?{EVENT_PARAMETER}=")
            assert f"{extension}/{event['type']}/{event['id']}" in items
    # @self is refused by the phoneCallEvents resource: the extensions come from the
    # presence listing.
    assert any(path.endswith("/@self/presence") for path, _ in voipnow.requests)
    assert not any(
        "@self/phoneCallEvents" in path for _, path in voipnow.event_requests
    )
    assert client.owns_account("0003*210")
    assert client.owns_account("0003*211")
    assert not client.owns_account("0003*299")


async def test_register_on_the_watched_extension_only(
    voipnow: FakeVoipnow,
    receiver: Receiver,
    make_voipnow_client: Callable[..., VoipnowClient],
) -> None:
    """Register on the watched extension only."""
    client = make_voipnow_client(extension="0003*211")
    assert client.owns_account("0003*211")
    registration = await client.register_call_events(receiver.url)
    assert {item.split("/")[0] for item in registration.split()} == {"0003*211"}
    assert "0003*210" not in voipnow.call_events
    assert not any("presence" in path for path, _ in voipnow.requests)
    assert not client.owns_account("0003*210")


async def test_register_is_idempotent(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Registering again posts nothing new and returns the same registrations."""
    first = await client.register_call_events(receiver.url)
    posts = len(_event_posts(voipnow))
    second = await client.register_call_events(receiver.url)
    assert second == first
    assert len(_event_posts(voipnow)) == posts
    assert all(
        len(events) == len(EVENT_TYPES) for events in voipnow.call_events.values()
    )


async def test_register_reuses_and_enables_an_existing_event(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """An event for our URL, set to GET and disabled by hand, is repaired, not doubled."""
    url = f"{receiver.url}?{EVENT_PARAMETER}=hangup"
    event_id = voipnow.add_call_event("0003*210", HANGUP, url, method="0")
    voipnow.call_events["0003*210"][0]["status"] = "0"
    voipnow.add_call_event("0003*210", HANGUP, "https://crm.example.com/hook")

    registration = await client.register_call_events(receiver.url)

    assert f"0003*210/{HANGUP}/{event_id}" in registration.split()
    hangups = [
        event for event in voipnow.call_events["0003*210"] if event["type"] == HANGUP
    ]
    assert len(hangups) == 2  # ours, and the CRM's left alone
    ours = next(event for event in hangups if event["id"] == event_id)
    assert (ours["method"], ours["status"]) == ("1", "1")
    assert ("PUT", f"/uapi/extensions/@me/0003*210/phoneCallEvents/2/{event_id}") in (
        voipnow.event_requests
    )


async def test_register_without_the_answer_events(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """A server that knows only Dial-In, Dial-Out and Hangup (VoipNow 3) gets those."""
    voipnow.answer_events = False
    registration = await client.register_call_events(receiver.url)
    assert sorted({item.split("/")[1] for item in registration.split()}) == [
        DIAL_IN,
        DIAL_OUT,
        HANGUP,
    ]


@pytest.mark.parametrize("create_reply", ["resource", "list", "empty"])
async def test_register_reads_the_new_id_from_any_reply(
    client: VoipnowClient,
    voipnow: FakeVoipnow,
    receiver: Receiver,
    create_reply: Any,
) -> None:
    """Register reads the new id from any reply."""
    voipnow.create_reply = create_reply
    registration = await client.register_call_events(receiver.url)
    registered = {
        f"{extension}/{event['type']}/{event['id']}"
        for extension, events in voipnow.call_events.items()
        for event in events
    }
    assert set(registration.split()) == registered


async def test_register_refuses_too_many_extensions(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Register refuses too many extensions."""
    voipnow.extensions = [f"0003*{number}" for number in range(100, 151)]
    with pytest.raises(ProviderResponseError, match="at most 50"):
        await client.register_call_events(receiver.url)
    assert voipnow.event_requests == []


async def test_register_without_extensions(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Register without extensions."""
    voipnow.extensions = []
    with pytest.raises(ProviderResponseError, match="no phone extensions"):
        await client.register_call_events(receiver.url)


async def test_a_failed_registration_leaves_nothing_behind(
    client: VoipnowClient,
    voipnow: FakeVoipnow,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Failing on the second extension removes what it added on the first."""
    kept = voipnow.add_call_event(
        "0003*210", HANGUP, f"{receiver.url}?{EVENT_PARAMETER}=hangup"
    )
    add_event = voipnow._add_event

    async def failing(
        request: web.Request, extension: str, path_type: str | None
    ) -> web.StreamResponse:
        if extension == "0003*211":
            return web.json_response(
                {"error": {"code": "internal_server_error", "message": "Oops"}},
                status=500,
            )
        return await add_event(request, extension, path_type)

    monkeypatch.setattr(voipnow, "_add_event", failing)
    with pytest.raises(ProviderResponseError, match="500 .* internal_server_error"):
        await client.register_call_events(receiver.url)
    # Only the event that was there before (another registration's) is left.
    assert [event["id"] for event in voipnow.call_events["0003*210"]] == [kept]
    assert voipnow.call_events["0003*211"] == []


async def test_unknown_extension_is_refused(
    receiver: Receiver, make_voipnow_client: Callable[..., VoipnowClient]
) -> None:
    """Unknown extension is refused."""
    client = make_voipnow_client(extension="0003*299")
    with pytest.raises(ProviderResponseError, match="400 .* extension_invalid"):
        await client.register_call_events(receiver.url)


@pytest.mark.parametrize(
    "url", ["ftp://homeassistant.local/hook", "/api/webhook/abc", "http://[oops"]
)
async def test_a_url_voipnow_cannot_call_is_refused(
    client: VoipnowClient, voipnow: FakeVoipnow, url: str
) -> None:
    """A url voipnow cannot call is refused."""
    with pytest.raises(ValueError, match="http|URL|IPv6"):
        await client.register_call_events(url)
    assert voipnow.requests == []


async def test_an_event_it_cannot_find_after_adding_it(
    client: VoipnowClient,
    voipnow: FakeVoipnow,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 204 to the POST, and the event not listed either: nothing to remove later."""

    async def lost(
        request: web.Request, extension: str, path_type: str | None
    ) -> web.StreamResponse:
        return web.Response(status=204)

    monkeypatch.setattr(voipnow, "_add_event", lost)
    with pytest.raises(ProviderResponseError, match="but does not list it"):
        await client.register_call_events(receiver.url)


async def test_listed_events_it_cannot_use(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """An unreadable URL is someone else's event; an id that is no id is an error."""
    voipnow.add_call_event("0003*210", DIAL_IN, "http://[oops")
    ours = voipnow.add_call_event(
        "0003*210", HANGUP, f"{receiver.url}?{EVENT_PARAMETER}=hangup"
    )
    for event in voipnow.call_events["0003*210"]:
        if event["id"] == ours:
            event["id"] = "a/b"
    with pytest.raises(ProviderResponseError, match="without a usable id"):
        await client.register_call_events(receiver.url)


async def test_permission_refused(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Permission refused."""
    voipnow.call_events_forbidden = True
    with pytest.raises(ProviderPermissionError, match="forbidden"):
        await client.register_call_events(receiver.url)
    with pytest.raises(ProviderPermissionError, match="forbidden"):
        await client.remove_call_events(f"0003*210/{HANGUP}/abc123")


async def test_a_forbidden_error_code_is_a_permission_error(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Whatever the HTTP status, an error whose code says forbidden is one."""

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"error": {"code": "pce_forbidden", "message": "Not for this app"}},
            status=400,
        )

    voipnow.reply_override = reply
    with pytest.raises(ProviderPermissionError, match="pce_forbidden"):
        await client.register_call_events(receiver.url)


async def test_token_refused(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Token refused."""
    voipnow.expires_in = -100  # every token is born expired
    with pytest.raises(ProviderAuthenticationError):
        await client.register_call_events(receiver.url)
    with pytest.raises(ProviderAuthenticationError):
        await client.remove_call_events(f"0003*210/{HANGUP}/abc123")


async def test_secrets_never_in_error_texts(
    voipnow: FakeVoipnow,
    receiver: Receiver,
    make_voipnow_client: Callable[..., VoipnowClient],
) -> None:
    """A server that echoes everything it was sent echoes nothing secret through us.

    The callback URL holds the webhook id, which is as secret as a password.
    """
    client = make_voipnow_client(extension="0003*210")

    async def echo(request: web.Request) -> web.StreamResponse:
        if request.method != "POST":
            return web.Response(status=204)
        body = await request.text()
        return web.json_response(
            {
                "error": {
                    "code": "pce_url_invalid",
                    "message": f"{body} {request.headers['Authorization']} "
                    f"{voipnow.client_secret} {WEBHOOK_ID}",
                }
            },
            status=400,
        )

    voipnow.reply_override = echo
    with pytest.raises(ProviderResponseError) as caught:
        await client.register_call_events(receiver.url)
    message = str(caught.value)
    assert "pce_url_invalid" in message
    assert WEBHOOK_ID not in message
    assert voipnow.client_secret not in message
    assert all(token not in message for token in voipnow.tokens)


# Removal


async def test_remove_deletes_what_was_registered(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Remove deletes what was registered."""
    other = voipnow.add_call_event("0003*211", DIAL_IN, "https://crm.example.com/hook")
    registration = await client.register_call_events(receiver.url)
    await client.remove_call_events(registration)
    assert voipnow.call_events["0003*210"] == []
    assert [event["id"] for event in voipnow.call_events["0003*211"]] == [other]
    deletes = [path for method, path in voipnow.event_requests if method == "DELETE"]
    assert len(deletes) == len(registration.split())


async def test_remove_what_is_gone_already(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Deleted twice (pce_id_invalid), or its extension gone (extension_invalid)."""
    registration = await client.register_call_events(receiver.url)
    await client.remove_call_events(registration)
    voipnow.extensions = ["0003*210"]
    await client.remove_call_events(registration)


def _replies_with_error(
    voipnow: FakeVoipnow, status: int, code: str, message: str
) -> None:
    """Make the fake answer every request with VoipNow's error body and `status`."""

    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"error": {"code": code, "message": message}}, status=status
        )

    voipnow.reply_override = reply


async def test_remove_tolerates_404(
    client: VoipnowClient, voipnow: FakeVoipnow
) -> None:
    """Remove tolerates 404."""
    _replies_with_error(voipnow, 404, "not_found", "No such event")
    await client.remove_call_events(f"0003*210/{HANGUP}/abc123 0003*210/0/def456")


async def test_remove_reports_other_errors(
    client: VoipnowClient, voipnow: FakeVoipnow
) -> None:
    """Remove reports other errors."""
    _replies_with_error(voipnow, 500, "internal_server_error", "Oops")
    with pytest.raises(ProviderResponseError, match="500 .* internal_server_error"):
        await client.remove_call_events(f"0003*210/{HANGUP}/abc123")
    voipnow.reply_override = None
    voipnow.fault = FaultPlan(fault="html")
    with pytest.raises(ProviderResponseError, match="answered 502 to"):
        await client.remove_call_events(f"0003*210/{HANGUP}/abc123")


@pytest.mark.parametrize("registration", ["0003*210/2", "0003*210/9/abc", "/2/abc"])
async def test_remove_refuses_what_is_no_registration(
    client: VoipnowClient, registration: str
) -> None:
    """Remove refuses what is no registration."""
    with pytest.raises(ValueError, match="Not a VoipNow Call Events registration"):
        await client.remove_call_events(registration)


async def test_remove_nothing(client: VoipnowClient, voipnow: FakeVoipnow) -> None:
    """Remove nothing."""
    await client.remove_call_events("")
    assert voipnow.token_requests == 0


# The fake refuses what the docs say it refuses.


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "@self/phoneCallEvents", {"type": "0"}, "extension_invalid"),
        ("GET", "0003*299/phoneCallEvents", None, "extension_invalid"),
        ("POST", "0003*210/phoneCallEvents", {"type": "9"}, "pcet_type_invalid"),
        (
            "POST",
            "0003*210/phoneCallEvents",
            {"url": "http://a/b"},
            "pcet_type_invalid",
        ),
        ("GET", "0003*210/phoneCallEvents/7", None, "pcet_type_invalid"),
        (
            "POST",
            "0003*210/phoneCallEvents",
            {"type": "0", "method": "2", "url": "http://a/b"},
            "pce_method_invalid",
        ),
        ("POST", "0003*210/phoneCallEvents", {"type": 0}, "pce_url_invalid"),
        (
            "POST",
            "0003*210/phoneCallEvents",
            {"type": "0", "url": "mailto:someone@example.com"},
            "pce_url_invalid",
        ),
        (
            "POST",
            "0003*210/phoneCallEvents",
            {"type": "0", "url": "http://a/b", "status": "7"},
            "pce_status_invalid",
        ),
        ("POST", "0003*210/phoneCallEvents", ["type"], "request_invalid"),
        ("DELETE", "0003*210/phoneCallEvents/0/nosuchid", None, "pce_id_invalid"),
        (
            "PUT",
            "0003*210/phoneCallEvents/0/nosuchid",
            {"status": "0"},
            "pce_id_invalid",
        ),
    ],
)
async def test_fake_refuses_as_documented(
    voipnow: FakeVoipnow,
    voipnow_url: str,
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    body: Any,
    code: str,
) -> None:
    """Fake refuses as documented."""
    token = await _token(voipnow, voipnow_url, session)
    async with session.request(
        method,
        f"{voipnow_url}/uapi/extensions/@me/{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == code


async def test_fake_takes_the_type_from_the_path_and_updates(
    voipnow: FakeVoipnow, voipnow_url: str, session: aiohttp.ClientSession
) -> None:
    """The v5 pages put the type in the path of a POST; PUT changes an event."""
    token = await _token(voipnow, voipnow_url, session)
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{voipnow_url}/uapi/extensions/@me/0003*210/phoneCallEvents"
    async with session.post(
        f"{base}/2", json={"url": "https://a.example/b", "method": 1}, headers=headers
    ) as response:
        created = await response.json()
    assert (created["type"], created["method"], created["status"]) == ("2", "1", "1")
    async with session.put(
        f"{base}/2/{created['id']}", json={"status": "0"}, headers=headers
    ) as response:
        assert await response.json() == [{"id": created["id"]}]
    async with session.put(
        f"{base}/2/{created['id']}", data="{", headers=headers
    ) as response:
        assert response.status == 400
    async with session.patch(f"{base}/2", headers=headers) as response:
        assert response.status == 501
    async with session.get(f"{base}/2/{created['id']}", headers=headers) as response:
        [listed] = (await response.json())["entry"]
    assert listed["status"] == "0"
    # Disabled: no callback.
    assert await voipnow.deliver("0003*210", HANGUP, {"CallID": "x"}) == []
    async with session.delete(base, headers=headers) as response:
        assert await response.json() == [{"id": created["id"]}]
    async with session.delete(base, headers=headers) as response:
        assert response.status == 204


async def _token(
    voipnow: FakeVoipnow, voipnow_url: str, session: aiohttp.ClientSession
) -> str:
    async with session.post(
        f"{voipnow_url}/oauth/token.php",
        data={
            "client_id": voipnow.client_id,
            "client_secret": voipnow.client_secret,
            "grant_type": "client_credentials",
            "type": "unifiedapi",
        },
    ) as response:
        token: str = (await response.json())["access_token"]
    return token


# Reading callbacks


INCOMING = {
    "CallID": "1746512889.1234",
    "CallerIDNum": "0211234567",
    "CallerIDName": "Aroha Ngata",
    "CalledDID": "094561234",
    "CalledExtension": "0003*210",
    "CallFlow": "IN",
    "CallerExtension": "",
    "CalledNumber": "094561234",
}
OUTGOING = {
    "CallID": "1746512889.5678",
    "CallerIDNum": "210",
    "CallerIDName": "Reception",
    "CalledDID": "",
    "CalledExtension": "",
    "CallFlow": "OUT",
    "CallerExtension": "0003*210",
    "CalledNumber": "0211234567",
}


def _incoming(**params: Any) -> dict[str, Any]:
    return INCOMING | params


def _outgoing(**params: Any) -> dict[str, Any]:
    return OUTGOING | params


def _pushed(account: str, call: str, caller: str, called: str, **more: Any) -> CallPush:
    """Return a push stamped NOW about `call`, inbound unless `more` says otherwise."""
    fields: dict[str, Any] = {
        "account_id": account,
        "call_id": call,
        "time": NOW,
        "caller_number": caller,
        "called_number": called,
        "direction": CallDirection.INBOUND,
    }
    return CallPush(**(fields | more))


def _missed_as_pushed(
    caller: str, raw: str, name: str, called: str, call: str, **more: Any
) -> MissedCall:
    """Return a missed call read from a callback: stamped NOW, by our clock."""
    fields: dict[str, Any] = {
        "time": NOW,
        "caller_number": caller,
        "caller_number_raw": raw,
        "caller_name": name,
        "called_number": called,
        "call_id": call,
        "stamped_locally": True,
    }
    return MissedCall(**(fields | more))


def _parse(params: Mapping[str, Any]) -> CallPush | None:
    return parse_call_event(params, NOW, "NZ")


def _marked(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    return params | {EVENT_PARAMETER: kind}


def test_ringing_incoming_call() -> None:
    """Ringing incoming call."""
    push = _parse(_marked("dial-in", _incoming(CallStatus="CALLING")))
    # Called: the extension, as the call history has it, not the DID it came through.
    assert push == _pushed("0003*210", "1746512889.1234", "+64211234567", "210")


def test_answered_incoming_call() -> None:
    """Answered incoming call."""
    push = _parse(_marked("answer-in", _incoming(CallStatus="ANSWER")))
    assert push is not None
    assert (push.answered, push.ended, push.missed_call) == (True, False, None)


def test_unanswered_incoming_call_is_missed() -> None:
    """Unanswered incoming call is missed."""
    push = _parse(_marked("hangup", _incoming(CallStatus="NOANSWER")))
    assert push is not None
    assert (push.answered, push.ended) == (False, True)
    assert push.missed_call == _missed_as_pushed(
        "+64211234567",
        "0211234567",
        "Aroha Ngata",
        "210",
        "1746512889.1234",
        direction=CallDirection.INBOUND,
    )


def test_answered_call_hanging_up_is_not_missed() -> None:
    """Answered call hanging up is not missed."""
    push = _parse(_marked("hangup", _incoming(CallStatus="ANSWER")))
    assert push is not None
    assert (push.answered, push.ended, push.missed_call) == (True, True, None)


@pytest.mark.parametrize(
    ("status", "missed"),
    [
        ("NOANSWER", True),
        ("NO ANSWER", True),
        ("no_answer", True),
        ("CANCEL", True),
        ("UNKNOWN", True),
        ("BUSY", False),
        ("CONGESTION", False),
        ("CHANUNAVAIL", False),
        ("", False),
    ],
)
def test_hangup_statuses(status: str, missed: bool) -> None:
    """Hangup statuses."""
    push = _parse(_marked("hangup", _incoming(CallStatus=status)))
    assert push is not None
    assert push.ended
    assert not push.answered
    assert (push.missed_call is not None) is missed


@pytest.mark.parametrize(
    ("status", "answered", "ended", "missed"),
    [
        ("CALLING", False, False, False),
        ("ANSWER", True, True, False),
        ("NOANSWER", False, True, True),
    ],
)
def test_callbacks_without_our_marker(
    status: str, answered: bool, ended: bool, missed: bool
) -> None:
    """Registered by someone else: the documented CallStatus tells what happened."""
    for params in (
        _incoming(CallStatus=status),
        _marked("sideways", _incoming(CallStatus=status)),
    ):
        push = _parse(params)
        assert push is not None
        assert (push.answered, push.ended, push.missed_call is not None) == (
            answered,
            ended,
            missed,
        )


def test_undocumented_status_without_marker_is_ignored() -> None:
    """Undocumented status without marker is ignored."""
    assert _parse(_incoming(CallStatus="PARKED")) is None


def test_outgoing_call() -> None:
    """Outgoing call."""
    ringing = _parse(_marked("dial-out", _outgoing(CallStatus="CALLING")))
    answered = _parse(_marked("answer-out", _outgoing(CallStatus="ANSWER")))
    unanswered = _parse(_marked("hangup", _outgoing(CallStatus="NOANSWER")))
    assert ringing == _pushed(
        "0003*210",
        "1746512889.5678",
        "210",
        "+64211234567",
        direction=CallDirection.OUTBOUND,
    )
    assert answered is not None
    assert answered.answered
    assert answered.direction is CallDirection.OUTBOUND
    # Nobody answering our own call is no missed call.
    assert unanswered is not None
    assert unanswered.ended
    assert unanswered.missed_call is None


def test_direction_from_the_marker_when_callflow_is_missing() -> None:
    """Direction from the marker when callflow is missing."""
    params = _outgoing(CallStatus="CALLING")
    del params["CallFlow"]
    push = _parse(_marked("dial-out", params))
    assert push is not None
    assert push.direction is CallDirection.OUTBOUND


@pytest.mark.parametrize(
    "rename",
    [
        str.lower,
        str.upper,
        lambda key: "CallerIDNam" if key == "CallerIDName" else key,
    ],
)
def test_parameter_names_in_any_case(rename: Callable[[str], str]) -> None:
    """Parameter names in any case."""
    params = {
        rename(key): value for key, value in _incoming(CallStatus="NOANSWER").items()
    }
    push = _parse(_marked("hangup", params))
    assert push is not None
    assert push.missed_call is not None
    assert push.missed_call.caller_name == "Aroha Ngata"
    assert push.account_id == "0003*210"


def test_json_numbers_and_query_lists() -> None:
    """A JSON body may write numbers as numbers; a parsed query gives lists."""
    from_json = _parse(
        _marked(
            "hangup",
            _incoming(
                CallID=1746512889, CallerIDNum=64211234567, CallStatus="NOANSWER"
            ),
        )
    )
    from_query = _parse(
        {
            key: [value]
            for key, value in _marked(
                "hangup", _incoming(CallStatus="NOANSWER")
            ).items()
        }
    )
    assert from_json is not None
    assert from_json.call_id == "1746512889"
    assert from_json.caller_number == "+64211234567"
    assert from_query is not None
    assert from_query.missed_call is not None
    assert from_query.missed_call.caller_number == "+64211234567"


@pytest.mark.parametrize("caller", ["anonymous", "Anonymous", "", None])
def test_withheld_caller(caller: str | None) -> None:
    """Withheld caller."""
    params = _incoming(CallStatus="NOANSWER", CallerIDName="Anonymous")
    if caller is None:
        del params["CallerIDNum"]
    else:
        params["CallerIDNum"] = caller
    push = _parse(_marked("hangup", params))
    assert push is not None
    assert push.caller_number is None
    missed = push.missed_call
    assert missed is not None
    assert missed.caller_withheld
    assert missed.caller_number is None
    assert missed.caller_name is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Aroha Ngata", "Aroha Ngata"),
        ("0211234567", None),
        ("+64 21 123 4567", None),
        ("unknown", None),
        ("<unknown>", None),
        ("", None),
        ("Flat 2", "Flat 2"),
    ],
)
def test_caller_name_only_when_it_is_a_name(name: str, expected: str | None) -> None:
    """Caller name only when it is a name."""
    push = _parse(
        _marked("hangup", _incoming(CallStatus="NOANSWER", CallerIDName=name))
    )
    assert push is not None
    assert push.missed_call is not None
    assert push.missed_call.caller_name == expected


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("CallID=1", "not a set of parameters"),
        ([("CallID", "1")], "not a set of parameters"),
        (_incoming(CallID="", CallStatus="CALLING"), "lacks its CallID or CallFlow"),
        (
            _incoming(CallFlow="SIDEWAYS", CallStatus="CALLING"),
            "lacks its CallID or CallFlow",
        ),
        (
            _incoming(CalledExtension="", CallStatus="CALLING"),
            "does not name the extension",
        ),
        (
            _outgoing(CallerExtension=None, CallStatus="CALLING"),
            "does not name the extension",
        ),
    ],
)
def test_malformed_callbacks(payload: Any, message: str) -> None:
    """Malformed callbacks."""
    with pytest.raises(ProviderResponseError, match=message):
        parse_call_event(payload, NOW)


async def test_parse_push_uses_the_time_of_arrival(client: VoipnowClient) -> None:
    """Parse push uses the time of arrival."""
    before = datetime.now(UTC)
    push = client.parse_push(_incoming(CallStatus="CALLING"))
    assert push is not None
    assert before <= push.time <= datetime.now(UTC)
    assert client.parse_push(_incoming(CallStatus="CALLING"), NOW) == _parse(
        _incoming(CallStatus="CALLING")
    )


async def test_callbacks_for_other_extensions_are_not_ours(
    client: VoipnowClient, receiver: Receiver
) -> None:
    """With @self nothing is ours until the registration found the extensions."""
    push = client.parse_push(_incoming(CallStatus="CALLING"), NOW)
    assert push is not None
    assert not client.owns_account(push.account_id)
    await client.register_call_events(receiver.url)
    assert client.owns_account(push.account_id)
    foreign = client.parse_push(
        _incoming(CalledExtension="0007*100", CallStatus="CALLING")
    )
    assert foreign is not None
    assert not client.owns_account(foreign.account_id)


def test_clients_are_pushing_providers(
    client: VoipnowClient, session: aiohttp.ClientSession
) -> None:
    """Clients are pushing providers."""
    telecmi = TelecmiClient("india", "1111113", "secret", session=session)
    assert isinstance(client, CallEventsProvider)
    assert isinstance(telecmi, PushingProvider)
    assert not isinstance(telecmi, CallEventsProvider)
    assert telecmi.owns_account("1111113")
    assert not telecmi.owns_account("2222224")
    assert client.app_id == "callwatch-app"


# End to end: VoipNow calls a web server of ours.


async def test_end_to_end_missed_call(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """End to end missed call."""
    await client.register_call_events(receiver.url)
    call_id = await voipnow.ring("0211234567", "0003*211", caller_name="Aroha Ngata")
    await voipnow.hang_up(call_id)

    assert [method for method, _ in receiver.received] == ["POST", "POST"]
    ringing, ended = receiver.pushes(client)
    assert ringing == _pushed("0003*211", call_id, "+64211234567", "211")
    assert ended == _pushed(
        "0003*211",
        call_id,
        "+64211234567",
        "211",
        ended=True,
        missed_call=_missed_as_pushed(
            "+64211234567", "0211234567", "Aroha Ngata", "211", call_id
        ),
    )
    assert client.owns_account(ended.account_id)
    # The poll sees the same call in the history.
    [polled] = await client.missed_calls(
        datetime.now(UTC) - timedelta(minutes=1),
        datetime.now(UTC) + timedelta(seconds=1),
    )
    assert polled.caller_number == "+64211234567"
    # The extension reads alike from the callback and from the history.
    assert polled.called_number == ended.called_number == "211"


async def test_end_to_end_answered_and_outgoing_calls(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """End to end answered and outgoing calls."""
    await client.register_call_events(receiver.url)
    incoming = await voipnow.ring("0211234567", did="094561234")
    await voipnow.answer(incoming)
    assert [call.answered for call in await client.active_calls()] == [True]
    await voipnow.hang_up(incoming)
    outgoing = await voipnow.ring("0211234567", outgoing=True)
    await voipnow.answer(outgoing)
    await voipnow.hang_up(outgoing)

    pushes = receiver.pushes(client)
    assert [
        (push.direction, push.answered, push.ended, push.missed_call)
        for push in pushes
        if push is not None
    ] == [
        (CallDirection.INBOUND, False, False, None),
        (CallDirection.INBOUND, True, False, None),
        (CallDirection.INBOUND, True, True, None),
        (CallDirection.OUTBOUND, False, False, None),
        (CallDirection.OUTBOUND, True, False, None),
        (CallDirection.OUTBOUND, True, True, None),
    ]
    assert all(push is not None and push.account_id == "0003*210" for push in pushes)
    assert pushes[0] is not None
    # The extension the call rang, not the DID it came through.
    assert pushes[0].called_number == "210"
    assert pushes[3] is not None
    assert pushes[3].called_number == "+64211234567"


async def test_end_to_end_by_get_without_marker(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """An event registered by hand for GET: the parameters come as query text."""
    voipnow.caller_name_key = "CallerIDNam"
    voipnow.add_call_event("0003*210", HANGUP, receiver.url, method="0")
    voipnow.add_call_event(
        "0003*210", ANSWER_IN, "http://127.0.0.1:9/nobody", method="1"
    )
    call_id = await voipnow.ring("anonymous")
    await voipnow.hang_up(call_id, status="CANCEL")

    [(method, params)] = receiver.received
    assert method == "GET"
    push = client.parse_push(params, NOW)
    assert push is not None
    assert push.missed_call is not None
    assert push.missed_call.caller_withheld
    assert push.missed_call.call_id == call_id


async def test_unreachable_receiver_is_recorded(
    voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Unreachable receiver is recorded."""
    voipnow.add_call_event("0003*210", DIAL_IN, "http://127.0.0.1:9/nobody")
    [delivery] = await voipnow.deliver("0003*210", DIAL_IN, {"CallID": "1"})
    assert delivery.status is None


async def test_nothing_arrives_after_removal(
    client: VoipnowClient, voipnow: FakeVoipnow, receiver: Receiver
) -> None:
    """Nothing arrives after removal."""
    registration = await client.register_call_events(receiver.url)
    await client.remove_call_events(registration)
    await voipnow.hang_up(await voipnow.ring("0211234567"))
    assert receiver.received == []


def test_module_constants_are_the_documented_types() -> None:
    """Module constants are the documented types."""
    assert sorted(voipnow_push.EVENT_TYPES) == sorted(EVENT_TYPES)


async def test_a_missed_call_is_stamped_when_it_began_ringing(
    client: VoipnowClient,
) -> None:
    """The call history stamps a call with its start; so does the pushed one."""
    # Only callbacks of the extensions registered on are remembered.
    await client.register_call_events(HOOK)
    client.parse_push(_marked("dial-in", _incoming(CallStatus="CALLING")), NOW)
    push = client.parse_push(
        _marked("hangup", _incoming(CallStatus="NOANSWER")),
        NOW + timedelta(seconds=40),
    )
    assert push is not None
    assert push.time == NOW + timedelta(seconds=40)
    assert push.missed_call is not None
    assert push.missed_call.time == NOW
    # A hangup whose ringing was not heard keeps its own time.
    other = client.parse_push(
        _marked("hangup", _incoming(CallID="other", CallStatus="NOANSWER")), NOW
    )
    assert other is not None
    assert other.missed_call is not None
    assert other.missed_call.time == NOW


async def test_a_forged_callback_for_another_extension_is_not_remembered(
    client: VoipnowClient,
) -> None:
    """Whose account a callback is for is checked before it is remembered."""
    await client.register_call_events(HOOK)
    forged = client.parse_push(
        _marked("dial-in", _incoming(CallStatus="CALLING", CalledExtension="0003*999")),
        NOW - timedelta(hours=1),
    )
    assert forged is not None
    assert not client.owns_account(forged.account_id)
    push = client.parse_push(_marked("hangup", _incoming(CallStatus="NOANSWER")), NOW)
    assert push is not None
    assert push.missed_call is not None
    # Not stamped with the forged callback's time.
    assert push.missed_call.time == NOW


async def test_the_memory_of_ringing_calls_is_bounded(
    client: VoipnowClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of new calls forgets the oldest first, within the bound."""
    monkeypatch.setattr(voipnow_push.CallMemory, "MAX_CALLS", 10)
    await client.register_call_events(HOOK)
    client.parse_push(_marked("dial-in", _incoming(CallStatus="CALLING")), NOW)
    for index in range(10):
        client.parse_push(
            _marked(
                "dial-in", _incoming(CallID=f"flood-{index}", CallStatus="CALLING")
            ),
            NOW + timedelta(seconds=1),
        )
    push = client.parse_push(
        _marked("hangup", _incoming(CallStatus="NOANSWER")),
        NOW + timedelta(seconds=40),
    )
    assert push is not None
    assert push.missed_call is not None
    # Forgotten: stamped when its hangup came, not when it began ringing.
    assert push.missed_call.time == NOW + timedelta(seconds=40)
    last = client.parse_push(
        _marked("hangup", _incoming(CallID="flood-9", CallStatus="NOANSWER")),
        NOW + timedelta(seconds=41),
    )
    assert last is not None
    assert last.missed_call is not None
    assert last.missed_call.time == NOW + timedelta(seconds=1)


async def test_a_ring_group_answered_elsewhere_is_not_missed(
    client: VoipnowClient,
) -> None:
    """Extension 211 answers; 210's hangup of the same call is no missed call."""
    # Only callbacks of the extensions registered on are remembered.
    await client.register_call_events(HOOK)
    client.parse_push(_marked("dial-in", _incoming(CallStatus="CALLING")), NOW)
    answered = _incoming(CallStatus="ANSWER", CalledExtension="0003*211")
    client.parse_push(_marked("answer-in", answered), NOW + timedelta(seconds=5))
    push = client.parse_push(
        _marked("hangup", _incoming(CallStatus="CANCEL")), NOW + timedelta(seconds=6)
    )
    assert push is not None
    assert (push.ended, push.missed_call) == (True, None)


async def test_the_memory_of_calls_is_bounded_in_time(client: VoipnowClient) -> None:
    """The memory of calls is bounded in time."""
    client.parse_push(_marked("answer-in", _incoming(CallStatus="ANSWER")), NOW)
    later = NOW + timedelta(hours=5)
    push = client.parse_push(_marked("hangup", _incoming(CallStatus="NOANSWER")), later)
    assert push is not None
    assert push.missed_call is not None
    assert push.missed_call.time == later
