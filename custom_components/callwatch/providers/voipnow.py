"""Client for VoipNow's Unified API (UAPI), with OAuth 2 client credentials."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import time
from typing import Any

import aiohttp
from yarl import URL

from .exceptions import (
    ProviderAuthenticationError,
    ProviderPermissionError,
    ProviderResponseError,
)
from .fields import RowReader, any_time, number, required, text
from .http import Reply, base_url, host_of, send
from .models import Account, ActiveCall, CallDirection, MissedCall

SERVICE = "VoipNow"
# The UAPI's own bounds: at most 5000 rows a page, and a start index below 5000.
PAGE_SIZE = 5000
MAX_START_INDEX = 5000
# A token is replaced this long before the expiry the server gave it.
TOKEN_MARGIN = 60.0
# PhoneCall flow: 2 local, 4 outgoing to the public network, 8 incoming from it.
_FLOWS = {"8": CallDirection.INBOUND, "4": CallDirection.OUTBOUND}
# CDR disposition 3 is NO ANSWER.
_NO_ANSWER = {"3", "NO ANSWER", "NOANSWER", "NO_ANSWER"}


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
        self._country = country
        self._reader = RowReader(SERVICE)
        self._timeout = request_timeout
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def host(self) -> str:
        """Return the host (and port, if not the default) of the API."""
        return host_of(self._base)

    async def account(self) -> Account:
        """Check the app's credentials against both listings the integration needs."""
        await self.active_calls()
        now = datetime.now(UTC)
        await self.missed_calls(now - timedelta(minutes=1), now)
        name = f"{self._client_id}@{self.host}"
        if self.extension != "@self":
            name = f"{name} ({self.extension})"
        return Account(unique_id=f"{name}".lower(), name=name)

    async def active_calls(self) -> list[ActiveCall]:
        """Return the calls in progress: one PhoneCall is one call, whatever its views."""
        path = f"uapi/phoneCalls/{self._user_id}/{self.extension}"
        return self._reader.read_all(
            path, await self._collection(path, {}), self._active_call
        )

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return unanswered incoming calls with start <= time < end, oldest first."""
        params = {
            "startDate": _iso(start),
            "endDate": _iso(end),
            "disposition": "3",
            "flow": "8",
            "sortOrder": "ascending",
        }
        path = f"uapi/cdr/{self._user_id}"
        rows = [
            row
            for row in await self._collection(path, params)
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

    async def _collection(
        self, path: str, params: dict[str, str]
    ) -> list[dict[str, Any]]:
        """GET every page of a collection; `entry` may be a list or keyed by id."""
        entries: list[dict[str, Any]] = []
        start_index = 0
        while True:
            page = await self._get(
                path, params | {"count": str(PAGE_SIZE), "startIndex": str(start_index)}
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
            start_index += len(rows)
            if start_index >= MAX_START_INDEX:
                raise ProviderResponseError(
                    f"{SERVICE} has more rows in {path} than its paging can reach"
                )

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        """GET a UAPI resource with a valid token; None for 204 (nothing)."""
        reply = await self._request("GET", path, params=params)
        payload = self._decoded(path, reply)
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
            caller_number=number(
                first, self._country, "callerId", "callerID", "source"
            ).value,
            called_number=number(first, self._country, "destination").value,
            started=any_time(entry, "published"),
            answered=bool(entry.get("answered"))
            or any(bool(view.get("answered")) for view in views),
            direction=_FLOWS.get(text(first, "flow") or ""),
        )

    def _missed_call(self, row: dict[str, Any]) -> MissedCall:
        caller = number(row, self._country, "callerId", "callerID", "source")
        return MissedCall(
            time=required(
                any_time(row, "startDate", "start", "published", "date"), "startDate"
            ),
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            caller_name=text(row, "callerName", "callerIdName"),
            called_number=number(row, self._country, "destination", "extension").value,
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
