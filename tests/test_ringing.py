"""Polling led by live calls, through Home Assistant and the fake providers.

While an incoming call rings unanswered, the active calls are asked for every 3 s; when
it leaves unanswered, the missed calls at once and again 3, 6 and 15 s later until its
row appears. After a call, the active calls are listed every 10 s for a while, and the
interval widens back to the poll interval as the line stays quiet; never more than the
ceiling of requests an hour. The clock is frozen and moved a second at a time, so that
what happens within seconds can be told from what waits a poll.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_SCAN_INTERVAL, STATE_UNAVAILABLE
from homeassistant.core import CoreState, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import CONF_CALL_EVENTS, EVENT_MISSED_CALL
from custom_components.callwatch.poll_schedule import (
    ACTIVITY_PACE,
    MAX_REQUESTS_PER_HOUR,
    MISSED_CHECKS,
    QUICK_INTERVAL,
    RING_LIMIT,
)

from .conftest import Account, TelecmiPushes, next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan
from .fakes.telecmi import FakeTelecmi, event_push
from .fakes.voipnow import FakeVoipnow
from .test_voipnow_call_events import relay  # noqa: F401  (a fixture)

ACTIVE = "sensor.alice_pbx_example_com_active_calls"
ACTIVE_LIST = "calls/active/list"
MISSED_LIST = "calls/missed/list"
CALLER = "+6491234567"
# Seconds without a call after which polling is back to the default 30-s interval.
QUIET = int(ACTIVITY_PACE.quiet_until_idle(30)) + 1


def _count(enswitch: FakeEnswitch, action: str, since: int = 0) -> int:
    return sum(1 for asked, _ in enswitch.requests[since:] if asked == action)


async def _seconds(hass: HomeAssistant, freezer: FrozenDateTimeFactory, n: int) -> None:
    """Let `n` seconds pass, one at a time, running whatever falls due."""
    for _ in range(n):
        await next_poll(hass, freezer, 1)


async def _until_event(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    events: list[Any],
    limit: int,
) -> int:
    """Return how many seconds passed until an event was fired (at most `limit`)."""
    before = len(events)
    for second in range(1, limit + 1):
        await next_poll(hass, freezer, 1)
        if len(events) > before:
            return second
    return limit + 1


@dataclass
class EnswitchLine(Account):
    """The fake Enswitch and the account that watches it, set up by `ring` or the test."""

    enswitch: FakeEnswitch

    def active(self) -> str:
        """Return the state of the active-calls sensor."""
        return self.hass.states.get(ACTIVE).state

    def count(self, action: str, since: int = 0) -> int:
        """Return how many `action` requests the fake answered since request `since`."""
        return _count(self.enswitch, action, since)

    async def seconds(self, n: int) -> None:
        """Let `n` seconds pass, one at a time."""
        await _seconds(self.hass, self.freezer, n)

    async def asked_within(self, n: int) -> Counter[str]:
        """Let `n` seconds pass; return the requests made meanwhile, by action."""
        mark = len(self.enswitch.requests)
        await self.seconds(n)
        return Counter(action for action, _ in self.enswitch.requests[mark:])

    async def until_missed(self, limit: int) -> int:
        """Return how many seconds passed until a missed call was announced."""
        return await _until_event(self.hass, self.freezer, self.events, limit)

    async def ring(self) -> tuple[str, float]:
        """Set up, ring a call and let a regular poll see it; return its id and start."""
        await setup_entry(self.hass, self.entry)
        started = time.time()
        call_id = self.enswitch.start_call(CALLER, "100")
        await self.poll()
        assert self.active() == "1"
        return call_id, started

    async def missed_once(self) -> None:
        """Ring a call that leaves unanswered, recorded at once; wait for its event."""
        call_id, started = await self.ring()
        self.enswitch.end_call(call_id)
        self.enswitch.add_missed_call(started, CALLER, uniqueid="u1")
        await self.until_missed(10)


@pytest.fixture
def line(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
) -> EnswitchLine:
    """Return the Enswitch line, its missed-call events captured from the start."""
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    return EnswitchLine(
        hass=hass,
        freezer=freezer,
        entry=enswitch_entry,
        events=events,
        started=freezer().timestamp(),
        enswitch=enswitch,
    )


async def test_a_missed_call_is_announced_within_seconds(line: EnswitchLine) -> None:
    """A missed call is announced within seconds."""
    call_id, started = await line.ring()
    await line.seconds(10)
    # It stops ringing; the provider records it 2 s later, with the time it started.
    line.enswitch.end_call(call_id)
    await line.seconds(2)
    line.enswitch.add_missed_call(started, CALLER, dnumber="100", uniqueid="u1")
    waited = await line.until_missed(30)
    # Noticed within 3 s of leaving, found by the check 3 s after that: not a poll
    # interval later.
    assert waited <= 2 * QUICK_INTERVAL
    assert [event.data["caller_number"] for event in line.events] == [CALLER]
    assert line.events[0].data["catch_up"] is False
    await line.seconds(60)
    assert len(line.events) == 1


async def test_found_at_once_when_the_provider_is_quick(line: EnswitchLine) -> None:
    """Found at once when the provider is quick."""
    call_id, started = await line.ring()
    line.enswitch.end_call(call_id)
    line.enswitch.add_missed_call(started, CALLER, dnumber="100", uniqueid="u1")
    before = line.count(MISSED_LIST)
    assert await line.until_missed(30) <= QUICK_INTERVAL
    # Found by the check made at once: the later checks are not made.
    await line.seconds(20)
    assert line.count(MISSED_LIST) - before == 1


async def test_checks_give_up_when_no_row_appears(line: EnswitchLine) -> None:
    """A call that leaves unanswered but is never recorded as missed (the caller hung
    up in a menu): four checks, then the poll interval again."""
    call_id, _ = await line.ring()
    line.enswitch.end_call(call_id)
    checks = await line.asked_within(int(MISSED_CHECKS[-1]) + 3)
    assert checks[MISSED_LIST] == len(MISSED_CHECKS)
    await line.seconds(QUIET)
    idle = await line.asked_within(60)
    # Back to idle once the line stays quiet: a full poll every 30 s.
    assert idle[MISSED_LIST] == 2
    assert idle[ACTIVE_LIST] == 2


async def test_requests_while_ringing_are_bounded(line: EnswitchLine) -> None:
    """Requests while ringing are bounded."""
    await line.ring()
    ringing = await line.asked_within(60)
    # The active calls every 3 s; the missed calls still once a poll interval.
    assert 60 / QUICK_INTERVAL - 1 <= ringing[ACTIVE_LIST] <= 20
    assert ringing[MISSED_LIST] == 2


async def test_an_answered_call_asks_nothing_more(line: EnswitchLine) -> None:
    """An answered call asks nothing more."""
    call_id, _ = await line.ring()
    mark = len(line.enswitch.requests)
    await line.seconds(8)
    line.enswitch.answer_call(call_id)
    await line.seconds(10)
    # Seen answered at the third quick poll: no more every 3 s, but every 10 s, as
    # calls are coming.
    active = line.count(ACTIVE_LIST, mark)
    assert active == 3
    await line.seconds(10)
    assert line.count(ACTIVE_LIST, mark) == active + 1
    # It ends: no checks, as it was answered; the missed calls once a poll interval.
    line.enswitch.end_call(call_id)
    after = await line.asked_within(30)
    assert after[MISSED_LIST] == 1
    # Every 10 s, and the refresh that asks for the missed calls.
    assert 3 <= after[ACTIVE_LIST] <= 4


@pytest.mark.usefixtures("init_integration")
async def test_outgoing_and_long_ringing_calls_do_not_lead(line: EnswitchLine) -> None:
    """Outgoing and long ringing calls do not lead."""
    line.enswitch.start_call("+6490000001", "100", direction="out")
    await line.poll()
    assert (await line.asked_within(30))[ACTIVE_LIST] == 1
    # An incoming call that rings on (a queue, a leg never hung up) leads for
    # RING_LIMIT; it is no new call, so the poll interval is back once quiet.
    line.enswitch.start_call(CALLER, "100")
    await line.seconds(max(int(RING_LIMIT), QUIET) + 31)
    assert (await line.asked_within(60))[ACTIVE_LIST] == 2


async def test_a_flood_of_ringing_calls(line: EnswitchLine) -> None:
    """50 calls ring at once and leave a second apart, each recorded 2 s later."""
    await setup_entry(line.hass, line.entry)
    started = time.time()
    calls = [line.enswitch.start_call(f"+64210000{n:02d}", "100") for n in range(50)]
    await line.poll()
    mark = len(line.enswitch.requests)
    recorded: list[tuple[float, int]] = []
    for second in range(120):
        if second < 50:
            line.enswitch.end_call(calls[second])
            recorded.append((time.time() + 2, second))
        while recorded and recorded[0][0] <= time.time():
            index = recorded.pop(0)[1]
            line.enswitch.add_missed_call(
                started, f"+64210000{index:02d}", uniqueid=f"flood{index}"
            )
        await line.seconds(1)
    # At most one active-calls and one missed-calls request every 3 s, and one of
    # each per poll interval: 120 s is 40 of each at most.
    assert line.count(ACTIVE_LIST, mark) <= 120 / QUICK_INTERVAL
    assert line.count(MISSED_LIST, mark) <= 120 / QUICK_INTERVAL
    assert sorted(event.data["caller_number"] for event in line.events) == [
        f"+64210000{index:02d}" for index in range(50)
    ]


async def test_a_failing_quick_poll_falls_back_to_the_poll_interval(
    line: EnswitchLine,
) -> None:
    """A failing quick poll falls back to the poll interval."""
    call_id, started = await line.ring()
    line.enswitch.fault = FaultPlan(status=503)
    # One quick poll failed; nothing more until the next regular poll.
    assert (await line.asked_within(29)).total() == 1
    assert line.active() == STATE_UNAVAILABLE
    line.enswitch.fault = FaultPlan()
    await line.seconds(4)
    assert line.active() == "1"
    # Still ringing: quick polls again.
    assert (await line.asked_within(9))[ACTIVE_LIST] == 3
    # A provider that asks to slow down in the middle of the checks.
    line.enswitch.end_call(call_id)
    line.enswitch.fault = FaultPlan(status=429, retry_after="60", times=1)
    assert (await line.asked_within(30)).total() == 1
    line.enswitch.add_missed_call(started, CALLER, uniqueid="u1")
    await line.seconds(45)
    assert [event.data["caller_number"] for event in line.events] == [CALLER]


async def test_a_role_without_missed_calls_still_polls_quickly(
    line: EnswitchLine,
) -> None:
    """A role without missed calls still polls quickly."""
    line.enswitch.missed_role = False
    call_id, _ = await line.ring()
    ringing = await line.asked_within(6)
    assert ringing[ACTIVE_LIST] == 2
    assert ringing[MISSED_LIST] == 0
    # It leaves: the check at once is refused, and no other is made.
    line.enswitch.end_call(call_id)
    assert (await line.asked_within(20))[MISSED_LIST] == 1
    assert line.active() == "0"


async def test_a_role_without_active_calls_polls_at_the_interval(
    line: EnswitchLine,
) -> None:
    """A role without active calls polls at the interval."""
    await line.ring()
    line.enswitch.active_role = False
    await line.seconds(3)
    polled = await line.asked_within(30)
    assert polled[ACTIVE_LIST] == 1
    assert polled[MISSED_LIST] == 1


async def test_the_interval_option_stays_the_idle_interval(line: EnswitchLine) -> None:
    """The interval option stays the idle interval."""
    await setup_entry(line.hass, line.entry, {CONF_SCAN_INTERVAL: 60})
    assert (await line.asked_within(120))[ACTIVE_LIST] == 2
    line.enswitch.start_call(CALLER, "100")
    await line.seconds(61)
    assert (await line.asked_within(30))[ACTIVE_LIST] == 10


async def test_voipnow_rings_then_misses(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
) -> None:
    """Voipnow rings then misses."""
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    await setup_entry(hass, voipnow_entry)
    started = time.time()
    answered = voipnow.start_call("+6421555001", ["0003*210"])
    missed = voipnow.start_call(CALLER, ["0003*211"])
    await next_poll(hass, freezer)
    await _seconds(hass, freezer, 5)
    voipnow.answer_call(answered)
    voipnow.end_call(missed)
    await _seconds(hass, freezer, 1)
    voipnow.add_history(started, CALLER, "0003*211")
    assert await _until_event(hass, freezer, events, 30) <= 2 * QUICK_INTERVAL
    assert [event.data["caller_number"] for event in events] == [CALLER]
    # The answered call goes on: the poll interval again.
    mark = len(voipnow.requests)
    await _seconds(hass, freezer, 30)
    assert len(voipnow.requests) - mark <= 4


async def test_telecmi_is_not_polled_quickly(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    telecmi: FakeTelecmi,
    telecmi_pushes: TelecmiPushes,
) -> None:
    """TeleCMI lists no live calls: a pushed ringing call changes nothing in polling."""
    now: datetime = freezer()  # type: ignore[assignment]
    push = event_push(telecmi.app_id, "conv-1", "waiting", now.timestamp())
    response = await telecmi_pushes.client.post(
        "/api/webhook/telecmi_webhook_id", json=push
    )
    assert response.status == 200
    mark = len(telecmi.requests)
    await _seconds(hass, freezer, 60)
    # Incoming and outgoing missed calls, once a poll interval.
    assert len(telecmi.requests) - mark == 4
    # The pushed call rings still, as a live call, and polling took no notice.
    assert hass.states.get("sensor.telecmi_1111113_active_calls").state == "1"


@pytest.mark.parametrize("seconds", [0, 1, 2])
async def test_quick_refreshes_stop_with_the_entry(
    line: EnswitchLine, seconds: int
) -> None:
    """Quick refreshes stop with the entry."""
    await line.ring()
    await line.seconds(seconds)
    assert await line.hass.config_entries.async_unload(line.entry.entry_id)
    assert (await line.asked_within(10)).total() == 0


async def test_no_quick_refresh_while_home_assistant_stops(line: EnswitchLine) -> None:
    """No quick refresh while home assistant stops."""
    await line.ring()
    line.hass.set_state(CoreState.stopping)
    assert (await line.asked_within(3)).total() == 0
    line.hass.set_state(CoreState.running)


def _listings(enswitch: FakeEnswitch) -> int:
    return sum(
        1 for asked, _ in enswitch.requests if asked in (ACTIVE_LIST, MISSED_LIST)
    )


async def test_after_a_missed_call_polls_come_quickly_then_widen(
    line: EnswitchLine,
) -> None:
    """After a missed call, the active calls are listed every 10 s, then less often."""
    await line.missed_once()
    # When the active calls are listed, second by second, until long after.
    listed: list[int] = []
    for second in range(QUIET + 90):
        before = line.count(ACTIVE_LIST)
        await line.seconds(1)
        if line.count(ACTIVE_LIST) > before:
            listed.append(second)
    gaps = [later - earlier for earlier, later in pairwise(listed)]
    busy = int(ACTIVITY_PACE.busy_interval)
    # Every 10 s for a while (a tick late at most; a refresh for the missed calls may
    # come between), widening, then the poll interval.
    assert all(gap <= busy + 1 for gap in gaps[:8])
    assert sum(busy <= gap for gap in gaps[:8]) >= 6
    assert any(busy + 1 < gap < 30 for gap in gaps)
    assert all(gap <= 31 for gap in gaps)
    assert all(30 <= gap <= 31 for gap in gaps[-2:])
    assert len(line.events) == 1


async def test_a_flood_never_passes_the_ceiling(line: EnswitchLine) -> None:
    """For more than an hour, a new call rings every 2 s and leaves, never recorded."""
    await setup_entry(line.hass, line.entry)
    counted: list[int] = []
    ringing: list[str] = []
    for second in range(3600 + 900):
        if second % 2 == 0:
            ringing.append(line.enswitch.start_call(f"+6421{second:06d}", "100"))
        if len(ringing) > 2:
            line.enswitch.end_call(ringing.pop(0))
        await line.seconds(1)
        counted.append(_listings(line.enswitch))
    busiest = max(
        later - earlier for earlier, later in zip(counted, counted[3600:], strict=False)
    )
    assert busiest <= MAX_REQUESTS_PER_HOUR
    # The ceiling, not the flood, held them: a listing every 3 s is 1,200 an hour.
    assert busiest > MAX_REQUESTS_PER_HOUR * 0.9
    assert line.active() == "2"


async def test_a_provider_asking_to_wait_is_obeyed_while_calls_come(
    line: EnswitchLine,
) -> None:
    """A provider's Retry-After holds even the quick polls of calls coming."""
    await line.missed_once()
    # Calls are coming (every 10 s), when the provider asks to wait two minutes.
    line.enswitch.fault = FaultPlan(status=429, retry_after="120", times=1)
    await line.seconds(int(ACTIVITY_PACE.busy_interval) + 1)
    mark = len(line.enswitch.requests)
    await line.seconds(118)
    assert len(line.enswitch.requests) == mark
    await line.seconds(2)
    assert line.count(ACTIVE_LIST, mark) == 1
    # No new call since: the poll interval, not the quick polls of before.
    assert (await line.asked_within(60))[ACTIVE_LIST] == 2
    assert len(line.events) == 1


async def test_a_pushed_call_counts_as_a_call(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    relay: str,  # noqa: F811
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
) -> None:
    """A call that rang, was answered and ended between two polls, told by pushes."""
    assert await setup_entry(hass, voipnow_entry, {CONF_CALL_EVENTS: True})
    call = await voipnow.ring("021 555 0101", "0003*210")
    await voipnow.answer(call)
    await voipnow.hang_up(call)
    await hass.async_block_till_done()

    def phone_calls() -> int:
        return sum(1 for path, _ in voipnow.requests if "/phoneCalls/" in path)

    mark = phone_calls()
    await next_poll(hass, freezer)
    assert phone_calls() > mark
    # Calls are coming: the next listings 10 s apart, not a poll interval.
    mark = phone_calls()
    await _seconds(hass, freezer, 2 * int(ACTIVITY_PACE.busy_interval) + 1)
    assert phone_calls() - mark == 2
