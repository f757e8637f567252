"""One server that speaks Enswitch, TeleCMI and VoipNow, with calls coming and going.

Each provider's protocol is the fake of tests/fakes, mounted under a prefix:
`/enswitch` (Enswitch JSON API), `/telecmi` (CHUB India, `/telecmi/v1/...`) and `/voipnow`
(VoipNow UAPI and its OAuth endpoint). A seeded generator makes calls arrive, ring, be
answered or missed, and end, a few at a time; `/control` injects a missed call on demand.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import random
import time
from typing import Any

from aiohttp import web

from tests.fakes.enswitch import FakeEnswitch
from tests.fakes.telecmi import FakeTelecmi
from tests.fakes.voipnow import FakeVoipnow

MAX_CONCURRENT = 4


@dataclass
class SimulatedCall:
    """A call in the simulation: who, where, and how it will end."""

    caller: str
    extension: str
    rings_until: float
    answered: bool
    ends_at: float
    enswitch_id: str = ""
    voipnow_id: str = ""


@dataclass
class Simulator:
    """The three fakes and the traffic that drives them."""

    seed: int = 1
    tick: float = 2.0
    enswitch: FakeEnswitch = field(default_factory=FakeEnswitch)
    telecmi: FakeTelecmi = field(default_factory=FakeTelecmi)
    voipnow: FakeVoipnow = field(default_factory=FakeVoipnow)
    calls: list[SimulatedCall] = field(default_factory=list)
    missed: int = 0

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

    def step(self, now: float) -> None:
        """Advance the traffic to `now`: start, answer, miss and end calls."""
        for call in list(self.calls):
            if not call.answered and now >= call.rings_until:
                self._end(call, missed=True)
            elif call.answered and now >= call.rings_until and call.enswitch_id:
                self.enswitch.answer_call(call.enswitch_id)
                if now >= call.ends_at:
                    self._end(call, missed=False)
        if len(self.calls) < MAX_CONCURRENT and self._random.random() < 0.35:
            self._start(now)

    def _start(self, now: float) -> None:
        caller = f"+6421{self._random.randrange(100000, 999999)}"
        extension = self._random.choice(["100", "101", "102"])
        rings = self._random.uniform(4, 20)
        call = SimulatedCall(
            caller=caller,
            extension=extension,
            rings_until=now + rings,
            answered=self._random.random() < 0.6,
            ends_at=now + rings + self._random.uniform(10, 90),
        )
        call.enswitch_id = self.enswitch.start_call(
            caller, extension, legs=self._random.choice([1, 1, 2])
        )
        call.voipnow_id = self.voipnow.start_call(caller, [f"0003*{extension}"])
        self.calls.append(call)

    def _end(self, call: SimulatedCall, *, missed: bool) -> None:
        self.calls.remove(call)
        self.enswitch.end_call(call.enswitch_id)
        self.voipnow.end_call(call.voipnow_id)
        if missed:
            self.record_missed(call.caller, call.extension)

    def record_missed(self, caller: str, extension: str = "100") -> None:
        """Add a missed call, now, to every provider's history."""
        now = time.time()
        self.missed += 1
        self.enswitch.add_missed_call(
            now, caller, dnumber=extension, uniqueid=f"{now:.0f}.{self.missed}"
        )
        self.telecmi.add_missed_call(
            now, caller.lstrip("+"), 918000000000 + int(extension)
        )
        self.voipnow.add_history(now, caller, f"0003*{extension}")

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
            {"active_calls": len(self.calls), "missed_calls": self.missed}
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
