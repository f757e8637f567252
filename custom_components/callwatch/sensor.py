"""Sensors: calls in progress and the latest missed caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .announcer import missed_call_attributes
from .coordinator import (
    ACTIVE_CALLS,
    MISSED_CALLS,
    CallwatchConfigEntry,
    CallwatchCoordinator,
)
from .entity import CallwatchEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CallwatchSensorDescription(SensorEntityDescription):
    """Describes a Callwatch sensor."""

    value_fn: Callable[[CallwatchCoordinator], StateType | datetime]
    attributes_fn: Callable[[CallwatchCoordinator], dict[str, Any] | None] = (
        lambda _: None
    )
    capability: str | None = None


def _latest_missed_attributes(
    coordinator: CallwatchCoordinator,
) -> dict[str, Any] | None:
    if (call := coordinator.announcer.latest) is None:
        return None
    attributes = missed_call_attributes(call)
    del attributes["caller_number"], attributes["direction"]
    return {name: value for name, value in attributes.items() if value is not None}


SENSORS: tuple[CallwatchSensorDescription, ...] = (
    CallwatchSensorDescription(
        key="active_calls",
        translation_key="active_calls",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: (
            None if (calls := coordinator.data.active_calls) is None else len(calls)
        ),
        capability=ACTIVE_CALLS,
    ),
    CallwatchSensorDescription(
        key="latest_missed_caller",
        translation_key="latest_missed_caller",
        value_fn=lambda coordinator: (
            call.caller_number if (call := coordinator.announcer.latest) else None
        ),
        attributes_fn=_latest_missed_attributes,
        capability=MISSED_CALLS,
    ),
    CallwatchSensorDescription(
        key="last_poll",
        translation_key="last_poll",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda coordinator: coordinator.data.polled_at,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CallwatchConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of an account."""
    async_add_entities(
        CallwatchSensor(entry.runtime_data, description) for description in SENSORS
    )


class CallwatchSensor(CallwatchEntity, SensorEntity):
    """A sensor whose value a description reads from the poll."""

    entity_description: CallwatchSensorDescription

    def __init__(
        self,
        coordinator: CallwatchCoordinator,
        description: CallwatchSensorDescription,
    ) -> None:
        """Describe the sensor and what the account's role must allow for it."""
        super().__init__(coordinator, description)
        self.capability = description.capability

    @property
    def native_value(self) -> StateType | datetime:
        """Return the sensor's value."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the details that go with the value."""
        return self.entity_description.attributes_fn(self.coordinator)

    def written_state(self) -> tuple[Any, ...]:
        """Return availability, value and attributes."""
        return (self.available, self.native_value, self.extra_state_attributes)
