"""A fake VoipNow UAPI with OAuth 2 client credentials, following the documented shapes.

- `POST /oauth/token.php` (form: client_id, client_secret, grant_type=client_credentials,
  type=unifiedapi, redirect_uri) -> `{access_token, expires_in, token_type}`; a wrong id or
  secret -> 401 `{"error": "invalid_client"}`.
- `GET /uapi/phoneCalls/{userId}/{extension}` -> `{"entry": [PhoneCall, ...], "totalResults":
  N, "startIndex": i, "itemsPerPage": n}`, 204 when there are none; one PhoneCall may carry
  several `phoneCallView` entries (one per extension that sees the call).
- `GET /uapi/cdr/{userId}` -> the call history, filtered by `startDate`/`endDate`,
  `disposition`, `flow`, sorted by `sortOrder` (ascending unless told); `entry` is keyed by
  id, as in the vendor's example. The dates are local date-times without a zone, as
  4PSA's own client sends them (`2024-10-05T00:00:00`), read in the server's `zone`;
  how a server reads a zone written after them is not documented, and this one reads
  the date-time's digits in its own zone whatever follows them (inferred, the worst
  case). Rows are stamped with their offset from UTC in that zone.
- `count` or `startIndex` above 4999 (the pages: "lower than 5000"; 4PSA's client caps
  both at 4999), or `count` below 1: 400 `{"error": {"code", "message"}}`.
- `clock_offset`: how far the server's clock is ahead of ours (behind if negative), for
  the history's stamps and the `Date` of every reply; Call Events carry no time.
  `dates_replies` False sends no usable date.
- Variations the docs show: `entry` as a list or an object, `callerId` or `callerID`,
  numbers as strings or ints, null fields left out.
- `GET /uapi/extensions/{userId}/{extension}/presence` -> the user's phone extensions
  (`@self` lists them all), each `{"extension": "0003*210", "status", "registration"}`.
- Call Events, `/uapi/extensions/{userId}/{extension}/phoneCallEvents[/{type}[/{id}]]`:
  GET lists, POST adds (JSON `type`, `method`, `url`, `status`, `note`; the type may also
  come in the path, as the v5 pages write it), PUT updates, DELETE deletes. A
  PhoneCallEvent is `{type, id, method, note, url, status, modified, links}`, numbers
  written as strings. Types: 0 Dial-In, 1 Dial-Out, 2 Hangup, 3 Answer on incoming call,
  4 Answer on outgoing call; method 0 GET, 1 POST; status 0 disabled, 1 enabled.
  Refused as the docs say: `@self` or an unknown extension -> 400 `extension_invalid`,
  a bad type -> 400 `pcet_type_invalid`, a bad method -> 400 `pce_method_invalid`, an
  unknown event id -> 400 `pce_id_invalid`. The docs' table is cut off after the method;
  `pce_url_invalid` (missing or non-http(s) URL), `pce_status_invalid` and
  `request_invalid` (a body that is not a JSON object) are our guesses in their style.
  `call_events_forbidden` answers 403 as for an app without the permission.
- The callbacks: `ring`, `answer` and `hang_up` move a call along and `deliver` calls
  every enabled URL registered for that event on that extension, with the documented
  parameters (CallID, CallerIDNum, CallerIDName, CalledDID, CalledExtension, CallStatus,
  CallFlow, CallerExtension, CalledNumber) in the query (GET) or a form body (POST).
  CallStatus is CALLING when a call rings and ANSWER, NOANSWER, BUSY, CANCEL, CONGESTION
  or CHANUNAVAIL when it hangs up (documented); what the Answer events send is not, and
  the fake sends ANSWER.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
import itertools
import secrets
import time
from typing import Any, Literal

import aiohttp
from aiohttp import web
from yarl import URL

from .server import FaultPlan, dated, misbehave

_ids = itertools.count(1)
# PhoneCallEvent types: Dial-In, Dial-Out, Hangup, Answer (incoming), Answer (outgoing).
DIAL_IN, DIAL_OUT, HANGUP, ANSWER_IN, ANSWER_OUT = "0", "1", "2", "3", "4"
EVENT_TYPES = (DIAL_IN, DIAL_OUT, HANGUP, ANSWER_IN, ANSWER_OUT)
# `count` and `startIndex` must be lower than this.
MAX_COUNT = 5000


@dataclass(frozen=True)
class Delivery:
    """One callback the fake made: where, how, with what, and what it was answered."""

    url: str
    method: str
    params: dict[str, str]
    status: int | None


@dataclass
class _LiveCall:
    """What the fake remembers of a call it rings, for the callbacks that follow."""

    extension: str
    remote: str
    outgoing: bool
    params: dict[str, str]
    started: float
    answered: bool = False


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
    # The zone the server reads zone-less dates in and stamps its rows in.
    zone: tzinfo = UTC
    # Seconds the server's clock is ahead of ours.
    clock_offset: float = 0.0
    dates_replies: bool = True
    # False: the history comes oldest first whatever `sortOrder` asks.
    honours_sort_order: bool = True
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
    # The user's phone extensions, as the presence listing gives them.
    extensions: list[str] = field(default_factory=lambda: ["0003*210", "0003*211"])
    # PhoneCallEvents per extension.
    call_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    call_events_forbidden: bool = False
    # VoipNow 3's pages know only types 0 to 2; False refuses the Answer events.
    answer_events: bool = True
    # What a POST that adds an event answers: the resource, `[{"id"}]`, or 204.
    create_reply: Literal["resource", "list", "empty"] = "resource"
    # "CallerIDNam" is how the knowledge-base article spells it.
    caller_name_key: str = "CallerIDName"
    event_requests: list[tuple[str, str]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    live: dict[str, _LiveCall] = field(default_factory=dict)

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

    def answer_call(self, call_id: str) -> None:
        """Mark a call and its views answered."""
        for phone_call in self.phone_calls:
            if phone_call["id"] == call_id:
                phone_call["answered"] = True
                for view in phone_call["phoneCallView"]:
                    view.update(answered=True, status=5)

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
        """Record a finished call; disposition 3 (NO ANSWER) with flow 8 is missed.

        `when` is by the server's clock.
        """
        row: dict[str, Any] = {
            "id": f"cdr{next(_ids):06d}",
            "startDate": datetime.fromtimestamp(int(when), self.zone).isoformat(),
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

    def add_call_event(
        self, extension: str, event_type: str, url: str, *, method: str = "1"
    ) -> str:
        """Register a callback as someone else (the web interface, say) would."""
        event_id = secrets.token_hex(15)
        self.call_events.setdefault(extension, []).append(
            self._event(extension, event_type, event_id, url, method, "1", "")
        )
        return event_id

    async def ring(
        self,
        remote: str,
        extension: str = "0003*210",
        *,
        outgoing: bool = False,
        caller_name: str | None = None,
        did: str = "",
    ) -> str:
        """Ring a call on an extension (incoming from or outgoing to `remote`).

        Starts the PhoneCall and delivers Dial-In or Dial-Out; returns the call id.
        Without a name Asterisk passes the number as CallerIDName, and so does this.
        """
        call_id = self.start_call(remote, [extension], flow=4 if outgoing else 8)
        if outgoing:
            params = {
                "CallerIDNum": extension.split("*")[-1],
                self.caller_name_key: caller_name or extension,
                "CalledDID": "",
                "CalledExtension": "",
                "CallFlow": "OUT",
                "CallerExtension": extension,
                "CalledNumber": remote,
            }
        else:
            params = {
                "CallerIDNum": remote,
                self.caller_name_key: caller_name or remote,
                "CalledDID": did,
                "CalledExtension": extension,
                "CallFlow": "IN",
                "CallerExtension": "",
                "CalledNumber": did or extension,
            }
        params["CallID"] = call_id
        self.live[call_id] = _LiveCall(extension, remote, outgoing, params, time.time())
        await self.deliver(
            extension,
            DIAL_OUT if outgoing else DIAL_IN,
            params | {"CallStatus": "CALLING"},
        )
        return call_id

    async def answer(self, call_id: str) -> None:
        """Answer a ringing call and deliver the Answer event for its direction."""
        call = self.live[call_id]
        call.answered = True
        self.answer_call(call_id)
        await self.deliver(
            call.extension,
            ANSWER_OUT if call.outgoing else ANSWER_IN,
            call.params | {"CallStatus": "ANSWER"},
        )

    async def hang_up(self, call_id: str, status: str | None = None) -> None:
        """End a call: record it in the history and deliver Hangup.

        `status` is the Hangup's CallStatus; ANSWER or NOANSWER unless given.
        """
        call = self.live.pop(call_id)
        status = status or ("ANSWER" if call.answered else "NOANSWER")
        self.end_call(call_id)
        # The history stamps a call with when it began, by the server's clock.
        self.add_history(
            call.started + self.clock_offset,
            call.remote,
            call.extension,
            disposition=0 if call.answered else 3,
            flow=4 if call.outgoing else 8,
        )
        await self.deliver(call.extension, HANGUP, call.params | {"CallStatus": status})

    async def deliver(
        self, extension: str, event_type: str, params: Mapping[str, str]
    ) -> list[Delivery]:
        """Call every enabled URL registered for this event on this extension."""
        targets = [
            event
            for event in self.call_events.get(extension, [])
            if event["type"] == event_type and event["status"] == "1"
        ]
        if not targets:
            return []
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=5)
        ) as session:
            made = [await self._call(session, event, dict(params)) for event in targets]
        self.deliveries.extend(made)
        return made

    @staticmethod
    async def _call(
        session: aiohttp.ClientSession, event: dict[str, Any], params: dict[str, str]
    ) -> Delivery:
        url = URL(event["url"])
        try:
            if event["method"] == "1":
                response = await session.post(url, data=params)
                method = "POST"
            else:
                response = await session.get(url.extend_query(params))
                method = "GET"
            async with response:
                await response.read()
                return Delivery(str(url), method, params, response.status)
        except (aiohttp.ClientError, TimeoutError):
            return Delivery(
                str(url), "POST" if event["method"] == "1" else "GET", params, None
            )

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application(middlewares=[dated(self)])
        app.router.add_post("/oauth/token.php", self._token)
        app.router.add_get("/uapi/phoneCalls/{user}/{extension}", self._phone_calls)
        app.router.add_get("/uapi/cdr/{user}", self._cdr)
        app.router.add_get(
            "/uapi/extensions/{user}/{extension}/presence", self._presence
        )
        events = "/uapi/extensions/{user}/{extension}/phoneCallEvents"
        for path in (events, f"{events}/{{type}}", f"{events}/{{type}}/{{id}}"):
            app.router.add_route("*", path, self._call_events)
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
        if not 0 < count < MAX_COUNT:
            return _error(400, "count_invalid", "count must be lower than 5000")
        if not 0 <= start < MAX_COUNT:
            return _error(400, "startindex_invalid", "startIndex must be below 5000")
        return None

    def _page(self, request: web.Request, rows: list[dict[str, Any]]) -> web.Response:
        """Return a page of `rows` as the UAPI does; no rows at all is a 204."""
        if not rows:
            return web.Response(status=204)
        count = int(request.query.get("count", "20"))
        start = int(request.query.get("startIndex", "0"))
        page = rows[start : start + count]
        entry: Any = (
            {row.get("id", row.get("extension")): row for row in page}
            if self.entry_as_object
            else page
        )
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
        return self._page(request, rows)

    async def _cdr(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._authorised(request)) is not None:
            return refused
        query = request.query
        try:
            start = self._local_date(query["startDate"])
            end = self._local_date(query["endDate"])
        except (KeyError, ValueError):
            return _error(
                400, "filtervalue_invalid", "startDate and endDate are ISO dates"
            )
        if query.get("sortOrder", "ascending") not in ("ascending", "descending"):
            return _error(
                400, "sortorder_invalid", "sortOrder is ascending or descending"
            )
        rows = [
            row
            for row in self.history
            if start <= _stamp(row) <= end
            and (
                "disposition" not in query
                or str(row["disposition"]) == query["disposition"]
            )
            and ("flow" not in query or str(row["flow"]) == query["flow"])
        ]
        rows.sort(
            key=_stamp,
            reverse=self.honours_sort_order and query.get("sortOrder") == "descending",
        )
        return self._page(request, rows)

    def _local_date(self, value: str) -> datetime:
        """Read a date-time's digits in the server's zone, whatever zone follows."""
        digits = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return digits.replace(tzinfo=self.zone)

    async def _presence(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._authorised(request)) is not None:
            return refused
        extension = request.match_info["extension"]
        if extension != "@self" and extension not in self.extensions:
            return _extension_invalid()
        rows = [
            {
                "status": "1",
                "extension": number,
                "registration": [{"agent": "Fake phone", "registration": "1"}],
            }
            for number in self.extensions
            if extension in ("@self", number)
        ]
        return self._page(request, rows)

    async def _call_events(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._authorised(request)) is not None:
            return refused
        self.event_requests.append((request.method, request.path))
        if self.call_events_forbidden:
            return _error(403, "forbidden", "The app may not manage phone call events")
        extension = request.match_info["extension"]
        if extension not in self.extensions:
            # @self included: the docs say it cannot be used here.
            return _extension_invalid()
        event_type = request.match_info.get("type")
        if event_type is not None and not self._known_type(event_type):
            return _type_invalid()
        event_id = request.match_info.get("id")
        events = self.call_events.setdefault(extension, [])
        chosen = [
            event
            for event in events
            if event_type in (None, event["type"]) and event_id in (None, event["id"])
        ]
        if request.method == "GET":
            return self._page(request, chosen)
        if request.method == "POST" and event_id is None:
            return await self._add_event(request, extension, event_type)
        if request.method in ("PUT", "DELETE") and event_id is not None and not chosen:
            return _error(
                400,
                "pce_id_invalid",
                "No phone call event of that type has this id",
            )
        if request.method == "PUT" and event_id is not None:
            return await self._update_event(request, chosen[0])
        if request.method == "DELETE":
            self.call_events[extension] = [
                event for event in events if event not in chosen
            ]
            if not chosen:
                return web.Response(status=204)
            return web.json_response([{"id": event["id"]} for event in chosen])
        return _error(501, "request_not_implemented", "Not implemented")

    def _known_type(self, event_type: str) -> bool:
        return event_type in EVENT_TYPES and (
            self.answer_events or event_type not in (ANSWER_IN, ANSWER_OUT)
        )

    async def _add_event(
        self, request: web.Request, extension: str, path_type: str | None
    ) -> web.StreamResponse:
        body = await _json_object(request)
        if body is None:
            return _error(400, "request_invalid", "The body is not a JSON object")
        event_type = _field(body, "type") or path_type
        if event_type is None or not self._known_type(event_type):
            return _type_invalid()
        values = {"method": "0", "status": "1"} | {
            key: value
            for key in ("method", "status", "url", "note")
            if (value := _field(body, key)) is not None
        }
        if (refused := _refused_values(values)) is not None:
            return refused
        event_id = secrets.token_hex(15)
        event = self._event(
            extension,
            event_type,
            event_id,
            values["url"],
            values["method"],
            values["status"],
            values.get("note", ""),
        )
        self.call_events.setdefault(extension, []).append(event)
        if self.create_reply == "empty":
            return web.Response(status=204)
        if self.create_reply == "list":
            return web.json_response([{"id": event_id}])
        return web.json_response(event)

    async def _update_event(
        self, request: web.Request, event: dict[str, Any]
    ) -> web.StreamResponse:
        body = await _json_object(request)
        if body is None:
            return _error(400, "request_invalid", "The body is not a JSON object")
        values = {key: event[key] for key in ("method", "status", "url")} | {
            key: value
            for key in ("method", "status", "url", "note")
            if (value := _field(body, key)) is not None
        }
        if (refused := _refused_values(values)) is not None:
            return refused
        event.update(values, modified=datetime.now(UTC).isoformat(timespec="seconds"))
        return web.json_response([{"id": event["id"]}])

    def _event(
        self,
        extension: str,
        event_type: str,
        event_id: str,
        url: str,
        method: str,
        status: str,
        note: str,
    ) -> dict[str, Any]:
        return {
            "type": event_type,
            "id": event_id,
            "method": method,
            "note": note,
            "url": url,
            "status": status,
            "modified": datetime.now(UTC).isoformat(timespec="seconds"),
            "links": {
                "self": f"/uapi/extensions/@me/{extension}/phoneCallEvents/"
                f"{event_type}/{event_id}"
            },
        }


def _stamp(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(row["startDate"]).replace("Z", "+00:00"))


def _extension_invalid() -> web.Response:
    return _error(
        400,
        "extension_invalid",
        "The extension is not one of the user's (and @self is not allowed here)",
    )


def _type_invalid() -> web.Response:
    return _error(
        400,
        "pcet_type_invalid",
        "The event type is missing or not one this server knows",
    )


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _field(body: dict[str, Any], key: str) -> str | None:
    """Read a field the docs write as a string, accepting a JSON number too."""
    value = body.get(key)
    if isinstance(value, bool) or value is None:
        return None
    return str(value)


def _refused_values(values: dict[str, str]) -> web.Response | None:
    if values["method"] not in ("0", "1"):
        return _error(
            400,
            "pce_method_invalid",
            "The method must be 0 (GET) or 1 (POST)",
        )
    url = values.get("url", "")
    try:
        parsed = URL(url)
    except ValueError:
        parsed = URL()
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return _error(
            400,
            "pce_url_invalid",
            "The URL is missing or not an http(s) address",
        )
    if values["status"] not in ("0", "1"):
        return _error(
            400,
            "pce_status_invalid",
            "The status must be 0 (disabled) or 1 (enabled)",
        )
    return None
