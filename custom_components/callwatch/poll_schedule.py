"""When to poll again: quickly while an incoming call rings; free of Home Assistant.

A missed call is a ringing call first. While the last listing of active calls shows an
incoming call that nobody has answered yet, the coordinator asks for the active calls
every QUICK_INTERVAL instead of every poll interval. When such a call leaves the listing
unanswered, it asks for the missed calls at once, and again MISSED_CHECKS after it
noticed, until a row from that caller stamped with the call's start appears (providers
record a missed call a few seconds after it stops ringing). When nothing rings and no
check is left, polling goes back to the poll interval; the refresh that ends the quick
polls is a full poll.

Bounds, whatever the number of ringing calls: refreshes come at least QUICK_INTERVAL
apart, each asks for the active calls once and for the missed calls at most once, and
the missed calls are asked for at most once every MISSED_SPACING. A call that rings for
longer than RING_LIMIT (a queue, a leg the provider never hangs up) stops leading the
polls; at most MAX_AWAITED calls wait for their missed-call row at once.

Times are seconds of a monotonic clock (the event loop's), but the provider's own
stamps, which a call's row is matched by.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .providers import ActiveCall, CallDirection, MissedCall

QUICK_INTERVAL = 3.0
MISSED_SPACING = 3.0
# After a ringing call left the listing unanswered: when to ask for the missed calls,
# counted from the refresh that noticed it, for as long as its row has not appeared.
MISSED_CHECKS = (0.0, 3.0, 6.0, 15.0)
RING_LIMIT = 120.0
MAX_AWAITED = 100
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


class PollSchedule:
    """Decides what each refresh asks for, and when the next quick refresh is due."""

    def __init__(self, poll_interval: float) -> None:
        """Start idle: the first refresh is a full poll."""
        self._poll_interval = poll_interval
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

    def _rings(self, now: float) -> bool:
        """Return whether a call rings that has not rung for longer than RING_LIMIT."""
        return any(now - since <= RING_LIMIT for _, since in self._ringing.values())

    def took_active_calls(self, now: float, calls: Iterable[ActiveCall]) -> None:
        """Note what rings now; a ringing call that left unanswered is awaited."""
        self._last_active = now
        listed = {call.call_id: call for call in calls}
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

        Always when nothing leads the polls (a full poll) or a poll interval has passed
        since they were last asked for; while calls lead, when a check is due.
        """
        if (
            self._last_missed is None
            or not self.leading(now)
            or now >= self._last_missed + self._poll_interval
        ):
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
        return max(min(due), earliest) if due else None

    def halt(self) -> None:
        """Forget what rings and what is awaited: after a failure, no quick polls."""
        self._ringing.clear()
        self._awaited.clear()
