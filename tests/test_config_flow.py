"""Every path of the config and options flows, each ending in an entry or an abort."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.config_flow import SECTION_ADVANCED
from custom_components.callwatch.const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_DIRECTIONS,
    CONF_EXTENSION,
    CONF_PROVIDER,
    CONF_REGION,
    CONF_SECRET,
    DOMAIN,
)
from custom_components.callwatch.providers import EnswitchClient

from .conftest import (
    ENSWITCH_OPTIONS,
    enswitch_form,
    setup_entry,
    start_provider_step,
    suggested_values,
)
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FakeServer, FaultPlan
from .fakes.telecmi import FakeTelecmi
from .fakes.voipnow import FakeVoipnow


def telecmi_form(
    telecmi: FakeTelecmi, url: str, secret: str | None = None
) -> dict[str, Any]:
    """Return the TeleCMI step's input for the fake app at `url`."""
    return {
        CONF_REGION: telecmi.region,
        CONF_APP_ID: str(telecmi.app_id),
        CONF_SECRET: secret or telecmi.secret,
        SECTION_ADVANCED: {CONF_API_URL: url},
    }


def voipnow_form(
    voipnow: FakeVoipnow, url: str, secret: str | None = None
) -> dict[str, Any]:
    """Return the VoipNow step's input for the fake app at `url`."""
    return {
        CONF_HOST: url,
        CONF_CLIENT_ID: voipnow.client_id,
        CONF_CLIENT_SECRET: secret or voipnow.client_secret,
        CONF_VERIFY_SSL: True,
        CONF_EXTENSION: "@self",
    }


async def _submit(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]
) -> dict[str, Any]:
    """Send a step's input and let what it starts finish."""
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    await hass.async_block_till_done()
    return dict(result)


async def _enswitch_step(hass: HomeAssistant) -> str:
    """Start the flow at the Enswitch step and return its id."""
    result = await start_provider_step(hass, "enswitch")
    flow_id: str = result["flow_id"]
    return flow_id


async def test_enswitch_account(hass: HomeAssistant, enswitch_url: str) -> None:
    """An Enswitch account is named user@host and keyed by it."""
    flow_id = await _enswitch_step(hass)
    result = await _submit(hass, flow_id, enswitch_form(enswitch_url))
    host = enswitch_url.removeprefix("http://")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"alice@{host}"
    assert result["data"] == {CONF_PROVIDER: "enswitch", **enswitch_form(enswitch_url)}
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
    """Each failure of the account check is its error; fixed, the entry is made."""
    flow_id = await _enswitch_step(hass)
    password = breakage.pop("password", enswitch.password)
    for name, value in breakage.items():
        setattr(enswitch, name, value)
    result = await hass.config_entries.flow.async_configure(
        flow_id, enswitch_form(enswitch_url, password)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # What was typed is offered again, so that a typo is fixed, not retyped.
    assert suggested_values(result["data_schema"].schema)[CONF_HOST] == enswitch_url

    enswitch.missed_role = enswitch.active_role = True
    enswitch.fault = FaultPlan()
    result = await _submit(hass, flow_id, enswitch_form(enswitch_url))
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("host", "errors"),
    [
        ("ftp://pbx.example.com", {CONF_HOST: "invalid_host"}),
        ("http://127.0.0.1:9", {"base": "cannot_connect"}),
    ],
)
async def test_enswitch_unusable_hosts(
    hass: HomeAssistant, enswitch_url: str, host: str, errors: dict[str, str]
) -> None:
    """A host that is no URL, or where nothing answers, is an error until fixed."""
    flow_id = await _enswitch_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, enswitch_form(host)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await _submit(hass, flow_id, enswitch_form(enswitch_url))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unexpected_error(
    hass: HomeAssistant, enswitch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug, not a provider's answer: logged with its traceback, shown as unknown."""

    async def broken(self: EnswitchClient) -> None:
        raise RuntimeError("bug")

    flow_id = await _enswitch_step(hass)
    monkeypatch.setattr(EnswitchClient, "account", broken)
    result = await hass.config_entries.flow.async_configure(
        flow_id, enswitch_form(enswitch_url)
    )
    assert result["errors"] == {"base": "unknown"}
    monkeypatch.undo()
    result = await _submit(hass, flow_id, enswitch_form(enswitch_url))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_account_twice(hass: HomeAssistant, enswitch_url: str) -> None:
    """An account already added is refused, however its host is written."""
    first = await _submit(hass, await _enswitch_step(hass), enswitch_form(enswitch_url))
    assert first["type"] is FlowResultType.CREATE_ENTRY
    again = await _submit(hass, await _enswitch_step(hass), enswitch_form(enswitch_url))
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"
    host, port = enswitch_url.removeprefix("http://").split(":")
    dotted = await _submit(
        hass, await _enswitch_step(hass), enswitch_form(f"HTTP://{host}.:{port}/")
    )
    assert dotted["type"] is FlowResultType.ABORT
    assert dotted["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def _start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Start reauth of `entry`, check it asks only the secret, return its id."""
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["account"] == entry.title
    # Only the secret is asked again; the account stays the account.
    assert [str(key) for key in result["data_schema"].schema] == [CONF_PASSWORD]
    flow_id: str = result["flow_id"]
    return flow_id


async def test_reauth_after_password_change(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    """A wrong password is an error; the new one is stored."""
    await setup_entry(hass, enswitch_entry)
    enswitch.password = "new password"
    flow_id = await _start_reauth(hass, enswitch_entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PASSWORD: "still wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await _submit(hass, flow_id, {CONF_PASSWORD: "new password"})
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
        data={CONF_PROVIDER: "enswitch", **enswitch_form(enswitch_url)},
    )
    entry.add_to_hass(hass)
    flow_id = await _start_reauth(hass, entry)
    result = await _submit(hass, flow_id, {CONF_PASSWORD: enswitch.password})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


def _entity_ids(entity_registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    """Return the ids of the entities of `entry`."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }


async def test_reconfigure_with_a_new_address_keeps_the_entities(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    enswitch_url: str,
    entity_registry: er.EntityRegistry,
) -> None:
    """The same account at an address written anew keeps its entry and entities."""
    await setup_entry(hass, enswitch_entry)
    entities_before = _entity_ids(entity_registry, enswitch_entry)
    result = await enswitch_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enswitch"
    # The password is never shown back.
    assert suggested_values(result["data_schema"].schema) == {
        CONF_HOST: enswitch_url,
        CONF_USERNAME: "alice",
        CONF_VERIFY_SSL: True,
    }
    # The same host written another way is the same account.
    host = enswitch_url.removeprefix("http://")
    new_url = f"HTTP://{host.replace(':', '.:')}/"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], enswitch_form(new_url, "wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await _submit(hass, result["flow_id"], enswitch_form(new_url))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert enswitch_entry.unique_id == f"alice@{host}"
    assert enswitch_entry.title == f"alice@{host}"
    assert enswitch_entry.data[CONF_HOST] == new_url
    assert _entity_ids(entity_registry, enswitch_entry) == entities_before
    assert hass.states.get("sensor.alice_pbx_example_com_active_calls").state == "0"


@pytest.mark.parametrize("change", ["host", "username"])
async def test_reconfigure_onto_another_account_is_refused(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    enswitch_url: str,
    change: str,
) -> None:
    """Another host or another user is another account: the entry stays as it was."""
    await setup_entry(hass, enswitch_entry)
    if change == "host":
        # Alice on another Enswitch system is another account.
        other = FakeServer(enswitch.app())
        form = enswitch_form(await other.start())
    else:
        other = FakeServer(FakeEnswitch(username="bob").app())
        form = {**enswitch_form(await other.start()), CONF_USERNAME: "bob"}
    result = await enswitch_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    await other.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert enswitch_entry.data[CONF_HOST] == enswitch_url
    assert enswitch_entry.unique_id == f"alice@{enswitch_url.removeprefix('http://')}"


async def test_reconfigure_same_account(hass: HomeAssistant, enswitch_url: str) -> None:
    """Reconfiguring without moving stores what changed."""
    host = enswitch_url.removeprefix("http://")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"alice@{host}",
        data={CONF_PROVIDER: "enswitch", **enswitch_form(enswitch_url)},
    )
    await setup_entry(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    result = await _submit(
        hass, result["flow_id"], {**enswitch_form(enswitch_url), CONF_VERIFY_SSL: False}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_VERIFY_SSL] is False


async def test_telecmi_flow_creates_an_entry_with_its_webhook(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_url: str
) -> None:
    """The entry gets a webhook, whose full address the flow shows."""
    await async_process_ha_core_config(
        hass, {"external_url": "https://home.example.com"}
    )
    result = await start_provider_step(hass, "telecmi")
    result = await _submit(hass, result["flow_id"], telecmi_form(telecmi, telecmi_url))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "TeleCMI 1111113"
    assert result["result"].unique_id == "india_1111113"
    webhook_id = result["data"][CONF_WEBHOOK_ID]
    assert len(webhook_id) == 64
    assert result["description"] == "webhook"
    assert result["description_placeholders"] == {
        "webhook_url": f"https://home.example.com/api/webhook/{webhook_id}"
    }


async def test_telecmi_flow_without_a_configured_address_shows_the_path(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_url: str
) -> None:
    """Without an address of its own, Home Assistant's webhook path is shown."""
    result = await start_provider_step(hass, "telecmi")
    # Home Assistant knows no address of its own (no http configuration).
    hass.config.api = None
    result = await _submit(hass, result["flow_id"], telecmi_form(telecmi, telecmi_url))
    webhook_id = result["data"][CONF_WEBHOOK_ID]
    assert result["description_placeholders"] == {
        "webhook_url": f"/api/webhook/{webhook_id}"
    }


async def test_telecmi_api_url_is_in_a_collapsed_section_and_stored_flat(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_url: str
) -> None:
    """The API URL is asked in a collapsed section, but stored at the top.

    Entries made before the section keep working.
    """
    result = await start_provider_step(hass, "telecmi")
    schema = result["data_schema"].schema
    assert CONF_API_URL not in {str(key) for key in schema}
    [advanced] = [value for key, value in schema.items() if key == SECTION_ADVANCED]
    assert isinstance(advanced, section)
    assert advanced.options == {"collapsed": True}
    assert {str(key) for key in advanced.schema.schema} == {CONF_API_URL}
    result = await _submit(hass, result["flow_id"], telecmi_form(telecmi, telecmi_url))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_URL] == telecmi_url
    assert SECTION_ADVANCED not in result["data"]


async def test_telecmi_reconfigure_keeps_the_webhook(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    telecmi_url: str,
) -> None:
    """Reconfiguring shows what is stored, never the secret, and keeps the webhook."""
    await setup_entry(hass, telecmi_entry)
    result = await telecmi_entry.start_reconfigure_flow(hass)
    # The form shows what is stored, the URL inside its section; never the secret.
    schema = result["data_schema"].schema
    assert suggested_values(schema) == {
        CONF_REGION: telecmi.region,
        CONF_APP_ID: str(telecmi.app_id),
    }
    [advanced] = [value for key, value in schema.items() if key == SECTION_ADVANCED]
    assert suggested_values(advanced.schema.schema) == {CONF_API_URL: telecmi_url}
    result = await _submit(hass, result["flow_id"], telecmi_form(telecmi, telecmi_url))
    assert result["reason"] == "reconfigure_successful"
    assert telecmi_entry.data[CONF_WEBHOOK_ID] == "telecmi_webhook_id"
    assert telecmi_entry.data[CONF_API_URL] == telecmi_url


async def test_telecmi_app_may_move_to_a_new_address(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
) -> None:
    """A TeleCMI app is the same app at another API address."""
    await setup_entry(hass, telecmi_entry)
    moved = FakeServer(telecmi.app())
    new_url = f"{await moved.start()}{telecmi.prefix}"
    result = await telecmi_entry.start_reconfigure_flow(hass)
    result = await _submit(hass, result["flow_id"], telecmi_form(telecmi, new_url))
    await moved.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert telecmi_entry.data[CONF_API_URL] == new_url
    assert telecmi_entry.unique_id == f"{telecmi.region}_{telecmi.app_id}"


async def test_voipnow_flow(
    hass: HomeAssistant, voipnow: FakeVoipnow, voipnow_url: str
) -> None:
    """A VoipNow app is named after its client id and host."""
    result = await start_provider_step(hass, "voipnow")
    result = await _submit(hass, result["flow_id"], voipnow_form(voipnow, voipnow_url))
    host = voipnow_url.removeprefix("http://")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"callwatch-app@{host}"
    assert result["data"] == {
        CONF_PROVIDER: "voipnow",
        **voipnow_form(voipnow, voipnow_url),
    }


async def test_options_errors_then_saved(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    """No direction, a scope the role refuses, no answer: each an error, then saved."""
    await setup_entry(hass, enswitch_entry)
    result = await hass.config_entries.options.async_init(enswitch_entry.entry_id)
    flow_id = result["flow_id"]
    result = await hass.config_entries.options.async_configure(
        flow_id, {**ENSWITCH_OPTIONS, CONF_DIRECTIONS: []}
    )
    assert result["errors"] == {CONF_DIRECTIONS: "no_direction"}

    enswitch.active_role = False
    result = await hass.config_entries.options.async_configure(
        flow_id, ENSWITCH_OPTIONS
    )
    assert result["errors"] == {"base": "scope_not_allowed"}

    enswitch.active_role = True
    enswitch.fault = FaultPlan(fault="reset", times=1)
    result = await hass.config_entries.options.async_configure(
        flow_id, ENSWITCH_OPTIONS
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.options.async_configure(
        flow_id, {**ENSWITCH_OPTIONS, CONF_DIRECTIONS: ["inbound", "outbound"]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert enswitch_entry.options[CONF_DIRECTIONS] == ["inbound", "outbound"]


async def test_telecmi_options_show_the_webhook_again(
    hass: HomeAssistant, telecmi_entry: MockConfigEntry
) -> None:
    """A pushing provider's options show its webhook address again."""
    await setup_entry(hass, telecmi_entry)
    result = await hass.config_entries.options.async_init(telecmi_entry.entry_id)
    assert result["step_id"] == "push_options"
    assert result["description_placeholders"]["webhook_url"].endswith(
        f"/api/webhook/{telecmi_entry.data[CONF_WEBHOOK_ID]}"
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"scan_interval": 45, CONF_DIRECTIONS: ["outbound"], "called_numbers": []},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert telecmi_entry.options[CONF_DIRECTIONS] == ["outbound"]


def _fault(
    provider: str, fault: FaultPlan, error: str
) -> tuple[str, None, dict[str, FaultPlan], dict[str, str]]:
    """Return an error case of the app form: the fake's fault and the form's error."""
    return (provider, None, {"fault": fault}, {"base": error})


PUSH_FORMS: dict[str, Callable[[Any, str, str | None], dict[str, Any]]] = {
    "telecmi": telecmi_form,
    "voipnow": voipnow_form,
}


@pytest.mark.parametrize(
    ("provider", "secret", "breakage", "errors"),
    [
        ("telecmi", "wrong", {}, {"base": "invalid_auth"}),
        _fault("telecmi", FaultPlan(fault="reset"), "cannot_connect"),
        _fault("telecmi", FaultPlan(fault="html"), "invalid_response"),
        _fault("telecmi", FaultPlan(status=403), "insufficient_permissions"),
        ("voipnow", "wrong", {}, {"base": "invalid_auth"}),
        ("voipnow", None, {"forbidden": True}, {"base": "insufficient_permissions"}),
        _fault("voipnow", FaultPlan(fault="reset"), "cannot_connect"),
        _fault("voipnow", FaultPlan(fault="garbage"), "invalid_response"),
    ],
)
async def test_app_errors_then_recovery(
    hass: HomeAssistant,
    provider: str,
    provider_fake: Any,
    provider_url: str,
    secret: str | None,
    breakage: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each failure of a TeleCMI or VoipNow check is its error; fixed, the entry is made."""
    result = await start_provider_step(hass, provider)
    before = {name: getattr(provider_fake, name) for name in breakage}
    for name, value in breakage.items():
        setattr(provider_fake, name, value)
    form = PUSH_FORMS[provider]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(provider_fake, provider_url, secret)
    )
    assert result["errors"] == errors
    for name, value in before.items():
        setattr(provider_fake, name, value)
    result = await _submit(
        hass, result["flow_id"], form(provider_fake, provider_url, None)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("provider", ["telecmi", "voipnow"])
async def test_app_added_twice(
    hass: HomeAssistant,
    provider: str,
    provider_fake: Any,
    provider_url: str,
    config_entry: MockConfigEntry,
) -> None:
    """A TeleCMI or VoipNow app already added is refused."""
    config_entry.add_to_hass(hass)
    result = await start_provider_step(hass, provider)
    form = PUSH_FORMS[provider](provider_fake, provider_url, None)
    result = await _submit(hass, result["flow_id"], form)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
