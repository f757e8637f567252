"""VoipNow's Unified API (UAPI): OAuth 2 client credentials, requests, errors, paging."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
import time
from typing import Any

import aiohttp
from yarl import URL

from .exceptions import (
    ProviderAuthenticationError,
    ProviderPermissionError,
    ProviderResponseError,
)
from .http import Reply, ServerClock, off_loop, send

SERVICE = "VoipNow"
# The UAPI's bounds as 4PSA's own client applies them: `count` and `startIndex` at
# most 4999 (the pages say "lower than 5000").
PAGE_SIZE = 4999
MAX_START_INDEX = 4999
# A token is replaced this long before the expiry the server gave it.
TOKEN_MARGIN = 60.0


class VoipnowUapi:
    """Sends one trusted app's UAPI requests; the secret goes to the token endpoint only."""

    def __init__(
        self,
        base: URL,
        client_id: str,
        client_secret: str,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float,
    ) -> None:
        """Keep the app's credentials; no request is made until one is needed."""
        self._base = base
        self._client_id = client_id
        self._client_secret = client_secret
        self._session = session
        self._timeout = request_timeout
        self.clock = ServerClock()
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def collection(
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
        reply = await self.request("GET", path, params=params)
        payload = await off_loop(
            partial(self.decoded, path, reply), size=len(reply.body)
        )
        if payload is not None and not isinstance(payload, dict):
            raise ProviderResponseError(
                f"{SERVICE} answered {path} without a JSON object"
            )
        return payload

    async def request(
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
                clock=self.clock,
                headers={"Authorization": f"Bearer {token}"},
                json=json,
            )
            if reply.status == 401 and attempt == 0:
                # Expired or revoked before its time: fetch a new token once.
                self._token = None
                continue
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def decoded(self, path: str, reply: Reply, *secrets: str) -> Any:
        """Return a reply's JSON (None when empty) or raise what its error means.

        `secrets` are kept out of the messages along with the app's own.
        """
        if reply.status < 400:
            return reply.json() if reply.body.strip() else None
        payload = error_payload(reply)
        detail = self._scrub(_error(payload), *secrets)
        if reply.status == 401:
            raise ProviderAuthenticationError(f"{SERVICE} refused the app's token")
        if reply.status == 403 or "forbidden" in error_code(payload):
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
            clock=self.clock,
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


def error_payload(reply: Reply) -> Any:
    """Decode an error reply's body if it is JSON; an error page is no JSON."""
    try:
        return reply.json() if reply.body.strip() else None
    except ProviderResponseError:
        return None


def error_code(payload: Any) -> str:
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
