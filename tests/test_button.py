"""The button: its entity as registered and shown."""

from __future__ import annotations

from homeassistant.const import Platform
import pytest

from .conftest import SnapshotEntities


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "enswitch_in_use")
@pytest.mark.parametrize("init_integration", [Platform.BUTTON], indirect=True)
async def test_entities(snapshot_entities: SnapshotEntities) -> None:
    """The button's registry entry and state, from an account in use."""
    await snapshot_entities()
