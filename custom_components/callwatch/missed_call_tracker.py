"""Which missed calls are new: polling windows, overlap, one rule for the same call.

Free of Home Assistant and of any provider, so that it can be tested on its own.

Each poll asks the provider for the window [previous poll - OVERLAP, now + CLOCK_MARGIN).
The overlap catches calls that the provider records late (a call is logged when it stops
ringing, with the time it started) or stamps with a clock running behind ours; the margin
catches calls stamped by a clock running ahead. The cursor (the previous poll) never
moves backwards: a clock set back asks again around it, not around the earlier time.

A call reaches us listed by a poll, pushed by the provider, or both, in any order. The
rule for "is this the same call" (`same_call`), used for both:
- Within one source (listing with listing, push with push), calls are compared by key:
  their id where they have one, else the direction, the time and the caller's number as
  given (nothing an option changes). A different id is a different call, never merged.
  The same id twice in one listing is one call; rows without ids that share a key are
  as many calls as the listing shows.
- Across sources (ids of a listing and of a push are never compared), a pushed call and a
  listed row may be the same call when direction and caller's number (canonical) are
  equal, their called numbers are equal or either is unknown, and their times are at
  most PUSH_MATCH apart (PUSH_MATCH + CLOCK_MARGIN when either was stamped by our
  clock). They are paired one to one: each claims at most one of the other source, the
  nearest in time that is free or whose partner can move to another (an augmenting
  path), so that look-alike calls arriving in any order end up paired as many as can be.
A pair, or a call alone, is announced once: when its first member that counts (the
user's filter, applied as it arrives) arrives. A push that does not say the called
number does not count while called numbers are watched; its row is announced then, if it
counts. A call announced stays announced whatever arrives later: a row returned again by
a later window, a push retried or repeated, the other source's copy of it. So does a row
the first poll took stock of, whatever the filter said: history, not news, even when a
push that counts pairs with it later. Look-alikes paired anew may leave fewer pairs that
count than were announced: as many others are then settled, never announced again, so
that no more calls are announced than pairs and lone calls remembered.

Only what a later window or an accepted push can still bring back is remembered: the
state is bounded by the calls of the overlap, not by the history. A push is accepted only
when stamped within [now - OVERLAP, now + CLOCK_MARGIN] (now at least the cursor): one
from further back (a retry after the overlap) is left to the polls, which see that span;
one from the future (a skewed clock, a forged push) is announced by the poll that lists
it, if one does, and never becomes the latest missed call early. A push stamped by our
clock while that clock is behind the cursor is left to the polls too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import heapq
from typing import Any, NamedTuple

from .missed_call_record import (
    FORGOTTEN,
    KnownCall,
    Source,
    read_state,
    write_state,
)
from .providers import CallDirection, MissedCall, country_free_digits

OVERLAP = timedelta(minutes=15)
CLOCK_MARGIN = timedelta(minutes=5)
FIRST_HISTORY = timedelta(hours=24)
CATCH_UP_LIMIT = timedelta(hours=24)
PUSH_MATCH = timedelta(minutes=2)
# How many calls one search for a partner may visit: look-alike calls are few, and a
# flood of them must not make a poll quadratic.
PAIRING_SEARCH_LIMIT = 64
# Calls found but not yet announced (Home Assistant still starting) kept, and saved, at
# most: beyond this the oldest are dropped, with a warning.
MAX_HELD = 1000
# `country_free_digits` gives at least this many: called numbers that may be one end alike.
_SHORTEST_DIGITS = 6

type Counts = Callable[[MissedCall], bool]
type _Caller = tuple[CallDirection, str | None]


class PushOutcome(StrEnum):
    """What became of a pushed call."""

    NEW = "new"  # to be announced
    KNOWN = "known"  # announced before, or the same call as a listed one
    IGNORED = "ignored"  # not one the user watches (still remembered)
    OUT_OF_RANGE = "out_of_range"  # stamped too far back or ahead: left to the polls


@dataclass(frozen=True, slots=True)
class Window:
    """A span of provider time to ask for: start <= time < end."""

    start: datetime
    end: datetime


class PushTaken(NamedTuple):
    """What became of a pushed call, and what to announce."""

    outcome: PushOutcome
    announce: tuple[MissedCall, ...] = ()


def _pair_id(item: KnownCall, partner: KnownCall | None) -> frozenset[int]:
    return frozenset({id(item), id(partner)} if partner is not None else {id(item)})


def _counted(item: KnownCall, partner: KnownCall | None) -> bool:
    """Tell whether a call or its partner counted (or was settled) when it arrived."""
    return item.counted or (partner is not None and partner.counted)


def same_call(listed: MissedCall, pushed: MissedCall) -> bool:
    """Tell whether a listed row and a pushed call, whatever their ids, may be one."""
    tolerance = PUSH_MATCH
    if listed.stamped_locally or pushed.stamped_locally:
        tolerance += CLOCK_MARGIN
    return (
        listed.direction == pushed.direction
        and listed.caller_number == pushed.caller_number
        and (
            listed.called_number is None
            or pushed.called_number is None
            or listed.called_number == pushed.called_number
        )
        and abs(listed.time - pushed.time) <= tolerance
    )


def _caller(call: MissedCall) -> _Caller:
    """Return what `same_call` always requires equal, to find candidates quickly."""
    return (call.direction, call.caller_number)


def _same(one: KnownCall, other: KnownCall) -> bool:
    if one.source is Source.LISTING:
        return same_call(one.call, other.call)
    return same_call(other.call, one.call)


class MissedCallTracker:
    """Remembers the missed calls already seen, and tells new ones apart."""

    def __init__(self) -> None:
        """Start with no history: the first poll only takes stock."""
        self.last_poll: datetime | None = None
        self.latest: MissedCall | None = None
        # Per source, by key; rows without an id that look alike share a key.
        self._listed: dict[str, list[KnownCall]] = {}
        self._pushed: dict[str, KnownCall] = {}
        # Per source, by direction and caller: where a partner may be.
        self._by_caller: dict[Source, dict[_Caller, list[KnownCall]]] = {
            Source.LISTING: {},
            Source.PUSH: {},
        }
        # Every call remembered, oldest first, to be forgotten in that order.
        self._by_time: list[tuple[datetime, int, KnownCall]] = []
        self._sequence = 0
        # Calls to announce once Home Assistant has started, each with its catch-up.
        self.held: list[tuple[MissedCall, bool]] = []

    @property
    def remembered_calls(self) -> int:
        """Return how many calls the tracker holds on to."""
        return sum(map(len, self._listed.values())) + len(self._pushed)

    def hold(self, calls: Iterable[MissedCall], catch_up: bool) -> int:
        """Keep calls to announce later; return how many of the oldest were dropped."""
        self.held.extend((call, catch_up) for call in calls)
        excess = len(self.held) - MAX_HELD
        if excess <= 0:
            return 0
        self.held.sort(key=_held_order)
        del self.held[:excess]
        return excess

    def release(self) -> list[tuple[MissedCall, bool]]:
        """Return the calls held, oldest first, and hold none."""
        held, self.held = sorted(self.held, key=_held_order), []
        return held

    def window(self, now: datetime) -> Window:
        """Return the window the next poll must ask for.

        A clock behind the cursor (set back, or not yet set after a boot) asks again
        around the cursor, never hours before it: the cursor is the latest time known
        to have passed, and the calls before its overlap are already forgotten.
        """
        if self.last_poll is None:
            return Window(start=now - FIRST_HISTORY, end=now + CLOCK_MARGIN)
        now = max(now, self.last_poll)
        start = max(self.last_poll - OVERLAP, now - CATCH_UP_LIMIT)
        return Window(start=start, end=now + CLOCK_MARGIN)

    def take_listing(
        self, now: datetime, calls: Iterable[MissedCall], counts: Counts
    ) -> list[MissedCall]:
        """Take a poll's calls; return those to announce, oldest first.

        Only calls that `counts` accepts are announced and shown as the latest, but
        every call is remembered, so that a call left out is not announced later when
        the filter changes. The first poll of an account announces nothing: what is
        already in its history is not news. The cursor never moves backwards.
        """
        window = self.window(now)
        taking_stock = self.last_poll is None
        by_key: dict[str, list[MissedCall]] = {}
        for call in calls:
            # A row outside the window asked for is left to the windows that cover
            # it: one from before it may already be forgotten.
            if not window.start <= call.time < window.end:
                continue
            group = by_key.setdefault(call.key, [])
            # The same id twice in one listing (a row that moved to the next page
            # while the pages were read) is one call.
            if not group or not call.call_id:
                group.append(call)
        announce: list[MissedCall] = []
        for key, group in by_key.items():
            known = self._listed.setdefault(key, [])
            for call in _unknown(group, known):
                listed = self._remember(KnownCall(call, key, Source.LISTING))
                known.append(listed)
                announce.extend(self._take(listed, counts, settled=taking_stock))
        self.last_poll = now if self.last_poll is None else max(self.last_poll, now)
        self._forget(now)
        if taking_stock:
            return []
        announce.sort(key=lambda call: (call.time, call.key))
        return announce

    def take_push(self, now: datetime, call: MissedCall, counts: Counts) -> PushTaken:
        """Take a call the provider pushed; tell what to announce (oldest first).

        That is the pushed call when it is new and counts; rarely another call, when
        the push shows that look-alike calls paired as one are two.
        """
        if self.last_poll is not None and now < self.last_poll:
            # Our clock is behind the time it had reached: a stamp it gave is wrong.
            if call.stamped_locally:
                return PushTaken(PushOutcome.OUT_OF_RANGE)
            now = self.last_poll
        if not now - OVERLAP <= call.time <= now + CLOCK_MARGIN:
            return PushTaken(PushOutcome.OUT_OF_RANGE)
        if call.key in self._pushed:
            return PushTaken(PushOutcome.KNOWN)
        self._forget(now)
        pushed = self._pushed[call.key] = self._remember(
            KnownCall(call, call.key, Source.PUSH)
        )
        announce = self._take(pushed, counts)
        if announce:
            return PushTaken(PushOutcome.NEW, tuple(announce))
        if pushed.partner is not None:
            return PushTaken(PushOutcome.KNOWN)
        return PushTaken(PushOutcome.IGNORED)

    def _take(
        self, taken: KnownCall, counts: Counts, *, settled: bool = False
    ) -> list[MissedCall]:
        """Pair a call just taken; return what to announce of it and its look-alikes.

        A pair (or a call alone) is announced once, when it first has a member that
        counts: a push that does not say the called number does not count while
        called numbers are watched, and its listed partner, which says it, is
        announced then if it counts. Pairing may rearrange look-alike pairs; as many
        calls are announced as pairs and lone calls that count were added, and when
        fewer count than before, pairs that do not count are settled for the rest.
        A call `settled` (taken stock of by the first poll, or standing for a call
        announced before) is taken as counted: its pair is never announced.
        """
        counted = counts(taken.call)
        if counted:
            self._note_latest(taken.call)
        taken.counted = counted or settled
        before = self._pair(taken)
        old_pairs = {
            _pair_id(item, partner)
            for item, partner in before
            if item is not taken and _counted(item, partner)
        }
        new_pairs: dict[frozenset[int], KnownCall] = {}
        for item, _ in before:
            if _counted(item, item.partner):
                new_pairs.setdefault(_pair_id(item, item.partner), item)
        added = len(new_pairs) - len(old_pairs)
        if added < 0:
            # Re-paired, fewer pairs count than were announced: as many that do not
            # count stand for those announcements, settled so as not to make them again.
            _settle(before, -added)
        if added <= 0:
            return []
        fresh = [
            member
            for pair_key, member in new_pairs.items()
            if pair_key not in old_pairs
        ]
        # The call just taken first; of a pair, the member that counts.
        fresh.sort(
            key=lambda member: member is not taken and member.partner is not taken
        )
        announce: list[MissedCall] = []
        for member in fresh[:added]:
            partner = member.partner
            if member.counted or partner is None or partner is FORGOTTEN:
                announce.append(member.call)
            else:
                announce.append(partner.call)
        return announce

    def _remember(self, known: KnownCall) -> KnownCall:
        self._by_caller[known.source].setdefault(_caller(known.call), []).append(known)
        self._sequence += 1
        heapq.heappush(self._by_time, (known.call.time, self._sequence, known))
        return known

    def _pair(self, taken: KnownCall) -> list[tuple[KnownCall, KnownCall | None]]:
        """Find the copy of a call just taken among the other source's calls.

        Kuhn's augmenting path, nearest in time first: a partner already claimed is
        taken over when its own partner can find another. Return each call whose
        partner changed (the call taken first), with its partner before.
        """
        visited: set[int] = set()
        changed: dict[int, tuple[KnownCall, KnownCall | None]] = {
            id(taken): (taken, taken.partner)
        }

        def claim(known: KnownCall) -> bool:
            other = Source.PUSH if known.source is Source.LISTING else Source.LISTING
            candidates = sorted(
                (
                    candidate
                    for candidate in self._by_caller[other].get(_caller(known.call), ())
                    if id(candidate) not in visited and _same(known, candidate)
                ),
                key=lambda candidate: abs(candidate.call.time - known.call.time),
            )
            for candidate in candidates:
                if len(visited) >= PAIRING_SEARCH_LIMIT:
                    return False
                visited.add(id(candidate))
                partner = candidate.partner
                if partner is None or (partner is not FORGOTTEN and claim(partner)):
                    changed.setdefault(id(known), (known, known.partner))
                    changed.setdefault(id(candidate), (candidate, partner))
                    known.partner, candidate.partner = candidate, known
                    return True
            return False

        claim(taken)
        return list(changed.values())

    def _note_latest(self, call: MissedCall) -> None:
        if self.latest is None or call.time >= self.latest.time:
            self.latest = call

    def _forget(self, now: datetime) -> None:
        """Drop calls that no later window or accepted push can bring back.

        The oldest come first off a heap: a poll pays for the calls it forgets, not
        for all it remembers.
        """
        # A locally stamped push may lie PUSH_MATCH + CLOCK_MARGIN from its row.
        bound = self.window(now).start - PUSH_MATCH - CLOCK_MARGIN
        while self._by_time and self._by_time[0][0] < bound:
            _, _, known = heapq.heappop(self._by_time)
            if known.source is Source.LISTING:
                group = self._listed.get(known.key, [])
                if known in group:
                    group.remove(known)
                if not group:
                    self._listed.pop(known.key, None)
            elif self._pushed.get(known.key) is known:
                del self._pushed[known.key]
            by_caller = self._by_caller[known.source]
            caller = _caller(known.call)
            candidates = by_caller.get(caller, [])
            if known in candidates:
                candidates.remove(known)
            if not candidates:
                by_caller.pop(caller, None)
            partner = known.partner
            if partner is not None and partner is not FORGOTTEN:
                # Its copy stays paired: it is this call, not another.
                partner.partner = FORGOTTEN

    def as_dict(self) -> dict[str, Any]:
        """Return the state in a JSON-ready form (`missed_call_record`)."""
        known = [
            *(listed for group in self._listed.values() for listed in group),
            *self._pushed.values(),
        ]
        return write_state(self.last_poll, self.latest, known, self.held)

    @classmethod
    def from_dict(cls, data: Any) -> MissedCallTracker:
        """Rebuild a tracker from `as_dict` output; ValueError if it is damaged."""
        saved = read_state(data, MAX_HELD)
        tracker = cls()
        tracker.last_poll, tracker.latest = saved.last_poll, saved.latest
        for key, group in saved.version_1_listed:
            tracker._listed[key] = [tracker._remember(item) for item in group]
        for item in saved.calls:
            tracker._remember(item)
            if item.source is Source.LISTING:
                tracker._listed.setdefault(item.key, []).append(item)
            else:
                tracker._pushed[item.key] = item
        tracker.held.extend(saved.held)
        return tracker


def _settle(changed: list[tuple[KnownCall, KnownCall | None]], surplus: int) -> None:
    """Settle `surplus` of the re-paired pairs that do not count, by their row.

    Each call whose partner changed has a new one (an augmenting path pairs all it
    visits), and the pairs that do not count are at least as many as the surplus.
    """
    settling: dict[frozenset[int], KnownCall] = {}
    for item, _ in changed:
        partner = item.partner
        if partner is not None and not _counted(item, partner):
            row = item if item.source is Source.LISTING else partner
            settling.setdefault(_pair_id(item, partner), row)
    for row in list(settling.values())[:surplus]:
        row.counted = True


def _unknown(group: list[MissedCall], known: list[KnownCall]) -> list[MissedCall]:
    """Return the rows of a key not yet known, by count: one known row is one row.

    Rows without an id that share a key are told apart by their called number where
    it is the same as a known row's (it is not in the key: a country reads it), then
    where it may be the same read with another country, as the country may have
    changed since the known row was read. Only the rows left are told apart by count.
    """
    if not known:
        return group
    if len(group) <= len(known):
        return []
    left = Counter(item.call.called_number for item in known)
    unmatched = []
    for call in group:
        if left[call.called_number] > 0:
            left[call.called_number] -= 1
        else:
            unmatched.append(call)
    left_by_digits: dict[str, list[str]] = {}
    for number in left.elements():
        if number is not None and (digits := country_free_digits(number)):
            left_by_digits.setdefault(digits[-_SHORTEST_DIGITS:], []).append(digits)
    unread = [
        call
        for call in unmatched
        if not _take_reread(call.called_number, left_by_digits)
    ]
    still_left = left.total() - (len(unmatched) - len(unread))
    return unread[still_left:]


def _take_reread(number: str | None, left_by_digits: dict[str, list[str]]) -> bool:
    """Take a known called number that `number` may be, read with another country."""
    digits = country_free_digits(number) if number is not None else None
    if digits is None:
        return False
    candidates = left_by_digits.get(digits[-_SHORTEST_DIGITS:], [])
    for position, candidate in enumerate(candidates):
        if digits.endswith(candidate) or candidate.endswith(digits):
            del candidates[position]
            return True
    return False


def _held_order(item: tuple[MissedCall, bool]) -> tuple[datetime, str]:
    return (item[0].time, item[0].key)
