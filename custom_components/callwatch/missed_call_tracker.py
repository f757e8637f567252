"""Which missed calls are new: polling windows, overlap, dedup and persistence.

Free of Home Assistant and of any provider, so that it can be tested on its own.

Each poll asks the provider for the window [previous poll - OVERLAP, now + CLOCK_MARGIN).
The overlap catches calls that the provider records late (a call is logged when it stops
ringing, with the time it started) or stamps with a clock running behind ours; the margin
catches calls stamped by a clock running ahead. A call is identified by its key and counted,
so that two calls that look alike are two events, and a call seen by two overlapping windows
is one. Only calls that a later window can still return are remembered, so the state is
bounded by the calls inside the overlap, not by the history.

A provider that also pushes missed calls as they happen (a webhook) has them announced at
once with `record_pushed`. A later poll returns the same call, perhaps under another id
or with a time a little apart; it is matched to the pushed call by direction, numbers and
a time within PUSH_MATCH, and not announced again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .providers import CallDirection, MissedCall

OVERLAP = timedelta(minutes=15)
CLOCK_MARGIN = timedelta(minutes=5)
FIRST_HISTORY = timedelta(hours=24)
CATCH_UP_LIMIT = timedelta(hours=24)
PUSH_MATCH = timedelta(minutes=2)
STATE_VERSION = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Window:
    """A span of provider time to ask for: start <= time < end."""

    start: datetime
    end: datetime


class MissedCallTracker:
    """Remembers the missed calls already announced, and tells new ones apart."""

    def __init__(self) -> None:
        """Start with no history: the first poll only takes stock."""
        self.last_poll: datetime | None = None
        self.latest: MissedCall | None = None
        self._seen: dict[str, tuple[datetime, int]] = {}
        # Pushed calls that no poll has returned yet.
        self._pushed: list[MissedCall] = []

    @property
    def remembered_calls(self) -> int:
        """Return how many calls the tracker holds on to."""
        return sum(count for _, count in self._seen.values())

    def window(self, now: datetime) -> Window:
        """Return the window the next poll must ask for."""
        if self.last_poll is None:
            start = now - FIRST_HISTORY
        else:
            start = max(self.last_poll - OVERLAP, now - CATCH_UP_LIMIT)
        # A clock that went backwards must not make an empty window.
        start = min(start, now - OVERLAP)
        return Window(start=start, end=now + CLOCK_MARGIN)

    def record(
        self,
        now: datetime,
        calls: list[MissedCall],
        counts: Callable[[MissedCall], bool] = lambda _: True,
    ) -> list[MissedCall]:
        """Take a poll's calls; return those never announced before, oldest first.

        Only calls that `counts` accepts are announced and shown as the latest, but
        every call is remembered, so that a call left out is not announced later when
        the filter changes. The first poll of an account announces nothing: what is
        already in its history is not news.
        """
        window = self.window(now)
        taking_stock = self.last_poll is None
        by_key: dict[str, list[MissedCall]] = defaultdict(list)
        for call in calls:
            # A row outside the window asked for is left to the windows that cover
            # it: one from before it may already be forgotten.
            if window.start <= call.time < window.end:
                by_key[call.key].append(call)
        new: list[MissedCall] = []
        for key, group in by_key.items():
            self._pushed = [pushed for pushed in self._pushed if pushed.key != key]
            _, announced = self._seen.get(key, (group[0].time, 0))
            if len(group) > announced:
                new.extend(
                    call
                    for call in group[announced:]
                    if counts(call) and not self._take_pushed(call)
                )
                self._seen[key] = (group[0].time, len(group))
        for group in by_key.values():
            for call in group:
                if counts(call):
                    self._note_latest(call)
        self.last_poll = now
        self._forget_before(now - OVERLAP)
        if taking_stock:
            return []
        new.sort(key=lambda call: (call.time, call.key))
        return new

    def record_pushed(self, call: MissedCall) -> bool:
        """Take a call the provider pushed; return whether it is new."""
        if call.key in self._seen or any(
            _same_call(call, pushed) for pushed in self._pushed
        ):
            return False
        self._seen[call.key] = (call.time, 1)
        self._pushed.append(call)
        self._note_latest(call)
        return True

    def _take_pushed(self, call: MissedCall) -> bool:
        """Match a polled call to a pushed one, which is then no longer waiting."""
        for index, pushed in enumerate(self._pushed):
            if _same_call(call, pushed):
                del self._pushed[index]
                return True
        return False

    def _note_latest(self, call: MissedCall) -> None:
        if self.latest is None or call.time >= self.latest.time:
            self.latest = call

    def _forget_before(self, bound: datetime) -> None:
        """Drop calls that no later window can return again."""
        self._seen = {key: seen for key, seen in self._seen.items() if seen[0] >= bound}
        self._pushed = [
            pushed for pushed in self._pushed if pushed.time >= bound - PUSH_MATCH
        ]

    def as_dict(self) -> dict[str, Any]:
        """Return the state in a JSON-ready form."""
        return {
            "version": STATE_VERSION,
            "last_poll": _to_ms(self.last_poll) if self.last_poll else None,
            "seen": [
                [key, _to_ms(time), count] for key, (time, count) in self._seen.items()
            ],
            "latest": missed_call_to_dict(self.latest) if self.latest else None,
            "pushed": [missed_call_to_dict(call) for call in self._pushed],
        }

    @classmethod
    def from_dict(cls, data: Any) -> MissedCallTracker:
        """Rebuild a tracker from `as_dict` output; ValueError if it is damaged."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("unknown or missing state version")
        tracker = cls()
        try:
            if data["last_poll"] is not None:
                tracker.last_poll = _from_ms(data["last_poll"])
            for key, time, count in data["seen"]:
                if not isinstance(key, str) or not isinstance(count, int) or count < 1:
                    raise ValueError("malformed seen call")
                tracker._seen[key] = (_from_ms(time), count)
            if data["latest"] is not None:
                tracker.latest = missed_call_from_dict(data["latest"])
            tracker._pushed = [
                missed_call_from_dict(call) for call in data.get("pushed", [])
            ]
        except (KeyError, TypeError, OverflowError, OSError) as err:
            raise ValueError(f"malformed state: {err!r}") from err
        return tracker


def _same_call(polled: MissedCall, pushed: MissedCall) -> bool:
    """Tell whether a polled row and a pushed call are one call."""
    if polled.call_id and polled.call_id == pushed.call_id:
        return polled.direction == pushed.direction
    return (
        polled.direction == pushed.direction
        and polled.caller_number == pushed.caller_number
        and polled.called_number == pushed.called_number
        and abs(polled.time - pushed.time) <= PUSH_MATCH
    )


def missed_call_to_dict(call: MissedCall) -> dict[str, Any]:
    """Return a missed call in a JSON-ready form."""
    return {
        "time": _to_ms(call.time),
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "call_id": call.call_id,
        "direction": call.direction.value,
    }


def missed_call_from_dict(data: Any) -> MissedCall:
    """Rebuild a missed call from `missed_call_to_dict` output."""
    if not isinstance(data, dict):
        raise ValueError("malformed missed call")  # noqa: TRY004 - damaged state
    texts = {
        field: data.get(field)
        for field in ("caller_number", "caller_name", "called_number", "call_id")
    }
    if not all(value is None or isinstance(value, str) for value in texts.values()):
        raise ValueError("malformed missed call")
    return MissedCall(
        time=_from_ms(data["time"]),
        direction=CallDirection(data["direction"]),
        **texts,
    )


def _to_ms(time: datetime) -> int:
    """Return whole milliseconds since the epoch, exactly (no float rounding)."""
    return (time - EPOCH) // MILLISECOND


def _from_ms(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a timestamp: {value!r}")
    return EPOCH + timedelta(milliseconds=value)
