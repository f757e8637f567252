"""One coordinator per account: polls the provider and announces new missed calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DEFAULT_SCAN_INTERVAL, DOMAIN, EVENT_MISSED_CALL, LOGGER
from .missed_call_tracker import MissedCallTracker
from .providers import (
    ActiveCall,
    CallProvider,
    MissedCall,
    ProviderAuthenticationError,
    ProviderError,
    ProviderPermissionError,
    ProviderRateLimitError,
)

STORAGE_VERSION = 1
# The cursor moves every poll; it is written at most this often unless calls were announced.
IDLE_SAVE_DELAY = 300

type CallwatchConfigEntry = ConfigEntry[CallwatchCoordinator]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallwatchData:
    """What one poll learnt; `poll` tells polls apart even when nothing changed."""

    poll: int
    active_calls: tuple[ActiveCall, ...] | None
    latest_missed_call: MissedCall | None
    new_missed_calls: tuple[MissedCall, ...]


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
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=DEFAULT_SCAN_INTERVAL,
        )
        self.client = client
        self.tracker = MissedCallTracker()
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
        try:
            active = (
                tuple(await self.client.active_calls())
                if self.client.supports_active_calls
                else None
            )
            missed = await self.client.missed_calls(window.start, window.end)
        except ProviderAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except ProviderPermissionError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="insufficient_permissions",
                translation_placeholders={"error": str(err)},
            ) from err
        except ProviderRateLimitError as err:
            if err.retry_after:
                self.update_interval = max(
                    DEFAULT_SCAN_INTERVAL, timedelta(seconds=err.retry_after)
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
        self.update_interval = DEFAULT_SCAN_INTERVAL

        new_calls = self.tracker.record(now, missed)
        for call in new_calls:
            self.hass.bus.async_fire(EVENT_MISSED_CALL, self._event_data(call))
        if new_calls:
            await self._store.async_save(self.tracker.as_dict())
        else:
            self._store.async_delay_save(self.tracker.as_dict, IDLE_SAVE_DELAY)
        self._polls += 1
        return CallwatchData(
            poll=self._polls,
            active_calls=active,
            latest_missed_call=self.tracker.latest,
            new_missed_calls=tuple(new_calls),
        )

    def _event_data(self, call: MissedCall) -> dict[str, Any]:
        return {
            "config_entry_id": self.config_entry.entry_id,
            "provider": self.client.provider,
        } | missed_call_attributes(call)


def missed_call_attributes(call: MissedCall) -> dict[str, str | None]:
    """Return what automations see of a missed call; time is ISO 8601 UTC."""
    return {
        "caller_number": call.caller_number,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "time": call.time.astimezone(dt_util.UTC).isoformat(),
        "call_id": call.call_id,
        "direction": call.direction.value,
    }
