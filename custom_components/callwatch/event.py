"""Event entity: one event per new missed call, never a replay."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .callers import DescribedCall
from .coordinator import MISSED_CALLS, CallwatchConfigEntry, CallwatchCoordinator
from .entity import CallwatchEntity

PARALLEL_UPDATES = 0

EVENT_TYPE_MISSED_CALL = "missed_call"

MISSED_CALL = EventEntityDescription(
    key="missed_call",
    translation_key="missed_call",
    event_types=[EVENT_TYPE_MISSED_CALL],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CallwatchConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the missed-call event entity of an account."""
    async_add_entities([CallwatchMissedCallEvent(entry.runtime_data)])


class CallwatchMissedCallEvent(CallwatchEntity, EventEntity):
    """Triggers once for each missed call the announcer announces.

    It triggers as the bus event fires, with the same description of the call: the
    announcer is what knows a call is new, so nothing earlier ever replays.
    """

    capability = MISSED_CALLS

    def __init__(self, coordinator: CallwatchCoordinator) -> None:
        """Describe the entity."""
        super().__init__(coordinator, MISSED_CALL)

    async def async_added_to_hass(self) -> None:
        """Trigger for each call announced from now on; earlier ones never replay."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.announcer.async_subscribe(self._async_missed_call)
        )

    @callback
    def _async_missed_call(self, described: DescribedCall, catch_up: bool) -> None:
        self._trigger_event(
            EVENT_TYPE_MISSED_CALL, described.attributes | {"catch_up": catch_up}
        )
        self.async_write_ha_state()
