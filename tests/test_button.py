"""The button: its entity as registered and shown."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import SNAPSHOT_TIME


@pytest.mark.freeze_time(SNAPSHOT_TIME)
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "enswitch_in_use")
@pytest.mark.parametrize("init_integration", [Platform.BUTTON], indirect=True)
async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The button's registry entry and state, from an account in use."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
