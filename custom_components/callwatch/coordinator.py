"""One coordinator per account: polls the provider and announces new missed calls."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_CALLED_NUMBERS,
    CONF_DIRECTIONS,
    DEFAULT_DIRECTIONS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    EVENT_MISSED_CALL,
    LOGGER,
)
from .live_calls import LiveCalls
from .missed_call_tracker import MissedCallTracker
from .providers import (
    ActiveCall,
    CallDirection,
    CallProvider,
    CallPush,
    MissedCall,
    ProviderAuthenticationError,
    ProviderError,
    ProviderPermissionError,
    ProviderRateLimitError,
)

# What an account's role may be refused, each with its own repair issue.
ACTIVE_CALLS = "active_calls"
MISSED_CALLS = "missed_calls"

STORAGE_VERSION = 1
# The cursor moves every poll; it is written at most this often unless calls were announced.
IDLE_SAVE_DELAY = 300

type CallwatchConfigEntry = ConfigEntry[CallwatchCoordinator]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallwatchData:
    """What one poll learnt; `poll` tells polls apart even when nothing changed."""

    poll: int
    polled_at: datetime
    active_calls: tuple[ActiveCall, ...] | None
    latest_missed_call: MissedCall | None
    new_missed_calls: tuple[MissedCall, ...]
    # What the account's role refused this poll (ACTIVE_CALLS, MISSED_CALLS).
    forbidden: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchOptions:
    """The options of an entry: how often to poll and which missed calls count."""

    scan_interval: timedelta
    directions: frozenset[CallDirection]
    called_numbers: frozenset[str]

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> WatchOptions:
        """Read an entry's options, with the defaults for those never set."""
        seconds = options.get(CONF_SCAN_INTERVAL)
        return cls(
            scan_interval=(
                timedelta(seconds=seconds) if seconds else DEFAULT_SCAN_INTERVAL
            ),
            directions=frozenset(
                CallDirection(value)
                for value in options.get(CONF_DIRECTIONS) or DEFAULT_DIRECTIONS
            ),
            called_numbers=frozenset(
                number.strip() for number in options.get(CONF_CALLED_NUMBERS, ())
            ),
        )

    def counts(self, call: MissedCall) -> bool:
        """Return whether a missed call is one the user asked to watch."""
        if call.direction not in self.directions:
            return False
        return not self.called_numbers or call.called_number in self.called_numbers


def storage_key(entry_id: str) -> str:
    """Return the key under which an entry's missed-call state is stored."""
    return f"{DOMAIN}.{entry_id}"


class CallwatchCoordinator(DataUpdateCoordinator[CallwatchData]):
    """Polls one account and fires `callwatch_missed_call` once per new missed call."""

    config_entry: CallwatchConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: CallwatchConfigEntry, client: CallProvider
    ) -> None:
        """Set up the coordinator for an entry and its client."""
        self.options = WatchOptions.from_options(entry.options)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=self.options.scan_interval,
        )
        self.client = client
        self.tracker = MissedCallTracker()
        # Calls in progress, for a provider that pushes them instead of listing them.
        self.live = LiveCalls()
        self.announced_poll = 0
        self._polls = 0
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )

    async def _async_setup(self) -> None:
        """Load what earlier runs announced, so that nothing is announced twice."""
        stored = await self._store.async_load()
        if stored is None:
            return
        try:
            self.tracker = MissedCallTracker.from_dict(stored)
        except ValueError as err:
            LOGGER.warning(
                "The saved missed-call state of %s is damaged (%s); starting afresh: "
                "calls already in the history will not be announced",
                self.config_entry.title,
                err,
            )

    async def async_shutdown(self) -> None:
        """Stop polling and write the missed-call state now rather than later."""
        await super().async_shutdown()
        if self.tracker.last_poll is not None:
            await self._store.async_save(self.tracker.as_dict())

    async def _async_update_data(self) -> CallwatchData:
        """Fetch active and missed calls, then announce the new missed calls."""
        now = dt_util.utcnow()
        window = self.tracker.window(now)
        forbidden: set[str] = set()
        active: Sequence[ActiveCall] | None = None
        missed: list[MissedCall] | None = None
        try:
            if self.client.supports_active_calls:
                active = await self._unless_forbidden(
                    ACTIVE_CALLS, self.client.active_calls(), forbidden
                )
            missed = await self._unless_forbidden(
                MISSED_CALLS,
                self.client.missed_calls(window.start, window.end),
                forbidden,
            )
        except ProviderAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except ProviderRateLimitError as err:
            if err.retry_after:
                self.update_interval = max(
                    self.options.scan_interval, timedelta(seconds=err.retry_after)
                )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"error": str(err)},
            ) from err
        except ProviderError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.update_interval = self.options.scan_interval
        if not self.client.supports_active_calls:
            active = self.live.active(now)
        if missed is None and active is None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="insufficient_permissions",
                translation_placeholders={"error": ", ".join(sorted(forbidden))},
            )
        self._raise_repairs(forbidden)

        new_calls: list[MissedCall] = []
        if missed is not None:
            new_calls = self.tracker.record(now, missed, self.options.counts)
        for call in new_calls:
            self.hass.bus.async_fire(EVENT_MISSED_CALL, self._event_data(call))
        if new_calls:
            await self._store.async_save(self.tracker.as_dict())
        else:
            self._store.async_delay_save(self.tracker.as_dict, IDLE_SAVE_DELAY)
        self._polls += 1
        return CallwatchData(
            poll=self._polls,
            polled_at=now,
            active_calls=None if active is None else tuple(active),
            latest_missed_call=self.tracker.latest,
            new_missed_calls=tuple(new_calls),
            forbidden=frozenset(forbidden),
        )

    @callback
    def async_handle_push(self, push: CallPush) -> None:
        """Take a pushed call: count it while live, announce it at once if missed.

        The next poll returns the same missed call, which the tracker knows.
        Listeners are told directly, so that pushes do not postpone the next poll.
        """
        now = dt_util.utcnow()
        self.live.apply(push, now)
        new_calls: tuple[MissedCall, ...] = ()
        call = push.missed_call
        if (
            call is not None
            and self.options.counts(call)
            and self.tracker.record_pushed(call)
        ):
            new_calls = (call,)
            self.hass.bus.async_fire(EVENT_MISSED_CALL, self._event_data(call))
            self._store.async_delay_save(self.tracker.as_dict, 1)
        self._polls += 1
        self.data = replace(
            self.data,
            poll=self._polls,
            active_calls=self.live.active(now),
            latest_missed_call=self.tracker.latest,
            new_missed_calls=new_calls,
        )
        self.async_update_listeners()

    async def _unless_forbidden[T](
        self, capability: str, request: Awaitable[T], forbidden: set[str]
    ) -> T | None:
        """Await a request; a role that refuses it leaves the rest of the poll going."""
        try:
            return await request
        except ProviderPermissionError as err:
            LOGGER.debug("%s may not list %s: %s", self.name, capability, err)
            forbidden.add(capability)
            return None

    def _raise_repairs(self, forbidden: set[str]) -> None:
        """Tell the user, in Repairs, what the account's role refuses; clear the rest."""
        for capability in (ACTIVE_CALLS, MISSED_CALLS):
            issue_id = f"{self.config_entry.entry_id}_{capability}_forbidden"
            if capability not in forbidden:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                continue
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=f"{capability}_forbidden",
                translation_placeholders={"account": self.config_entry.title},
            )

    def _event_data(self, call: MissedCall) -> dict[str, Any]:
        return {
            "config_entry_id": self.config_entry.entry_id,
            "provider": self.client.provider,
        } | missed_call_attributes(call)


def missed_call_attributes(call: MissedCall) -> dict[str, Any]:
    """Return what automations see of a missed call; time is ISO 8601 UTC."""
    return {
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "time": call.time.astimezone(dt_util.UTC).isoformat(),
        "call_id": call.call_id,
        "direction": call.direction.value,
    }
