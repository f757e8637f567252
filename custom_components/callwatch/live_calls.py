"""Calls in progress, kept from a provider's pushes; free of Home Assistant.

A call starts with its first push and ends with the push that says it ended. A call
whose end never arrives (a lost push) is dropped STALE_AFTER its last push, so that a
lost push cannot keep the count up for ever. Where the provider also lists its calls in
progress, each listing replaces what pushes said, and pushes count until the next one.

Whoever knows the webhook's address can push, so memory is bounded whatever arrives: at
most MAX_LIVE_CALLS pushed calls beyond those the last listing gave (the one pushed
longest ago goes first) and MAX_ENDED_CALLS ended ones. Both are kept in the order of
their last push, so forgetting what is stale looks at the oldest entries only, not at
every call on every push.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .providers import ActiveCall, CallPush

STALE_AFTER = timedelta(hours=4)
# Far more calls than one account has in progress at once.
MAX_LIVE_CALLS = 1_000
# Calls that ended in the last STALE_AFTER, kept to refuse their late live pushes.
MAX_ENDED_CALLS = 10_000


class LiveCalls:
    """The calls a provider said are in progress."""

    def __init__(self) -> None:
        """Start knowing nothing: until the first push, the count is unknown."""
        self.heard_from = False
        # Oldest last push first.
        self._calls: dict[str, tuple[ActiveCall, datetime]] = {}
        # Calls that ended, so that a live push arriving after the end (pushes may
        # come out of order) does not bring a call back; oldest end first.
        self._ended: dict[str, datetime] = {}
        self._active: tuple[ActiveCall, ...] | None = None
        # Calls the last listing gave: the provider's own word, never capped.
        self._listed = 0

    def apply(self, push: CallPush, now: datetime) -> ActiveCall | None:
        """Take a push into account; return the call it makes live, if any."""
        self.heard_from = True
        self._active = None
        if push.ended:
            self._calls.pop(push.call_id, None)
            self._ended.pop(push.call_id, None)
            self._ended[push.call_id] = now
            while len(self._ended) > MAX_ENDED_CALLS:
                del self._ended[next(iter(self._ended))]
            return None
        if push.call_id in self._ended:
            return None
        known = self._calls.pop(push.call_id, None)
        call = ActiveCall(
            call_id=push.call_id,
            caller_number=push.caller_number
            or (known[0].caller_number if known else None),
            called_number=push.called_number
            or (known[0].called_number if known else None),
            started=known[0].started if known else push.time,
            answered=push.answered or (known is not None and known[0].answered),
            direction=push.direction or (known[0].direction if known else None),
        )
        self._calls[push.call_id] = (call, now)
        while len(self._calls) > MAX_LIVE_CALLS + self._listed:
            del self._calls[next(iter(self._calls))]
        return call

    def take_listing(self, calls: Iterable[ActiveCall], now: datetime) -> None:
        """Start again from the calls a poll listed, but for those pushed as ended."""
        self.heard_from = True
        self._active = None
        self._calls = {
            call.call_id: (call, now)
            for call in calls
            if call.call_id not in self._ended
        }
        self._listed = len(self._calls)

    def active(self, now: datetime) -> tuple[ActiveCall, ...] | None:
        """Return the calls in progress, or None if no push came yet."""
        if not self.heard_from:
            return None
        bound = now - STALE_AFTER
        while self._calls and next(iter(self._calls.values()))[1] < bound:
            del self._calls[next(iter(self._calls))]
            self._active = None
        while self._ended and next(iter(self._ended.values())) < bound:
            del self._ended[next(iter(self._ended))]
        if self._active is None:
            self._active = tuple(call for call, _ in self._calls.values())
        return self._active
