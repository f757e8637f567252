"""A fake Enswitch JSON API that follows the vendor's documented shapes and quirks.

- `/api/json/<category>/<action>/` (e.g. `calls/missed/list`), GET or POST, parameters in the query or the body.
- The envelope `{"responses": [{"code": "200", "key": "", "message": "OK"}], "data": ...}`,
  the code a string.
- Whether the HTTP status mirrors the body's code is undocumented, so the fake can do both.
- `calls/missed/list` filters `start <= time < end` (end is exclusive since 3.14; older
  releases include it), defaults to the whole history, and counts such unbounded queries.
  It filters by destination too, `dtype` and `dnumber` (an empty string for any, the
  default; the number compared as written), and counts the queries that leave out any of
  the four inputs the page recommends (`start`, `end`, `dtype`, `dnumber`). Its rows are
  what the page documents, `time` (an integer) and `callerid` only: a call's destination
  filters but is not in its row unless `rows_show_destination` (source:
  tests/fixtures/vendor/enswitch-calls-missed-list.json).
- `calls/active/list` answers one row per call leg.
- Every reply is dated by the server's clock, `clock_offset` seconds ahead of the test's
  (calls are added with the server's times); `dates_replies` False sends no usable date.
- `user/login` with `token=1` gives a session token (4.1 and later), passed as `auth_token`
  instead of the username and password; 401 once it expires. The fake can also answer as a
  server before 4.1 (no such action) or one that asks for a second factor (code 202).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import itertools
import secrets
import time
from typing import Any, Literal

from aiohttp import web

from .server import FaultPlan, dated, misbehave

_ids = itertools.count(1)


@dataclass
class FakeEnswitch:
    """State of one fake Enswitch system with a single account."""

    username: str = "alice"
    password: str = "correct horse battery"
    status_mirrors_code: bool = True
    end_inclusive: bool = False
    active_role: bool = True
    missed_role: bool = True
    missed: list[dict[str, Any]] = field(default_factory=list)
    legs: list[dict[str, Any]] = field(default_factory=list)
    fault: FaultPlan = field(default_factory=FaultPlan)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    query_strings: list[str] = field(default_factory=list)
    unbounded_missed_queries: int = 0
    # calls/missed/list queries without all of start, end, dtype and dnumber.
    unnarrowed_missed_queries: int = 0
    # Add `dtype` and `dnumber` to missed-call rows (undocumented; off as documented).
    rows_show_destination: bool = False
    # Answer every authenticated request with this handler instead (malformed replies).
    reply_override: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None
    # Send replies chunked, without a Content-Length.
    chunked: bool = False
    # Seconds the server's clock, which dates its replies, is ahead of the test's.
    clock_offset: float = 0.0
    dates_replies: bool = True
    # `user/login` with token=1 (4.1 and later): "token", "absent" (before 4.1) or "2fa".
    login: str = "token"
    token_lifetime: int = 3600
    tokens: dict[str, float] = field(default_factory=dict)
    # Each missed call's (dtype, dnumber), by the id of its row.
    _destinations: dict[int, tuple[str, str]] = field(default_factory=dict)

    def add_missed_call(
        self,
        when: float,
        callerid: str,
        *,
        destination: str | None = None,
        dtype: str = "phone",
        **extra: Any,
    ) -> dict[str, Any]:
        """Record a missed call at Unix time `when` to a destination.

        The row holds `time` and `callerid` as documented, and `extra` fields beyond
        them if a test gives some. The destination (`dtype`, and the number called)
        filters queries, kept beside the row: `destination`, else a `dnumber` the test
        put in the row.
        """
        row = {"time": int(when), "callerid": callerid, **extra}
        self.missed.append(row)
        called = destination if destination is not None else extra.get("dnumber", "")
        self._destinations[id(row)] = (dtype, str(called))
        return row

    def start_call(
        self,
        snumber: str,
        cnumber: str,
        *,
        legs: int = 1,
        callid: str | None = None,
        direction: Literal["in", "out", "internal"] = "in",
    ) -> str:
        """Start a call with one or more legs; return its callid.

        The way a call goes shows as Enswitch shows it: an inbound call is billed to
        an inbound group, an outbound one goes to a peer through an outbound group.
        """
        callid = callid or f"call-{next(_ids)}"
        now = int(time.time())
        for leg in range(legs):
            self.legs.append(
                {
                    "ingroup": 3 if direction == "in" else 0,
                    "outgroup": 7 if direction == "out" else 0,
                    "peer": 12 if direction == "out" else 0,
                    "uniqueid": f"{now}.{next(_ids)}",
                    "callid": callid,
                    "start": now,
                    "answered": 0,
                    "snumber": snumber,
                    "cnumber": cnumber,
                    "dnumber": cnumber if leg == 0 else f"{cnumber}-{leg}",
                    "status": "ringing",
                    "channel": f"SIP/{snumber}-{leg:08x}",
                    "machine": 1,
                    "recording": "",
                }
            )
        return callid

    def answer_call(self, callid: str) -> None:
        """Mark every leg of a call answered."""
        for leg in self.legs:
            if leg["callid"] == callid:
                leg["answered"] = int(time.time())
                leg["status"] = "up"

    def end_call(self, callid: str) -> None:
        """Hang up every leg of a call."""
        self.legs = [leg for leg in self.legs if leg["callid"] != callid]

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application(middlewares=[dated(self)])
        app.router.add_route("*", "/api/json/{action:.+}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params: dict[str, str] = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        action = request.match_info["action"].strip("/")
        self.requests.append((action, params))
        self.query_strings.append(request.query_string)
        if (faulty := await misbehave(request, self.fault)) is not None:
            return faulty
        if action == "user/login" and self.login != "absent":
            return self._log_in(params)
        token = params.get("auth_token")
        if token is not None:
            if self.tokens.get(token, 0) < time.time():
                return self._answer(401, "auth", "The token is expired or invalid")
        elif (
            params.get("auth_username") != self.username
            or params.get("auth_password") != self.password
        ):
            return self._answer(401, "auth", "Authentication failed")
        if self.reply_override is not None:
            return await self.reply_override(request)
        response = self._route(action, params)
        if not self.chunked:
            return response
        streamed = web.StreamResponse(status=response.status)
        streamed.content_type = "application/json"
        streamed.enable_chunked_encoding()
        await streamed.prepare(request)
        assert isinstance(response.body, bytes)
        await streamed.write(response.body)
        await streamed.write_eof()
        return streamed

    def _route(self, action: str, params: dict[str, str]) -> web.Response:
        if action == "calls/active/list":
            if not self.active_role:
                return self._answer(402, "role", "Your role does not allow this")
            return self._answer(200, data=list(self.legs))
        if action == "calls/missed/list":
            if not self.missed_role:
                return self._answer(402, "role", "Your role does not allow this")
            return self._answer(200, data=self._missed(params))
        return self._answer(404, "action", f"No such action {action}")

    def expire_tokens(self) -> None:
        """Revoke every token before its time."""
        self.tokens.clear()

    def _log_in(self, params: dict[str, str]) -> web.Response:
        if (
            params.get("auth_username") != self.username
            or params.get("auth_password") != self.password
        ):
            return self._answer(401, "auth", "Authentication failed")
        if self.login == "2fa":
            return self._answer(
                202,
                data={
                    "totp_required": True,
                    "totp_token": "t",
                    "username": self.username,
                },
            )
        token = secrets.token_hex(16)
        expires = time.time() + self.token_lifetime
        self.tokens[token] = expires
        return self._answer(
            200,
            data={
                "auth_token": token,
                "auth_token_expiry": self.token_lifetime,
                "auth_token_expires": int(expires),
            },
        )

    def _missed(self, params: dict[str, str]) -> list[dict[str, Any]]:
        if "start" not in params or "end" not in params:
            self.unbounded_missed_queries += 1
        if not {"start", "end", "dtype", "dnumber"} <= params.keys():
            self.unnarrowed_missed_queries += 1
        start = int(params.get("start", 0))
        end = int(params.get("end", time.time()))
        dtype = params.get("dtype", "")
        dnumber = params.get("dnumber", "")
        rows = [
            self._shown(row)
            for row in self.missed
            if self._goes_to(row, dtype, dnumber)
            and start <= int(row["time"])
            and (
                int(row["time"]) <= end
                if self.end_inclusive
                else int(row["time"]) < end
            )
        ]
        sort = params.get("sort", "time")
        rows.sort(
            key=lambda row: str(row[sort]).zfill(20),
            reverse=params.get("descending") == "1",
        )
        return rows

    def _goes_to(self, row: dict[str, Any], dtype: str, dnumber: str) -> bool:
        to_type, to_number = self._destinations.get(id(row), ("", ""))
        return dtype in ("", to_type) and dnumber in ("", to_number)

    def _shown(self, row: dict[str, Any]) -> dict[str, Any]:
        if not self.rows_show_destination or id(row) not in self._destinations:
            return row
        dtype, dnumber = self._destinations[id(row)]
        return {"dtype": dtype, "dnumber": dnumber, **row}

    def _answer(
        self, code: int, key: str = "", message: str = "OK", data: Any = None
    ) -> web.Response:
        body: dict[str, Any] = {
            "responses": [{"code": str(code), "key": key, "message": message}]
        }
        if data is not None:
            body["data"] = data
        return web.json_response(body, status=code if self.status_mirrors_code else 200)
