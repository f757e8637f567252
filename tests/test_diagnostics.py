"""Diagnostics: what the entry does, with secrets and phone numbers redacted."""

from __future__ import annotations

import time

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import paths

from .conftest import setup_entry
from .fakes.enswitch import FakeEnswitch


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics of an account in use, secrets redacted, match the snapshot."""
    enswitch.start_call("+6491110000", "100", callid="call-a")
    enswitch.add_missed_call(
        time.time() - 60,
        "+6493330000",
        callername="Carol",
        dnumber="100",
        uniqueid="1763639940.1",
    )
    await setup_entry(hass, enswitch_entry)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, enswitch_entry
    )
    # The host carries the fake's random port; times are those of the test run.
    assert diagnostics == snapshot(
        exclude=paths(
            "entry.data.host",
            "last_poll.polled_at",
            "last_poll.active_calls.0.started",
            "missed_calls.latest.time",
            "missed_calls.cursor",
        )
    )
    text = repr(diagnostics)
    for private in (enswitch.password, "alice", "+649", "Carol"):
        assert private not in text
