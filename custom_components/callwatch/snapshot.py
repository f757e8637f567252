"""What an account shows: one snapshot, made by the coordinator, read by the rest.

Entities, diagnostics and actions read `coordinator.data`, a `CallwatchData`; every
call in it is already described (its caller named, its numbers for reading), so what
they show was worked out once, when the snapshot was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .announcer import MissedCallAnnouncer
from .callers import Callers, DescribedActiveCall, DescribedCall
from .phonebook import Phonebook
from .providers import ActiveCall

# Calls in progress described for a dashboard; the count takes them all.
DESCRIBED_ACTIVE_CALLS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingCall:
    """A missed call the user has yet to deal with."""

    described: DescribedCall
    # Found after a gap in watching.
    catch_up: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MissedCallBookkeeping:
    """How the announcing goes, for diagnostics."""

    announced_since_setup: int
    held_until_started: int
    cursor: datetime | None
    remembered_calls: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CallwatchData:
    """What the account showed at the last poll, with the pushes and changes since."""

    polled_at: datetime
    active_calls: tuple[ActiveCall, ...] | None
    # What the account's role refused at the last poll (ACTIVE_CALLS, MISSED_CALLS).
    forbidden: frozenset[str]
    # The first DESCRIBED_ACTIVE_CALLS of `active_calls`; None while those are unknown.
    described_active_calls: tuple[DescribedActiveCall, ...] | None
    latest_missed_call: DescribedCall | None
    # The local day the missed calls were last counted on, and how many there were.
    missed_day: date | None
    missed_on_day: int
    # Oldest first.
    waiting: tuple[WaitingCall, ...]
    phonebook: Phonebook
    bookkeeping: MissedCallBookkeeping

    def missed_calls_on(self, today: date) -> int:
        """Return how many missed calls were announced on `today`."""
        return self.missed_on_day if self.missed_day == today else 0


def take_snapshot(
    *,
    polled_at: datetime,
    active_calls: tuple[ActiveCall, ...] | None,
    forbidden: frozenset[str],
    announcer: MissedCallAnnouncer,
    callers: Callers,
) -> CallwatchData:
    """Describe what the account shows now: the calls as the announcer keeps them."""
    log = announcer.log
    latest = announcer.latest
    return CallwatchData(
        polled_at=polled_at,
        active_calls=active_calls,
        forbidden=forbidden,
        described_active_calls=(
            None
            if active_calls is None
            else tuple(
                callers.describe_active(call)
                for call in active_calls[:DESCRIBED_ACTIVE_CALLS]
            )
        ),
        latest_missed_call=None if latest is None else callers.describe(latest),
        missed_day=log.day,
        missed_on_day=log.count_on(log.day) if log.day else 0,
        waiting=tuple(
            WaitingCall(
                described=callers.describe(call), catch_up=log.is_catch_up(call)
            )
            for call in log.waiting
        ),
        phonebook=callers.phonebook,
        bookkeeping=MissedCallBookkeeping(
            announced_since_setup=announcer.announced,
            held_until_started=announcer.held,
            cursor=announcer.tracker.last_poll,
            remembered_calls=announcer.tracker.remembered_calls,
        ),
    )
