"""One server that speaks Enswitch, TeleCMI and VoipNow, with calls coming and going.

Each provider's protocol is the fake of tests/fakes, mounted under a prefix:
`/enswitch` (Enswitch JSON API), `/telecmi` (CHUB India, `/telecmi/v1/...`) and `/voipnow`
(VoipNow UAPI and its OAuth endpoint). Seeded traffic (`traffic.py`) makes calls arrive
and ring for 5 to 40 s, then be answered and end, or stop ringing unanswered and appear
in the providers' histories a few seconds later; `/control` injects a missed call on
demand, recorded at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
import random
import time
from typing import Any

from aiohttp import web

from tests.fakes.enswitch import FakeEnswitch
from tests.fakes.telecmi import FakeTelecmi
from tests.fakes.voipnow import FakeVoipnow

from .traffic import CallState, SimulatedCall, new_call

MAX_CONCURRENT = 4
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
                else:
                    self._hang_up(call, CallState.UNRECORDED)
                    self.unrecorded.append(call)
            if call.state is CallState.TALKING and now >= call.ends_at:
                self._hang_up(call, CallState.OVER)
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
            when, caller.lstrip("+"), 918000000000 + int(extension)
        )
        voipnow = self.voipnow.add_history(when, caller, f"0003*{extension}")
        return {
            "telecmi": telecmi["_id"],
            "voipnow": voipnow["id"],
        }

    async def run_traffic(self) -> None:
        """Drive the traffic for ever, one step a tick."""
        while True:
            self.step(time.time())
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


async def serve(simulator: Simulator, host: str, port: int) -> web.AppRunner:
    """Serve the simulator; return its runner, to clean up."""
    runner = web.AppRunner(simulator.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
