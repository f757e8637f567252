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
from .snapshot import CallwatchData

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CallwatchSensorDescription(SensorEntityDescription):
    """Describes a Callwatch sensor: what it shows of the account's snapshot."""

    value_fn: Callable[[CallwatchData], StateType | datetime]
    attributes_fn: Callable[[CallwatchData], dict[str, Any] | None] = lambda _: None
    capability: str | None = None
    # The value changes at local midnight, without a poll.
    daily: bool = False


# Bound of the waiting calls in attributes: enough for a dashboard, little for the
# state machine (calls in progress: `DESCRIBED_ACTIVE_CALLS`).
SHOWN_WAITING_CALLS = 20
# What a waiting call shows of what automations see.
WAITING_CALL_ATTRIBUTES = (
    "time",
    "caller_number",
    "caller_name",
    "caller_name_source",
    "called_number",
    "call_id",
    "voicemail",
)


def _latest_missed_attributes(data: CallwatchData) -> dict[str, Any] | None:
    if (latest := data.latest_missed_call) is None:
        return None
    return {
        name: value
        for name, value in latest.attributes.items()
        if value is not None and name != "direction"
    }


def _active_calls_attributes(data: CallwatchData) -> dict[str, Any] | None:
    if (calls := data.described_active_calls) is None:
        return None
    return {
        "calls": [
            {
                "caller_number": live.call.caller_number,
                "called_number": live.call.called_number,
                "direction": live.call.direction.value if live.call.direction else None,
                "answered": live.call.answered,
                "since": live.call.started.isoformat() if live.call.started else None,
                # For a dashboard: the phonebook's names and the numbers for reading.
                "caller_name": live.caller_name,
                "called_name": live.called_name,
                "caller_number_for_reading": live.caller_number_for_reading,
                "called_number_for_reading": live.called_number_for_reading,
            }
            for live in calls
        ]
    }


def _waiting_attributes(data: CallwatchData) -> dict[str, Any]:
    return {
        "calls": [
            {
                name: waiting.described.attributes[name]
                for name in WAITING_CALL_ATTRIBUTES
            }
            | {
                "caller_number_for_reading": (
                    waiting.described.caller_number_for_reading
                ),
                "called_number_for_reading": (
                    waiting.described.called_number_for_reading
                ),
                "catch_up": waiting.catch_up,
            }
            for waiting in reversed(data.waiting[-SHOWN_WAITING_CALLS:])
        ]
    }


SENSORS: tuple[CallwatchSensorDescription, ...] = (
    CallwatchSensorDescription(
        key="active_calls",
        translation_key="active_calls",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: (
            None if data.active_calls is None else len(data.active_calls)
        ),
        attributes_fn=_active_calls_attributes,
        capability=ACTIVE_CALLS,
    ),
    CallwatchSensorDescription(
        key="latest_missed_caller",
        translation_key="latest_missed_caller",
        value_fn=lambda data: (
            latest.display if (latest := data.latest_missed_call) else None
        ),
        attributes_fn=_latest_missed_attributes,
        capability=MISSED_CALLS,
    ),
    CallwatchSensorDescription(
        key="missed_calls_today",
        translation_key="missed_calls_today",
        # A daily total: statistics take its fall at midnight as a new day.
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data: data.missed_calls_on(dt_util.now().date()),
        capability=MISSED_CALLS,
        daily=True,
    ),
    CallwatchSensorDescription(
        key="waiting_missed_calls",
        translation_key="waiting_missed_calls",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.waiting),
        attributes_fn=_waiting_attributes,
        capability=MISSED_CALLS,
    ),
    CallwatchSensorDescription(
        key="last_poll",
        translation_key="last_poll",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.polled_at,
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
    """A sensor whose value a description reads from the account's snapshot."""

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
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the details that go with the value."""
        return self.entity_description.attributes_fn(self.coordinator.data)

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
