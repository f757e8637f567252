"""What users feel: how soon a missed call reaches an automation, and what it costs.

A seeded working day of calls per provider (`simulator/traffic.py`: calls ring for 5
to 40 s, several at once, about a third are missed, and the provider records a missed
call 1 to 5 s after it stops ringing), played through `hass` with the real coordinator
against the fake servers, on a frozen clock moved from one thing due to the next (a
call changing state, a timer of Home Assistant's); then two days that stress polling:
as many calls spread evenly over 24 hours, and one burst of 50 calls in 10 minutes.
Each day runs three times in one test: with polling that follows activity (the
default), with polling led by ringing calls alone (as before it), and with plain
polling at the same 30 s interval (the quick polls switched off). For every missed call, the seconds from when it stopped
ringing to its `callwatch_missed_call` (what a user feels, the provider's recording
delay included), and from when the provider recorded it; requests per hour as the fake
server counted them. TeleCMI lists no live calls: its day runs with pushes through the
real webhook endpoint (their cost timed on the wall clock) and with polling alone.

Full mode plays 24 hours of each day; quick mode (CI) the working day's busiest hour,
an hour of the even day and the burst's hour, and checks only what does not depend on
timing: every missed call announced exactly once, none a catch-up, no hour over the
ceiling of requests.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
import statistics
import time
from typing import Any

from aiohttp import web
import freezegun.api
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util.async_ import get_scheduled_timer_handles
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed_exact,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch.const import DOMAIN, EVENT_MISSED_CALL
from custom_components.callwatch.poll_schedule import (
    MAX_REQUESTS_PER_HOUR,
    PollSchedule,
)
from custom_components.callwatch.providers import ActiveCall
from simulator.server import Simulator
from simulator.traffic import (
    CallState,
    SimulatedCall,
    plan_burst,
    plan_day,
    plan_even_day,
)
from tests.conftest import setup_entry
from tests.fakes.server import FakeServer
from tests.fakes.telecmi import cdr_push, event_push

from .conftest import FULL, Results

SEED = 2026
DAY = datetime(2026, 11, 16, tzinfo=UTC)
# Full: the whole day. Quick: its busiest hour.
FIRST_HOUR, HOURS = (0, 24) if FULL else (9, 1)
# As many calls as the seeded working day has, spread evenly over the day.
EVEN_DAY_CALLS = 227
BURST_CALLS = 50
BURST_SECONDS = 600.0
# When the burst comes; quick mode plays that hour of the even day and of the burst.
BURST_HOUR = 10
# After the last call, time for its checks and the polls that would find it.
TAIL = timedelta(minutes=2)
POLL_INTERVAL = 30
WEBHOOK_ID = "latency_webhook"
TARGET_MEDIAN = 5.0
TARGET_P95 = 10.0
TARGET_RATIO = 1.5


class PlainPolls(PollSchedule):
    """Plain polling: never sees a ringing call, so every refresh is a full poll."""

    def __init__(self, poll_interval: float) -> None:
        super().__init__(poll_interval, pace=None)

    def took_active_calls(self, now: float, calls: Any) -> None:
        super().took_active_calls(now, [])


def _ring_led(poll_interval: float) -> PollSchedule:
    """Polling led by ringing calls alone, as before polling followed activity."""
    return PollSchedule(poll_interval, pace=None)


# How each mode schedules its polls: None is the coordinator's own (following activity).
MODES: dict[str, Any] = {
    "activity-led": None,
    "ring-led": _ring_led,
    "plain polling": PlainPolls,
}
STRESS_HOURS = (0, 24) if FULL else (BURST_HOUR, 1)


def _working_day(midnight: float) -> list[SimulatedCall]:
    return plan_day(SEED, midnight, first_hour=FIRST_HOUR, hours=HOURS)


def _even_day(midnight: float) -> list[SimulatedCall]:
    first_hour, hours = STRESS_HOURS
    return plan_even_day(
        SEED, midnight, EVEN_DAY_CALLS, first_hour=first_hour, hours=hours
    )


def _burst(midnight: float) -> list[SimulatedCall]:
    start = midnight + BURST_HOUR * 3600
    return plan_burst(SEED, start, calls=BURST_CALLS, seconds=BURST_SECONDS)


# Each day: its calls, and the hours played (the first, how many).
DAYS: dict[str, tuple[Any, tuple[int, int]]] = {
    "working day": (_working_day, (FIRST_HOUR, HOURS)),
    "even day": (_even_day, STRESS_HOURS),
    "burst": (_burst, STRESS_HOURS),
}


@dataclass
class Day:
    """What one played day gave."""

    latencies: list[float] = field(default_factory=list)
    seen_ringing: list[float] = field(default_factory=list)
    after_record: list[float] = field(default_factory=list)
    push_ms: list[float] = field(default_factory=list)
    requests: int = 0
    busiest_hour: int = 0
    hours: float = 0.0
    calls: int = 0
    missed: int = 0
    announced: int = 0
    catch_up: int = 0
    wall_s: float = 0.0

    def figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "calls": self.calls,
            "missed_calls": self.missed,
            "announced": self.announced,
            "requests_per_hour": round(self.requests / self.hours, 1),
            "requests_busiest_hour": self.busiest_hour,
            "simulated_hours": self.hours,
            "wall_seconds": round(self.wall_s, 1),
        }
        figures |= _spread("latency_s", self.latencies)
        if self.seen_ringing:
            figures["seen_ringing"] = len(self.seen_ringing)
            figures |= _spread("seen_ringing_latency_s", self.seen_ringing)
        if self.after_record:
            figures |= _spread("after_record_s", self.after_record)
        if self.push_ms:
            figures |= _spread("push_to_event_ms", self.push_ms, 2)
        return figures


def _wall() -> float:
    """Return the real clock's seconds: the frozen one does not move by itself."""
    return freezegun.api.real_perf_counter()


def _p95(values: list[float]) -> float:
    """Return the 95th percentile, nearest rank."""
    return sorted(values)[max(0, math.ceil(0.95 * len(values)) - 1)]


def _spread(name: str, values: list[float], digits: int = 1) -> dict[str, float]:
    ordered = sorted(values)
    p95 = _p95(ordered)
    return {
        f"{name}_median": round(statistics.median(ordered), digits),
        f"{name}_p95": round(p95, digits),
        f"{name}_max": round(ordered[-1], digits),
    }


def _digits(number: str | None) -> str:
    return (number or "").lstrip("+")


def _entry_data(provider: str, simulator: Simulator, url: str) -> dict[str, Any]:
    if provider == "enswitch":
        return {
            "provider": "enswitch",
            "host": url,
            "username": simulator.enswitch.username,
            "password": simulator.enswitch.password,
            "verify_ssl": True,
        }
    if provider == "voipnow":
        return {
            "provider": "voipnow",
            "host": url,
            "client_id": simulator.voipnow.client_id,
            "client_secret": simulator.voipnow.client_secret,
            "verify_ssl": True,
            "extension": "@self",
        }
    return {
        "provider": "telecmi",
        "region": "india",
        "app_id": str(simulator.telecmi.app_id),
        "secret": simulator.telecmi.secret,
        "api_url": f"{url}{simulator.telecmi.prefix}",
        "webhook_id": WEBHOOK_ID,
    }


def _fake_app(provider: str, simulator: Simulator) -> web.Application:
    if provider == "enswitch":
        return simulator.enswitch.app()
    if provider == "voipnow":
        return simulator.voipnow.app()
    return simulator.telecmi.app()


def _next_timer(hass: HomeAssistant) -> float | None:
    timers = [
        handle.when()
        for handle in get_scheduled_timer_handles(hass.loop)
        if not handle.cancelled()
    ]
    return min(timers, default=None)


def _pushes(
    call: SimulatedCall, app_id: int, before: CallState
) -> list[dict[str, Any]]:
    """Return what TeleCMI pushes as a call moves on from `before`."""
    caller = _digits(call.caller)
    to = str(918000000000 + int(call.extension))
    pushes = []
    if before is CallState.PLANNED:
        pushes.append(
            event_push(app_id, call.caller, "waiting", call.starts_at, caller, to)
        )
    if call.answered and call.state in (CallState.TALKING, CallState.OVER):
        if before in (CallState.PLANNED, CallState.RINGING):
            pushes.append(
                event_push(app_id, call.caller, "answered", call.starts_at, caller, to)
            )
        if call.state is CallState.OVER:
            pushes.append(
                cdr_push(app_id, call.caller, "answered", call.starts_at, caller, to)
            )
    if (
        call.missed
        and call.state in (CallState.UNRECORDED, CallState.OVER)
        and before in (CallState.PLANNED, CallState.RINGING)
    ):
        # Stamped when the caller gave up, after the wait it states.
        waited = round(call.rings_until - call.starts_at)
        pushes.append(
            cdr_push(
                app_id, call.caller, "missed", call.starts_at, caller, to, waited=waited
            )
        )
    return pushes


@dataclass
class DayRun:
    """One day being played: the simulated provider, the entry and what it announced."""

    provider: str
    day_start: datetime
    calls: list[SimulatedCall]
    hours: tuple[int, int]
    simulator: Simulator = field(init=False)
    day: Day = field(init=False)
    # First announcement of each caller, and the end of each refresh (simulated time).
    arrived: dict[str, float] = field(default_factory=dict)
    refreshes: list[float] = field(default_factory=list)
    # The fake server's count of requests after each refresh (simulated time).
    requests_at: list[tuple[float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.simulator = Simulator(seed=SEED, arrivals=False)
        self.simulator.plan(self.calls)
        self.day = Day(hours=self.hours[1])

    def busiest_hour(self) -> int:
        """Return the most requests counted within any hour of the day."""
        busiest, first = 0, 0
        for moment, count in self.requests_at:
            while self.requests_at[first][0] <= moment - 3600:
                first += 1
            # What was counted by the refresh before the hour began is not its own.
            before = self.requests_at[first - 1][1] if first else 0
            busiest = max(busiest, count - before)
        return busiest

    @callback
    def announced(self, event: Event[Any]) -> None:
        self.day.announced += 1
        self.day.catch_up += bool(event.data["catch_up"])
        self.arrived.setdefault(_digits(event.data["caller_number_raw"]), time.time())

    async def push(self, client: Any, call: SimulatedCall, before: CallState) -> None:
        """Push what TeleCMI would as the call moved on; time each push that announces."""
        for push in _pushes(call, self.simulator.telecmi.app_id, before):
            sent = _wall()
            announcements = self.day.announced
            response = await client.post(f"/api/webhook/{WEBHOOK_ID}", json=push)
            assert response.status == 200, await response.text()
            if self.day.announced > announcements:
                self.day.push_ms.append((_wall() - sent) * 1000)

    def tally(self) -> Day:
        """Match each missed call with its announcement; check each came once."""
        day = self.day
        missed = [call for call in self.calls if call.missed]
        day.calls = len(self.calls)
        day.missed = len(missed)
        for call in missed:
            assert call.recorded_at is not None
            moment = self.arrived[_digits(call.caller)]
            day.latencies.append(moment - call.rings_until)
            if not day.push_ms:
                day.after_record.append(moment - call.recorded_at)
            # Seen ringing: a poll listed the active calls while it rang.
            first = bisect.bisect_left(self.refreshes, call.starts_at)
            if (
                self.provider != "telecmi"
                and first < len(self.refreshes)
                and self.refreshes[first] < call.rings_until
            ):
                day.seen_ringing.append(moment - call.rings_until)
        # Every missed call once, nothing else, never as a catch-up.
        assert set(self.arrived) <= {_digits(call.caller) for call in self.calls}
        assert day.announced == day.missed
        assert day.catch_up == 0
        return day


async def _play_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    provider: str,
    day_start: datetime,
    *,
    day: str = "working day",
    mode: str = "activity-led",
    pushes: ClientSessionGenerator | None = None,
) -> Day:
    """Play a seeded day from `day_start` through a new entry; return its figures."""
    plan, hours = DAYS[day]
    run = DayRun(provider, day_start, plan(day_start.timestamp()), hours)
    server = FakeServer(_fake_app(provider, run.simulator))
    url = await server.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{provider} {day} {mode}",
        data=_entry_data(provider, run.simulator, url),
        options={"scan_interval": POLL_INTERVAL},
    )
    # Set up when the hours played begin, or a minute before the first call if that
    # is sooner: the first poll only takes stock.
    first_hour = day_start.timestamp() + hours[0] * 3600
    setup_at = min(run.calls[0].starts_at - 60, first_hour)
    freezer.move_to(datetime.fromtimestamp(setup_at, UTC))
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data
    if MODES[mode] is not None:
        coordinator.schedule = MODES[mode](POLL_INTERVAL)
    client = await pushes() if pushes is not None else None
    unsubscribe = hass.bus.async_listen(
        EVENT_MISSED_CALL,
        run.announced,
        event_filter=callback(lambda data: data["config_entry_id"] == entry.entry_id),
    )
    requests_before = server.traffic.requests

    @callback
    def refreshed() -> None:
        run.refreshes.append(time.time())
        run.requests_at.append((time.time(), server.traffic.requests - requests_before))

    unlisten = coordinator.async_add_listener(refreshed)
    wall = _wall()
    now = time.time()
    end = day_start.timestamp() + sum(hours) * 3600 + TAIL.total_seconds()
    while now < end:
        # On to the next thing due: a call changing state, or a timer of Home
        # Assistant's (a poll, a quick poll, a save), whichever comes first.
        moments = [end, run.simulator.next_change() or end, _next_timer(hass) or end]
        now = max(min(moments), now + 0.001)
        freezer.move_to(datetime.fromtimestamp(now, UTC))
        before = {id(call): call.state for call in run.calls}
        for call in run.simulator.step(now):
            if client is not None:
                await run.push(client, call, before[id(call)])
        async_fire_time_changed_exact(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    run.day.wall_s = _wall() - wall
    run.day.requests = server.traffic.requests - requests_before
    run.day.busiest_hour = run.busiest_hour()
    unsubscribe()
    unlisten()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await server.stop()
    return run.tally()


@pytest.mark.parametrize("provider", ["enswitch", "voipnow"])
async def test_missed_call_latency(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    results: Results,
    provider: str,
) -> None:
    played: dict[tuple[str, str], Day] = {}
    plays = [(day, mode) for day in DAYS for mode in MODES]
    for offset, (day, mode) in enumerate(plays):
        played[day, mode] = await _play_day(
            hass, freezer, provider, DAY + timedelta(days=offset), day=day, mode=mode
        )
    for day in DAYS:
        section = f"latency/{provider}" + ("" if day == "working day" else f"/{day}")
        plain = played[day, "plain polling"]
        led = played[day, "activity-led"]
        for mode in MODES:
            results.add(section, mode, played[day, mode].figures())
        ratios = {
            mode: round(played[day, mode].requests / plain.requests, 2)
            for mode in MODES
        }
        results.add(section, "requests_ratio", ratios)
        targets = {
            f"requests <= {TARGET_RATIO:g}x plain": led.requests
            <= TARGET_RATIO * plain.requests
        }
        if day == "working day":
            targets[f"median <= {TARGET_MEDIAN:g} s"] = (
                statistics.median(led.latencies) <= TARGET_MEDIAN
            )
            targets[f"p95 <= {TARGET_P95:g} s"] = _p95(led.latencies) <= TARGET_P95
        results.add(section, "targets_met", targets)
        assert led.missed == plain.missed > 0
        # Counted on the frozen clock: no hour over the ceiling, whatever the day.
        for mode in MODES:
            assert played[day, mode].busiest_hour <= MAX_REQUESTS_PER_HOUR
    if FULL:
        # What following activity promises on the working day: calls seen ringing
        # within the targets, no more requests than allowed, and the day's median
        # a fraction of plain polling's (the rest is reported; see the README).
        led = played["working day", "activity-led"]
        plain = played["working day", "plain polling"]
        assert statistics.median(led.seen_ringing) <= TARGET_MEDIAN
        assert _p95(led.seen_ringing) <= TARGET_P95
        assert led.requests <= TARGET_RATIO * plain.requests
        assert statistics.median(led.latencies) < statistics.median(plain.latencies) / 2


async def test_telecmi_pushes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    hass_client_no_auth: ClientSessionGenerator,
    results: Results,
) -> None:
    pushed = await _play_day(hass, freezer, "telecmi", DAY, pushes=hass_client_no_auth)
    plain = await _play_day(
        hass, freezer, "telecmi", DAY + timedelta(days=1), mode="plain polling"
    )
    results.add("latency/telecmi", "pushes", pushed.figures())
    results.add("latency/telecmi", "plain polling", plain.figures())
    results.add(
        "latency/telecmi", "requests_ratio", round(pushed.requests / plain.requests, 2)
    )
    assert len(pushed.push_ms) == pushed.missed > 0
    if FULL:
        assert max(pushed.push_ms) <= 1000


def test_plain_polls_see_no_ringing() -> None:
    plain = PlainPolls(POLL_INTERVAL)
    plain.took_active_calls(0.0, [ActiveCall(call_id="a")])
    assert plain.ringing == 0
