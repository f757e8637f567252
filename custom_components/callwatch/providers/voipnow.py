"""Client for VoipNow's Unified API (UAPI): the account, calls in progress, missed calls.

Besides polling, VoipNow can call a URL of ours as calls ring, are answered and hang up
("Call Events": registered in `voipnow_call_events`, read in `voipnow_push`). What is
documented (4PSA's UnifiedAPI pages and knowledge base, and 4PSA's own MCP server,
github.com/4psa/mcp-voipnow) and what is inferred is said where it is used.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
import itertools
from typing import Any

import aiohttp

from .fields import RowReader, any_time, caller_name, is_a_name, number, required, text
from .http import ServerClock, base_url, host_of, off_loop
from .models import Account, ActiveCall, CallDirection, CallPush, MissedCall
from .numbers import Number, read_number
from .voipnow_call_events import VoipnowCallEvents
from .voipnow_push import (
    CallMemory,
    called_extension,
    parse_call_event,
    short_extension,
)
from .voipnow_uapi import SERVICE, VoipnowUapi

# The call history is read newest first until a page reaches back before the window:
# a first page this small, as a quiet window needs no more, then pages of PAGE_SIZE.
HISTORY_PAGE_SIZE = 100
# `startDate`/`endDate` are local date-times without a zone (as 4PSA's client sends
# them), read in a zone we cannot know: the window asked for is widened by the largest
# UTC offset on each side, and rows are kept by their own stamps.
ZONE_SPREAD = timedelta(hours=14)
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
        self.extension = extension.strip() or "@self"
        self._user_id = user_id
        self.country = country
        self._reader = RowReader(SERVICE)
        self._uapi = VoipnowUapi(
            self._base,
            self._client_id,
            client_secret,
            session=session,
            request_timeout=request_timeout,
        )
        self._call_events = VoipnowCallEvents(self._uapi, user_id, self.extension)
        self._ringing = CallMemory()

    @property
    def host(self) -> str:
        """Return the host (and port, if not the default) of the API."""
        return host_of(self._base)

    @property
    def clock(self) -> ServerClock:
        """Return the server's clock, as its replies show it."""
        return self._uapi.clock

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
        rows = await self._uapi.collection(path, {})
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
        rows = await self._uapi.collection(
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
        return short_extension(read_number(written, self.country).value)

    async def register_call_events(self, url: str) -> str:
        """Have VoipNow POST to `url` as calls ring, are answered and hang up.

        See `VoipnowCallEvents.register`; returns what `remove_call_events` takes.
        """
        return await self._call_events.register(url)

    async def remove_call_events(self, registration: str) -> None:
        """Delete what `register_call_events` registered; what is gone already is fine."""
        await self._call_events.remove(registration)

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
        return account_id in self._call_events.extensions

    def _active_call(self, entry: dict[str, Any]) -> ActiveCall:
        views = _views(entry)
        first = views[0] if views else {}
        return ActiveCall(
            call_id=required(text(entry, "id"), "id"),
            caller_number=self._caller(first).value,
            called_number=called_extension(first, self.country, "destination"),
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
            called_number=called_extension(row, self.country, "extension"),
            call_id=text(row, "id", "callId"),
            direction=CallDirection.INBOUND,
        )


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
