"""Event entity: one event per new missed call, never a replay."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import (
    MISSED_CALLS,
    CallwatchConfigEntry,
    CallwatchCoordinator,
    missed_call_attributes,
)
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
    """Triggers once for each missed call the coordinator announces."""

    capability = MISSED_CALLS

    def __init__(self, coordinator: CallwatchCoordinator) -> None:
        """Describe the entity."""
        super().__init__(coordinator, MISSED_CALL)

    async def async_added_to_hass(self) -> None:
        """Take the calls of a poll that no instance of this entity has shown yet."""
        await super().async_added_to_hass()
        self._announce_new_calls()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Trigger for new calls, then write availability if it changed."""
        self._announce_new_calls()
        super()._handle_coordinator_update()

    @callback
    def _announce_new_calls(self) -> None:
        """Trigger once per new call, oldest first.

        The coordinator remembers which poll was shown, so an entity added again
        (re-enabled, restored after a restart) cannot show the same calls twice.
        """
        data = self.coordinator.data
        if data.poll <= self.coordinator.announced_poll:
            return
        self.coordinator.announced_poll = data.poll
        for call in data.new_missed_calls:
            self._trigger_event(EVENT_TYPE_MISSED_CALL, missed_call_attributes(call))
            self.async_write_ha_state()
