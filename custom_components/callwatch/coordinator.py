"""One coordinator per account: fetches its calls, hands them on, describes them."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
import inspect

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    HassJob,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_call_at, async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .announcer import AFTER_START, MissedCallAnnouncer
from .callers import Callers
from .const import DOMAIN, LOGGER, MAX_SCAN_INTERVAL
from .issues import async_set_repair
from .live_calls import LiveCalls
from .options import CallwatchOptions
from .poll_schedule import PollSchedule
from .providers import (
    ActiveCall,
    CallProvider,
    CallPush,
    MissedCall,
    ProviderAuthenticationError,
    ProviderError,
    ProviderPermissionError,
    ProviderRateLimitError,
    read_number,
)
from .snapshot import CallwatchData, take_snapshot

# What an account's role may be refused, each with its own repair issue.
ACTIVE_CALLS = "active_calls"
MISSED_CALLS = "missed_calls"

# A provider's Retry-After is honoured up to this: a longer wait would let the catch-up
# bound pass over calls missed meanwhile.
MAX_RETRY_AFTER = MAX_SCAN_INTERVAL
# Releases whose coordinator waits as long as UpdateFailed's `retry_after` asks; on
# older ones the poll interval is stretched until a poll succeeds.
_RETRY_AFTER_BUILT_IN = "retry_after" in inspect.signature(UpdateFailed).parameters

type CallwatchConfigEntry = ConfigEntry[CallwatchCoordinator]


class CallwatchCoordinator(DataUpdateCoordinator[CallwatchData]):
    """Polls one account, hands on the calls it finds, and describes the account."""

    config_entry: CallwatchConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CallwatchConfigEntry,
        client: CallProvider,
        options: CallwatchOptions,
    ) -> None:
        """Set up the coordinator for an entry, its client and its options."""
        self.options = options
        self.watched = options.missed_call_filter(client.read_called_number)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=self.options.scan_interval,
        )
        self.client = client
        self.callers = Callers(
            hass,
            entry_id=entry.entry_id,
            account=entry.title,
            options=options,
            country=client.country,
        )
        self.announcer = MissedCallAnnouncer(
            hass,
            entry_id=entry.entry_id,
            account=entry.title,
            provider=client.provider,
            counts=self.watched.counts,
            poll_interval=self.options.scan_interval,
            callers=self.callers,
        )
        self._unsub_start: CALLBACK_TYPE | None = None
        # Calls in progress as the last listing and the pushes since tell them.
        self.live = LiveCalls()
        # Quick refreshes while an incoming call rings or calls come (providers that
        # list live calls).
        self.schedule = PollSchedule(self.options.scan_interval.total_seconds())
        self._quick_refresh_job = HassJob(
            self._quick_refresh, f"{entry.title} quick refresh", cancel_on_shutdown=True
        )
        self._unsub_quick_refresh: CALLBACK_TYPE | None = None
        self._polling_quickly = False

    async def _async_setup(self) -> None:
        """Load what earlier runs announced, and the phonebook's contacts file."""
        await self.announcer.async_load()
        await self.callers.async_load()
        self.config_entry.async_on_unload(self.callers.async_watch(self._publish))

    async def async_shutdown(self) -> None:
        """Stop polling and write the missed-call state now rather than later."""
        self._cancel_quick_refresh()
        self._cancel_start()
        await super().async_shutdown()
        await self.announcer.async_shutdown()

    async def _async_update_data(self) -> CallwatchData:
        """Fetch active and missed calls; hand the missed calls to the announcer.

        While an incoming call rings, a quick refresh may ask for the active calls
        only; `schedule` says when the missed calls are asked for too.
        """
        self._cancel_quick_refresh()
        started = self.hass.loop.time()
        now = dt_util.utcnow()
        # Missed calls are asked for in the provider's time, as its replies showed it
        # (our clock may be wrong after a power cut, or step when NTP sets it).
        provider_now = self.client.clock.now(now)
        forbidden: set[str] = set()
        try:
            active, missed = await self._fetch(started, provider_now, forbidden)
        except ProviderAuthenticationError as err:
            self._halt_quick_polls()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except ProviderRateLimitError as err:
            self._halt_quick_polls()
            raise self._rate_limited(err) from err
        except ProviderError as err:
            self._halt_quick_polls()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.update_interval = self.options.scan_interval
        if active is not None:
            self.live.take_listing(active, now)
        if active is not None or not self.client.supports_active_calls:
            active = self.live.active(now)
        self._raise_repairs(forbidden)
        if MISSED_CALLS in forbidden and active is None:
            self._halt_quick_polls()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="insufficient_permissions",
                translation_placeholders={"error": ", ".join(sorted(forbidden))},
            )
        if active is not None:
            self.announcer.async_take_active_calls(active)
        if missed is not None:
            # The cursor never passes the provider's time as this poll's replies
            # showed it: a window asked for by a clock running ahead of the provider's
            # is asked for again once the clock is known.
            self.announcer.async_take_listing(
                min(provider_now, self.client.clock.now(now)), missed
            )
        quick = self.schedule.next_quick_refresh(started)
        if quick is not None:
            self._unsub_quick_refresh = async_call_at(
                self.hass, self._quick_refresh_job, quick
            )
        if (quick is not None) != self._polling_quickly:
            self._polling_quickly = quick is not None
            LOGGER.debug(
                "%s: %s",
                self.name,
                f"{self.schedule.ringing} incoming calls ring, "
                f"{self.schedule.awaited} may be missed, or calls came lately: "
                "quick polls"
                if self._polling_quickly
                else "all quiet: back to the poll interval",
            )
        return self._snapshot(
            polled_at=now,
            active_calls=None if active is None else tuple(active),
            forbidden=frozenset(forbidden),
        )

    async def _fetch(
        self, started: float, provider_now: datetime, forbidden: set[str]
    ) -> tuple[Sequence[ActiveCall] | None, list[MissedCall] | None]:
        """Ask for the active calls, then for the missed calls if the schedule says.

        Missed calls not asked for this time keep what the role refused last time.
        """
        active: Sequence[ActiveCall] | None = None
        if self.client.supports_active_calls:
            self.schedule.asking(started)
            active = await self._unless_forbidden(
                ACTIVE_CALLS, self.client.active_calls(), forbidden
            )
            if active is None:
                self.schedule.halt()
            else:
                self.schedule.took_active_calls(started, active)
        if not self.schedule.wants_missed_calls(started):
            if self.data is not None and MISSED_CALLS in self.data.forbidden:
                forbidden.add(MISSED_CALLS)
            return active, None
        window = self.announcer.window(provider_now)
        self.schedule.asking(started)
        missed = await self._unless_forbidden(
            MISSED_CALLS, self.client.missed_calls(window.start, window.end), forbidden
        )
        self.schedule.took_missed_calls(started, missed)
        return active, missed

    @callback
    def _quick_refresh(self, _now: datetime) -> None:
        """Refresh before the poll interval is up: a call rings, or a check is due."""
        self._unsub_quick_refresh = None
        if self.hass.is_stopping:
            return
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{self.name} quick refresh"
        )

    def _halt_quick_polls(self) -> None:
        """After a failure, no quick polls until a poll succeeds."""
        self.schedule.halt()
        self._polling_quickly = False

    @callback
    def _cancel_quick_refresh(self) -> None:
        if self._unsub_quick_refresh is not None:
            self._unsub_quick_refresh()
            self._unsub_quick_refresh = None

    def _rate_limited(self, err: ProviderRateLimitError) -> UpdateFailed:
        """Wait as the provider asks, but never so long that calls are skipped."""
        error = UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            translation_placeholders={"error": str(err)},
        )
        if err.retry_after:
            wait = min(err.retry_after, MAX_RETRY_AFTER.total_seconds())
            if _RETRY_AFTER_BUILT_IN:
                error.retry_after = wait  # type: ignore[attr-defined,unused-ignore]
            else:
                self.update_interval = max(
                    self.options.scan_interval, timedelta(seconds=wait)
                )
        return error

    @callback
    def async_acknowledge(
        self, *, call_id: str | None = None, caller_number: str | None = None
    ) -> int:
        """Mark waiting missed calls as dealt with; return how many."""
        if caller_number is not None:
            caller_number = read_number(caller_number, self.client.country).value
        dealt_with = self.announcer.async_acknowledge(
            call_id=call_id, caller_number=caller_number
        )
        if dealt_with:
            self._publish()
        return dealt_with

    @callback
    def async_handle_push(self, push: CallPush) -> None:
        """Take a pushed call: count it while live, hand it on if missed.

        Listeners are told directly, so that pushes do not postpone the next poll.
        """
        now = dt_util.utcnow()
        self.schedule.saw_call(self.hass.loop.time())
        self.live.apply(push, now)
        active = self.live.active(now)
        if active is not None:
            self.announcer.async_take_active_calls(active)
        if push.missed_call is not None:
            self.announcer.async_take_push(self.client.clock.now(now), push.missed_call)
        self.data = self._snapshot(
            polled_at=self.data.polled_at,
            active_calls=active,
            forbidden=self.data.forbidden,
        )
        self.async_update_listeners()

    @callback
    def async_start_announcing(self) -> None:
        """Announce from now on: at once if Home Assistant runs, else once started."""
        if self.hass.state is CoreState.running:
            self._release_held()
        else:
            self._unsub_start = async_at_started(self.hass, self._release_soon)

    @callback
    def _release_soon(self, hass: HomeAssistant) -> None:
        self._unsub_start = async_call_later(hass, AFTER_START, self._release_started)

    @callback
    def _release_started(self, _now: datetime) -> None:
        self._release_held()

    @callback
    def _release_held(self) -> None:
        self._unsub_start = None
        if self.announcer.async_release():
            self._publish()

    @callback
    def _cancel_start(self) -> None:
        if self._unsub_start is not None:
            self._unsub_start()
            self._unsub_start = None

    def _snapshot(
        self,
        *,
        polled_at: datetime,
        active_calls: tuple[ActiveCall, ...] | None,
        forbidden: frozenset[str],
    ) -> CallwatchData:
        return take_snapshot(
            polled_at=polled_at,
            active_calls=active_calls,
            forbidden=forbidden,
            announcer=self.announcer,
            callers=self.callers,
        )

    @callback
    def _publish(self) -> None:
        """Describe the account again and tell the entities, without a poll.

        The next poll keeps its time: the user's actions do not postpone it.
        """
        data = self.data
        self.data = self._snapshot(
            polled_at=data.polled_at,
            active_calls=data.active_calls,
            forbidden=data.forbidden,
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
            async_set_repair(
                self.hass,
                f"{self.config_entry.entry_id}_{capability}_forbidden",
                f"{capability}_forbidden" if capability in forbidden else None,
                {"account": self.config_entry.title},
            )
