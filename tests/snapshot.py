"""Snapshots of entities that hold on every Home Assistant release we support.

Home Assistant adds fields to registry entries and states from release to release
(aliases, object_id_base, compat_name, ...) and turns attribute keys into enum
members. A snapshot keeps only what Callwatch decides, as plain values, so one set of
.ambr files holds on both ends. `pytest --snapshot-update` rewrites them.
"""

from __future__ import annotations

from collections.abc import Mapping, Set as AbstractSet
from enum import Enum
from typing import Any

from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from syrupy.types import SerializableData

# What our entity descriptions and classes decide about a registry entry.
OWNED_ENTRY_FIELDS = (
    "entity_id",
    "unique_id",
    "platform",
    "translation_key",
    "has_entity_name",
    "original_name",
    "original_icon",
    "original_device_class",
    "device_class",
    "entity_category",
    "disabled_by",
    "capabilities",
    "supported_features",
    "unit_of_measurement",
)


class EntityEntrySnapshot(dict[str, Any]):
    """What Callwatch decides about an entity registry entry."""


class EntityStateSnapshot(dict[str, Any]):
    """What Callwatch decides about an entity's state."""


def plain(value: Any) -> Any:
    """Return a value as plain Python data: enum members as their values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(plain(key)): plain(item) for key, item in value.items()}
    if isinstance(value, AbstractSet):
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


class CallwatchSnapshotSerializer(HomeAssistantSnapshotSerializer):
    """Serialise registry entries and states as what we own of them."""

    @classmethod
    def _serialize(cls, data: SerializableData, **kwargs: Any) -> str:
        if isinstance(data, er.RegistryEntry):
            data = EntityEntrySnapshot(
                {field: plain(getattr(data, field)) for field in OWNED_ENTRY_FIELDS}
            )
        elif isinstance(data, State):
            data = EntityStateSnapshot(
                entity_id=data.entity_id,
                state=data.state,
                attributes=plain(data.attributes),
            )
        result: str = super()._serialize(data, **kwargs)
        return result


class CallwatchSnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot extension, with entities as what we own of them."""

    serializer_class = CallwatchSnapshotSerializer
