"""When to poll again: quickly while an incoming call rings; free of Home Assistant.

A missed call is a ringing call first. While the last listing of active calls shows an
incoming call that nobody has answered yet, the coordinator asks for the active calls
every QUICK_INTERVAL instead of every poll interval. When such a call leaves the listing
unanswered, it asks for the missed calls at once, and again MISSED_CHECKS after it
noticed, until a row from that caller stamped with the call's start appears (providers
record a missed call a few seconds after it stops ringing). When nothing rings, no
check is left and the line is quiet, polling goes back to the poll interval; the
refresh that ends the quick polls is a full poll. Quick refreshes put off the poll at
the poll interval, so the last of them before it would have come asks for the missed
calls: they are asked for at least once a poll interval.

Bounds, whatever the number of ringing calls: refreshes come at least QUICK_INTERVAL
apart, each asks for the active calls once and for the missed calls at most once, and
the missed calls are asked for at most once every MISSED_SPACING. A call that rings for
longer than RING_LIMIT (a queue, a leg the provider never hangs up) stops leading the
polls; at most MAX_AWAITED calls wait for their missed-call row at once.

Between calls, polling follows the office's activity (ActivityPace): after a call is
seen (a new incoming call listed, ringing or answered; a new missed-call row; a push),
the active calls are listed every `busy_interval` for `busy_for`, and as the line stays
quiet the interval widens back to the poll interval, which stays the idle interval.

Whatever happens, at most MAX_REQUESTS_PER_HOUR listings are asked for in any hour:
a quick refresh is left out when the last hour's listings, with those the polls at the
poll interval may still make within the hour, would pass it. A failure (an outage, a
provider asking to wait) ends the quick polls: none is made until a poll succeeds, and
only calls seen after the failure lead them again.

Times are seconds of a monotonic clock (the event loop's), but the provider's own
stamps, which a call's row is matched by.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import math

from .providers import ActiveCall, CallDirection, MissedCall

QUICK_INTERVAL = 3.0
MISSED_SPACING = 3.0
# After a ringing call left the listing unanswered: when to ask for the missed calls,
# counted from the refresh that noticed it, for as long as its row has not appeared.
MISSED_CHECKS = (0.0, 3.0, 6.0, 15.0)
RING_LIMIT = 120.0
MAX_AWAITED = 100
# Listings (active or missed calls, one request each) in any hour, whatever happens.
MAX_REQUESTS_PER_HOUR = 900
HOUR = 3600.0
# A listed row is the awaited call's when it is from the same caller and stamped no
# earlier than this before the call began (the provider's stamps on both).
STARTED_SLACK = timedelta(seconds=5)


@dataclass(slots=True)
class _Awaited:
    """A call that stopped ringing unanswered, and when to look for its row again."""

    caller_number: str | None
    # When the provider says it began; without it, every check is made.
    started: datetime | None
    checks: list[float]

    def found_in(self, call: MissedCall) -> bool:
        """Tell whether a listed row is this call's missed-call record."""
        return (
            self.started is not None
            and call.caller_number == self.caller_number
            and call.time >= self.started - STARTED_SLACK
        )


@dataclass(frozen=True, slots=True)
class ActivityPace:
    """How often the active calls are listed after a call, and how that widens."""

    busy_interval: float
    # For how long after the last call seen the busy interval holds.
    busy_for: float
    # Then the interval grows by this many seconds a second of quiet, up to the poll
    # interval.
    widening: float

    def interval(self, quiet: float, poll_interval: float) -> float:
        """Return the interval between listings after `quiet` seconds without a call."""
        widened = self.busy_interval + max(0.0, quiet - self.busy_for) * self.widening
        return min(widened, poll_interval)

    def quiet_until_idle(self, poll_interval: float) -> float:
        """Return the seconds without a call after which the poll interval is back."""
        return self.busy_for + (poll_interval - self.busy_interval) / self.widening


# Chosen with benchmarks/test_latency.py (see the README's Performance).
ACTIVITY_PACE = ActivityPace(busy_interval=10.0, busy_for=90.0, widening=0.4)


class PollSchedule:
    """Decides what each refresh asks for, and when the next quick refresh is due."""

    def __init__(
        self, poll_interval: float, pace: ActivityPace | None = ACTIVITY_PACE
    ) -> None:
        """Start idle: the first refresh is a full poll; None: follow ringing only."""
        self._poll_interval = poll_interval
        self._pace = pace
        # When a call was last seen, when the provider's newest missed call began.
        self._last_call: float | None = None
        self._newest_missed: datetime | None = None
        self._missed_listed = False
        # The incoming calls of the last listing, to tell a new one from one going on.
        self._listed: frozenset[str] = frozenset()
        # When each listing of the last hour was asked for (bounded by the ceiling).
        self._asked: deque[float] = deque()
        # Listings the polls at the poll interval alone may make in an hour.
        self._polls_reserve = 2 * math.ceil(HOUR / poll_interval)
        self._last_active: float | None = None
        self._last_missed: float | None = None
        # Incoming calls ringing unanswered in the last listing: since when.
        self._ringing: dict[str, tuple[ActiveCall, float]] = {}
        self._awaited: dict[str, _Awaited] = {}

    @property
    def ringing(self) -> int:
        """Return how many incoming calls ring unanswered."""
        return len(self._ringing)

    @property
    def awaited(self) -> int:
        """Return how many calls that stopped ringing still wait for their row."""
        return len(self._awaited)

    def leading(self, now: float) -> bool:
        """Return whether ringing calls or checks still lead the polls."""
        return bool(self._awaited) or self._rings(now)

    def busy(self, now: float) -> bool:
        """Return whether a call was seen lately enough to list the calls sooner."""
        return self._busy_interval(now) is not None

    def _busy_interval(self, now: float) -> float | None:
        """Return the interval the activity asks for, if shorter than the poll's."""
        if self._pace is None or self._last_call is None or self._last_active is None:
            return None
        interval = self._pace.interval(now - self._last_call, self._poll_interval)
        return interval if interval < self._poll_interval else None

    def _rings(self, now: float) -> bool:
        """Return whether a call rings that has not rung for longer than RING_LIMIT."""
        return any(now - since <= RING_LIMIT for _, since in self._ringing.values())

    def asking(self, now: float) -> None:
        """Note a listing asked for now, whether it succeeds or not."""
        self._asked.append(now)
        self._forget_asked(now)

    def _forget_asked(self, now: float) -> None:
        while self._asked and (
            self._asked[0] <= now - HOUR or len(self._asked) > MAX_REQUESTS_PER_HOUR
        ):
            self._asked.popleft()

    def asked_in_the_last_hour(self, now: float) -> int:
        """Return how many listings were asked for in the hour up to `now`."""
        self._forget_asked(now)
        return len(self._asked)

    def _within_ceiling(self, now: float) -> bool:
        """Tell whether a quick refresh (two listings at most) keeps to the ceiling.

        What the polls at the poll interval may still ask for within the hour is kept
        aside, as they are made whatever happens.
        """
        room = MAX_REQUESTS_PER_HOUR - self._polls_reserve
        return self.asked_in_the_last_hour(now) + 2 <= room

    def saw_call(self, now: float) -> None:
        """Note that a call was seen now (listed, recorded missed, or pushed)."""
        self._last_call = now

    def took_active_calls(self, now: float, calls: Iterable[ActiveCall]) -> None:
        """Note what rings now; a ringing call that left unanswered is awaited."""
        self._last_active = now
        listed = {call.call_id: call for call in calls}
        incoming = frozenset(
            call_id
            for call_id, call in listed.items()
            if call.direction is not CallDirection.OUTBOUND
        )
        if not incoming <= self._listed:
            self.saw_call(now)
        self._listed = incoming
        for call_id, (call, _) in self._ringing.items():
            if call_id not in listed and len(self._awaited) < MAX_AWAITED:
                # Gone without being seen answered: perhaps missed.
                self._awaited[call_id] = _Awaited(
                    call.caller_number,
                    call.started,
                    [now + delay for delay in MISSED_CHECKS],
                )
        self._ringing = {
            call_id: (
                call,
                self._ringing[call_id][1] if call_id in self._ringing else now,
            )
            for call_id, call in listed.items()
            if not call.answered and call.direction is not CallDirection.OUTBOUND
        }

    def wants_missed_calls(self, now: float) -> bool:
        """Return whether this refresh asks for the missed calls.

        Always when nothing leads the polls (a full poll) or the next refresh would come
        more than a poll interval after they were last asked for; while calls lead,
        when a check is due.
        """
        if (
            self._last_missed is None
            or not (self.leading(now) or self.busy(now))
            or now >= self._last_missed + self._poll_interval
        ):
            return True
        # Quick refreshes put off the poll at the poll interval: the last of them
        # before it would have come asks for the missed calls instead.
        following = self.next_quick_refresh(now)
        if following is None or following > self._last_missed + self._poll_interval:
            return True
        return now >= self._last_missed + MISSED_SPACING and any(
            awaited.checks[0] <= now for awaited in self._awaited.values()
        )

    def took_missed_calls(self, now: float, calls: Sequence[MissedCall] | None) -> None:
        """Stop awaiting the calls whose rows appeared; drop the checks that are done.

        None: the role refused the listing, so there is nothing to wait for. Rows are
        looked at only while calls are awaited, and then only their callers'.
        """
        self._last_missed = now
        if calls is None:
            self._awaited.clear()
            return
        newest = max((call.time for call in calls), default=None)
        if newest is not None and (
            self._newest_missed is None or newest > self._newest_missed
        ):
            # The first listing only takes stock of the history.
            if self._missed_listed:
                self.saw_call(now)
            self._newest_missed = newest
        self._missed_listed = True
        if not self._awaited:
            return
        callers = {awaited.caller_number for awaited in self._awaited.values()}
        listed = [call for call in calls if call.caller_number in callers]
        for call_id, awaited in list(self._awaited.items()):
            awaited.checks = [check for check in awaited.checks if check > now]
            if not awaited.checks or any(awaited.found_in(call) for call in listed):
                del self._awaited[call_id]

    def next_quick_refresh(self, now: float) -> float | None:
        """Return when the next quick refresh is due, or None to wait a poll interval."""
        if not self._within_ceiling(now):
            return None
        earliest = now + QUICK_INTERVAL
        if self._last_active is not None:
            earliest = self._last_active + QUICK_INTERVAL
        due: list[float] = []
        if self._rings(now):
            due.append(earliest)
        if self._awaited:
            check = min(awaited.checks[0] for awaited in self._awaited.values())
            if self._last_missed is not None:
                check = max(check, self._last_missed + MISSED_SPACING)
            due.append(check)
        busy_interval = self._busy_interval(now)
        if busy_interval is not None and self._last_active is not None:
            due.append(self._last_active + busy_interval)
        return max(min(due), earliest) if due else None

    def halt(self) -> None:
        """Forget what rings, what is awaited and the last call: no quick polls."""
        self._ringing.clear()
        self._awaited.clear()
        self._last_call = None
        self._last_active = None
