"""Reauth, reconfigure and options each reload the entry exactly once."""

from __future__ import annotations

from collections.abc import Callable

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_SCAN_INTERVAL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.callwatch as integration
from custom_components.callwatch.const import (
    CONF_CALLED_NUMBERS,
    CONF_CUSTOMER_SCOPE,
    CONF_DIRECTIONS,
)

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch

OPTIONS = {
    CONF_SCAN_INTERVAL: 60,
    CONF_DIRECTIONS: ["inbound"],
    CONF_CALLED_NUMBERS: [],
    CONF_CUSTOMER_SCOPE: "own",
}


@pytest.fixture
def setups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the entry's setups: each reload sets it up once more."""
    entry_ids: list[str] = []
    setup_entry_of = integration.async_setup_entry

    async def counted(
        hass: HomeAssistant, entry: integration.CallwatchConfigEntry
    ) -> bool:
        entry_ids.append(entry.entry_id)
        return await setup_entry_of(hass, entry)

    monkeypatch.setattr(integration, "async_setup_entry", counted)
    return entry_ids


def _reloaded(
    entry: MockConfigEntry,
    setups: list[str],
    caplog: pytest.LogCaptureFixture,
    times: int = 1,
) -> None:
    """Check `entry` was set up `times` more and is loaded, with no listener warning."""
    assert setups == [entry.entry_id] * times
    assert entry.state is ConfigEntryState.LOADED
    assert "update listener" not in caplog.text


async def _reauth_with_the_new_password(
    hass: HomeAssistant, setups: list[str]
) -> ConfigFlowResult:
    """Answer the reauth flow in progress with the new password, counting setups anew."""
    [flow] = hass.config_entries.flow.async_progress_by_handler("callwatch")
    setups.clear()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "new password"}
    )
    await hass.async_block_till_done()
    return result


@pytest.mark.usefixtures("init_integration")
async def test_reauth_reloads_once(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    setups: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A successful reauth reloads the entry once."""
    enswitch.password = "new password"
    enswitch.expire_tokens()
    await next_poll(hass, freezer)
    result = await _reauth_with_the_new_password(hass, setups)
    assert result["reason"] == "reauth_successful"
    _reloaded(enswitch_entry, setups, caplog)


async def test_reauth_of_an_entry_that_failed_to_set_up_reloads_once(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    setups: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reauth of an entry that failed to set up reloads once."""
    enswitch.password = "new password"
    await setup_entry(hass, enswitch_entry)
    assert enswitch_entry.state is ConfigEntryState.SETUP_ERROR
    await _reauth_with_the_new_password(hass, setups)
    _reloaded(enswitch_entry, setups, caplog)


async def test_reconfigure_reloads_once(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    setups: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A successful reconfigure reloads the entry once."""
    await setup_entry(hass, enswitch_entry)
    setups.clear()
    result = await enswitch_entry.start_reconfigure_flow(hass)
    form = {**enswitch_entry.data, CONF_VERIFY_SSL: False}
    del form["provider"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert enswitch_entry.data[CONF_VERIFY_SSL] is False
    _reloaded(enswitch_entry, setups, caplog)


@pytest.mark.parametrize(
    ("change", "reloads"),
    [
        (lambda options: {**options, CONF_SCAN_INTERVAL: 120}, 1),
        (lambda options: options, 0),
    ],
    ids=["changed", "unchanged"],
)
async def test_options_reload_once_when_they_change(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    setups: list[str],
    caplog: pytest.LogCaptureFixture,
    change: Callable[[dict[str, object]], dict[str, object]],
    reloads: int,
) -> None:
    """Options reload once when they change."""
    await setup_entry(hass, enswitch_entry)
    hass.config_entries.async_update_entry(enswitch_entry, options=OPTIONS)
    await hass.async_block_till_done()
    setups.clear()
    result = await hass.config_entries.options.async_init(enswitch_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], change(dict(OPTIONS))
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert enswitch_entry.options == change(dict(OPTIONS))
    _reloaded(enswitch_entry, setups, caplog, reloads)
