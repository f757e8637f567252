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
a later window, a push retried or repeated, the other source's copy of it.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import heapq
from typing import Any, NamedTuple

from .providers import CallDirection, MissedCall

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
STATE_VERSION = 3
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)

type Counts = Callable[[MissedCall], bool]
type _Caller = tuple[CallDirection, str | None]


class Source(StrEnum):
    """How a call reached us; each source has its own ids."""

    LISTING = "listing"
    PUSH = "push"


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


@dataclass(eq=False, slots=True)
class _Known:
    """A call one source gave us, and its copy from the other source, once found."""

    call: MissedCall
    key: str
    source: Source
    partner: _Known | None = field(default=None, repr=False)
    # Whether the call counted (the user's filter) when it arrived.
    counted: bool = True


# The partner of a call whose copy is already forgotten: it stays paired for good.
_FORGOTTEN = _Known(
    MissedCall(time=EPOCH, caller_number=None), "forgotten", Source.LISTING
)


class PushTaken(NamedTuple):
    """What became of a pushed call, and what to announce."""

    outcome: PushOutcome
    announce: tuple[MissedCall, ...] = ()


def _pair_id(item: _Known, partner: _Known | None) -> frozenset[int]:
    return frozenset({id(item), id(partner)} if partner is not None else {id(item)})


def _counted(item: _Known, partner: _Known | None) -> bool:
    """Tell whether a call or its partner counted when it arrived."""
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


def _same(one: _Known, other: _Known) -> bool:
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
        self._listed: dict[str, list[_Known]] = {}
        self._pushed: dict[str, _Known] = {}
        # Per source, by direction and caller: where a partner may be.
        self._by_caller: dict[Source, dict[_Caller, list[_Known]]] = {
            Source.LISTING: {},
            Source.PUSH: {},
        }
        # Every call remembered, oldest first, to be forgotten in that order.
        self._by_time: list[tuple[datetime, int, _Known]] = []
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
                listed = self._remember(_Known(call, key, Source.LISTING))
                known.append(listed)
                announce.extend(self._take(listed, counts))
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
            _Known(call, call.key, Source.PUSH)
        )
        announce = self._take(pushed, counts)
        if announce:
            return PushTaken(PushOutcome.NEW, tuple(announce))
        if pushed.partner is not None:
            return PushTaken(PushOutcome.KNOWN)
        return PushTaken(PushOutcome.IGNORED)

    def _take(self, taken: _Known, counts: Counts) -> list[MissedCall]:
        """Pair a call just taken; return what to announce of it and its look-alikes.

        A pair (or a call alone) is announced once, when it first has a member that
        counts: a push that does not say the called number does not count while
        called numbers are watched, and its listed partner, which says it, is
        announced then if it counts. Pairing may rearrange look-alike pairs; as many
        calls are announced as pairs and lone calls that count were added.
        """
        taken.counted = counts(taken.call)
        if taken.counted:
            self._note_latest(taken.call)
        before = self._pair(taken)
        old_pairs = {
            _pair_id(item, partner)
            for item, partner in before
            if item is not taken and _counted(item, partner)
        }
        new_pairs: dict[frozenset[int], _Known] = {}
        for item, _ in before:
            if _counted(item, item.partner):
                new_pairs.setdefault(_pair_id(item, item.partner), item)
        added = len(new_pairs) - len(old_pairs)
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
            if member.counted or partner is None or partner is _FORGOTTEN:
                announce.append(member.call)
            else:
                announce.append(partner.call)
        return announce

    def _remember(self, known: _Known) -> _Known:
        self._by_caller[known.source].setdefault(_caller(known.call), []).append(known)
        self._sequence += 1
        heapq.heappush(self._by_time, (known.call.time, self._sequence, known))
        return known

    def _pair(self, taken: _Known) -> list[tuple[_Known, _Known | None]]:
        """Find the copy of a call just taken among the other source's calls.

        Kuhn's augmenting path, nearest in time first: a partner already claimed is
        taken over when its own partner can find another. Return each call whose
        partner changed (the call taken first), with its partner before.
        """
        visited: set[int] = set()
        changed: dict[int, tuple[_Known, _Known | None]] = {
            id(taken): (taken, taken.partner)
        }

        def claim(known: _Known) -> bool:
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
                if partner is None or (partner is not _FORGOTTEN and claim(partner)):
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
            if partner is not None and partner is not _FORGOTTEN:
                # Its copy stays paired: it is this call, not another.
                partner.partner = _FORGOTTEN

    def as_dict(self) -> dict[str, Any]:
        """Return the state in a JSON-ready form; partners as indexes into `calls`."""
        known = [
            *(listed for group in self._listed.values() for listed in group),
            *self._pushed.values(),
        ]
        index = {id(item): position for position, item in enumerate(known)}
        return {
            "version": STATE_VERSION,
            "last_poll": _to_ms(self.last_poll) if self.last_poll else None,
            "latest": missed_call_to_dict(self.latest) if self.latest else None,
            "calls": [
                {
                    "key": item.key,
                    "source": item.source.value,
                    "partner": (
                        None
                        if item.partner is None
                        else index.get(id(item.partner), -1)
                    ),
                    "call": missed_call_to_dict(item.call),
                    "counted": item.counted,
                }
                for item in known
            ],
            "held": [
                {"call": missed_call_to_dict(call), "catch_up": catch_up}
                for call, catch_up in self.held
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> MissedCallTracker:
        """Rebuild a tracker from `as_dict` output; ValueError if it is damaged."""
        if not isinstance(data, dict) or data.get("version") not in (
            1,
            2,
            STATE_VERSION,
        ):
            raise ValueError("unknown or missing state version")
        tracker = cls()
        try:
            if data["last_poll"] is not None:
                tracker.last_poll = _from_ms(data["last_poll"])
            if data["latest"] is not None:
                tracker.latest = missed_call_from_dict(data["latest"])
            if data["version"] == 1:
                tracker._take_version_1(data)
            else:
                # Version 2 built keys of calls without an id from numbers read
                # with a country: rebuilt from the saved calls.
                tracker._take_calls(data["calls"], rebuild_keys=data["version"] == 2)
            tracker._take_held(data.get("held", []))
        except (KeyError, TypeError, IndexError, OverflowError, OSError) as err:
            raise ValueError(f"malformed state: {err!r}") from err
        return tracker

    def _take_calls(self, records: Any, *, rebuild_keys: bool = False) -> None:
        known = [_known_from_dict(record) for record in records]
        if rebuild_keys:
            for item in known:
                item.key = item.call.key
        for item, record in zip(known, records, strict=True):
            partner = record["partner"]
            if partner is None:
                continue
            if isinstance(partner, bool) or not isinstance(partner, int):
                raise TypeError("malformed partner")
            item.partner = _FORGOTTEN if partner < 0 else known[partner]
            if item.partner is not _FORGOTTEN and item.partner.source is item.source:
                raise TypeError("a call paired within its own source")
        for item in known:
            self._remember(item)
            if item.source is Source.LISTING:
                self._listed.setdefault(item.key, []).append(item)
            else:
                self._pushed[item.key] = item

    def _take_held(self, records: Any) -> None:
        if not isinstance(records, list) or len(records) > MAX_HELD:
            raise TypeError("malformed held calls")
        for record in records:
            catch_up = record["catch_up"]
            if not isinstance(catch_up, bool):
                raise TypeError("malformed held call")
            self.held.append((missed_call_from_dict(record["call"]), catch_up))

    def _take_version_1(self, data: dict[str, Any]) -> None:
        """Take the state of releases before pushes and listings were told apart.

        It kept only the keys of listed calls: they stay known, and pair with nothing.
        """
        for key, time, count in data["seen"]:
            if not isinstance(key, str) or not isinstance(count, int) or count < 1:
                raise TypeError("malformed seen call")
            call = MissedCall(time=_from_ms(time), caller_number=None)
            self._listed[key] = [
                self._remember(_Known(call, key, Source.LISTING, _FORGOTTEN))
                for _ in range(count)
            ]
        for record in data.get("pushed", []):
            call = missed_call_from_dict(record)
            self._pushed[call.key] = self._remember(_Known(call, call.key, Source.PUSH))


def _unknown(group: list[MissedCall], known: list[_Known]) -> list[MissedCall]:
    """Return the rows of a key not yet known, by count: one known row is one row.

    Rows without an id that share a key are told apart by their called number where
    it is the same as a known row's (it is not in the key: a country reads it).
    """
    if not known:
        return group
    if len(group) <= len(known):
        return []
    left = Counter(item.call.called_number for item in known)
    matched = 0
    unmatched = []
    for call in group:
        if left[call.called_number] > 0:
            left[call.called_number] -= 1
            matched += 1
        else:
            unmatched.append(call)
    return unmatched[len(known) - matched :]


def _held_order(item: tuple[MissedCall, bool]) -> tuple[datetime, str]:
    return (item[0].time, item[0].key)


def _known_from_dict(record: Any) -> _Known:
    if not isinstance(record, dict):
        raise TypeError("a remembered call is not an object")
    key = record["key"]
    # Calls saved before this was kept were settled: counted, so not announced again.
    counted = record.get("counted", True)
    if not isinstance(key, str) or not isinstance(counted, bool):
        raise TypeError("malformed remembered call")
    return _Known(
        missed_call_from_dict(record["call"]),
        key,
        Source(record["source"]),
        counted=counted,
    )


def missed_call_to_dict(call: MissedCall) -> dict[str, Any]:
    """Return a missed call in a JSON-ready form."""
    return {
        "time": _to_ms(call.time),
        "caller_number": call.caller_number,
        "caller_number_raw": call.caller_number_raw,
        "caller_withheld": call.caller_withheld,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "call_id": call.call_id,
        "direction": call.direction.value,
        "voicemail": call.voicemail,
        "stamped_locally": call.stamped_locally,
    }


def missed_call_from_dict(data: Any) -> MissedCall:
    """Rebuild a missed call from `missed_call_to_dict` output."""
    if not isinstance(data, dict):
        raise TypeError("malformed missed call")
    texts = {
        field: data.get(field)
        for field in (
            "caller_number",
            "caller_number_raw",
            "caller_name",
            "called_number",
            "call_id",
        )
    }
    withheld = data.get("caller_withheld", False)
    voicemail = data.get("voicemail")
    stamped_locally = data.get("stamped_locally", False)
    if not all(value is None or isinstance(value, str) for value in texts.values()):
        raise TypeError("malformed missed call")
    if not isinstance(withheld, bool) or not isinstance(stamped_locally, bool):
        raise TypeError("malformed missed call")
    if voicemail is not None and not isinstance(voicemail, bool):
        raise TypeError("malformed missed call")
    return MissedCall(
        time=_from_ms(data["time"]),
        direction=CallDirection(data["direction"]),
        caller_withheld=withheld,
        voicemail=voicemail,
        stamped_locally=stamped_locally,
        **texts,
    )


def _to_ms(time: datetime) -> int:
    """Return whole milliseconds since the epoch, exactly (no float rounding)."""
    return (time - EPOCH) // MILLISECOND


def _from_ms(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a timestamp: {value!r}")
    return EPOCH + timedelta(milliseconds=value)
