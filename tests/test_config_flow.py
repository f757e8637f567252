"""Every path of the config flow: user, provider steps, reauth and reconfigure."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import CONF_PROVIDER, DOMAIN
from custom_components.callwatch.providers import EnswitchClient

from .conftest import setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FakeServer, FaultPlan


def _form(url: str, password: str = "correct horse battery") -> dict[str, Any]:
    return {
        CONF_HOST: url,
        CONF_USERNAME: "alice",
        CONF_PASSWORD: password,
        CONF_VERIFY_SSL: True,
    }


async def _enswitch_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enswitch"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enswitch"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_enswitch_account(hass: HomeAssistant, enswitch_url: str) -> None:
    flow_id = await _enswitch_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(enswitch_url)
    )
    await hass.async_block_till_done()
    host = enswitch_url.removeprefix("http://")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"alice@{host}"
    assert result["data"] == {CONF_PROVIDER: "enswitch", **_form(enswitch_url)}
    assert result["result"].unique_id == f"alice@{host}"


@pytest.mark.parametrize(
    ("breakage", "errors"),
    [
        ({"password": "wrong"}, {"base": "invalid_auth"}),
        ({"missed_role": False}, {"base": "insufficient_permissions"}),
        ({"active_role": False}, {"base": "insufficient_permissions"}),
        ({"fault": FaultPlan(fault="html")}, {"base": "invalid_response"}),
        ({"fault": FaultPlan(status=500)}, {"base": "invalid_response"}),
        ({"fault": FaultPlan(fault="reset")}, {"base": "cannot_connect"}),
    ],
)
async def test_enswitch_errors_then_recovery(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_url: str,
    breakage: dict[str, Any],
    errors: dict[str, str],
) -> None:
    flow_id = await _enswitch_form(hass)
    password = breakage.pop("password", enswitch.password)
    for name, value in breakage.items():
        setattr(enswitch, name, value)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(enswitch_url, password)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # What was typed is offered again, so that a typo is fixed, not retyped.
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested[CONF_HOST] == enswitch_url

    enswitch.missed_role = enswitch.active_role = True
    enswitch.fault = FaultPlan()
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(enswitch_url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("host", "errors"),
    [
        ("ftp://pbx.example.com", {CONF_HOST: "invalid_host"}),
        ("http://127.0.0.1:9", {"base": "cannot_connect"}),
    ],
)
async def test_enswitch_unusable_hosts(
    hass: HomeAssistant, socket_enabled: None, host: str, errors: dict[str, str]
) -> None:
    flow_id = await _enswitch_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(host))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_unexpected_error(
    hass: HomeAssistant, enswitch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug, not a provider's answer: logged with its traceback, shown as unknown."""

    async def broken(self: EnswitchClient) -> None:
        raise RuntimeError("bug")

    flow_id = await _enswitch_form(hass)
    monkeypatch.setattr(EnswitchClient, "account", broken)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(enswitch_url)
    )
    assert result["errors"] == {"base": "unknown"}
    monkeypatch.undo()
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(enswitch_url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_account_twice(hass: HomeAssistant, enswitch_url: str) -> None:
    flow_id = await _enswitch_form(hass)
    await hass.config_entries.flow.async_configure(flow_id, _form(enswitch_url))
    await hass.async_block_till_done()
    flow_id = await _enswitch_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(enswitch_url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["account"] == entry.title
    # Only the secret is asked again; the account stays the account.
    assert [str(key) for key in result["data_schema"].schema] == [CONF_PASSWORD]
    return result["flow_id"]


async def test_reauth_after_password_change(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, enswitch_entry)
    enswitch.password = "new password"
    flow_id = await _start_reauth(hass, enswitch_entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PASSWORD: "still wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PASSWORD: "new password"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert enswitch_entry.data[CONF_PASSWORD] == "new password"


async def test_reauth_with_another_account(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    """An entry whose account id differs from what the credentials open is refused."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="bob@pbx.example.com",
        data={CONF_PROVIDER: "enswitch", **_form(enswitch_url)},
    )
    entry.add_to_hass(hass)
    flow_id = await _start_reauth(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PASSWORD: enswitch.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_reconfigure_with_a_new_address_keeps_the_entities(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    enswitch_url: str,
    entity_registry: er.EntityRegistry,
) -> None:
    await setup_entry(hass, enswitch_entry)
    entities_before = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            entity_registry, enswitch_entry.entry_id
        )
    }
    result = await enswitch_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enswitch"
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    # The password is never shown back.
    assert suggested == {
        CONF_HOST: enswitch_url,
        CONF_USERNAME: "alice",
        CONF_VERIFY_SSL: True,
    }
    # The same host written another way is the same account.
    host = enswitch_url.removeprefix("http://")
    new_url = f"HTTP://{host.replace(':', '.:')}/"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(new_url, "wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(new_url)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert enswitch_entry.unique_id == f"alice@{host}"
    assert enswitch_entry.title == f"alice@{host}"
    assert enswitch_entry.data[CONF_HOST] == new_url
    assert {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            entity_registry, enswitch_entry.entry_id
        )
    } == entities_before
    assert hass.states.get("sensor.alice_pbx_example_com_active_calls").state == "0"


@pytest.mark.parametrize("change", ["host", "username"])
async def test_reconfigure_onto_another_account_is_refused(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    enswitch_url: str,
    change: str,
) -> None:
    await setup_entry(hass, enswitch_entry)
    if change == "host":
        # Alice on another Enswitch system is another account.
        other = FakeServer(enswitch.app())
        form = _form(await other.start())
    else:
        other = FakeServer(FakeEnswitch(username="bob").app())
        form = {**_form(await other.start()), CONF_USERNAME: "bob"}
    result = await enswitch_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    await other.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert enswitch_entry.data[CONF_HOST] == enswitch_url
    assert enswitch_entry.unique_id == f"alice@{enswitch_url.removeprefix('http://')}"


async def test_reconfigure_same_account(hass: HomeAssistant, enswitch_url: str) -> None:
    host = enswitch_url.removeprefix("http://")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"alice@{host}",
        data={CONF_PROVIDER: "enswitch", **_form(enswitch_url)},
    )
    await setup_entry(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_form(enswitch_url), CONF_VERIFY_SSL: False}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_VERIFY_SSL] is False
