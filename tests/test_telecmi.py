"""TeleCMI through Home Assistant: its flow step, polling, and pushes to the webhook."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType, section
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch import live_calls
from custom_components.callwatch.config_flow import SECTION_ADVANCED
from custom_components.callwatch.const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_DIRECTIONS,
    CONF_PROVIDER,
    CONF_REGION,
    CONF_SECRET,
    DOMAIN,
    EVENT_MISSED_CALL,
)

from .conftest import next_poll, setup_entry
from .fakes.server import FaultPlan
from .fakes.telecmi import FakeTelecmi, cdr_push, event_push

ACTIVE = "sensor.telecmi_1111113_active_calls"
LATEST = "sensor.telecmi_1111113_latest_missed_caller"
EVENT = "event.telecmi_1111113_missed_call"
WEBHOOK = "/api/webhook/telecmi_webhook_id"


async def _telecmi_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "telecmi"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "telecmi"
    return result


def _suggested(schema: dict[Any, Any]) -> dict[str, Any]:
    return {
        str(key): key.description["suggested_value"]
        for key in schema
        if key.description and "suggested_value" in key.description
    }


def _form(telecmi: FakeTelecmi, url: str, secret: str | None = None) -> dict[str, Any]:
    return {
        CONF_REGION: telecmi.region,
        CONF_APP_ID: str(telecmi.app_id),
        CONF_SECRET: secret or telecmi.secret,
        SECTION_ADVANCED: {CONF_API_URL: url},
    }


async def test_flow_creates_an_entry_with_its_webhook(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_url: str
) -> None:
    await async_process_ha_core_config(
        hass, {"external_url": "https://home.example.com"}
    )
    result = await _telecmi_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "TeleCMI 1111113"
    assert result["result"].unique_id == "india_1111113"
    webhook_id = result["data"][CONF_WEBHOOK_ID]
    assert len(webhook_id) == 64
    assert result["description"] == "webhook"
    assert result["description_placeholders"] == {
        "webhook_url": f"https://home.example.com/api/webhook/{webhook_id}"
    }


async def test_flow_without_a_configured_address_shows_the_path(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_url: str
) -> None:
    result = await _telecmi_form(hass)
    # Home Assistant knows no address of its own (no http configuration).
    hass.config.api = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url)
    )
    await hass.async_block_till_done()
    webhook_id = result["data"][CONF_WEBHOOK_ID]
    assert result["description_placeholders"] == {
        "webhook_url": f"/api/webhook/{webhook_id}"
    }


async def test_api_url_is_in_a_collapsed_section(hass: HomeAssistant) -> None:
    result = await _telecmi_form(hass)
    schema = result["data_schema"].schema
    assert CONF_API_URL not in {str(key) for key in schema}
    [advanced] = [value for key, value in schema.items() if key == SECTION_ADVANCED]
    assert isinstance(advanced, section)
    assert advanced.options == {"collapsed": True}
    assert {str(key) for key in advanced.schema.schema} == {CONF_API_URL}


async def test_entry_data_stays_flat(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_url: str
) -> None:
    """Entries made before the section keep working: the URL is stored at the top."""
    result = await _telecmi_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_URL] == telecmi_url
    assert SECTION_ADVANCED not in result["data"]


@pytest.mark.parametrize(
    ("secret", "fault", "errors"),
    [
        ("wrong", None, {"base": "invalid_auth"}),
        (None, FaultPlan(fault="reset"), {"base": "cannot_connect"}),
        (None, FaultPlan(fault="html"), {"base": "invalid_response"}),
        (None, FaultPlan(status=403), {"base": "insufficient_permissions"}),
    ],
)
async def test_flow_errors(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_url: str,
    secret: str | None,
    fault: FaultPlan | None,
    errors: dict[str, str],
) -> None:
    result = await _telecmi_form(hass)
    telecmi.fault = fault or FaultPlan()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url, secret)
    )
    assert result["errors"] == errors
    telecmi.fault = FaultPlan()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_flow_same_app_twice(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    telecmi_url: str,
) -> None:
    telecmi_entry.add_to_hass(hass)
    result = await _telecmi_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_keeps_the_webhook(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    telecmi_url: str,
) -> None:
    await setup_entry(hass, telecmi_entry)
    result = await telecmi_entry.start_reconfigure_flow(hass)
    # The form shows what is stored, the URL inside its section; never the secret.
    schema = result["data_schema"].schema
    assert _suggested(schema) == {
        CONF_REGION: telecmi.region,
        CONF_APP_ID: str(telecmi.app_id),
    }
    [advanced] = [value for key, value in schema.items() if key == SECTION_ADVANCED]
    assert _suggested(advanced.schema.schema) == {CONF_API_URL: telecmi_url}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(telecmi, telecmi_url)
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert telecmi_entry.data[CONF_WEBHOOK_ID] == "telecmi_webhook_id"
    assert telecmi_entry.data[CONF_API_URL] == telecmi_url


async def test_polled_missed_calls(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polling finds missed calls; without a push the active count is unknown."""
    await setup_entry(hass, telecmi_entry)
    assert hass.states.get(ACTIVE).state == "unknown"
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    now = freezer().timestamp()
    telecmi.add_missed_call(now - 20, 919800000001, 918000000000, name="Asha")
    telecmi.add_missed_call(now - 10, "209_1111113", 919700000002, direction="outbound")
    await next_poll(hass, freezer)
    # Incoming only, unless the options ask for outgoing too.
    assert [event.data["caller_number"] for event in events] == ["+919800000001"]
    assert events[0].data["caller_number_raw"] == "919800000001"
    assert events[0].data["provider"] == "telecmi"
    # The name where there is one.
    assert hass.states.get(LATEST).state == "Asha"

    hass.config_entries.async_update_entry(
        telecmi_entry, options={CONF_DIRECTIONS: ["inbound", "outbound"]}
    )
    await hass.config_entries.async_reload(telecmi_entry.entry_id)
    await hass.async_block_till_done()
    telecmi.add_missed_call(now + 20, "207_1111113", 919700000003, direction="outbound")
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events][1:] == ["207_1111113"]
    assert events[-1].data["direction"] == "outbound"


async def _push(
    client: Any, payload: dict[str, Any], status: HTTPStatus = HTTPStatus.OK
) -> None:
    response = await client.post(WEBHOOK, json=payload)
    assert response.status == status


async def test_pushes_count_live_calls(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, telecmi_entry)
    client = await hass_client_no_auth()
    now = freezer().timestamp()
    await _push(client, event_push(1111113, "conv-1", "waiting", now))
    await _push(client, event_push(1111113, "conv-2", "started", now))
    assert hass.states.get(ACTIVE).state == "2"
    await _push(client, event_push(1111113, "conv-1", "answered", now + 5))
    assert hass.states.get(ACTIVE).state == "2"
    await _push(client, cdr_push(1111113, "conv-1", "answered", now + 60))
    assert hass.states.get(ACTIVE).state == "1"
    # A live push that arrives after the call's record does not bring the call back.
    await _push(client, event_push(1111113, "conv-1", "answered", now + 5))
    assert hass.states.get(ACTIVE).state == "1"
    # A poll in between keeps the pushed count.
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == "1"
    # A call whose end never arrives is dropped after four hours.
    freezer.tick(timedelta(hours=4))
    await next_poll(hass, freezer)
    assert hass.states.get(ACTIVE).state == "0"


async def test_pushed_missed_call_fires_once(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, telecmi_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    client = await hass_client_no_auth()
    now = freezer().timestamp()
    await _push(client, event_push(1111113, "conv-9", "waiting", now - 30))
    await _push(
        client,
        cdr_push(1111113, "conv-9", "missed", now - 30, from_="+919811111111"),
    )
    assert [event.data["caller_number"] for event in events] == ["+919811111111"]
    assert hass.states.get(EVENT).attributes["caller_number"] == "+919811111111"
    assert hass.states.get(LATEST).state == "098111 11111"
    assert hass.states.get(ACTIVE).state == "0"
    # The poll lists the same call, under TeleCMI's row id and a second later.
    telecmi.add_missed_call(now - 29, "+919811111111", "+918000000000")
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert len(events) == 1
    # The same push again (a retry) is not a second call either.
    await _push(
        client,
        cdr_push(1111113, "conv-9", "missed", now - 30, from_="+919811111111"),
    )
    assert len(events) == 1


async def test_pushes_that_are_refused(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, telecmi_entry)
    client = await hass_client_no_auth()
    now = freezer().timestamp()
    await _push(client, event_push(999, "conv-x", "waiting", now), HTTPStatus.FORBIDDEN)
    await _push(client, {"type": "event"}, HTTPStatus.BAD_REQUEST)
    response = await client.post(
        WEBHOOK, data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status == HTTPStatus.BAD_REQUEST
    await _push(client, [1, 2], HTTPStatus.BAD_REQUEST)  # type: ignore[arg-type]
    await _push(client, {"type": "balance", "appid": 1111113})
    assert hass.states.get(ACTIVE).state == "unknown"


async def test_a_flood_of_forged_live_pushes_is_capped(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whoever knows the address may push: each new id is kept, up to the cap."""
    monkeypatch.setattr(live_calls, "MAX_LIVE_CALLS", 5, raising=False)
    await setup_entry(hass, telecmi_entry)
    client = await hass_client_no_auth()
    now = freezer().timestamp()
    for index in range(20):
        await _push(client, event_push(1111113, f"forged-{index}", "waiting", now))
    assert hass.states.get(ACTIVE).state == "5"
    # The newest stay; a real call pushed now counts among them.
    kept = [call["since"] for call in hass.states.get(ACTIVE).attributes["calls"]]
    assert len(kept) == 5
    await _push(client, event_push(1111113, "real", "waiting", now))
    assert hass.states.get(ACTIVE).state == "5"
    coordinator = telecmi_entry.runtime_data
    assert "real" in {call.call_id for call in coordinator.data.active_calls}
    assert "forged-15" not in {call.call_id for call in coordinator.data.active_calls}


async def test_push_by_get(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """CHUB global may push with GET and the fields in the query."""
    await setup_entry(hass, telecmi_entry)
    client = await hass_client_no_auth()
    push = event_push(1111113, "conv-g", "started", freezer().timestamp())
    response = await client.get(WEBHOOK, params={k: str(v) for k, v in push.items()})
    assert response.status == HTTPStatus.OK
    assert hass.states.get(ACTIVE).state == "1"


async def test_unload_stops_listening(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, telecmi_entry)
    client = await hass_client_no_auth()
    coordinator = telecmi_entry.runtime_data
    assert await hass.config_entries.async_unload(telecmi_entry.entry_id)
    await _push(client, event_push(1111113, "conv-u", "waiting", freezer().timestamp()))
    assert coordinator.live.heard_from is False


async def test_options_show_the_webhook_again(
    hass: HomeAssistant, telecmi_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, telecmi_entry)
    result = await hass.config_entries.options.async_init(telecmi_entry.entry_id)
    assert result["step_id"] == "push_options"
    assert result["description_placeholders"]["webhook_url"].endswith(WEBHOOK)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"scan_interval": 45, CONF_DIRECTIONS: ["outbound"], "called_numbers": []},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert telecmi_entry.options[CONF_DIRECTIONS] == ["outbound"]
