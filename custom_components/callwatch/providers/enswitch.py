"""Client for the Enswitch (Integrics) JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
import math
from typing import Any

import aiohttp

from .exceptions import (
    ProviderAuthenticationError,
    ProviderPermissionError,
    ProviderResponseError,
)
from .fields import text, unix_time
from .http import Reply, base_url, host_of, send
from .models import Account, ActiveCall, CallDirection, MissedCall

SERVICE = "Enswitch"


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
        request_timeout: float = 15.0,
    ) -> None:
        """Keep the connection details; nothing is sent until a method is called.

        `customer` widens what is watched: a customer id, or for active calls only
        "all" (customers directly under the user's) or "recursive" (all below it).
        """
        self._base = base_url(host)
        self._username = username
        self._password = password
        self._session = session
        self._customer = customer
        self._timeout = request_timeout

    @property
    def host(self) -> str:
        """Return the host (and port, if not the default) of the API."""
        return host_of(self._base)

    async def account(self) -> Account:
        """Check the credentials against both endpoints the integration needs."""
        await self.active_calls()
        now = datetime.now(UTC)
        await self.missed_calls(now, now)
        name = f"{self._username}@{self.host}"
        return Account(unique_id=name.lower(), name=name)

    async def active_calls(self) -> list[ActiveCall]:
        """Return the calls in progress, folding their legs by call id."""
        rows = await self._call("calls/active/list", self._scope(active=True))
        legs: dict[str, list[dict[str, Any]]] = {}
        for index, row in enumerate(rows):
            call_id = text(row, "callid") or text(row, "uniqueid")
            if not call_id:
                raise ProviderResponseError(
                    f"{SERVICE} active call row {index} has neither callid nor uniqueid"
                )
            legs.setdefault(call_id, []).append(row)
        return [_active_call(call_id, rows) for call_id, rows in legs.items()]

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return missed calls with start <= time < end (end is exclusive since 3.14)."""
        params = self._scope(active=False) | {
            "start": str(math.floor(start.timestamp())),
            "end": str(math.ceil(end.timestamp())),
            "sort": "time",
            "descending": "0",
        }
        rows = await self._call("calls/missed/list", params)
        # Releases before 3.14 include `end`, and the bounds were rounded outwards.
        calls = [
            call
            for index, row in enumerate(rows)
            if start <= (call := _missed_call(index, row)).time < end
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
        form = {
            "auth_username": self._username,
            "auth_password": self._password,
            **params,
        }
        reply = await send(
            self._session,
            "POST",
            self._base / "api" / "json" / f"{action}/",
            service=SERVICE,
            request_timeout=self._timeout,
            data=form,
        )
        return self._rows(action, reply)

    def _rows(self, action: str, reply: Reply) -> list[dict[str, Any]]:
        """Check the HTTP status and the body's own code; either may carry the error."""
        if reply.status in (401, 402, 403) and not _looks_like_json(reply.body):
            self._raise_for(action, reply.status, "", "")
        payload = reply.json() if reply.body.strip() else None
        if payload is None:
            if reply.status in (200, 204):
                return []
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
        data = payload.get("data")
        if data is None:
            return []
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ProviderResponseError(
                f"{SERVICE} answered {action} with 'data' that is not a list of rows"
            )
        return data

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
        """Keep the password out of anything the provider echoes back."""
        return message.replace(self._password, "***") if self._password else message


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


def _missed_call(index: int, row: dict[str, Any]) -> MissedCall:
    time = unix_time(row, "time")
    if time is None:
        raise ProviderResponseError(
            f"{SERVICE} missed call row {index} has no usable 'time'"
        )
    return MissedCall(
        time=time,
        caller_number=text(row, "callerid"),
        caller_name=text(row, "callername") or text(row, "name"),
        called_number=text(row, "dnumber") or text(row, "cnumber"),
        call_id=text(row, "uniqueid") or text(row, "callid"),
        direction=CallDirection.INBOUND,
    )


def _active_call(call_id: str, legs: list[dict[str, Any]]) -> ActiveCall:
    first = min(
        legs,
        key=lambda leg: (unix_time(leg, "start") or datetime.max.replace(tzinfo=UTC)),
    )
    direction = {"in": CallDirection.INBOUND, "out": CallDirection.OUTBOUND}.get(
        text(first, "direction") or ""
    )
    return ActiveCall(
        call_id=call_id,
        caller_number=text(first, "snumber"),
        called_number=text(first, "cnumber") or text(first, "dnumber"),
        started=unix_time(first, "start"),
        answered=any(unix_time(leg, "answered") for leg in legs),
        direction=direction,
    )
