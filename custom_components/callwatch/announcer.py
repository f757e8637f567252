"""Announcing missed calls: each once, to automations, the event entity and the disk.

The coordinator hands over what it fetched (a poll's rows, a pushed call, the calls in
progress); the tracker tells which calls are new; this module announces them: it fires
`callwatch_missed_call` on the bus and triggers the event entities with one description
of each call, holds what it finds until the coordinator says automations listen, keeps
the log of what the user has yet to deal with, and saves all of it at a bounded rate.
Each method says what it changed; the coordinator makes its snapshot from that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .callers import Callers, DescribedCall
from .const import DOMAIN, EVENT_MISSED_CALL, LOGGER
from .missed_call_log import MissedCallLog
from .missed_call_tracker import (
    MAX_HELD,
    Counts,
    MissedCallTracker,
    PushOutcome,
    Window,
)
from .providers import ActiveCall, MissedCall

STORAGE_VERSION = 1
# Saved state reaches the disk this long after an announcement, and this long after the
# cursor alone moved: at most 6 writes a minute while calls are missed, 12 an hour idle.
SAVE_AFTER_ANNOUNCEMENT = timedelta(seconds=10)
SAVE_WHEN_IDLE = timedelta(minutes=5)
# Automations attach their triggers when Home Assistant has started; calls found during
# start-up are announced this long after that, oldest first (the coordinator waits).
AFTER_START = timedelta(seconds=1)
# A poll later than the poll interval by more than this follows a gap in watching (an
# outage, a restart): what it finds is a catch-up.
CATCH_UP_AFTER = timedelta(minutes=1)

type Announcement = Callable[[DescribedCall, bool], None]


def storage_key(entry_id: str) -> str:
    """Return the key under which an entry's missed-call state is stored."""
    return f"{DOMAIN}.{entry_id}"


class MissedCallAnnouncer:
    """Announces each missed call of one account once, and remembers that it did."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        entry_id: str,
        account: str,
        provider: str,
        counts: Counts,
        poll_interval: timedelta,
        callers: Callers,
    ) -> None:
        """Set up for an account; `async_load` takes what earlier runs saved.

        `callers` describes each call announced, once for the bus and the entities.
        """
        self._hass = hass
        self._callers = callers
        self._entry_id = entry_id
        self._account = account
        self._provider = provider
        self._counts = counts
        self._poll_interval = poll_interval
        self.tracker = MissedCallTracker()
        self.log = MissedCallLog()
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry_id)
        )
        self._save_due: float | None = None
        self._listeners: list[Announcement] = []
        # Until the entry's entities are set up and Home Assistant has started, calls
        # found are held in the tracker (and saved) with whether each is a catch-up.
        self._holding = True
        self._refused_pushes = 0
        self.announced = 0

    @property
    def latest(self) -> MissedCall | None:
        """Return the latest missed call the user watches."""
        return self.tracker.latest

    @property
    def held(self) -> int:
        """Return how many calls wait for Home Assistant to finish starting."""
        return len(self.tracker.held)

    async def async_load(self) -> None:
        """Load what earlier runs announced, so that nothing is announced twice."""
        stored: object = await self._store.async_load()
        if stored is None:
            return
        damage: Exception | None = None
        if not isinstance(stored, dict):
            damage = TypeError(f"an object was expected, not {type(stored).__name__}")
        else:
            try:
                # Before the log, the tracker's state was all there was.
                self.tracker = MissedCallTracker.from_dict(
                    stored.get("tracker", stored)
                )
                if "log" in stored:
                    self.log = MissedCallLog.from_dict(stored["log"])
            except (ValueError, TypeError, KeyError, AttributeError) as err:
                damage = err
        if damage is not None:
            LOGGER.warning(
                "The saved missed-call state of %s is damaged (%s); starting afresh: "
                "calls already in the history will not be announced",
                self._account,
                damage,
            )

    async def async_shutdown(self) -> None:
        """Write the state now rather than later.

        Calls still held stay held in it: automations may no longer run while Home
        Assistant stops, so the next run announces them.
        """
        if self.tracker.last_poll is not None or self.tracker.held:
            await self._store.async_save(self._state())
            self._save_due = None

    async def async_remove(self) -> None:
        """Forget the saved state of an account that is removed."""
        await self._store.async_remove()

    def window(self, now: datetime) -> Window:
        """Return the span of time the next poll must ask for."""
        return self.tracker.window(now)

    @callback
    def async_subscribe(self, listener: Announcement) -> CALLBACK_TYPE:
        """Call `listener(call, catch_up)` for each call announced from now on."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_take_listing(self, now: datetime, calls: Iterable[MissedCall]) -> None:
        """Take the missed calls a poll listed, and announce the new ones.

        `now` is the provider's time when the poll began.
        """
        previous = self.tracker.last_poll
        new_calls = self.tracker.take_listing(now, calls, self._counts)
        catch_up = (
            previous is not None
            and now - previous > self._poll_interval + CATCH_UP_AFTER
        )
        self._announce(new_calls, catch_up=catch_up)
        self._save_within(SAVE_AFTER_ANNOUNCEMENT if new_calls else SAVE_WHEN_IDLE)

    @callback
    def async_take_active_calls(self, calls: Iterable[ActiveCall]) -> bool:
        """Deal with the waiting calls of every caller the account is calling back.

        Return whether any was dealt with.
        """
        if not self.log.called_back(calls):
            return False
        self._save_within(SAVE_AFTER_ANNOUNCEMENT)
        return True

    @callback
    def async_acknowledge(
        self, *, call_id: str | None = None, caller_number: str | None = None
    ) -> int:
        """Mark waiting calls as dealt with; return how many."""
        dealt_with = self.log.acknowledge(call_id=call_id, caller_number=caller_number)
        if dealt_with:
            self._save_within(SAVE_AFTER_ANNOUNCEMENT)
        return len(dealt_with)

    @callback
    def async_take_push(self, now: datetime, call: MissedCall) -> bool:
        """Take a missed call the provider pushed; return whether it was new.

        `now` is the provider's time (the coordinator knows its clock).
        """
        outcome, announce = self.tracker.take_push(now, call, self._counts)
        if outcome is PushOutcome.OUT_OF_RANGE:
            self._refused_pushes += 1
            if self._refused_pushes == 1:
                LOGGER.debug(
                    "%s: a pushed missed call stamped %s is too far from now; "
                    "left to the polls (said once)",
                    self._account,
                    call.time.isoformat(),
                )
            return False
        self._save_within(SAVE_AFTER_ANNOUNCEMENT)
        self._announce(list(announce), catch_up=False)
        return call in announce

    @callback
    def _announce(self, calls: list[MissedCall], *, catch_up: bool) -> None:
        if self._holding:
            if dropped := self.tracker.hold(calls, catch_up):
                LOGGER.warning(
                    "%s: more than %s missed calls found while Home Assistant "
                    "starts; the %s oldest are not announced",
                    self._account,
                    MAX_HELD,
                    dropped,
                )
            return
        for call in calls:
            self._fire(call, catch_up)

    @callback
    def async_release(self) -> bool:
        """Announce from now on, and what was held, oldest first.

        Called once the entities are set up to trigger for the calls and automations
        listen. What was held (in this run, or by one that stopped before Home
        Assistant had started) is announced with the catch-up its poll worked out.
        Return whether anything was held.
        """
        self._holding = False
        held = self.tracker.release()
        for call, catch_up in held:
            self._fire(call, catch_up)
        if held:
            self._save_within(SAVE_AFTER_ANNOUNCEMENT)
        return bool(held)

    @callback
    def _fire(self, call: MissedCall, catch_up: bool) -> None:
        self.announced += 1
        self.log.add(call, dt_util.now().date(), catch_up=catch_up)
        described = self._callers.describe(call)
        self._hass.bus.async_fire(
            EVENT_MISSED_CALL,
            {"config_entry_id": self._entry_id, "provider": self._provider}
            | described.attributes
            | {"catch_up": catch_up},
        )
        for listener in list(self._listeners):
            listener(described, catch_up)

    @callback
    def _save_within(self, delay: timedelta) -> None:
        """Have the state written within `delay`; an earlier write is never put off."""
        now = self._hass.loop.time()
        due = now + delay.total_seconds()
        if self._save_due is not None and now < self._save_due <= due:
            return
        self._save_due = due
        self._store.async_delay_save(self._state, delay.total_seconds())

    def _state(self) -> dict[str, Any]:
        return {"tracker": self.tracker.as_dict(), "log": self.log.as_dict()}
