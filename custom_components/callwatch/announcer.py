"""Announcing missed calls: each once, to automations, the event entity and the disk.

The coordinator hands over what it fetched (a poll's rows, a pushed call, the calls in
progress); the tracker tells which calls are new; this module announces them: it fires
`callwatch_missed_call` on the bus and triggers the event entities, holds what it finds
while Home Assistant starts until automations listen, keeps the log of what the user has
yet to deal with, and saves all of it at a bounded rate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

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
# start-up are announced this long after that, oldest first.
AFTER_START = timedelta(seconds=1)
# A poll later than the poll interval by more than this follows a gap in watching (an
# outage, a restart): what it finds is a catch-up.
CATCH_UP_AFTER = timedelta(minutes=1)

type Announcement = Callable[[MissedCall, bool], None]


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
        describe: Callable[[MissedCall], dict[str, Any]],
        on_change: Callable[[], None],
    ) -> None:
        """Set up for an account; `async_load` takes what earlier runs saved.

        `describe` says what automations see of a call. `on_change` is called when the
        log changes outside a poll (a call announced once Home Assistant has started,
        calls dealt with).
        """
        self._hass = hass
        self._describe = describe
        self._on_change = on_change
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
        self._unsub_start: CALLBACK_TYPE | None = None
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

    @callback
    def async_start(self) -> None:
        """Start announcing, once the entities are set up to trigger for the calls.

        What was found before (in this run, or held by one that stopped before Home
        Assistant had started) is announced now, or once Home Assistant has started
        and automations listen; each call with the catch-up its poll worked out.
        """
        if self._hass.state is CoreState.running:
            self._release()
        else:
            self._unsub_start = async_at_started(self._hass, self._release_soon)

    async def async_shutdown(self) -> None:
        """Write the state now rather than later.

        Calls still held stay held in it: automations may no longer run while Home
        Assistant stops, so the next run announces them.
        """
        if self._unsub_start is not None:
            self._unsub_start()
            self._unsub_start = None
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
        """Take the missed calls a poll listed, and announce the new ones."""
        previous = self.tracker.last_poll
        new_calls = self.tracker.take_listing(now, calls, self._counts)
        catch_up = (
            previous is not None
            and now - previous > self._poll_interval + CATCH_UP_AFTER
        )
        self._announce(new_calls, catch_up=catch_up)
        self._save_within(SAVE_AFTER_ANNOUNCEMENT if new_calls else SAVE_WHEN_IDLE)

    @callback
    def async_take_active_calls(self, calls: Iterable[ActiveCall]) -> None:
        """Deal with the waiting calls of every caller the account is calling back."""
        if self.log.called_back(calls):
            self._changed()

    @callback
    def async_acknowledge(
        self, *, call_id: str | None = None, caller_number: str | None = None
    ) -> int:
        """Mark waiting calls as dealt with; return how many."""
        dealt_with = self.log.acknowledge(call_id=call_id, caller_number=caller_number)
        if dealt_with:
            self._changed()
        return len(dealt_with)

    @callback
    def _changed(self) -> None:
        self._save_within(SAVE_AFTER_ANNOUNCEMENT)
        self._on_change()

    @callback
    def async_take_push(self, call: MissedCall) -> bool:
        """Take a missed call the provider pushed; return whether it was new."""
        outcome, announce = self.tracker.take_push(dt_util.utcnow(), call, self._counts)
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
    def _release_soon(self, hass: HomeAssistant) -> None:
        self._unsub_start = async_call_later(hass, AFTER_START, self._release_started)

    @callback
    def _release_started(self, _now: datetime) -> None:
        self._release()

    @callback
    def _release(self) -> None:
        """Announce what was held, oldest first, and save that it was."""
        self._unsub_start = None
        self._holding = False
        held = self.tracker.release()
        for call, catch_up in held:
            self._fire(call, catch_up)
        if held:
            self._save_within(SAVE_AFTER_ANNOUNCEMENT)
            self._on_change()

    @callback
    def _fire(self, call: MissedCall, catch_up: bool) -> None:
        self.announced += 1
        self.log.add(call, dt_util.now().date(), catch_up=catch_up)
        self._hass.bus.async_fire(
            EVENT_MISSED_CALL,
            {"config_entry_id": self._entry_id, "provider": self._provider}
            | self._describe(call)
            | {"catch_up": catch_up},
        )
        for listener in list(self._listeners):
            listener(call, catch_up)

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
