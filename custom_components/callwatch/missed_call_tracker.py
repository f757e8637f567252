"""Which missed calls are new: polling windows, overlap, one rule for the same call.

Free of Home Assistant and of any provider, so that it can be tested on its own.

Each poll asks the provider for the window [previous poll - OVERLAP, now + CLOCK_MARGIN).
The overlap catches calls that the provider records late (a call is logged when it stops
ringing, with the time it started) or stamps with a clock running behind ours; the margin
catches calls stamped by a clock running ahead.

A call reaches us listed by a poll, pushed by the provider, or both, in any order. The
rule for "is this the same call" (`same_call`), used for both:
- Within one source (listing with listing, push with push), calls are compared by key:
  their id where they have one, else what they show (time, direction, numbers). A
  different id is a different call, never merged. The same id twice in one listing is one
  call; rows without ids that look alike are as many calls as the listing shows.
- Across sources (ids of a listing and of a push are never compared), a pushed call and a
  listed row may be the same call when direction and numbers (in canonical form) are
  equal and their times are at most PUSH_MATCH apart. They are paired one to one: each
  claims at most one of the other source, the nearest in time that is free or whose
  partner can move to another (an augmenting path), so that look-alike calls arriving in
  any order end up paired as many as can be. A call that finds a partner is the partner's
  call, and is not announced again; one that does not is announced.
A call announced stays announced whatever arrives later: a row returned again by a later
window, a push retried or repeated, the other source's copy of it.

Only what a later window or an accepted push can still bring back is remembered: the
state is bounded by the calls of the overlap, not by the history. A push is accepted only
when stamped within [now - OVERLAP, now + CLOCK_MARGIN]: one from further back (a retry
after the overlap) is left to the polls, which see that span; one from the future (a
skewed clock, a forged push) is announced by the poll that lists it, if one does, and
never becomes the latest missed call early.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import heapq
from typing import Any

from .providers import CallDirection, MissedCall

OVERLAP = timedelta(minutes=15)
CLOCK_MARGIN = timedelta(minutes=5)
FIRST_HISTORY = timedelta(hours=24)
CATCH_UP_LIMIT = timedelta(hours=24)
PUSH_MATCH = timedelta(minutes=2)
# How many calls one search for a partner may visit: look-alike calls are few, and a
# flood of them must not make a poll quadratic.
PAIRING_SEARCH_LIMIT = 64
STATE_VERSION = 2
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)

type Counts = Callable[[MissedCall], bool]
type _Numbers = tuple[CallDirection, str | None, str | None]


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


# The partner of a call whose copy is already forgotten: it stays paired for good.
_FORGOTTEN = _Known(
    MissedCall(time=EPOCH, caller_number=None), "forgotten", Source.LISTING
)


def same_call(listed: MissedCall, pushed: MissedCall) -> bool:
    """Tell whether a listed row and a pushed call, whatever their ids, may be one."""
    return (
        listed.direction == pushed.direction
        and listed.caller_number == pushed.caller_number
        and listed.called_number == pushed.called_number
        and abs(listed.time - pushed.time) <= PUSH_MATCH
    )


def _numbers(call: MissedCall) -> _Numbers:
    """Return what `same_call` compares besides time, to find candidates quickly."""
    return (call.direction, call.caller_number, call.called_number)


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
        # Per source, by direction and numbers: where a partner may be.
        self._by_numbers: dict[Source, dict[_Numbers, list[_Known]]] = {
            Source.LISTING: {},
            Source.PUSH: {},
        }
        # Every call remembered, oldest first, to be forgotten in that order.
        self._by_time: list[tuple[datetime, int, _Known]] = []
        self._sequence = 0

    @property
    def remembered_calls(self) -> int:
        """Return how many calls the tracker holds on to."""
        return sum(map(len, self._listed.values())) + len(self._pushed)

    def window(self, now: datetime) -> Window:
        """Return the window the next poll must ask for."""
        if self.last_poll is None:
            start = now - FIRST_HISTORY
        else:
            start = max(self.last_poll - OVERLAP, now - CATCH_UP_LIMIT)
        # A clock that went backwards must not make an empty window.
        start = min(start, now - OVERLAP)
        return Window(start=start, end=now + CLOCK_MARGIN)

    def take_listing(
        self, now: datetime, calls: Iterable[MissedCall], counts: Counts
    ) -> list[MissedCall]:
        """Take a poll's calls; return those to announce, oldest first.

        Only calls that `counts` accepts are announced and shown as the latest, but
        every call is remembered, so that a call left out is not announced later when
        the filter changes. The first poll of an account announces nothing: what is
        already in its history is not news.
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
            for call in group[len(known) :]:
                listed = self._remember(_Known(call, key, Source.LISTING))
                known.append(listed)
                if not counts(call):
                    self._pair(listed)
                    continue
                self._note_latest(call)
                if not self._pair(listed):
                    announce.append(call)
        self.last_poll = now
        self._forget(now)
        if taking_stock:
            return []
        announce.sort(key=lambda call: (call.time, call.key))
        return announce

    def take_push(self, now: datetime, call: MissedCall, counts: Counts) -> PushOutcome:
        """Take a call the provider pushed; tell whether to announce it."""
        if not now - OVERLAP <= call.time <= now + CLOCK_MARGIN:
            return PushOutcome.OUT_OF_RANGE
        if call.key in self._pushed:
            return PushOutcome.KNOWN
        self._forget(now)
        pushed = self._pushed[call.key] = self._remember(
            _Known(call, call.key, Source.PUSH)
        )
        if self._pair(pushed):
            return PushOutcome.KNOWN
        if not counts(call):
            return PushOutcome.IGNORED
        self._note_latest(call)
        return PushOutcome.NEW

    def _remember(self, known: _Known) -> _Known:
        self._by_numbers[known.source].setdefault(_numbers(known.call), []).append(
            known
        )
        self._sequence += 1
        heapq.heappush(self._by_time, (known.call.time, self._sequence, known))
        return known

    def _pair(self, taken: _Known) -> bool:
        """Find the copy of a call just taken among the other source's calls.

        Kuhn's augmenting path, nearest in time first: a partner already claimed is
        taken over when its own partner can find another.
        """
        visited: set[int] = set()

        def claim(known: _Known) -> bool:
            other = Source.PUSH if known.source is Source.LISTING else Source.LISTING
            candidates = sorted(
                (
                    candidate
                    for candidate in self._by_numbers[other].get(
                        _numbers(known.call), ()
                    )
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
                    known.partner, candidate.partner = candidate, known
                    return True
            return False

        return claim(taken)

    def _note_latest(self, call: MissedCall) -> None:
        if self.latest is None or call.time >= self.latest.time:
            self.latest = call

    def _forget(self, now: datetime) -> None:
        """Drop calls that no later window or accepted push can bring back.

        The oldest come first off a heap: a poll pays for the calls it forgets, not
        for all it remembers.
        """
        bound = self.window(now).start - PUSH_MATCH
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
            by_numbers = self._by_numbers[known.source]
            numbers = _numbers(known.call)
            candidates = by_numbers.get(numbers, [])
            if known in candidates:
                candidates.remove(known)
            if not candidates:
                by_numbers.pop(numbers, None)
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
                }
                for item in known
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> MissedCallTracker:
        """Rebuild a tracker from `as_dict` output; ValueError if it is damaged."""
        if not isinstance(data, dict) or data.get("version") not in (1, STATE_VERSION):
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
                tracker._take_calls(data["calls"])
        except (KeyError, TypeError, IndexError, OverflowError, OSError) as err:
            raise ValueError(f"malformed state: {err!r}") from err
        return tracker

    def _take_calls(self, records: Any) -> None:
        known = [_known_from_dict(record) for record in records]
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


def _known_from_dict(record: Any) -> _Known:
    if not isinstance(record, dict):
        raise TypeError("a remembered call is not an object")
    key = record["key"]
    if not isinstance(key, str):
        raise TypeError("malformed remembered call")
    return _Known(missed_call_from_dict(record["call"]), key, Source(record["source"]))


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
