"""A fake TeleCMI CHUB API, both families, with the documented shapes and quirks.

- CHUB India: `POST /v1/missed`, `/v1/outmissed`; body `{appid, token, start_date, end_date,
  page, limit}` (times in Unix ms); answers `{"total": N, "cdr": [...], "code": "200"}` with
  rows `{_id, to, time, from, billedsec, rate, name}`, `to` a number, `rate` a string.
- CHUB global: `POST /v2/missed`, `/v2/out_missed`; body `{appid, secret, ...}`, `limit` at
  most 20 (400 otherwise); answers `{"count": N, "cdr": [...]}` with rows
  `{cmiuid, duration, notes, billedsec, rate, name, from, to, time, agent, filename, record}`.
- A wrong app id or secret is HTTP 404 (407 on PIOPIY, which the fake can mimic).
- Rows come newest first, as in the vendor's sample. An outgoing row's caller is the agent:
  in `from` on CHUB India, in `agent` on CHUB global (whose `from` is a number string).
- The fake also builds the webhook pushes TeleCMI documents (`tests/fixtures/telecmi/`):
  numbers as JSON integers without "+", a missed call's record stamped when the caller gave
  up (`waitedsec` later), India's records without any called number, outgoing records
  without `from`, leg-b records of one agent's missed leg, live `ringing`/`hangup`, and the
  older records without an app id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import itertools
from typing import Any, Literal
import uuid

from aiohttp import web

from .server import FaultPlan, dated, misbehave

_ids = itertools.count(1)

type Region = Literal["india", "global"]
PATHS: dict[Region, dict[str, str]] = {
    "india": {"missed": "inbound", "outmissed": "outbound"},
    "global": {"missed": "inbound", "out_missed": "outbound"},
}
PREFIX: dict[Region, str] = {"india": "/v1", "global": "/v2"}
# The same caller as each family writes it in its samples: CHUB India in national form,
# CHUB global with the country code; integers both, without "+".
DEFAULT_CALLER: dict[Region, int] = {"india": 9800000001, "global": 919800000001}


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
    # Seconds the server's clock, which dates its replies, is ahead of the test's.
    clock_offset: float = 0.0
    dates_replies: bool = True

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
        agent: str = "",
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
                "agent": agent,
                "filename": "",
                "record": False,
            }
        self.missed.append(row)
        return row

    def add_outgoing_missed_call(
        self,
        when: float,
        agent: str,
        to: str | int,
        *,
        number: str = "919200000001",
        call_id: str | None = None,
    ) -> dict[str, Any]:
        """Record an outgoing call of `agent` that `to` did not answer, as listed.

        CHUB India lists the agent in `from`; CHUB global lists the number the call went
        out from in `from` (a string) and the agent in `agent`.
        """
        if self.region == "india":
            return self.add_missed_call(
                when, agent, to, direction="outbound", call_id=call_id
            )
        return self.add_missed_call(
            when, number, to, direction="outbound", call_id=call_id, agent=agent
        )

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application(middlewares=[dated(self)])
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
    status: Literal["waiting", "started", "ringing", "answered", "hangup"],
    when: float,
    from_: str | int | None = None,
    to: str | int | None = 918000000000,
    *,
    region: Region = "india",
    direction: Literal["inbound", "outbound"] = "inbound",
    user: str | None = None,
) -> dict[str, Any]:
    """Build a live event of a call's leg a, as TeleCMI pushes it to the webhook.

    `call_id` is the conversation; leg a's `cmiuuid` is the same (CHUB India's waiting
    event). An outgoing call's event names its agent in `user`. The caller is by
    default an Indian number as CHUB India writes it: national, an integer.
    """
    if from_ is None:
        from_ = DEFAULT_CALLER[region]
    push: dict[str, Any] = {
        "type": "event",
        "direction": direction,
        "conversation_uuid": call_id,
        "cmiuuid": call_id,
        "from": from_,
        "app_id": app_id,
        "time": int(when * 1000),
        "status": status,
    }
    if to is not None:
        push["to"] = to
    if user is not None:
        push |= {"user": user, "team": f"Enquiry_{app_id}"}
    if region == "global":
        push |= {"leg": "a", "custom": '{"crm": "true"}'}
    return push


def leg_b_event_push(
    app_id: int,
    call_id: str,
    status: Literal["ringing", "answered", "hangup"],
    when: float,
    from_: str = "440000000000",
    user: str = "204_2222223",
) -> dict[str, Any]:
    """Build a live event of an incoming call's leg b (to an agent), as CHUB global does.

    TeleCMI labels this leg "outbound"; its `from` is a string.
    """
    return {
        "leg": "b",
        "type": "event",
        "team": f"Sales_{app_id}",
        "user": user,
        "conversation_uuid": call_id,
        "cmiuuid": f"{call_id}-b-{user}",
        "direction": "outbound",
        "from": from_,
        "app_id": app_id,
        "time": int(when * 1000),
        "custom": '{"crm": "true"}',
        "status": status,
    }


def cdr_push(
    app_id: int,
    call_id: str,
    status: Literal["missed", "answered"],
    when: float,
    from_: str | int | None = None,
    virtual_number: str | int = 918000000000,
    direction: str = "inbound",
    *,
    region: Region = "india",
    waited: int = 119,
    voicemail: bool = False,
) -> dict[str, Any]:
    """Build the record of an incoming call that began ringing at `when`, as pushed.

    A missed call's record is stamped when the caller gave up, `waited` seconds later.
    CHUB India's names no called number (`virtual_number` is left out) and writes
    `voicemail` as a string; CHUB global's has the DID, the conversation and a boolean.
    The caller is by default as `event_push`'s.
    """
    if from_ is None:
        from_ = DEFAULT_CALLER[region]
    push: dict[str, Any] = {
        "appid": app_id,
        "type": "cdr",
        "direction": direction,
        "cmiuuid": call_id,
        "status": status,
        "from": from_,
        "time": int((when + (waited if status == "missed" else 0)) * 1000),
    }
    if status == "missed":
        push["waitedsec"] = waited
        if region == "india":
            push["voicemail"] = "true" if voicemail else "false"
        else:
            push["voicemail"] = voicemail
        if voicemail:
            push["voicename"] = f"{int(when * 1000)}289350027_{app_id}.mp3"
    else:
        push |= {"user": f"103_{app_id}", "answeredsec": 117, "record": "true"}
        if region == "india":
            push["to"] = virtual_number
    push["team"] = f"Support_{app_id}"
    if region == "global":
        push |= {
            "virtual_number": virtual_number,
            "conversation_uuid": call_id,
            "custom": '{"crm":"true"}',
            "hangup_reason": "recv_bye",
            "ivr_name": "salesivr",
        }
    return push


def outgoing_missed_cdr_push(
    app_id: int,
    call_id: str,
    when: float,
    agent: str,
    to: int,
    *,
    region: Region = "india",
    virtual_number: str = "919200000001",
) -> dict[str, Any]:
    """Build the record of an outgoing call nobody answered, as pushed: no `from`."""
    push: dict[str, Any] = {
        "type": "cdr",
        "appid": app_id,
        "to": to,
        "cmiuuid": call_id,
        "status": "missed",
        "user": agent,
        "time": int(when * 1000),
        "direction": "outbound",
    }
    if region == "india":
        return push | {"click_to_call": "true"}
    return push | {
        "virtual_number": virtual_number,
        "call_id": str(uuid.uuid5(uuid.NAMESPACE_OID, call_id)),
        "custom": '{"crm":"true"}',
        "leg": "a",
        "hangup_reason": "recv_cancel",
        "request_id": "D8qpRb27mpXEYgEdAMY6arnQ2ONAB04Y86QrfKbOWZQ",
        "extra_params": '{"click2call":"true"}',
    }


def user_missed_cdr_push(
    app_id: int,
    call_id: str,
    when: float,
    from_: int,
    user: str,
    agent_phone: int = 919999999999,
) -> dict[str, Any]:
    """Build CHUB global's record of one agent's leg (b) of an incoming call, missed.

    TeleCMI sends it when that agent did not pick up, also when a colleague did.
    """
    return {
        "custom": '{"crm":"true"}',
        "appid": app_id,
        "type": "cdr",
        "direction": "inbound",
        "leg": "b",
        "cmiuuid": f"{call_id}-b-{user}",
        "user": user,
        "status": "missed",
        "to": agent_phone,
        "from": from_,
        "time": int(when * 1000),
        "team": f"support_{app_id}",
        "hangup_reason": "recv_cancel",
    }


def old_missed_cdr_push(
    call_id: str,
    when: float,
    from_: int,
    *,
    waited: int = 143,
    voicemail: bool = True,
) -> dict[str, Any]:
    """Build an incoming missed call's record in TeleCMI's older form: no app id."""
    push: dict[str, Any] = {
        "cmiuid": call_id,
        "type": "cdr",
        "status": "missed",
        "from": from_,
        "time": int((when + waited) * 1000),
        "waitedsec": waited,
        "direction": "inbound",
        "voicemail": voicemail,
        "team": "DID",
    }
    if voicemail:
        push["voicename"] = f"{int(when * 1000)}9818359948791.mp3"
    return push
