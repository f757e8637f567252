"""The schedule of quick polls on its own: what rings, what is awaited, what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.callwatch.poll_schedule import (
    MAX_AWAITED,
    MISSED_CHECKS,
    QUICK_INTERVAL,
    RING_LIMIT,
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


def _idle_schedule() -> PollSchedule:
    schedule = PollSchedule(30)
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
    schedule = PollSchedule(30)
    assert schedule.next_quick_refresh(T0) is None
    schedule.took_active_calls(T0, [_ringing("a")])
    schedule.took_active_calls(T0 + 3, [])
    # Never asked for missed calls yet: the check at once is due now.
    assert schedule.next_quick_refresh(T0 + 3) == T0 + 6
    assert schedule.wants_missed_calls(T0 + 3)
