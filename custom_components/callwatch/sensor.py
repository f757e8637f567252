"""Sensors: calls in progress and the latest missed caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import CallwatchConfigEntry, CallwatchData, missed_call_attributes
from .entity import CallwatchEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CallwatchSensorDescription(SensorEntityDescription):
    """Describes a Callwatch sensor."""

    value_fn: Callable[[CallwatchData], StateType]
    attributes_fn: Callable[[CallwatchData], dict[str, Any] | None] = lambda _: None


def _latest_missed_attributes(data: CallwatchData) -> dict[str, Any] | None:
    if (call := data.latest_missed_call) is None:
        return None
    attributes = missed_call_attributes(call)
    del attributes["caller_number"], attributes["direction"]
    return {name: value for name, value in attributes.items() if value is not None}


SENSORS: tuple[CallwatchSensorDescription, ...] = (
    CallwatchSensorDescription(
        key="active_calls",
        translation_key="active_calls",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: (
            None if data.active_calls is None else len(data.active_calls)
        ),
    ),
    CallwatchSensorDescription(
        key="latest_missed_caller",
        translation_key="latest_missed_caller",
        value_fn=lambda data: (
            call.caller_number if (call := data.latest_missed_call) else None
        ),
        attributes_fn=_latest_missed_attributes,
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

    @property
    def native_value(self) -> StateType:
        """Return the sensor's value."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the details that go with the value."""
        return self.entity_description.attributes_fn(self.coordinator.data)

    def written_state(self) -> tuple[Any, ...]:
        """Return availability, value and attributes."""
        return (self.available, self.native_value, self.extra_state_attributes)
