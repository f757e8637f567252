"""Client for VoipNow's Unified API (UAPI), with OAuth 2 client credentials.

Besides polling, VoipNow can call a URL of ours as calls ring, are answered and hang up
("Call Events", one registration per extension and event type, managed under
`/uapi/extensions/{userId}/{extension}/phoneCallEvents`). What is documented (4PSA's
UnifiedAPI pages and knowledge base, and 4PSA's own MCP server, github.com/4psa/
mcp-voipnow) and what is inferred is said where it is used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import contextlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
import itertools
import re
import time
from typing import Any

import aiohttp
from yarl import URL

from .exceptions import (
    ProviderAuthenticationError,
    ProviderError,
    ProviderPermissionError,
    ProviderResponseError,
)
from .fields import (
    RowReader,
    any_time,
    caller_name,
    is_a_name,
    number,
    required,
    text,
)
from .http import Reply, base_url, host_of, off_loop, send
from .models import Account, ActiveCall, CallDirection, CallPush, MissedCall
from .numbers import Number, read_number

SERVICE = "VoipNow"
# The UAPI's bounds as 4PSA's own client applies them: `count` and `startIndex` at
# most 4999 (the pages say "lower than 5000").
PAGE_SIZE = 4999
MAX_START_INDEX = 4999
# The call history is read newest first until a page reaches back before the window:
# a first page this small, as a quiet window needs no more, then pages of PAGE_SIZE.
HISTORY_PAGE_SIZE = 100
# `startDate`/`endDate` are local date-times without a zone (as 4PSA's client sends
# them), read in a zone we cannot know: the window asked for is widened by the largest
# UTC offset on each side, and rows are kept by their own stamps.
ZONE_SPREAD = timedelta(hours=14)
# A token is replaced this long before the expiry the server gave it.
TOKEN_MARGIN = 60.0
# PhoneCall flow: 2 local, 4 outgoing to the public network, 8 incoming from it.
_FLOWS = {"8": CallDirection.INBOUND, "4": CallDirection.OUTBOUND}
# CDR disposition 3 is NO ANSWER.
_NO_ANSWER = {"3", "NO ANSWER", "NOANSWER", "NO_ANSWER"}

# Call Events. PhoneCallEvent `type` (documented): 0 Dial-In, 1 Dial-Out, 2 Hangup,
# 3 Answer on incoming call, 4 Answer on outgoing call (by the other party). VoipNow 3's
# pages list only 0 to 2, so a server that refuses 3 and 4 still gets the first three.
# The callback does not say which event it reports, and what CallStatus an Answer event
# carries is not documented (a Hangup's may be ANSWER too), so each registration's URL
# carries the event in a query parameter of ours (inferred: VoipNow keeps the URL's
# query). The callbacks come by POST (method 1), whose parameters go in the body, so
# they cannot clash with ours in the query.
EVENT_PARAMETER = "callwatch_event"
_EVENT_TYPES = {
    "0": "dial-in",
    "1": "dial-out",
    "2": "hangup",
    "3": "answer-in",
    "4": "answer-out",
}
_OPTIONAL_EVENT_TYPES = frozenset({"3", "4"})
_POST = "1"
_ENABLED = "1"
_EVENT_NOTE = "Callwatch (Home Assistant)"
# Registering for all of a user's extensions (`@self`) costs a listing and up to five
# requests per extension; more extensions than this are refused, not half registered.
MAX_EVENT_EXTENSIONS = 50
# What a DELETE of an event that is already gone answers: the docs give 400
# pce_id_invalid (unknown event) and extension_invalid (unknown extension); 404 is
# accepted too.
_GONE = frozenset({"pce_id_invalid", "extension_invalid"})
# CallFlow: IN for calls the extension receives, OUT for calls it makes (documented).
_CALL_FLOWS = {"IN": CallDirection.INBOUND, "OUT": CallDirection.OUTBOUND}
_EVENT_DIRECTIONS = {
    "dial-in": CallDirection.INBOUND,
    "answer-in": CallDirection.INBOUND,
    "dial-out": CallDirection.OUTBOUND,
    "answer-out": CallDirection.OUTBOUND,
}
# CallStatus (documented): CALLING for Dial-In and Dial-Out; for Hangup the dial status,
# ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION or CHANUNAVAIL (the knowledge base says
# ANSWER or UNKNOWN). Read without spaces or underscores, upper case.
_RINGING_STATUS = "CALLING"
_ANSWERED_STATUSES = frozenset({"ANSWER", "ANSWERED"})
_HANGUP_STATUSES = _ANSWERED_STATUSES | {
    "BUSY",
    "NOANSWER",
    "CANCEL",
    "CONGESTION",
    "CHANUNAVAIL",
    "UNKNOWN",
}
# An incoming call that hung up with one of these was missed: it rang and nobody
# answered. BUSY, CONGESTION and CHANUNAVAIL (the phone busy or unreachable) are left
# out, as the call history's missed calls (disposition NO ANSWER) leave them out.
_MISSED_STATUSES = frozenset({"NOANSWER", "CANCEL", "UNKNOWN"})
# A caller "name" made of these characters only is the number again.


class VoipnowClient:
    """Talks to one VoipNow trusted app; the secret goes to the token endpoint only."""

    provider = "voipnow"
    manufacturer = "4PSA"
    model = "VoipNow"
    supports_active_calls = True

    def __init__(
        self,
        host: str,
        client_id: str,
        client_secret: str,
        *,
        session: aiohttp.ClientSession,
        extension: str = "@self",
        user_id: str = "@me",
        country: str | None = None,
        request_timeout: float = 15.0,
    ) -> None:
        """Keep the app's details; `extension` "@self" means all of the user's.

        `country` (ISO 3166 alpha-2) reads numbers written in national form.
        """
        self._base = base_url(host)
        self._client_id = client_id.strip()
        self._client_secret = client_secret
        self._session = session
        self.extension = extension.strip() or "@self"
        self._user_id = user_id
        self.country = country
        self._reader = RowReader(SERVICE)
        self._timeout = request_timeout
        # The extensions whose callbacks are ours: the one watched, or with `@self` the
        # ones `register_call_events` found.
        self._event_extensions: frozenset[str] = (
            frozenset() if self.extension == "@self" else frozenset({self.extension})
        )
        self._ringing = _CallMemory()
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def host(self) -> str:
        """Return the host (and port, if not the default) of the API."""
        return host_of(self._base)

    @property
    def app_id(self) -> str:
        """Return the UAPI app's client id."""
        return self._client_id

    async def account(self) -> Account:
        """Check the app's credentials against both listings the integration needs."""
        await self.active_calls()
        now = datetime.now(UTC)
        await self.missed_calls(now - timedelta(minutes=1), now)
        name = f"{self._client_id}@{self.host}"
        if self.extension != "@self":
            name = f"{name} ({self.extension})"
        return Account(unique_id=self.account_id, name=name)

    @property
    def account_id(self) -> str:
        """Return the app's client id at the host (normalised), and the extension."""
        account_id = f"{self._client_id}@{self.host}"
        if self.extension != "@self":
            account_id = f"{account_id} ({self.extension})"
        return account_id.lower()

    async def active_calls(self) -> list[ActiveCall]:
        """Return the calls in progress: one PhoneCall is one call, whatever its views."""
        path = f"uapi/phoneCalls/{self._user_id}/{self.extension}"
        rows = await self._collection(path, {})
        return await off_loop(
            partial(self._reader.read_all, path, rows, self._active_call),
            rows=len(rows),
        )

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return unanswered incoming calls with start <= time < end, oldest first."""
        params = {
            "startDate": _local(start - ZONE_SPREAD),
            "endDate": _local(end + ZONE_SPREAD),
            "disposition": "3",
            "flow": "8",
            "sortOrder": "descending",
        }
        path = f"uapi/cdr/{self._user_id}"
        rows = await self._collection(
            path,
            params,
            first_page_size=HISTORY_PAGE_SIZE,
            done=partial(_reaches_back_before, start),
        )
        return await off_loop(
            partial(self._missed_calls, path, rows, start, end), rows=len(rows)
        )

    def _missed_calls(
        self, path: str, rows: list[dict[str, Any]], start: datetime, end: datetime
    ) -> list[MissedCall]:
        rows = [
            row
            for row in rows
            if _is_missed_incoming(row)
            and (self.extension == "@self" or text(row, "extension") == self.extension)
        ]
        calls = [
            call
            for call in self._reader.read_all(path, rows, self._missed_call)
            if start <= call.time < end
        ]
        calls.sort(key=lambda call: call.time)
        return calls

    def read_called_number(self, written: str) -> str | None:
        """Read a watched called number as calls carry it: an extension short."""
        return _short_extension(read_number(written, self.country).value)

    async def register_call_events(self, url: str) -> str:
        """Have VoipNow POST to `url` as calls ring, are answered and hang up.

        Registers Dial-In, Dial-Out, Hangup and both Answer events on the watched
        extension, or with `@self` on each of the user's phone extensions (Call Events
        are per extension: `@self` is refused there). An event already registered for
        the same URL is reused (and enabled), never duplicated. Returns the
        registration for `remove_call_events`: space-separated
        `extension/type/id` items. ValueError if `url` is not http(s).
        """
        callback = URL(url)
        if callback.scheme not in ("http", "https") or not callback.host:
            raise ValueError("VoipNow can call back http and https URLs only")
        extensions = await self.call_event_extensions()
        registration: list[str] = []
        created: list[str] = []
        try:
            for extension in extensions:
                registration.extend(
                    await self._register_extension(extension, callback, created)
                )
        except ProviderError:
            # Leave nothing behind that no registration names.
            with contextlib.suppress(ProviderError):
                await self.remove_call_events(" ".join(created))
            raise
        self._event_extensions = frozenset(extensions)
        return " ".join(registration)

    async def remove_call_events(self, registration: str) -> None:
        """Delete what `register_call_events` registered; what is gone already is fine."""
        for item in registration.split():
            extension, event_type, event_id = _registration_item(item)
            path = (
                f"uapi/extensions/{self._user_id}/{extension}/phoneCallEvents/"
                f"{event_type}/{event_id}"
            )
            reply = await self._request("DELETE", path)
            if reply.status == 404 or (
                reply.status == 400 and _error_code(_error_payload(reply)) in _GONE
            ):
                continue
            self._decoded(path, reply)

    async def call_event_extensions(self) -> list[str]:
        """Return the extensions Call Events are registered on.

        The watched one, or for `@self` the user's phone extensions as the presence
        listing (`/uapi/extensions/{userId}/@self/presence`) gives them: the UAPI has
        no other listing of a user's extensions.
        """
        if self.extension != "@self":
            return [self.extension]
        path = f"uapi/extensions/{self._user_id}/@self/presence"
        extensions = list(
            dict.fromkeys(
                extension
                for row in await self._collection(path, {})
                if (extension := text(row, "extension"))
            )
        )
        if not extensions:
            raise ProviderResponseError(
                f"{SERVICE} lists no phone extensions to register Call Events on"
            )
        if len(extensions) > MAX_EVENT_EXTENSIONS:
            raise ProviderResponseError(
                f"{SERVICE} lists {len(extensions)} extensions; Call Events are "
                f"registered on at most {MAX_EVENT_EXTENSIONS}, so choose one extension"
            )
        return extensions

    def parse_push(self, payload: Any, now: datetime | None = None) -> CallPush | None:
        """Read a Call Events callback; `now` is its time (callbacks carry none).

        What earlier callbacks said of the same call counts: a missed call is stamped
        with the time it began ringing, as the call history stamps it, and a call that
        one extension of a ring group answered is not missed by the others.
        """
        push = parse_call_event(payload, now or datetime.now(UTC), self.country)
        if push is None or not self.owns_account(push.account_id):
            # Another extension's callback is refused by the caller, and never
            # remembered: a forged one must not fill the memory of calls.
            return push
        return self._ringing.follow(push)

    def owns_account(self, account_id: str) -> bool:
        """Return whether a callback for this extension is one of ours."""
        return account_id in self._event_extensions

    async def _register_extension(
        self, extension: str, url: URL, created: list[str]
    ) -> list[str]:
        """Register every event type on one extension; return `extension/type/id`s.

        Those it had to add are also appended to `created`.
        """
        path = f"uapi/extensions/{self._user_id}/{extension}/phoneCallEvents"
        secrets = _url_secrets(url)
        existing = await self._collection(path, {})
        registration: list[str] = []
        for event_type, kind in _EVENT_TYPES.items():
            target = str(url.update_query({EVENT_PARAMETER: kind}))
            event = _find_event(existing, event_type, target)
            if event is not None:
                event_id = _required_id(event, path)
                if text(event, "method") != _POST or text(event, "status") != _ENABLED:
                    reply = await self._request(
                        "PUT",
                        f"{path}/{event_type}/{event_id}",
                        json={"method": _POST, "status": _ENABLED},
                    )
                    self._decoded(path, reply, *secrets)
            else:
                found_id = await self._add_event(path, event_type, target, secrets)
                if found_id is None:
                    continue
                event_id = found_id
                created.append(f"{extension}/{event_type}/{event_id}")
            registration.append(f"{extension}/{event_type}/{event_id}")
        return registration

    async def _add_event(
        self, path: str, event_type: str, target: str, secrets: tuple[str, ...]
    ) -> str | None:
        """POST one event; return its id, or None for an Answer event the server lacks."""
        reply = await self._request(
            "POST",
            path,
            json={
                "type": event_type,
                "method": _POST,
                "url": target,
                "status": _ENABLED,
                "note": _EVENT_NOTE,
            },
        )
        if (
            reply.status == 400
            and event_type in _OPTIONAL_EVENT_TYPES
            and _error_code(_error_payload(reply)) == "pcet_type_invalid"
        ):
            return None
        event_id = _created_id(self._decoded(path, reply, *secrets))
        if event_id is not None:
            return event_id
        # The docs promise the new id with a 200 (in what shape they do not show) and
        # none with a 204: without one, find the event by its URL.
        listed = await self._collection(f"{path}/{event_type}", {})
        event = _find_event(listed, event_type, target)
        if event is None:
            raise ProviderResponseError(
                f"{SERVICE} accepted a Call Event on {path} but does not list it"
            )
        return _required_id(event, path)

    async def _collection(
        self,
        path: str,
        params: dict[str, str],
        *,
        first_page_size: int | None = None,
        done: Callable[[list[dict[str, Any]]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """GET the pages of a collection; `entry` may be a list or keyed by id.

        Every page, or until `done` says a page is the last one needed; the first
        `first_page_size` rows long if given, the others PAGE_SIZE.
        """
        entries: list[dict[str, Any]] = []
        start_index = 0
        while True:
            page = await self._get(
                path,
                params
                | {
                    "count": str((start_index == 0 and first_page_size) or PAGE_SIZE),
                    "startIndex": str(start_index),
                },
            )
            if page is None:
                return entries
            rows = _entries(page, path)
            entries.extend(rows)
            total = page.get("totalResults")
            if isinstance(total, str) and total.isdecimal():
                total = int(total)
            if not rows or not isinstance(total, int) or len(entries) >= total:
                return entries
            if done is not None and done(rows):
                return entries
            start_index += len(rows)
            if start_index > MAX_START_INDEX:
                raise ProviderResponseError(
                    f"{SERVICE} has more rows in {path} than its paging can reach"
                )

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        """GET a UAPI resource with a valid token; None for 204 (nothing)."""
        reply = await self._request("GET", path, params=params)
        payload = await off_loop(
            partial(self._decoded, path, reply), size=len(reply.body)
        )
        if payload is not None and not isinstance(payload, dict):
            raise ProviderResponseError(
                f"{SERVICE} answered {path} without a JSON object"
            )
        return payload

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Reply:
        """Send one UAPI request with a valid token, fetching a new one once if refused."""
        url = self._base.joinpath(*path.split("/"))
        if params:
            url = url.with_query(params)
        for attempt in range(2):
            token = await self._access_token()
            reply = await send(
                self._session,
                method,
                url,
                service=SERVICE,
                request_timeout=self._timeout,
                headers={"Authorization": f"Bearer {token}"},
                json=json,
            )
            if reply.status == 401 and attempt == 0:
                # Expired or revoked before its time: fetch a new token once.
                self._token = None
                continue
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _decoded(self, path: str, reply: Reply, *secrets: str) -> Any:
        """Return a reply's JSON (None when empty) or raise what its error means.

        `secrets` are kept out of the messages along with the app's own.
        """
        if reply.status < 400:
            return reply.json() if reply.body.strip() else None
        payload = _error_payload(reply)
        detail = self._scrub(_error(payload), *secrets)
        if reply.status == 401:
            raise ProviderAuthenticationError(f"{SERVICE} refused the app's token")
        if reply.status == 403 or "forbidden" in _error_code(payload):
            raise ProviderPermissionError(
                f"{SERVICE} does not let this app use {path}{detail}"
            )
        raise ProviderResponseError(
            f"{SERVICE} answered {reply.status} to {path}{detail}"
        )

    def _scrub(self, message: str, *secrets: str) -> str:
        """Keep the secret, the token and `secrets` out of what the server echoes."""
        for secret in (self._client_secret, self._token, *secrets):
            if secret:
                message = message.replace(secret, "***")
        return message

    def _active_call(self, entry: dict[str, Any]) -> ActiveCall:
        views = _views(entry)
        first = views[0] if views else {}
        return ActiveCall(
            call_id=required(text(entry, "id"), "id"),
            caller_number=self._caller(first).value,
            called_number=_called(first, self.country, "destination"),
            started=any_time(entry, "published"),
            answered=bool(entry.get("answered"))
            or any(bool(view.get("answered")) for view in views),
            direction=_FLOWS.get(text(first, "flow") or ""),
        )

    def _caller(self, row: dict[str, Any]) -> Number:
        """Return the caller's number: `source`, else `callerId` unless it is a name."""
        caller = number(row, self.country, "source")
        if caller.raw is None:
            caller_id = text(row, "callerId", "callerID")
            if caller_id is not None and not is_a_name(caller_id):
                caller = read_number(caller_id, self.country)
        return caller

    def _missed_call(self, row: dict[str, Any]) -> MissedCall:
        caller = self._caller(row)
        return MissedCall(
            time=required(_history_time(row), "startDate"),
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            # VoipNow writes the caller's name in callerId where it has one.
            caller_name=caller_name(
                row, caller, "callerName", "callerIdName", "callerId", "callerID"
            ),
            # The extension, as the Call Events' CalledExtension gives it: the
            # history's other numbers may be a DID where callbacks give none.
            called_number=_called(row, self.country, "extension"),
            call_id=text(row, "id", "callId"),
            direction=CallDirection.INBOUND,
        )

    async def _access_token(self) -> str:
        """Return a valid token, fetching one when there is none or it is near expiry."""
        async with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                self._token, lifetime = await self._fetch_token()
                self._token_expires = time.monotonic() + max(
                    0.0, lifetime - TOKEN_MARGIN
                )
            return self._token

    async def _fetch_token(self) -> tuple[str, float]:
        token_url: URL = self._base / "oauth" / "token.php"
        reply = await send(
            self._session,
            "POST",
            token_url,
            service=SERVICE,
            request_timeout=self._timeout,
            data={
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "grant_type": "client_credentials",
                "type": "unifiedapi",
                "redirect_uri": str(token_url),
            },
        )
        payload = reply.json() if reply.body.strip() else None
        error = payload.get("error") if isinstance(payload, dict) else None
        if reply.status in (400, 401) and error in (
            "invalid_client",
            "unauthorized_client",
            "invalid_grant",
        ):
            raise ProviderAuthenticationError(
                f"{SERVICE} rejected the client id or secret ({error})"
            )
        if reply.status == 401:
            raise ProviderAuthenticationError(
                f"{SERVICE} rejected the client id or secret"
            )
        if reply.status >= 400 or not isinstance(payload, dict):
            raise ProviderResponseError(
                f"{SERVICE} answered {reply.status} to the token request{self._scrub(_error(payload))}"
            )
        token = payload.get("access_token")
        lifetime = payload.get("expires_in", 3600)
        if isinstance(lifetime, str) and lifetime.isdecimal():
            lifetime = int(lifetime)
        if (
            not isinstance(token, str)
            or not token
            or not isinstance(lifetime, int | float)
        ):
            raise ProviderResponseError(
                f"{SERVICE} token reply lacks a token or expiry"
            )
        return token, float(lifetime)


def _local(moment: datetime) -> str:
    """Write a moment as a date-time without a zone (its UTC digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _history_time(row: dict[str, Any]) -> datetime | None:
    return any_time(row, "startDate", "start", "published", "date")


def _reaches_back_before(start: datetime, rows: list[dict[str, Any]]) -> bool:
    """Tell whether a page, newest first, reaches back before `start`.

    A page that is not newest first (a server that ignores `sortOrder`) never does:
    then every page is read.
    """
    times = [moment for row in rows if (moment := _history_time(row)) is not None]
    return (
        bool(times)
        and times[-1] < start
        and all(later >= earlier for later, earlier in itertools.pairwise(times))
    )


def _error(payload: Any) -> str:
    """Return ': code message' from `{"error": {...}}` or OAuth's `{"error": "..."}`."""
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, str):
        return f": {error}"
    if isinstance(error, dict):
        parts = [error.get("code"), error.get("message")]
        detail = " ".join(str(part) for part in parts if isinstance(part, str | int))
        return f": {detail}" if detail else ""
    return ""


def _error_payload(reply: Reply) -> Any:
    """Decode an error reply's body if it is JSON; an error page is no JSON."""
    try:
        return reply.json() if reply.body.strip() else None
    except ProviderResponseError:
        return None


def _error_code(payload: Any) -> str:
    """Return the code of a UAPI error body `{"error": {"code": ...}}`, lower case."""
    error = payload.get("error") if isinstance(payload, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code.lower() if isinstance(code, str) else ""


def _entries(page: dict[str, Any], path: str) -> list[dict[str, Any]]:
    entry = page.get("entry", [])
    rows = list(entry.values()) if isinstance(entry, dict) else entry
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ProviderResponseError(
            f"{SERVICE} answered {path} with a malformed 'entry'"
        )
    return rows


def _views(entry: dict[str, Any]) -> list[dict[str, Any]]:
    views = entry.get("phoneCallView", [])
    views = list(views.values()) if isinstance(views, dict) else views
    return (
        [view for view in views if isinstance(view, dict)]
        if isinstance(views, list)
        else []
    )


def _is_missed_incoming(row: dict[str, Any]) -> bool:
    disposition = (text(row, "disposition") or "").upper()
    flow = text(row, "flow")
    return disposition in _NO_ANSWER and (flow is None or flow == "8")


def _called(row: dict[str, Any], country: str | None, *fields: str) -> str | None:
    """Return a called number; an extension in its short form, as the history has it.

    VoipNow writes an extension whole (`0003*210`: organisation, then extension) in
    some places and short (`210`) in others; one call must read alike from each.
    """
    return _short_extension(number(row, country, *fields).value)


def _short_extension(called: str | None) -> str | None:
    """Return an extension in its short form (`210` for `0003*210`)."""
    if called is not None and not called.startswith("+") and "*" in called:
        return called.rsplit("*", 1)[1]
    return called


class _CallMemory:
    """When each recent call began ringing, and whether an extension answered it."""

    # Kept this long after a call's first callback: longer than a call rings.
    KEEP = timedelta(hours=4)
    # And at most this many calls, the oldest forgotten first: a flood of callbacks
    # (forged ones too) costs bounded memory.
    MAX_CALLS = 10_000

    def __init__(self) -> None:
        # In the order of their first callback, which is the order of their times.
        self._began: dict[str, datetime] = {}
        self._answered: set[str] = set()

    def follow(self, push: CallPush) -> CallPush:
        """Return the push with what the call's earlier callbacks tell."""
        bound = push.time - self.KEEP
        while self._began and (
            len(self._began) >= self.MAX_CALLS
            or next(iter(self._began.values())) < bound
        ):
            oldest = next(iter(self._began))
            del self._began[oldest]
            self._answered.discard(oldest)
        began = self._began.setdefault(push.call_id, push.time)
        if push.answered:
            self._answered.add(push.call_id)
        if push.missed_call is None:
            return push
        if push.call_id in self._answered:
            return replace(push, missed_call=None)
        return replace(push, missed_call=replace(push.missed_call, time=began))


def parse_call_event(
    payload: Any, now: datetime, country: str | None = None
) -> CallPush | None:
    """Read a Call Events callback: a GET's query or a POST's form or JSON, as a mapping.

    Parameter names are read in any case (the docs write CallerIDName, and CallerIDNam
    in the knowledge base); values may be text, numbers or one-item lists. The push's
    `account_id` is the watched extension the callback is about: CalledExtension for a
    call it receives, CallerExtension for one it makes. Raises ProviderResponseError
    for what VoipNow never sends; returns None for a status it does not document.
    """
    if not isinstance(payload, Mapping):
        raise ProviderResponseError(f"{SERVICE} callback is not a set of parameters")
    params = {str(key).lower(): value for key, value in payload.items()}
    kind = (text(params, EVENT_PARAMETER) or "").lower()
    if kind not in _EVENT_TYPES.values():
        kind = ""
    status = re.sub(r"[\s_]", "", text(params, "callstatus") or "").upper()
    direction = _CALL_FLOWS.get((text(params, "callflow") or "").upper())
    direction = direction or _EVENT_DIRECTIONS.get(kind)
    call_id = text(params, "callid")
    if call_id is None or direction is None:
        raise ProviderResponseError(f"{SERVICE} callback lacks its CallID or CallFlow")
    inbound = direction is CallDirection.INBOUND
    account_id = text(params, "calledextension" if inbound else "callerextension")
    if account_id is None:
        raise ProviderResponseError(
            f"{SERVICE} callback does not name the extension it is about"
        )
    if kind.startswith("dial") or (not kind and status == _RINGING_STATUS):
        answered = ended = False
    elif kind.startswith("answer"):
        answered, ended = True, False
    elif kind == "hangup" or status in _HANGUP_STATUSES:
        answered, ended = status in _ANSWERED_STATUSES, True
    else:
        return None
    caller = number(
        params, country, "calleridnum", *(() if inbound else ("callerextension",))
    )
    # An incoming call's called number is the extension, as the call history has
    # it, not CalledNumber (a DID where the call came through one).
    called = (
        _called(params, country, "calledextension")
        if inbound
        else _called(params, country, "callednumber")
    )
    missed = None
    if inbound and ended and status in _MISSED_STATUSES:
        missed = MissedCall(
            time=now,
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            caller_name=caller_name(params, caller, "calleridname", "calleridnam"),
            called_number=called,
            call_id=call_id,
            direction=CallDirection.INBOUND,
            stamped_locally=True,
        )
    return CallPush(
        account_id=account_id,
        call_id=call_id,
        time=now,
        caller_number=caller.value,
        called_number=called,
        direction=direction,
        answered=answered,
        ended=ended,
        missed_call=missed,
    )


def _find_event(
    events: list[dict[str, Any]], event_type: str, url: str
) -> dict[str, Any] | None:
    """Return the first PhoneCallEvent of this type for this URL."""
    for event in events:
        listed = text(event, "url")
        if text(event, "type") == event_type and listed and _same_url(listed, url):
            return event
    return None


def _same_url(listed: str, url: str) -> bool:
    if listed == url:
        return True
    try:
        return URL(listed) == URL(url)
    except ValueError:
        return False


def _created_id(payload: Any) -> str | None:
    """Find the new event's id in the reply to its POST: `{"id"}` or `[{"id"}]`."""
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    return text(payload, "id") if isinstance(payload, dict) else None


def _required_id(event: dict[str, Any], path: str) -> str:
    """Return a listed PhoneCallEvent's id."""
    event_id = text(event, "id")
    if event_id is None or "/" in event_id or " " in event_id:
        raise ProviderResponseError(
            f"{SERVICE} lists a Call Event on {path} without a usable id"
        )
    return event_id


def _registration_item(item: str) -> tuple[str, str, str]:
    """Split one `extension/type/id` item of a registration."""
    parts = item.rsplit("/", 2)
    if len(parts) != 3 or not all(parts) or parts[1] not in _EVENT_TYPES:
        raise ValueError(f"Not a VoipNow Call Events registration item: {item!r}")
    return parts[0], parts[1], parts[2]


def _url_secrets(url: URL) -> tuple[str, ...]:
    """Return what of a callback URL must not appear in messages: it holds a webhook id."""
    return (str(url), url.name) if len(url.name) >= 8 else (str(url),)
