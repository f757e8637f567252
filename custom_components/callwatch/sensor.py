"""Sensors: calls in progress, the latest missed caller, today's and waiting calls."""

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
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

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
    # The value changes at local midnight, without a poll.
    daily: bool = False


# Bounds of the lists in attributes: enough for a dashboard, little for the state machine.
SHOWN_WAITING_CALLS = 20
SHOWN_ACTIVE_CALLS = 20


def _latest_missed_attributes(
    coordinator: CallwatchCoordinator,
) -> dict[str, Any] | None:
    if (call := coordinator.announcer.latest) is None:
        return None
    attributes = coordinator.callers.attributes(call)
    del attributes["direction"]
    return {name: value for name, value in attributes.items() if value is not None}


def _active_calls_attributes(
    coordinator: CallwatchCoordinator,
) -> dict[str, Any] | None:
    if (calls := coordinator.data.active_calls) is None:
        return None
    callers = coordinator.callers
    return {
        "calls": [
            {
                "caller_number": call.caller_number,
                "called_number": call.called_number,
                "direction": call.direction.value if call.direction else None,
                "answered": call.answered,
                "since": call.started.isoformat() if call.started else None,
                # For a dashboard: the phonebook's names and the numbers for reading.
                "caller_name": callers.phonebook.name_for(call.caller_number),
                "called_name": callers.phonebook.name_for(call.called_number),
                "caller_number_for_reading": callers.for_reading(call.caller_number),
                "called_number_for_reading": callers.for_reading(call.called_number),
            }
            for call in calls[:SHOWN_ACTIVE_CALLS]
        ]
    }


def _waiting_attributes(coordinator: CallwatchCoordinator) -> dict[str, Any]:
    log = coordinator.announcer.log
    newest = log.waiting[-SHOWN_WAITING_CALLS:]
    callers = coordinator.callers
    return {
        "calls": [
            {
                name: value
                for name, value in callers.attributes(call).items()
                if name
                in (
                    "time",
                    "caller_number",
                    "caller_name",
                    "caller_name_source",
                    "called_number",
                    "call_id",
                    "voicemail",
                )
            }
            | {
                "caller_number_for_reading": callers.for_reading(call.caller_number),
                "called_number_for_reading": callers.for_reading(call.called_number),
                "catch_up": log.is_catch_up(call),
            }
            for call in reversed(newest)
        ]
    }


SENSORS: tuple[CallwatchSensorDescription, ...] = (
    CallwatchSensorDescription(
        key="active_calls",
        translation_key="active_calls",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: (
            None if (calls := coordinator.data.active_calls) is None else len(calls)
        ),
        attributes_fn=_active_calls_attributes,
        capability=ACTIVE_CALLS,
    ),
    CallwatchSensorDescription(
        key="latest_missed_caller",
        translation_key="latest_missed_caller",
        value_fn=lambda coordinator: (
            coordinator.callers.display(call)
            if (call := coordinator.announcer.latest)
            else None
        ),
        attributes_fn=_latest_missed_attributes,
        capability=MISSED_CALLS,
    ),
    CallwatchSensorDescription(
        key="missed_calls_today",
        translation_key="missed_calls_today",
        # A daily total: statistics take its fall at midnight as a new day.
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda coordinator: coordinator.announcer.log.count_on(
            dt_util.now().date()
        ),
        capability=MISSED_CALLS,
        daily=True,
    ),
    CallwatchSensorDescription(
        key="waiting_missed_calls",
        translation_key="waiting_missed_calls",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: len(coordinator.announcer.log.waiting),
        attributes_fn=_waiting_attributes,
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
    # Lists of calls are for dashboards, not for the history.
    _unrecorded_attributes = frozenset({"calls"})

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

    async def async_added_to_hass(self) -> None:
        """Follow local midnight too, for a value that starts again each day."""
        await super().async_added_to_hass()
        if self.entity_description.daily:
            self.async_on_remove(
                async_track_time_change(
                    self.hass, self._async_new_day, hour=0, minute=0, second=0
                )
            )

    @callback
    def _async_new_day(self, _now: datetime) -> None:
        self._handle_coordinator_update()
