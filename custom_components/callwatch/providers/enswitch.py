"""Client for the Enswitch (Integrics) JSON API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial
import math
import re
import time
from typing import Any

import aiohttp

from .exceptions import (
    ProviderAuthenticationError,
    ProviderPermissionError,
    ProviderResponseError,
)
from .fields import (
    RowReader,
    UnreadableRowError,
    caller_name,
    number,
    required,
    text,
    unix_time,
)
from .http import Reply, ServerClock, base_url, host_of, off_loop, send
from .models import Account, ActiveCall, CallDirection, MissedCall
from .numbers import read_number

SERVICE = "Enswitch"
# A token is replaced this long before the expiry the server gave it.
TOKEN_MARGIN = 60.0
DEFAULT_TOKEN_LIFETIME = 3600


class EnswitchClient:
    """Talks to one Enswitch account; credentials travel in POST bodies only."""

    provider = "enswitch"
    manufacturer = "Integrics"
    model = "Enswitch"
    supports_active_calls = True

    def __init__(
        self,
        host: str,
        username: str,
        password: str,
        *,
        session: aiohttp.ClientSession,
        customer: str | None = None,
        country: str | None = None,
        request_timeout: float = 15.0,
        use_token: bool = True,
        called_numbers: Iterable[str] = (),
    ) -> None:
        """Keep the connection details; nothing is sent until a method is called.

        `customer` widens what is watched: a customer id, or for active calls only
        "all" (customers directly under the user's) or "recursive" (all below it).
        `country` (ISO 3166 alpha-2) reads numbers written in national form.
        `called_numbers`, the numbers watched, are asked for one by one: the rows of
        calls/missed/list do not say which number was called.
        """
        self._base = base_url(host)
        self._username = username
        self._password = password
        self._session = session
        self._customer = customer
        self.country = country
        self._reader = RowReader(SERVICE)
        self._timeout = request_timeout
        self.clock = ServerClock()
        # Per called number (as calls carry it), the `dnumber`s to ask for it with.
        self._destinations: dict[str, tuple[str, ...]] = {}
        for written in called_numbers:
            if (called := self.read_called_number(written)) is not None:
                forms = (
                    *self._destinations.get(called, ()),
                    *_dnumbers(written, called),
                )
                self._destinations[called] = tuple(dict.fromkeys(forms))
        # A session token from `user/login` spares sending the password every poll.
        self._use_token = use_token
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def host(self) -> str:
        """Return the host (and port, if not the default) of the API."""
        return host_of(self._base)

    async def account(self) -> Account:
        """Check the credentials against both endpoints the integration needs."""
        await self.active_calls()
        now = datetime.now(UTC)
        await self.missed_calls(now, now)
        return Account(unique_id=self.account_id, name=f"{self._username}@{self.host}")

    @property
    def account_id(self) -> str:
        """Return the username at the host (normalised): Enswitch names no other id."""
        return f"{self._username.strip()}@{self.host}".lower()

    async def active_calls(self) -> list[ActiveCall]:
        """Return the calls in progress, folding their legs by call id."""
        rows = await self._call("calls/active/list", self._scope(active=True))
        return await off_loop(partial(self._active_calls, rows), rows=len(rows))

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return missed calls with start <= time < end (end is exclusive since 3.14).

        Asked with all four inputs the vendor recommends (`start`, `end`, `dtype`,
        `dnumber`): `dnumber` empty (any) when no called number is watched, else
        once per watched number, whose calls then carry it.
        """
        params = self._scope(active=False) | {
            "start": str(math.floor(start.timestamp())),
            "end": str(math.ceil(end.timestamp())),
            "dtype": "",
            "sort": "time",
            "descending": "0",
        }
        if not self._destinations:
            rows = await self._call("calls/missed/list", params | {"dnumber": ""})
            return await off_loop(
                partial(self._missed_calls, rows, start, end, None), rows=len(rows)
            )
        calls: list[MissedCall] = []
        for called, dnumbers in self._destinations.items():
            # One number may be written in several forms: a call each form finds
            # is one call, however many forms find it.
            found: dict[str, list[MissedCall]] = {}
            for dnumber in dnumbers:
                rows = await self._call(
                    "calls/missed/list", params | {"dnumber": dnumber}
                )
                by_key: dict[str, list[MissedCall]] = {}
                for call in await off_loop(
                    partial(self._missed_calls, rows, start, end, called),
                    rows=len(rows),
                ):
                    by_key.setdefault(call.key, []).append(call)
                for key, group in by_key.items():
                    if len(group) > len(found.get(key, ())):
                        found[key] = group
            calls.extend(call for group in found.values() for call in group)
        calls.sort(key=lambda call: call.time)
        return calls

    def read_called_number(self, written: str) -> str | None:
        """Read a watched called number: E.164 where it is a phone number."""
        return read_number(written, self.country).value

    def _active_calls(self, rows: list[dict[str, Any]]) -> list[ActiveCall]:
        legs: dict[str, list[dict[str, Any]]] = {}
        for call_id, row in self._reader.read_all("calls/active/list", rows, _leg):
            legs.setdefault(call_id, []).append(row)
        return [self._active_call(call_id, rows) for call_id, rows in legs.items()]

    def _missed_calls(
        self,
        rows: list[dict[str, Any]],
        start: datetime,
        end: datetime,
        called: str | None,
    ) -> list[MissedCall]:
        # Releases before 3.14 include `end`, and the bounds were rounded outwards.
        calls = [
            call
            for call in self._reader.read_all(
                "calls/missed/list", rows, partial(self._missed_call, called=called)
            )
            if start <= call.time < end
        ]
        calls.sort(key=lambda call: call.time)
        return calls

    def _scope(self, *, active: bool) -> dict[str, str]:
        """Return the customer parameter; calls/missed/list takes only an id."""
        if not self._customer or not (active or self._customer.isdecimal()):
            return {}
        return {"customer": self._customer}

    async def _call(self, action: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """POST one API action and return the rows of its `data`."""
        for attempt in range(2):
            credentials = await self._credentials()
            reply = await self._post(action, credentials | params)
            try:
                return await off_loop(
                    partial(self._rows, action, reply), size=len(reply.body)
                )
            except ProviderAuthenticationError:
                if attempt or "auth_token" not in credentials:
                    raise
                # The token expired or was revoked before its time: log in again.
                self._token = None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post(self, action: str, form: dict[str, str]) -> Reply:
        return await send(
            self._session,
            "POST",
            self._base / "api" / "json" / f"{action}/",
            service=SERVICE,
            request_timeout=self._timeout,
            clock=self.clock,
            data=form,
        )

    async def _credentials(self) -> dict[str, str]:
        """Return a session token where the server gives one, else the password."""
        if self._use_token:
            async with self._token_lock:
                if self._token is None or time.monotonic() >= self._token_expires:
                    await self._log_in()
            if self._token is not None:
                return {"auth_token": self._token}
        return {"auth_username": self._username, "auth_password": self._password}

    async def _log_in(self) -> None:
        """Ask `user/login` for a token (Enswitch 4.1 and later).

        A server without it (404), or one that wants a second factor (202), is
        polled with the password instead, as before 4.1.
        """
        self._token = None
        reply = await self._post(
            "user/login",
            {
                "auth_username": self._username,
                "auth_password": self._password,
                "token": "1",
            },
        )
        payload = reply.json() if _looks_like_json(reply.body) else None
        code = reply.status
        if isinstance(payload, dict):
            with suppress(ProviderResponseError):
                code = _envelope(payload, reply.status)[0]
        if 404 in (reply.status, code) or code == 202:
            self._use_token = False
            return
        payload = self._checked("user/login", reply)
        data = payload.get("data") if payload else None
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = data[0]
        token = data.get("auth_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            self._use_token = False
            return
        lifetime = data.get("auth_token_expiry") if isinstance(data, dict) else None
        if isinstance(lifetime, str) and lifetime.isdecimal():
            lifetime = int(lifetime)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float):
            lifetime = DEFAULT_TOKEN_LIFETIME
        self._token = token
        self._token_expires = time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN)

    def _rows(self, action: str, reply: Reply) -> list[dict[str, Any]]:
        """Return the rows of a reply's `data`, once its codes are checked."""
        payload = self._checked(action, reply)
        if payload is None:
            return []
        data = payload.get("data")
        if data is None:
            return []
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ProviderResponseError(
                f"{SERVICE} answered {action} with 'data' that is not a list of rows"
            )
        return data

    def _checked(self, action: str, reply: Reply) -> dict[str, Any] | None:
        """Check the HTTP status and the body's own code; either may carry the error."""
        if reply.status in (401, 402, 403) and not _looks_like_json(reply.body):
            self._raise_for(action, reply.status, "", "")
        payload = reply.json() if reply.body.strip() else None
        if payload is None:
            if reply.status in (200, 204):
                return None
            raise ProviderResponseError(
                f"{SERVICE} answered HTTP {reply.status} to {action}"
            )
        if not isinstance(payload, dict):
            raise ProviderResponseError(
                f"{SERVICE} answered {action} with JSON that is not an object"
            )
        code, key, message = _envelope(payload, reply.status)
        for status in (reply.status, code):
            if status >= 400:
                self._raise_for(action, status, key, message)
        return payload

    def _raise_for(self, action: str, status: int, key: str, message: str) -> None:
        detail = self._scrub(" ".join(part for part in (key, message) if part))
        suffix = f": {detail}" if detail else ""
        if status == 401:
            raise ProviderAuthenticationError(
                f"{SERVICE} rejected the username or password{suffix}"
            )
        if status in (402, 403):
            raise ProviderPermissionError(
                f"{SERVICE} does not let this account use {action} ({status}){suffix}"
            )
        if status >= 400:
            raise ProviderResponseError(
                f"{SERVICE} answered {status} to {action}{suffix}"
            )

    def _scrub(self, message: str) -> str:
        """Keep the password and the token out of anything the provider echoes back."""
        for secret in (self._password, self._token):
            if secret:
                message = message.replace(secret, "***")
        return message

    def _missed_call(
        self, row: dict[str, Any], called: str | None = None
    ) -> MissedCall:
        """Read a row: documented with `time` and `callerid` only.

        `called` is the number the rows were asked for; without one, a `dnumber`
        the row may carry beyond the documented fields.
        """
        caller = number(row, self.country, "callerid")
        return MissedCall(
            time=required(unix_time(row, "time"), "time"),
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            caller_name=caller_name(row, caller, "callername", "name"),
            called_number=called or number(row, self.country, "dnumber").value,
            call_id=text(row, "uniqueid", "callid"),
            direction=CallDirection.INBOUND,
        )

    def _active_call(self, call_id: str, legs: list[dict[str, Any]]) -> ActiveCall:
        first = min(
            legs,
            key=lambda leg: (
                unix_time(leg, "start") or datetime.max.replace(tzinfo=UTC)
            ),
        )
        direction = _leg_direction(first)
        return ActiveCall(
            call_id=call_id,
            caller_number=number(first, self.country, "snumber").value,
            called_number=number(first, self.country, "cnumber", "dnumber").value,
            started=unix_time(first, "start"),
            answered=any(unix_time(leg, "answered") for leg in legs),
            direction=direction,
        )


def _dnumbers(written: str, called: str) -> tuple[str, ...]:
    """Return the `dnumber`s to ask for a watched number with.

    As written, without spaces and punctuation; a phone number (`called` in E.164)
    also in the international digits Enswitch writes numbers in (`6491110000`).
    """
    forms = [re.sub(r"[\s().\-/]", "", written)]
    if called.startswith("+"):
        forms.append(called.removeprefix("+"))
    return tuple(dict.fromkeys(form for form in forms if form))


def _looks_like_json(body: bytes) -> bool:
    return body.lstrip()[:1] in (b"{", b"[")


def _envelope(payload: dict[str, Any], http_status: int) -> tuple[int, str, str]:
    """Read code, key and message from `responses[0]`; the code is a string there."""
    responses = payload.get("responses")
    if not isinstance(responses, list) or not responses:
        raise ProviderResponseError(f"{SERVICE} reply has no 'responses' list")
    first = responses[0]
    if not isinstance(first, dict):
        raise ProviderResponseError(
            f"{SERVICE} reply has a malformed 'responses' entry"
        )
    raw_code = first.get("code", http_status)
    try:
        code = int(raw_code)
    except (TypeError, ValueError) as err:
        raise ProviderResponseError(
            f"{SERVICE} reply has a non-numeric response code {raw_code!r}"
        ) from err
    key = first.get("key")
    message = first.get("message")
    return (
        code,
        key if isinstance(key, str) else "",
        message if isinstance(message, str) else "",
    )


def _leg_direction(leg: dict[str, Any]) -> CallDirection | None:
    """Tell which way a leg goes: an inbound group bills calls in, a peer takes out."""
    if text(leg, "ingroup") not in (None, "0"):
        return CallDirection.INBOUND
    if text(leg, "outgroup") not in (None, "0") or text(leg, "peer") not in (None, "0"):
        return CallDirection.OUTBOUND
    return None


def _leg(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a leg of an active call with the id of the call it belongs to."""
    call_id = text(row, "callid", "uniqueid")
    if call_id is None:
        raise UnreadableRowError("callid")
    return call_id, row
