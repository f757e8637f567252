"""What the user has yet to do about missed calls: today's count and the calls waiting.

Free of Home Assistant: the announcer feeds it each call it announces, with the local
date, and the user (a button, an action) or a call back marks calls as dealt with.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from .missed_call_record import missed_call_from_dict, missed_call_to_dict
from .providers import ActiveCall, CallDirection, MissedCall

# The oldest waiting call is dropped past this many: a list nobody reads must not grow
# for ever.
MAX_WAITING = 100
STATE_VERSION = 1


class MissedCallLog:
    """Today's count of missed calls, and those not yet dealt with, newest last."""

    def __init__(self) -> None:
        """Start with nothing missed today and nothing waiting."""
        self.day: date | None = None
        self._today = 0
        self._waiting: deque[MissedCall] = deque(maxlen=MAX_WAITING)
        # Keys of the waiting calls found after a gap in watching.
        self._catch_up: set[str] = set()

    @property
    def waiting(self) -> tuple[MissedCall, ...]:
        """Return the calls not yet dealt with, oldest first."""
        return tuple(self._waiting)

    def is_catch_up(self, call: MissedCall) -> bool:
        """Return whether a waiting call was found after a gap in watching."""
        return call.key in self._catch_up

    def count_on(self, today: date) -> int:
        """Return how many missed calls were announced on `today`."""
        return self._today if self.day == today else 0

    def add(self, call: MissedCall, today: date, *, catch_up: bool = False) -> None:
        """Count an announced call for `today`, and keep it waiting."""
        if self.day != today:
            self.day, self._today = today, 0
        self._today += 1
        if len(self._waiting) == MAX_WAITING:
            self._catch_up.discard(self._waiting[0].key)
        self._waiting.append(call)
        if catch_up:
            self._catch_up.add(call.key)

    def acknowledge(
        self, *, call_id: str | None = None, caller_number: str | None = None
    ) -> tuple[MissedCall, ...]:
        """Mark waiting calls as dealt with: all, those of one id, or of one caller."""
        return self._remove(
            lambda call: (call_id is None or call.call_id == call_id)
            and (caller_number is None or call.caller_number == caller_number)
        )

    def called_back(self, active_calls: Iterable[ActiveCall]) -> tuple[MissedCall, ...]:
        """Deal with the calls of every waiting caller the account is calling now."""
        called = {
            call.called_number
            for call in active_calls
            if call.direction is CallDirection.OUTBOUND and call.called_number
        }
        if not called or not self._waiting:
            return ()
        return self._remove(
            lambda call: call.caller_number is not None
            and not call.caller_withheld
            and call.caller_number in called
        )

    def _remove(
        self, dealt_with: Callable[[MissedCall], bool]
    ) -> tuple[MissedCall, ...]:
        removed = tuple(call for call in self._waiting if dealt_with(call))
        if removed:
            self._waiting = deque(
                (call for call in self._waiting if not dealt_with(call)),
                maxlen=MAX_WAITING,
            )
            self._catch_up.intersection_update(call.key for call in self._waiting)
        return removed

    def as_dict(self) -> dict[str, Any]:
        """Return the log in a JSON-ready form."""
        return {
            "version": STATE_VERSION,
            "day": self.day.isoformat() if self.day else None,
            "today": self._today,
            "waiting": [
                missed_call_to_dict(call) | {"catch_up": call.key in self._catch_up}
                for call in self._waiting
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> MissedCallLog:
        """Rebuild a log from `as_dict` output; ValueError if it is damaged."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("unknown or missing log version")
        today = data.get("today")
        if isinstance(today, bool) or not isinstance(today, int) or today < 0:
            raise ValueError("malformed count of today's calls")
        log = cls()
        log._today = today
        try:
            if data["day"] is not None:
                log.day = date.fromisoformat(data["day"])
            for saved in data["waiting"]:
                call = missed_call_from_dict(saved)
                log._waiting.append(call)
                if _catch_up_mark(saved):
                    log._catch_up.add(call.key)
        except (KeyError, TypeError, OverflowError, OSError) as err:
            raise ValueError(f"malformed log: {err!r}") from err
        return log


def _catch_up_mark(saved: dict[str, Any]) -> bool:
    """Return a saved waiting call's catch-up mark; absent in logs saved before it."""
    catch_up = saved.get("catch_up", False)
    if not isinstance(catch_up, bool):
        raise TypeError("malformed catch-up mark")
    return catch_up
