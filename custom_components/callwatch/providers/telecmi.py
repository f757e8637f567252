"""Client for TeleCMI's CHUB APIs: India (piopiy, v1) and global (rest, v2).

TeleCMI has no endpoint that lists calls in progress: those come as webhook pushes,
which `parse_push` turns into `CallPush` models.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
import math
from typing import Any

import aiohttp

from .exceptions import (
    ProviderAuthenticationError,
    ProviderPermissionError,
    ProviderResponseError,
)
from .fields import RowReader, caller_name, number, required, text, unix_time
from .http import base_url, off_loop, send
from .models import Account, ActiveCall, CallDirection, CallPush, MissedCall
from .numbers import Number, read_number

SERVICE = "TeleCMI"
# A window with more pages than this (50,000 rows on CHUB India, 20,000 on global) is
# refused rather than paged forever.
MAX_PAGES = 1000


class TelecmiRegion(StrEnum):
    """Which of TeleCMI's two API families the account lives in."""

    INDIA = "india"
    GLOBAL = "global"


BASE_URLS = {
    TelecmiRegion.INDIA: "https://piopiy.telecmi.com/v1",
    TelecmiRegion.GLOBAL: "https://rest.telecmi.com/v2",
}
# The secret's field name, the outgoing-missed path, and the page size of each family
# (CHUB global allows at most 20 rows a page).
_SECRET_FIELD = {TelecmiRegion.INDIA: "token", TelecmiRegion.GLOBAL: "secret"}
_OUT_MISSED = {TelecmiRegion.INDIA: "outmissed", TelecmiRegion.GLOBAL: "out_missed"}
_PAGE_SIZE = {TelecmiRegion.INDIA: 50, TelecmiRegion.GLOBAL: 20}
_COUNTRY = {TelecmiRegion.INDIA: "IN"}
# 404 is TeleCMI's answer to a wrong app id or secret; PIOPIY answers 407.
_AUTH_FAILED = (404, 407)
_DIRECTIONS = {
    "inbound": CallDirection.INBOUND,
    "incoming": CallDirection.INBOUND,
    "in": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "outgoing": CallDirection.OUTBOUND,
    "out": CallDirection.OUTBOUND,
}
# A stated wait longer than this is not one: the push is taken at its own time.
_LONGEST_WAIT = timedelta(days=1)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class TelecmiClient:
    """Talks to one TeleCMI app; the app id and secret travel in JSON bodies only."""

    provider = "telecmi"
    manufacturer = "TeleCMI"
    supports_active_calls = False

    def __init__(
        self,
        region: TelecmiRegion | str,
        app_id: str,
        secret: str,
        *,
        session: aiohttp.ClientSession,
        api_url: str | None = None,
        country: str | None = None,
        request_timeout: float = 15.0,
    ) -> None:
        """Keep the app's details; `api_url` replaces the family's base URL.

        `country` (ISO 3166 alpha-2) reads numbers written in national form; on
        CHUB India, an Indian system, numbers in national form are Indian.
        """
        self.region = TelecmiRegion(region)
        self.model = f"CHUB {self.region.value.capitalize()}"
        self._base = base_url(api_url or BASE_URLS[self.region])
        self.app_id = app_id.strip()
        self._secret = secret
        self._session = session
        self.country = _COUNTRY.get(self.region, country)
        self._reader = RowReader(SERVICE)
        self._timeout = request_timeout

    async def account(self) -> Account:
        """Check the app id and secret with a one-row query of incoming missed calls."""
        now = datetime.now(UTC)
        await self._page("missed", now, now, page=1, limit=1)
        return Account(unique_id=self.account_id, name=f"TeleCMI {self.app_id}")

    @property
    def account_id(self) -> str:
        """Return the region and the app id: the same app whatever address it has."""
        return f"{self.region.value}_{self.app_id}".lower()

    async def active_calls(self) -> list[ActiveCall]:
        """TeleCMI cannot list calls in progress; they come by webhook."""
        raise NotImplementedError("TeleCMI reports calls in progress by webhook only")

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return incoming and outgoing missed calls with start <= time < end."""
        calls = [
            *await self._all_pages("missed", CallDirection.INBOUND, start, end),
            *await self._all_pages(
                _OUT_MISSED[self.region], CallDirection.OUTBOUND, start, end
            ),
        ]
        calls = [call for call in calls if start <= call.time < end]
        calls.sort(key=lambda call: call.time)
        return calls

    def read_called_number(self, written: str) -> str | None:
        """Read a watched called number: E.164 where it is a phone number."""
        return read_number(written, self.country).value

    def parse_push(self, payload: Any, now: datetime | None = None) -> CallPush | None:
        """Read a webhook push; None for a push that says nothing about a call.

        TeleCMI's pushes carry their own time; `now` is not used. A push without an
        app id (TeleCMI's older CDRs) came to this app's own secret address: it is
        this app's.
        """
        return parse_push(payload, self.country, app_id=self.app_id)

    def owns_account(self, account_id: str) -> bool:
        """Return whether a push for this app id is for this app."""
        return account_id == self.app_id

    async def _all_pages(
        self, path: str, direction: CallDirection, start: datetime, end: datetime
    ) -> list[MissedCall]:
        limit = _PAGE_SIZE[self.region]
        rows: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            total, cdr = await self._page(path, start, end, page=page, limit=limit)
            rows.extend(cdr)
            if len(rows) >= total or len(cdr) < limit:
                break
        else:
            raise ProviderResponseError(
                f"{SERVICE} has more than {MAX_PAGES * limit} rows in /{path} "
                "for one window"
            )
        return await off_loop(
            partial(
                self._reader.read_all,
                f"/{path}",
                rows,
                lambda row: _missed_call(row, direction, self.country),
            ),
            rows=len(rows),
        )

    async def _page(
        self, path: str, start: datetime, end: datetime, *, page: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """POST one page of a listing; return the total it reports and its rows."""
        body = {
            "appid": int(self.app_id) if self.app_id.isdecimal() else self.app_id,
            _SECRET_FIELD[self.region]: self._secret,
            "start_date": math.floor(start.timestamp() * 1000),
            "end_date": math.ceil(end.timestamp() * 1000),
            "page": page,
            "limit": limit,
        }
        reply = await send(
            self._session,
            "POST",
            self._base / path,
            service=SERVICE,
            request_timeout=self._timeout,
            json=body,
        )
        if reply.status in _AUTH_FAILED:
            raise ProviderAuthenticationError(
                f"{SERVICE} rejected the app id or secret"
            )
        if reply.status == 403:
            raise ProviderPermissionError(
                f"{SERVICE} does not let this app use /{path}"
            )
        payload = reply.json() if reply.body.strip() else None
        if reply.status >= 400:
            raise ProviderResponseError(
                f"{SERVICE} answered {reply.status} to /{path}{_detail(payload, self._secret)}"
            )
        if not isinstance(payload, dict):
            raise ProviderResponseError(
                f"{SERVICE} answered /{path} without a JSON object"
            )
        code = payload.get("code")
        if code is not None and str(code).isdecimal() and int(code) in _AUTH_FAILED:
            raise ProviderAuthenticationError(
                f"{SERVICE} rejected the app id or secret"
            )
        if code is not None and str(code).isdecimal() and int(code) >= 400:
            raise ProviderResponseError(
                f"{SERVICE} answered code {code} to /{path}{_detail(payload, self._secret)}"
            )
        cdr = payload.get("cdr", [])
        if not isinstance(cdr, list) or not all(isinstance(row, dict) for row in cdr):
            raise ProviderResponseError(
                f"{SERVICE} answered /{path} with 'cdr' that is not a list of rows"
            )
        total = payload.get("total", payload.get("count", len(cdr)))
        if isinstance(total, str) and total.isdecimal():
            total = int(total)
        if isinstance(total, bool) or not isinstance(total, int):
            raise ProviderResponseError(
                f"{SERVICE} answered /{path} with a non-numeric total {total!r}"
            )
        return total, cdr


def _detail(payload: Any, secret: str) -> str:
    """Return the provider's own message, if any, without the secret."""
    if not isinstance(payload, dict):
        return ""
    message = payload.get("msg") or payload.get("message") or payload.get("error")
    if not isinstance(message, str) or not message.strip():
        return ""
    return ": " + (message.replace(secret, "***") if secret else message)


def _call_id(row: dict[str, Any]) -> str | None:
    return text(row, "cmiuuid", "cmiuid", "_id")


def _missed_call(
    row: dict[str, Any], direction: CallDirection, country: str | None
) -> MissedCall:
    # The caller of an outgoing call is the agent who called, e.g. "209_1111113":
    # CHUB India lists it in `from`, CHUB global in `agent` (its `from` is the
    # number the call went out from, read only when no agent is named).
    if direction is CallDirection.OUTBOUND:
        caller = number(row, country, "agent", "from")
    else:
        caller = number(row, country, "from")
    return MissedCall(
        time=required(unix_time(row, "time", per_second=1000), "time"),
        caller_number=caller.value,
        caller_number_raw=caller.raw,
        caller_withheld=caller.withheld,
        caller_name=caller_name(row, caller, "name"),
        called_number=number(row, country, "to").value,
        call_id=_call_id(row),
        direction=direction,
    )


def parse_push(
    payload: Any, country: str | None = None, *, app_id: str | None = None
) -> CallPush | None:
    """Read a TeleCMI webhook push (a live `event` or a `cdr`).

    Raises ProviderResponseError when the push is not one TeleCMI sends; returns None
    for a well-formed push of another type, and for a CDR of leg b (one agent's leg,
    which neither ends the call nor is a missed call of the account). A push without
    an app id is taken as `app_id`'s.
    """
    if not isinstance(payload, dict):
        raise ProviderResponseError(f"{SERVICE} push is not a JSON object")
    kind = payload.get("type")
    if kind not in ("event", "cdr"):
        return None
    account_id = text(payload, "appid", "app_id") or app_id
    # The legs of one call share its conversation; count calls, not legs.
    call_id = text(payload, "conversation_uuid") or _call_id(payload)
    time = unix_time(payload, "time", per_second=1000)
    if account_id is None or call_id is None or time is None:
        raise ProviderResponseError(
            f"{SERVICE} {kind} push lacks its app id, call id or time"
        )
    status = (text(payload, "status") or "").lower()
    leg_b = (text(payload, "leg") or "").lower() == "b"
    if leg_b and kind == "cdr":
        return None
    # Leg b is the account's leg to an agent: TeleCMI labels it "outbound" on an
    # incoming call, and its `to` is the agent's phone. Leg a tells the call's.
    direction = (
        None if leg_b else _DIRECTIONS.get((text(payload, "direction") or "").lower())
    )
    caller, called = _parties(payload, direction, country)
    if leg_b:
        caller, called = read_number(None, country), None
    missed = None
    if kind == "cdr" and status == "missed":
        missed = MissedCall(
            time=time - _wait(payload),
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            caller_name=caller_name(payload, caller, "name"),
            called_number=called,
            call_id=_call_id(payload),
            direction=direction or CallDirection.INBOUND,
            voicemail=_voicemail(payload),
        )
    return CallPush(
        account_id=account_id,
        call_id=call_id,
        time=time,
        caller_number=caller.value,
        called_number=called,
        direction=direction,
        answered=status == "answered",
        ended=kind == "cdr",
        missed_call=missed,
    )


def _parties(
    payload: dict[str, Any], direction: CallDirection | None, country: str | None
) -> tuple[Number, str | None]:
    """Return the caller and the called number of a push, as its listing row has them.

    An outgoing call's caller is the agent (`user`), as CHUB India lists it in `from`
    and CHUB global in `agent`; without one, the number it went out from. An incoming
    call's called number is the DID (`to`, else `virtual_number`), as listed in `to`.
    """
    if direction is CallDirection.OUTBOUND:
        caller = number(payload, country, "user", "from", "virtual_number")
        return caller, number(payload, country, "to").value
    caller = number(payload, country, "from")
    return caller, number(payload, country, "to", "virtual_number").value


def _wait(payload: dict[str, Any]) -> timedelta:
    """Return how long the caller waited, which a CDR's time includes; 0 if unsaid."""
    value = payload.get("waitedsec")
    if type(value) is str:
        try:
            value = float(value.strip())
        except ValueError:
            return timedelta(0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return timedelta(0)
    if not 0 <= value <= _LONGEST_WAIT.total_seconds():
        return timedelta(0)
    return timedelta(seconds=value)


def _voicemail(payload: dict[str, Any]) -> bool | None:
    """Return whether the caller left a voicemail; None where the push does not say."""
    value = payload.get("voicemail")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        flag = str(value).strip().lower()
        if flag in _TRUE:
            return True
        if flag in _FALSE:
            return False
    if text(payload, "voicename") is not None:
        return True
    return None
