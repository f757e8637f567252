"""The schedule of quick polls on its own: what rings, what is awaited, what is due.

The tests of ringing calls use a schedule that follows ringing alone (no pace); those
of the pace, and of the ceiling, the coordinator's own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from custom_components.callwatch.poll_schedule import (
    ACTIVITY_PACE,
    MAX_AWAITED,
    MAX_REQUESTS_PER_HOUR,
    MISSED_CHECKS,
    QUICK_INTERVAL,
    RING_LIMIT,
    ActivityPace,
    PollSchedule,
)
from custom_components.callwatch.providers import ActiveCall, CallDirection, MissedCall

T0 = 1000.0
WHEN = datetime(2026, 11, 20, 11, 50, tzinfo=UTC)


def _ringing(
    call_id: str, caller: str | None = "+6491234567", started: datetime | None = WHEN
) -> ActiveCall:
    return ActiveCall(call_id=call_id, caller_number=caller, started=started)


def _missed(
    caller: str | None, call_id: str, time: datetime = WHEN + timedelta(seconds=1)
) -> MissedCall:
    return MissedCall(time=time, caller_number=caller, call_id=call_id)


def _idle_schedule(pace: ActivityPace | None = None) -> PollSchedule:
    schedule = PollSchedule(30, pace)
    schedule.took_active_calls(T0, [])
    assert schedule.wants_missed_calls(T0)
    schedule.took_missed_calls(T0, [])
    return schedule


def test_idle_polls_are_full_polls() -> None:
    """Idle polls are full polls."""
    schedule = _idle_schedule()
    assert schedule.next_quick_refresh(T0) is None
    schedule.took_active_calls(T0 + 30, [])
    assert schedule.wants_missed_calls(T0 + 30)
    # A refresh asked for out of turn is a full poll too.
    assert schedule.wants_missed_calls(T0 + 31)


def test_what_leads_and_what_does_not() -> None:
    """What leads and what does not."""
    schedule = _idle_schedule()
    schedule.took_active_calls(
        T0,
        [
            ActiveCall(call_id="out", direction=CallDirection.OUTBOUND),
            ActiveCall(call_id="answered", answered=True),
            ActiveCall(call_id="unknown"),
            ActiveCall(call_id="in", direction=CallDirection.INBOUND),
        ],
    )
    assert schedule.ringing == 2
    assert schedule.next_quick_refresh(T0) == T0 + QUICK_INTERVAL
    schedule.took_active_calls(T0 + 3, [_ringing("unknown"), _ringing("in")])
    assert not schedule.wants_missed_calls(T0 + 3)
    # Once a poll interval the missed calls are asked for even while calls ring.
    schedule.took_active_calls(T0 + 30, [_ringing("unknown"), _ringing("in")])
    assert schedule.wants_missed_calls(T0 + 30)
    # Ringing for longer than RING_LIMIT: the calls no longer lead.
    later = T0 + RING_LIMIT + 1
    schedule.took_missed_calls(T0 + 30, [])
    schedule.took_active_calls(later, [_ringing("unknown"), _ringing("in")])
    assert not schedule.leading(later)
    assert schedule.next_quick_refresh(later) is None
    # When such a call leaves, its checks are made all the same.
    schedule.took_active_calls(later + 30, [_ringing("in")])
    assert schedule.awaited == 1


def test_checks_until_the_row_appears() -> None:
    """Checks until the row appears."""
    schedule = _idle_schedule()
    older = _missed("+6491234567", "older", WHEN - timedelta(minutes=10))
    schedule.took_missed_calls(T0, [older])
    schedule.took_active_calls(T0, [_ringing("a")])
    schedule.took_active_calls(T0 + 3, [])
    assert schedule.awaited == 1
    assert schedule.wants_missed_calls(T0 + 3)
    # The caller's row of an earlier call is not this call's; the checks go on.
    schedule.took_missed_calls(T0 + 3, [older])
    assert schedule.next_quick_refresh(T0 + 3) == T0 + 3 + MISSED_CHECKS[1]
    schedule.took_active_calls(T0 + 6, [])
    assert schedule.wants_missed_calls(T0 + 6)
    schedule.took_missed_calls(T0 + 6, [older, _missed("+6491234567", "new")])
    assert schedule.awaited == 0
    assert schedule.next_quick_refresh(T0 + 6) is None


def test_checks_give_up_and_refusals_end_them() -> None:
    """Checks give up and refusals end them."""
    schedule = _idle_schedule()
    schedule.took_active_calls(T0, [_ringing("a"), _ringing("b", None)])
    schedule.took_active_calls(T0 + 3, [])
    for delay in MISSED_CHECKS:
        now = T0 + 3 + delay
        assert schedule.awaited == 2
        schedule.took_active_calls(now, [])
        assert schedule.wants_missed_calls(now)
        schedule.took_missed_calls(now, [_missed("+6400000000", f"x{delay}")])
    assert schedule.awaited == 0
    schedule.took_active_calls(T0 + 30, [_ringing("c")])
    schedule.took_active_calls(T0 + 33, [])
    schedule.took_missed_calls(T0 + 33, None)
    assert schedule.awaited == 0


def test_a_withheld_caller_is_found_by_a_withheld_row() -> None:
    """A withheld caller is found by a withheld row."""
    schedule = _idle_schedule()
    schedule.took_active_calls(T0, [_ringing("a", None)])
    schedule.took_active_calls(T0 + 3, [])
    schedule.took_missed_calls(T0 + 3, [_missed(None, "w")])
    assert schedule.awaited == 0


def test_without_a_start_every_check_is_made() -> None:
    """Without a start every check is made."""
    schedule = _idle_schedule()
    schedule.took_active_calls(T0, [_ringing("a", started=None)])
    schedule.took_active_calls(T0 + 3, [])
    schedule.took_missed_calls(T0 + 3, [_missed("+6491234567", "maybe")])
    assert schedule.awaited == 1


def test_a_flood_is_bounded() -> None:
    """A flood is bounded."""
    schedule = _idle_schedule()
    calls = [_ringing(f"c{index}", f"+64210{index:05d}") for index in range(500)]
    schedule.took_active_calls(T0, calls)
    assert schedule.next_quick_refresh(T0) == T0 + QUICK_INTERVAL
    schedule.took_active_calls(T0 + 3, [])
    assert schedule.awaited == MAX_AWAITED
    # Checks due at once are made no sooner than MISSED_SPACING after the last.
    schedule.took_missed_calls(T0 + 3, [])
    assert schedule.next_quick_refresh(T0 + 3) == T0 + 6


def test_halt_forgets_what_rings() -> None:
    """Halt forgets what rings."""
    schedule = _idle_schedule()
    schedule.took_active_calls(T0, [_ringing("a")])
    schedule.halt()
    assert schedule.ringing == 0
    assert schedule.next_quick_refresh(T0) is None


def test_before_any_listing() -> None:
    """Before any missed-call listing, a stopped ringing call is checked at once."""
    schedule = PollSchedule(30, None)
    assert schedule.next_quick_refresh(T0) is None
    schedule.took_active_calls(T0, [_ringing("a")])
    schedule.took_active_calls(T0 + 3, [])
    # Never asked for missed calls yet: the check at once is due now.
    assert schedule.next_quick_refresh(T0 + 3) == T0 + 6
    assert schedule.wants_missed_calls(T0 + 3)


def _answered(call_id: str) -> ActiveCall:
    return ActiveCall(call_id=call_id, caller_number="+6491234567", answered=True)


def _next_refresh(
    schedule: PollSchedule, now: float, poll_interval: float = 30
) -> float:
    """Return when the next refresh comes: a quick one, or the poll interval's."""
    quick = schedule.next_quick_refresh(now)
    return now + poll_interval if quick is None else min(quick, now + poll_interval)


def test_a_call_seen_shortens_the_interval_then_it_widens() -> None:
    pace = ACTIVITY_PACE
    schedule = _idle_schedule(pace)
    assert schedule.next_quick_refresh(T0) is None
    # An answered call: nothing rings, nothing is awaited, but calls are coming.
    schedule.took_active_calls(T0, [_answered("a")])
    assert schedule.next_quick_refresh(T0) == T0 + pace.busy_interval
    now, gaps = T0, []
    while now < T0 + pace.quiet_until_idle(30) + 60:
        later = _next_refresh(schedule, now)
        gaps.append(later - now)
        now = later
        # The call goes on; going on is not a new call.
        schedule.took_active_calls(now, [_answered("a")])
        if schedule.wants_missed_calls(now):
            schedule.took_missed_calls(now, [])
    busy = int(pace.busy_for // pace.busy_interval)
    assert gaps[:busy] == [pace.busy_interval] * busy
    # Widening (with a refresh for the missed calls now and then between), then
    # the poll interval.
    widening = gaps[busy:-2]
    assert max(widening) > pace.busy_interval
    assert all(gap < 30 for gap in widening)
    assert gaps[-2:] == [30, 30]
    intervals = [pace.interval(quiet, 30) for quiet in range(0, 400, 5)]
    assert intervals == sorted(intervals)
    assert intervals[0] == pace.busy_interval
    assert intervals[-1] == 30


def test_busy_refreshes_list_the_active_calls_only() -> None:
    schedule = _idle_schedule(ACTIVITY_PACE)
    schedule.took_active_calls(T0, [_answered("a")])
    asked = []
    for now in (T0 + 10, T0 + 20, T0 + 30, T0 + 40):
        schedule.took_active_calls(now, [_answered("a")])
        asked.append(schedule.wants_missed_calls(now))
        if asked[-1]:
            schedule.took_missed_calls(now, [])
    # The missed calls still once a poll interval.
    assert asked == [False, False, True, False]


def test_what_counts_as_a_call() -> None:
    schedule = _idle_schedule(ACTIVITY_PACE)
    # An outgoing call is not one that could be missed.
    schedule.took_active_calls(
        T0, [ActiveCall(call_id="out", direction=CallDirection.OUTBOUND)]
    )
    assert schedule.next_quick_refresh(T0) is None
    # A new missed-call row is, though nothing was seen in progress.
    schedule.took_missed_calls(T0, [_missed("+6491234567", "new", WHEN)])
    assert schedule.next_quick_refresh(T0) == T0 + ACTIVITY_PACE.busy_interval
    # A push is too.
    schedule = _idle_schedule(ACTIVITY_PACE)
    schedule.saw_call(T0 + 5)
    assert schedule.next_quick_refresh(T0 + 5) == T0 + ACTIVITY_PACE.busy_interval


def test_the_first_listing_of_missed_calls_takes_stock() -> None:
    schedule = PollSchedule(30, ACTIVITY_PACE)
    schedule.took_active_calls(T0, [])
    schedule.took_missed_calls(T0, [_missed("+6491234567", "old")])
    assert schedule.next_quick_refresh(T0) is None
    # The same rows again are not new calls either.
    schedule.took_active_calls(T0 + 30, [])
    schedule.took_missed_calls(T0 + 30, [_missed("+6491234567", "old")])
    assert schedule.next_quick_refresh(T0 + 30) is None


def test_without_a_listing_of_active_calls_no_quick_polls() -> None:
    """TeleCMI lists no calls in progress: its pushes change nothing in polling."""
    schedule = PollSchedule(30, ACTIVITY_PACE)
    schedule.took_missed_calls(T0, [])
    schedule.saw_call(T0)
    schedule.took_missed_calls(T0 + 30, [_missed("+6491234567", "new")])
    assert schedule.next_quick_refresh(T0 + 30) is None
    assert schedule.wants_missed_calls(T0 + 31)


def test_a_failure_ends_the_quick_polls_until_a_call_is_seen_again() -> None:
    schedule = _idle_schedule(ACTIVITY_PACE)
    schedule.took_active_calls(T0, [_answered("a")])
    schedule.halt()
    assert schedule.next_quick_refresh(T0) is None
    # The poll after the failure lists the same call: not a new one.
    schedule.took_active_calls(T0 + 60, [_answered("a")])
    schedule.took_missed_calls(T0 + 60, [])
    assert schedule.next_quick_refresh(T0 + 60) is None
    schedule.took_active_calls(T0 + 90, [_answered("a"), _answered("b")])
    schedule.took_missed_calls(T0 + 90, [])
    assert schedule.next_quick_refresh(T0 + 90) == T0 + 90 + 10


def test_no_pace_follows_ringing_alone() -> None:
    schedule = _idle_schedule(None)
    schedule.took_active_calls(T0, [_answered("a")])
    assert schedule.next_quick_refresh(T0) is None


def _busiest_hour(moments: list[float]) -> int:
    busiest, first = 0, 0
    for index, moment in enumerate(moments):
        while moments[first] <= moment - 3600:
            first += 1
        busiest = max(busiest, index - first + 1)
    return busiest


@pytest.mark.parametrize("poll_interval", [15, 30, 60, 3600])
def test_a_flood_keeps_to_the_ceiling(poll_interval: int) -> None:
    """New calls ring and leave at every listing for three hours, and are never found."""
    schedule = PollSchedule(poll_interval)
    schedule.took_active_calls(T0, [])
    now, asked, serial = T0, [], 0
    while now < T0 + 3 * 3600:
        schedule.asking(now)
        asked.append(now)
        serial += 1
        schedule.took_active_calls(now, [_ringing(f"c{serial}", f"+6421{serial:06d}")])
        if schedule.wants_missed_calls(now):
            schedule.asking(now)
            asked.append(now)
            schedule.took_missed_calls(now, [])
        now = _next_refresh(schedule, now, poll_interval)
    assert _busiest_hour(asked) <= MAX_REQUESTS_PER_HOUR
    # The ceiling is what held them: at 3 s, the flood would ask for twice as many.
    assert _busiest_hour(asked) >= MAX_REQUESTS_PER_HOUR - 4 * 3600 // poll_interval


def test_an_outage_counts_towards_the_ceiling() -> None:
    """Listings that failed were asked for all the same."""
    schedule = PollSchedule(30)
    for second in range(MAX_REQUESTS_PER_HOUR):
        schedule.asking(T0 + second)
    schedule.took_active_calls(T0 + 900, [_ringing("a")])
    assert schedule.asked_in_the_last_hour(T0 + 900) == MAX_REQUESTS_PER_HOUR
    assert schedule.next_quick_refresh(T0 + 900) is None
    # An hour later the hour's listings are forgotten, and the quick polls resume.
    schedule.took_active_calls(T0 + 3600 + 900, [_ringing("a"), _ringing("b")])
    assert schedule.asked_in_the_last_hour(T0 + 3600 + 900) == 0
    assert schedule.next_quick_refresh(T0 + 3600 + 900) == T0 + 3600 + 903


@pytest.mark.parametrize("poll_interval", [15, 30, 45])
def test_quick_refreshes_ask_for_the_missed_calls_every_poll_interval(
    poll_interval: int,
) -> None:
    """They put off the poll at the poll interval, so one of them must ask instead."""
    schedule = PollSchedule(poll_interval, ACTIVITY_PACE)
    schedule.took_active_calls(T0, [])
    schedule.took_missed_calls(T0, [])
    now, missed_at, serial = T0, [T0], 0
    while now < T0 + 600:
        now = _next_refresh(schedule, now, poll_interval)
        serial += 1
        # A new answered call now and then keeps the line busy.
        schedule.took_active_calls(now, [_answered(f"c{serial // 4}")])
        if schedule.wants_missed_calls(now):
            missed_at.append(now)
            schedule.took_missed_calls(now, [])
    assert max(later - earlier for earlier, later in pairwise(missed_at)) <= (
        poll_interval
    )
