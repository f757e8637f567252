"""Base entity: one device per account, state written only when it changes."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import CallwatchCoordinator


class CallwatchEntity(CoordinatorEntity[CallwatchCoordinator]):
    """An entity of one watched account."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: CallwatchCoordinator, description: EntityDescription
    ) -> None:
        """Attach the entity to the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        # Keyed by the entry, not the account, so that reconfiguring a new host keeps
        # the entities and their history.
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            entry_type=DeviceEntryType.SERVICE,
            identifiers={(DOMAIN, entry.entry_id)},
            manufacturer=coordinator.client.manufacturer,
            model=coordinator.client.model,
            name=entry.title,
        )
        self._written: tuple[Any, ...] | None = None

    # What the account's role must allow for the entity to have a value.
    capability: str | None = None

    @property
    def available(self) -> bool:
        """Return False also while the account's role refuses what the entity shows."""
        return super().available and (
            self.capability is None
            or self.capability not in self.coordinator.data.forbidden
        )

    def written_state(self) -> tuple[Any, ...]:
        """Return what the entity shows; a change of it is worth a state write."""
        return (self.available,)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when what it shows has changed."""
        shown = self.written_state()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        """Remember what the first write showed."""
        await super().async_added_to_hass()
        self._written = self.written_state()
