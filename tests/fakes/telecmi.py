"""A fake TeleCMI CHUB API, both families, with the documented shapes and quirks.

- CHUB India: `POST /v1/missed`, `/v1/outmissed`; body `{appid, token, start_date, end_date,
  page, limit}` (times in Unix ms); answers `{"total": N, "cdr": [...], "code": "200"}` with
  rows `{_id, to, time, from, billedsec, rate, name}`, `to` a number, `rate` a string.
- CHUB global: `POST /v2/missed`, `/v2/out_missed`; body `{appid, secret, ...}`, `limit` at
  most 20 (400 otherwise); answers `{"count": N, "cdr": [...]}` with rows
  `{cmiuid, duration, notes, billedsec, rate, name, from, to, time, agent, filename, record}`.
- A wrong app id or secret is HTTP 404 (407 on PIOPIY, which the fake can mimic).
- Rows come newest first, as in the vendor's sample. The fake also builds the webhook
  pushes TeleCMI sends (`event_push`, `cdr_push`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import itertools
from typing import Any, Literal
import uuid

from aiohttp import web

from .server import FaultPlan, misbehave

_ids = itertools.count(1)

type Region = Literal["india", "global"]
PATHS: dict[Region, dict[str, str]] = {
    "india": {"missed": "inbound", "outmissed": "outbound"},
    "global": {"missed": "inbound", "out_missed": "outbound"},
}
PREFIX: dict[Region, str] = {"india": "/v1", "global": "/v2"}


@dataclass
class FakeTelecmi:
    """State of one fake TeleCMI app."""

    region: Region = "india"
    app_id: int = 1111113
    secret: str = "tcmi-secret-7f3a9c"
    auth_status: int = 404
    missed: list[dict[str, Any]] = field(default_factory=list)
    fault: FaultPlan = field(default_factory=FaultPlan)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Answer every request with this handler instead (malformed or endless replies).
    reply_override: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None
    # Called after each page is served: a call that arrives while pages are read.
    after_page: Callable[[str, int], None] | None = None

    @property
    def prefix(self) -> str:
        """Return the path under which the family's API lives."""
        return PREFIX[self.region]

    def add_missed_call(
        self,
        when: float,
        from_: str | int,
        to: str | int = 9100000000,
        *,
        direction: Literal["inbound", "outbound"] = "inbound",
        name: str = "unknown",
        call_id: str | None = None,
    ) -> dict[str, Any]:
        """Record a missed call at Unix time `when` (seconds)."""
        row: dict[str, Any] = {
            "direction": direction,
            "time": int(when * 1000),
            "from": from_,
            "to": to,
            "name": name,
            "billedsec": 0,
        }
        if self.region == "india":
            row |= {
                "_id": call_id or f"5d9df5607a2b9527{next(_ids):08x}",
                "rate": "0.0000",
            }
        else:
            row |= {
                "cmiuid": call_id or str(uuid.uuid4()),
                "rate": 0,
                "duration": 0,
                "notes": [],
                "agent": "",
                "filename": "",
                "record": False,
            }
        self.missed.append(row)
        return row

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application()
        app.router.add_post(f"{self.prefix}/{{path}}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"code": 400, "msg": "Invalid JSON"}, status=400)
        self.requests.append((path, body))
        if (faulty := await misbehave(request, self.fault)) is not None:
            return faulty
        if self.reply_override is not None:
            return await self.reply_override(request)
        secret_field = "token" if self.region == "india" else "secret"
        if body.get("appid") != self.app_id or body.get(secret_field) != self.secret:
            return web.json_response(
                {"code": self.auth_status, "msg": "Invalid app id or secret"},
                status=self.auth_status,
            )
        direction = PATHS[self.region].get(path)
        if direction is None:
            return web.json_response({"code": 404, "msg": "Not found"}, status=404)
        try:
            start, end = int(body["start_date"]), int(body["end_date"])
            page, limit = int(body.get("page", 1)), int(body.get("limit", 10))
        except (KeyError, TypeError, ValueError):
            return web.json_response(
                {"code": 400, "msg": "Missing parameter"}, status=400
            )
        if self.region == "global" and limit > 20:
            return web.json_response(
                {"code": 400, "msg": "limit must be at most 20"}, status=400
            )
        rows = sorted(
            (
                {key: value for key, value in row.items() if key != "direction"}
                for row in self.missed
                if row["direction"] == direction and start <= row["time"] <= end
            ),
            key=lambda row: row["time"],
            reverse=True,
        )
        cdr = rows[(page - 1) * limit : page * limit]
        if self.after_page is not None:
            self.after_page(path, page)
        if self.region == "india":
            return web.json_response({"total": len(rows), "cdr": cdr, "code": "200"})
        return web.json_response({"count": len(rows), "cdr": cdr})


def event_push(
    app_id: int,
    call_id: str,
    status: Literal["waiting", "started", "answered"],
    when: float,
    from_: str = "+919800000001",
    to: str = "+918000000000",
) -> dict[str, Any]:
    """Build a live-call push as TeleCMI sends it to the webhook."""
    return {
        "type": "event",
        "app_id": app_id,
        "cmiuuid": f"{call_id}-leg",
        "conversation_uuid": call_id,
        "status": status,
        "from": from_,
        "to": to,
        "time": int(when * 1000),
        "leg": "a",
        "user": "",
        "team": "",
        "custom": "",
    }


def cdr_push(
    app_id: int,
    call_id: str,
    status: Literal["missed", "answered"],
    when: float,
    from_: str = "+919800000001",
    virtual_number: str = "+918000000000",
    direction: str = "inbound",
) -> dict[str, Any]:
    """Build a CDR push as TeleCMI sends it to the webhook when a call ends."""
    return {
        "type": "cdr",
        "appid": app_id,
        "direction": direction,
        "cmiuuid": f"{call_id}-leg",
        "conversation_uuid": call_id,
        "status": status,
        "from": from_,
        "virtual_number": virtual_number,
        "time": int(when * 1000),
        "waitedsec": 12,
        "team": "",
        "voicemail": False,
        "hangup_reason": "caller_hangup",
        "custom": "",
        "ivr_name": "main",
    }
