"""Calls in progress, kept from a provider's pushes; free of Home Assistant.

A call starts with its first push and ends with the push that says it ended. A call
whose end never arrives (a lost push) is dropped STALE_AFTER its last push, so that a
lost push cannot keep the count up for ever. Where the provider also lists its calls in
progress, each listing replaces what pushes said, and pushes count until the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .providers import ActiveCall, CallPush

STALE_AFTER = timedelta(hours=4)


class LiveCalls:
    """The calls a provider said are in progress."""

    def __init__(self) -> None:
        """Start knowing nothing: until the first push, the count is unknown."""
        self.heard_from = False
        self._calls: dict[str, tuple[ActiveCall, datetime]] = {}
        # Calls that ended, so that a live push arriving after the end (pushes may
        # come out of order) does not bring a call back.
        self._ended: dict[str, datetime] = {}

    def apply(self, push: CallPush, now: datetime) -> None:
        """Take a push into account."""
        self.heard_from = True
        if push.ended:
            self._calls.pop(push.call_id, None)
            self._ended[push.call_id] = now
            return
        if push.call_id in self._ended:
            return
        known = self._calls.get(push.call_id)
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

    def take_listing(self, calls: Iterable[ActiveCall], now: datetime) -> None:
        """Start again from the calls a poll listed, but for those pushed as ended."""
        self.heard_from = True
        self._calls = {
            call.call_id: (call, now)
            for call in calls
            if call.call_id not in self._ended
        }

    def active(self, now: datetime) -> tuple[ActiveCall, ...] | None:
        """Return the calls in progress, or None if no push came yet."""
        if not self.heard_from:
            return None
        bound = now - STALE_AFTER
        self._calls = {
            call_id: entry
            for call_id, entry in self._calls.items()
            if entry[1] >= bound
        }
        self._ended = {
            call_id: ended for call_id, ended in self._ended.items() if ended >= bound
        }
        return tuple(call for call, _ in self._calls.values())
