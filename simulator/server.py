"""One server that speaks Enswitch, TeleCMI and VoipNow, with calls coming and going.

Each provider's protocol is the fake of tests/fakes, mounted under a prefix:
`/enswitch` (Enswitch JSON API), `/telecmi` (CHUB India, `/telecmi/v1/...`) and `/voipnow`
(VoipNow UAPI and its OAuth endpoint). Seeded traffic (`traffic.py`) makes calls arrive
and ring for 5 to 40 s, then be answered and end, or stop ringing unanswered and appear
in the providers' histories a few seconds later; `/control` injects a missed call on
demand, recorded at once. Given a TeleCMI webhook address, the simulator also pushes each
call to it as CHUB India documents: live `waiting`, `answered` and `hangup` events, and
the call's record when it ends (a missed call's stamped when it stopped ringing, with
`waitedsec`, no called number, numbers as integers).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
import logging
import random
import time
from typing import Any, Literal
import uuid

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from tests.fakes.enswitch import FakeEnswitch
from tests.fakes.telecmi import FakeTelecmi, cdr_push, event_push
from tests.fakes.voipnow import FakeVoipnow

from .traffic import CallState, SimulatedCall, new_call

_LOGGER = logging.getLogger(__name__)
MAX_CONCURRENT = 4
# Pushes kept for a webhook that does not take them; the oldest are dropped past this.
MAX_PENDING_PUSHES = 1000
# The chance that a call arrives at a step of the running simulator.
ARRIVAL_CHANCE = 0.35


@dataclass
class Simulator:
    """The three fakes and the traffic that drives them."""

    seed: int = 1
    tick: float = 2.0
    enswitch: FakeEnswitch = field(default_factory=FakeEnswitch)
    telecmi: FakeTelecmi = field(default_factory=FakeTelecmi)
    voipnow: FakeVoipnow = field(default_factory=FakeVoipnow)
    # Calls in progress (ringing or talked on).
    calls: list[SimulatedCall] = field(default_factory=list)
    missed: int = 0
    # Planned calls yet to ring, and missed calls yet to be recorded.
    planned: list[SimulatedCall] = field(default_factory=list)
    unrecorded: list[SimulatedCall] = field(default_factory=list)
    # Draw calls at random as the steps go (`run_traffic`); off for planned traffic.
    arrivals: bool = True
    # Where TeleCMI pushes go (the entry's webhook address); None: nowhere.
    telecmi_webhook: str | None = None
    # TeleCMI pushes made by the steps, not yet delivered.
    telecmi_pushes: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=MAX_PENDING_PUSHES)
    )

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def app(self) -> web.Application:
        """Return the application: the fakes under their prefixes, and the control API."""
        app = web.Application()
        app.add_subapp("/enswitch/", self.enswitch.app())
        app.add_subapp("/telecmi/", self.telecmi.app())
        app.add_subapp("/voipnow/", self.voipnow.app())
        app.router.add_post("/control/missed_call", self._inject)
        app.router.add_get("/control/state", self._state)
        return app

    def plan(self, calls: Iterable[SimulatedCall]) -> None:
        """Have these calls ring at their times, as later steps reach them."""
        self.planned = sorted(
            [*self.planned, *calls], key=lambda call: call.starts_at, reverse=True
        )

    def next_change(self) -> float | None:
        """Return when a call next changes state (planned traffic only)."""
        moments = [
            moment
            for call in (*self.calls, *self.unrecorded, *self.planned[-1:])
            if (moment := call.next_change()) is not None
        ]
        return min(moments, default=None)

    def step(self, now: float) -> list[SimulatedCall]:
        """Advance the traffic to `now`; return the calls that changed state."""
        changed: list[SimulatedCall] = []
        while self.planned and self.planned[-1].starts_at <= now:
            call = self.planned.pop()
            self._ring(call)
            changed.append(call)
        for call in list(self.calls):
            if call.state is CallState.RINGING and now >= call.rings_until:
                changed.append(call)
                if call.answered:
                    call.state = CallState.TALKING
                    self.enswitch.answer_call(call.enswitch_id)
                    self.voipnow.answer_call(call.voipnow_id)
                    self._push_telecmi(call, "answered", call.rings_until)
                else:
                    self._hang_up(call, CallState.UNRECORDED)
                    self.unrecorded.append(call)
                    self._push_telecmi(call, "hangup", call.rings_until)
                    self._push_telecmi(call, "missed", call.starts_at)
            if call.state is CallState.TALKING and now >= call.ends_at:
                self._hang_up(call, CallState.OVER)
                self._push_telecmi(call, "hangup", call.ends_at)
                self._push_telecmi(call, "ended", call.ends_at)
                if call not in changed:
                    changed.append(call)
        for call in list(self.unrecorded):
            if call.recorded_at is not None and now >= call.recorded_at:
                self.unrecorded.remove(call)
                call.state = CallState.OVER
                call.history_ids = self.record_missed(
                    call.caller, call.extension, call.starts_at
                )
                changed.append(call)
        if (
            self.arrivals
            and len(self.calls) < MAX_CONCURRENT
            and self._random.random() < ARRIVAL_CHANCE
        ):
            call = new_call(self._random, now)
            self._ring(call)
            changed.append(call)
        return changed

    def _ring(self, call: SimulatedCall) -> None:
        call.state = CallState.RINGING
        call.enswitch_id = self.enswitch.start_call(
            call.caller, call.extension, legs=self._random.choice([1, 1, 2])
        )
        call.voipnow_id = self.voipnow.start_call(
            call.caller, [f"0003*{call.extension}"]
        )
        self.calls.append(call)
        self._push_telecmi(call, "waiting", call.starts_at)

    def _push_telecmi(
        self,
        call: SimulatedCall,
        status: Literal["waiting", "answered", "hangup", "missed", "ended"],
        when: float,
    ) -> None:
        """Queue what TeleCMI pushes about a call: a live event, or its record.

        `missed` and `ended` are the records of a missed and of an answered call.
        """
        call_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{call.caller}/{call.starts_at}"))
        app_id = self.telecmi.app_id
        caller = _telecmi_number(call.caller)
        did = 918000000000 + int(call.extension)
        if status == "missed":
            waited = round(call.rings_until - call.starts_at)
            push = cdr_push(app_id, call_id, "missed", when, caller, waited=waited)
        elif status == "ended":
            push = cdr_push(app_id, call_id, "answered", when, caller, did)
        else:
            push = event_push(app_id, call_id, status, when, caller, did)
        self.telecmi_pushes.append(push)

    async def deliver_telecmi_pushes(self, session: ClientSession) -> int:
        """POST the queued pushes to the TeleCMI webhook, oldest first; return how many.

        A push the webhook does not take (an error, no answer) is dropped, as TeleCMI's
        are: the polls find the call.
        """
        delivered = 0
        while self.telecmi_webhook and self.telecmi_pushes:
            push = self.telecmi_pushes.popleft()
            try:
                async with session.post(
                    self.telecmi_webhook, json=push, timeout=ClientTimeout(total=5)
                ) as response:
                    delivered += response.status == 200
            except (ClientError, TimeoutError) as err:
                _LOGGER.warning("TeleCMI push not delivered: %s", err)
        return delivered

    def _hang_up(self, call: SimulatedCall, state: CallState) -> None:
        call.state = state
        self.calls.remove(call)
        self.enswitch.end_call(call.enswitch_id)
        self.voipnow.end_call(call.voipnow_id)

    def record_missed(
        self, caller: str, extension: str = "100", when: float | None = None
    ) -> dict[str, str]:
        """Add a missed call that began at `when` (default now) to every history.

        Returns the id each provider's history gives it: Enswitch's rows have none
        (its page documents `time` and `callerid` only).
        """
        when = time.time() if when is None else when
        self.missed += 1
        self.enswitch.add_missed_call(when, caller, destination=extension)
        telecmi = self.telecmi.add_missed_call(
            when, _telecmi_number(caller), 918000000000 + int(extension)
        )
        voipnow = self.voipnow.add_history(when, caller, f"0003*{extension}")
        return {
            "telecmi": telecmi["_id"],
            "voipnow": voipnow["id"],
        }

    async def run_traffic(self) -> None:
        """Drive the traffic for ever, one step a tick, pushing to TeleCMI's webhook."""
        async with ClientSession() as session:
            while True:
                self.step(time.time())
                await self.deliver_telecmi_pushes(session)
                await asyncio.sleep(self.tick)

    async def _inject(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        caller = str(
            body.get("caller") or f"+6429{self._random.randrange(100000, 999999)}"
        )
        self.record_missed(caller, str(body.get("extension", "100")))
        return web.json_response({"caller": caller, "missed": self.missed})

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "active_calls": len(self.calls),
                "ringing_calls": sum(
                    call.state is CallState.RINGING for call in self.calls
                ),
                "missed_calls": self.missed,
            }
        )

    def credentials(self, base: str) -> dict[str, dict[str, str]]:
        """Return what to type into Callwatch's forms for each simulated account."""
        return {
            "enswitch": {
                "host": f"{base}/enswitch",
                "username": self.enswitch.username,
                "password": self.enswitch.password,
            },
            "telecmi": {
                "region": "india",
                "app_id": str(self.telecmi.app_id),
                "secret": self.telecmi.secret,
                "api_url": f"{base}/telecmi/v1",
            },
            "voipnow": {
                "host": f"{base}/voipnow",
                "client_id": self.voipnow.client_id,
                "client_secret": self.voipnow.client_secret,
            },
        }


def _telecmi_number(number: str) -> int | str:
    """Return a number as TeleCMI writes it: a JSON integer without "+"."""
    digits = number.lstrip("+")
    return int(digits) if digits.isdecimal() else number


async def serve(simulator: Simulator, host: str, port: int) -> web.AppRunner:
    """Serve the simulator; return its runner, to clean up."""
    runner = web.AppRunner(simulator.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
