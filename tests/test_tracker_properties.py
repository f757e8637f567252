"""The missed-call tracker against a simple model, for any history hypothesis finds.

The model: a provider records calls, each stamped by a clock that may run up to five
minutes off ours, and each listed only some minutes after it happened. Home Assistant polls
at irregular times, with outages between polls, and restarts from its saved state. Every
call that appears after the first poll must be announced exactly once, oldest first within
a poll, and nothing else may be announced: within the bounds the tracker's docstring states
(recorded at most OVERLAP minus the skew late, stamped less than CLOCK_MARGIN ahead).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.callwatch.missed_call_tracker import (
    CATCH_UP_LIMIT,
    CLOCK_MARGIN,
    OVERLAP,
    MissedCallTracker,
)
from custom_components.callwatch.providers import CallDirection, MissedCall

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MAX_SKEW = int(CLOCK_MARGIN.total_seconds()) - 1
MAX_DELAY = int(OVERLAP.total_seconds()) - MAX_SKEW - 1


@dataclass(frozen=True)
class TrueCall:
    """A call as it happened: when, when the provider listed it, and what it shows."""

    happened: int  # seconds after T0, our clock
    delay: int  # seconds until the provider lists it
    caller: str
    called: str
    call_id: str | None

    def as_listed(self, skew: int) -> MissedCall:
        return MissedCall(
            time=T0 + timedelta(seconds=self.happened + skew),
            caller_number=self.caller,
            called_number=self.called,
            call_id=self.call_id,
            direction=CallDirection.INBOUND,
        )


@st.composite
def histories(draw: st.DrawFn) -> tuple[int, list[TrueCall], list[int], list[bool]]:
    skew = draw(st.integers(-MAX_SKEW, MAX_SKEW))
    steps = draw(
        st.lists(
            st.sampled_from([1, 15, 30, 31, 45, 300, 899, 900, 3600, 6 * 3600]),
            min_size=1,
            max_size=25,
        )
    )
    polls = [0]
    for step in steps:
        polls.append(polls[-1] + step)
    horizon = polls[-1]
    ids = iter(range(10**6))
    calls = draw(
        st.lists(
            st.builds(
                lambda happened, delay, caller, called, with_id: TrueCall(
                    happened,
                    delay,
                    caller,
                    called,
                    f"id{next(ids)}" if with_id else None,
                ),
                # A few fixed seconds make calls that look alike (same second, numbers).
                st.one_of(
                    st.integers(-3600, horizon),
                    st.sampled_from([-60, 0, 30, 31, 900]),
                ),
                st.integers(0, MAX_DELAY),
                st.sampled_from(["+641", "+642"]),
                st.sampled_from(["100", "200"]),
                st.booleans(),
            ),
            max_size=40,
        )
    )
    restarts = draw(st.lists(st.booleans(), min_size=len(polls), max_size=len(polls)))
    return skew, calls, polls, restarts


def _listing(
    calls: list[TrueCall], skew: int, now: int, start: datetime, end: datetime
) -> list[MissedCall]:
    """What the provider lists at `now` for the window: calls already recorded."""
    listed = [
        call.as_listed(skew) for call in calls if call.happened + call.delay <= now
    ]
    return [call for call in listed if start <= call.time < end]


def _signature(call: MissedCall) -> tuple[object, ...]:
    return (call.time, call.caller_number, call.called_number, call.call_id)


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(histories())
def test_every_new_call_is_announced_once(
    history: tuple[int, list[TrueCall], list[int], list[bool]],
) -> None:
    skew, calls, polls, restarts = history
    tracker = MissedCallTracker()
    announced: list[MissedCall] = []
    for now_s, restart in zip(polls, restarts, strict=True):
        if restart:
            state = json.loads(json.dumps(tracker.as_dict()))
            tracker = MissedCallTracker.from_dict(state)
        now = T0 + timedelta(seconds=now_s)
        window = tracker.window(now)
        assert window.end - window.start <= CATCH_UP_LIMIT + CLOCK_MARGIN
        new = tracker.record(
            now, _listing(calls, skew, now_s, window.start, window.end)
        )
        assert new == sorted(new, key=lambda call: call.time), "oldest first"
        announced.extend(new)

    first, last = polls[0], polls[-1]
    expected = Counter(
        _signature(call.as_listed(skew))
        for call in calls
        if first < call.happened + call.delay <= last
    )
    assert Counter(_signature(call) for call in announced) == expected


def test_a_call_listed_later_than_the_overlap_may_be_missed() -> None:
    """The bound is real: a call listed more than OVERLAP late falls between windows."""
    tracker = MissedCallTracker()
    tracker.record(T0, [])
    late = MissedCall(time=T0 + timedelta(seconds=10), caller_number="+641")
    now = T0 + timedelta(seconds=30)
    tracker.record(now, [])
    # Listed 20 minutes after it happened, with polls every 30 s meanwhile.
    for step in range(1, 41):
        now = T0 + timedelta(seconds=30 + 30 * step)
        window = tracker.window(now)
        listed = [late] if now - late.time >= timedelta(minutes=20) else []
        new = tracker.record(
            now, [c for c in listed if window.start <= c.time < window.end]
        )
        assert new == []


def test_catch_up_stops_at_its_limit() -> None:
    tracker = MissedCallTracker()
    tracker.record(T0, [])
    now = T0 + CATCH_UP_LIMIT + timedelta(hours=2)
    window = tracker.window(now)
    assert window.start == now - CATCH_UP_LIMIT


def test_rows_outside_the_window_are_left_to_their_windows() -> None:
    """A provider that answers more than was asked cannot make a forgotten call new."""
    tracker = MissedCallTracker()
    old = MissedCall(time=T0 - timedelta(hours=30), caller_number="+641")
    ahead = MissedCall(time=T0 + timedelta(hours=1), caller_number="+642")
    tracker.record(T0, [])
    assert tracker.record(T0 + timedelta(seconds=30), [old, ahead]) == []
    assert tracker.latest is None


@pytest.mark.parametrize(
    "state",
    [
        None,
        {"version": 2},
        {"version": 1, "last_poll": "x", "seen": [], "latest": None},
        {"version": 1, "last_poll": None, "seen": [["k", 1, 0]], "latest": None},
        {"version": 1, "last_poll": None, "seen": [[1, 1, 1]], "latest": None},
        {"version": 1, "last_poll": None, "seen": [["k", 1]], "latest": None},
        {"version": 1, "last_poll": None, "seen": 5, "latest": None},
        {"version": 1, "last_poll": 10**20, "seen": [], "latest": None},
        {"version": 1, "last_poll": None, "seen": [], "latest": "call"},
        {"version": 1, "last_poll": None, "seen": [], "latest": {"time": 1}},
        {"version": 1, "last_poll": None, "seen": [], "latest": None, "pushed": [7]},
        {"version": 1, "seen": [], "latest": None},
    ],
)
def test_damaged_state_is_a_value_error(state: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every kind of damage is one error
        MissedCallTracker.from_dict(state)
