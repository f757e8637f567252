"""Client for TeleCMI's CHUB APIs: India (piopiy, v1) and global (rest, v2).

TeleCMI has no endpoint that lists calls in progress: those come as webhook pushes,
which `telecmi_push.parse_push` turns into `CallPush` models.
"""

from __future__ import annotations

from datetime import UTC, datetime
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
from .fields import RowReader, caller_name, number, required, unix_time
from .http import ServerClock, base_url, off_loop, send
from .models import Account, ActiveCall, CallDirection, CallPush, MissedCall
from .numbers import read_number
from .telecmi_push import SERVICE, parse_push, row_call_id

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
        self.clock = ServerClock()

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
            clock=self.clock,
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
        call_id=row_call_id(row),
        direction=direction,
    )
