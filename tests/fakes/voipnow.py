"""A fake VoipNow UAPI with OAuth 2 client credentials, following the documented shapes.

- `POST /oauth/token.php` (form: client_id, client_secret, grant_type=client_credentials,
  type=unifiedapi, redirect_uri) -> `{access_token, expires_in, token_type}`; a wrong id or
  secret -> 401 `{"error": "invalid_client"}`.
- `GET /uapi/phoneCalls/{userId}/{extension}` -> `{"entry": [PhoneCall, ...], "totalResults":
  N, "startIndex": i, "itemsPerPage": n}`, 204 when there are none; one PhoneCall may carry
  several `phoneCallView` entries (one per extension that sees the call).
- `GET /uapi/cdr/{userId}` -> the call history, filtered by `startDate`/`endDate` (ISO 8601),
  `disposition`, `flow`; `entry` is keyed by id, as in the vendor's example.
- `count` above 5000 or `startIndex` outside 0..4999: 400 `{"error": {"code", "message"}}`.
- Variations the docs show: `entry` as a list or an object, `callerId` or `callerID`,
  numbers as strings or ints, null fields left out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import itertools
import secrets
import time
from typing import Any

from aiohttp import web

from .server import FaultPlan, misbehave

_ids = itertools.count(1)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status
    )


@dataclass
class FakeVoipnow:
    """State of one fake VoipNow server with one trusted app."""

    client_id: str = "callwatch-app"
    client_secret: str = "vn-client-secret-91b2"
    expires_in: int = 3600
    entry_as_object: bool = False
    caller_key: str = "callerId"
    numbers_as_int: bool = False
    forbidden: bool = False
    phone_calls: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    token_requests: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fault: FaultPlan = field(default_factory=FaultPlan)
    reply_override: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None

    def _number(self, value: str) -> str | int:
        return int(value) if self.numbers_as_int and value.isdigit() else value

    def start_call(
        self,
        caller: str,
        extensions: list[str],
        *,
        flow: int = 8,
        answered: bool = False,
    ) -> str:
        """Start a call seen by one or more extensions (one view each); return its id."""
        call_id = f"b817d2618fe6f18{next(_ids):05d}"
        self.phone_calls.append(
            {
                "id": call_id,
                "extension": extensions[0],
                "published": datetime.now(UTC).isoformat(),
                "answered": answered,
                "phoneCallView": [
                    {
                        "id": f"{call_id}-{index}",
                        "extension": extension,
                        "source": [self._number(caller)],
                        "destination": [self._number(extension.split("*")[-1])],
                        "flow": flow,
                        "status": 5 if answered else 3,
                        self.caller_key: self._number(caller),
                        "answered": answered,
                    }
                    for index, extension in enumerate(extensions)
                ],
            }
        )
        return call_id

    def end_call(self, call_id: str) -> None:
        """Hang up a call."""
        self.phone_calls = [call for call in self.phone_calls if call["id"] != call_id]

    def add_history(
        self,
        when: float,
        caller: str,
        extension: str = "0003*210",
        *,
        disposition: int | str = 3,
        flow: int = 8,
        caller_name: str | None = None,
    ) -> dict[str, Any]:
        """Record a finished call; disposition 3 (NO ANSWER) with flow 8 is missed."""
        row: dict[str, Any] = {
            "id": f"cdr{next(_ids):06d}",
            "startDate": datetime.fromtimestamp(when, UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "extension": extension,
            "source": [self._number(caller)],
            "destination": [self._number(extension.split("*")[-1])],
            self.caller_key: self._number(caller),
            "disposition": disposition,
            "flow": flow,
            "duration": 0,
        }
        if caller_name is not None:
            row["callerName"] = caller_name
        self.history.append(row)
        return row

    def expire_tokens(self) -> None:
        """Revoke every token before its time, as a server restart may."""
        self.tokens.clear()

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application()
        app.router.add_post("/oauth/token.php", self._token)
        app.router.add_get("/uapi/phoneCalls/{user}/{extension}", self._phone_calls)
        app.router.add_get("/uapi/cdr/{user}", self._cdr)
        return app

    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.requests.append(("token", form))
        self.token_requests += 1
        if (faulty := await misbehave(request, self.fault)) is not None:
            return faulty
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("type") != "unifiedapi"
        ):
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        token = secrets.token_hex(16)
        self.tokens[token] = time.time() + self.expires_in
        return web.json_response(
            {
                "access_token": token,
                "expires_in": self.expires_in,
                "token_type": "Bearer",
            }
        )

    async def _authorised(self, request: web.Request) -> web.StreamResponse | None:
        self.requests.append((request.path, dict(request.query)))
        if (faulty := await misbehave(request, self.fault)) is not None:
            return faulty
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if self.tokens.get(token, 0) < time.time():
            return _error(401, "unauthorized", "The access token is invalid or expired")
        if self.forbidden:
            return _error(403, "forbidden", "The app may not access this resource")
        if self.reply_override is not None:
            return await self.reply_override(request)
        try:
            count = int(request.query.get("count", "20"))
            start = int(request.query.get("startIndex", "0"))
        except ValueError:
            return _error(400, "count_invalid", "count must be numeric")
        if not 0 < count <= 5000:
            return _error(400, "count_invalid", "count must be lower than 5000")
        if not 0 <= start < 5000:
            return _error(400, "startindex_invalid", "startIndex must be below 5000")
        return None

    def _page(self, request: web.Request, rows: list[dict[str, Any]]) -> web.Response:
        count = int(request.query.get("count", "20"))
        start = int(request.query.get("startIndex", "0"))
        page = rows[start : start + count]
        entry: Any = {row["id"]: row for row in page} if self.entry_as_object else page
        return web.json_response(
            {
                "entry": entry,
                "startIndex": start,
                "itemsPerPage": len(page),
                "totalResults": len(rows),
            }
        )

    async def _phone_calls(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._authorised(request)) is not None:
            return refused
        extension = request.match_info["extension"]
        rows = [
            call
            for call in self.phone_calls
            if extension == "@self"
            or any(view["extension"] == extension for view in call["phoneCallView"])
        ]
        if not rows:
            return web.Response(status=204)
        return self._page(request, rows)

    async def _cdr(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._authorised(request)) is not None:
            return refused
        query = request.query
        try:
            start = datetime.fromisoformat(query["startDate"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(query["endDate"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return _error(
                400, "filtervalue_invalid", "startDate and endDate are ISO dates"
            )
        rows = [
            row
            for row in self.history
            if start
            <= datetime.fromisoformat(row["startDate"].replace("Z", "+00:00"))
            <= end
            and (
                "disposition" not in query
                or str(row["disposition"]) == query["disposition"]
            )
            and ("flow" not in query or str(row["flow"]) == query["flow"])
        ]
        rows.sort(key=lambda row: str(row["startDate"]))
        if not rows:
            return web.Response(status=204)
        return self._page(request, rows)
