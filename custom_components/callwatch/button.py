"""Button: mark an account's waiting missed calls as dealt with."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MISSED_CALLS, CallwatchConfigEntry, CallwatchCoordinator
from .entity import CallwatchEntity

PARALLEL_UPDATES = 0

ACKNOWLEDGE = ButtonEntityDescription(
    key="acknowledge_missed_calls", translation_key="acknowledge_missed_calls"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CallwatchConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button of an account."""
    async_add_entities([CallwatchAcknowledgeButton(entry.runtime_data)])


class CallwatchAcknowledgeButton(CallwatchEntity, ButtonEntity):
    """Marks every waiting missed call of the account as dealt with."""

    capability = MISSED_CALLS

    def __init__(self, coordinator: CallwatchCoordinator) -> None:
        """Describe the button."""
        super().__init__(coordinator, ACKNOWLEDGE)

    async def async_press(self) -> None:
        """Deal with every waiting call."""
        self.coordinator.async_acknowledge()
