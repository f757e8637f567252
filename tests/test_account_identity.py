"""One account, one entry: hosts normalised into the unique id, and older ids migrated."""

from __future__ import annotations

import aiohttp
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import CONF_API_URL, CONF_PROVIDER, DOMAIN
from custom_components.callwatch.providers import (
    EnswitchClient,
    TelecmiClient,
    VoipnowClient,
)

from .conftest import setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FakeServer
from .fakes.telecmi import FakeTelecmi

SAME_HOST = [
    "pbx.example.com",
    "pbx.example.com:443",
    "PBX.Example.COM.",
    "https://pbx.example.com:443/",
    "https://pbx.example.com.:443",
]


@pytest.mark.parametrize("host", SAME_HOST)
async def test_one_host_written_many_ways_is_one_account(host: str) -> None:
    async with aiohttp.ClientSession() as session:
        enswitch = EnswitchClient(host, "Alice", "secret", session=session)
        voipnow = VoipnowClient(host, "app", "secret", session=session)
        assert enswitch.account_id == "alice@pbx.example.com"
        assert voipnow.account_id == "app@pbx.example.com"
        assert EnswitchClient(
            "pbx.example.com:8443", "alice", "secret", session=session
        ).account_id == ("alice@pbx.example.com:8443")
        assert EnswitchClient(
            "http://pbx.example.com:80", "alice", "secret", session=session
        ).account_id == ("alice@pbx.example.com")


def _form(url: str) -> dict[str, object]:
    return {
        CONF_HOST: url,
        CONF_USERNAME: "alice",
        CONF_PASSWORD: "correct horse battery",
        CONF_VERIFY_SSL: True,
    }


async def _add(hass: HomeAssistant, url: str) -> dict[str, object]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enswitch"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(url)
    )
    await hass.async_block_till_done()
    return dict(result)


async def test_an_account_cannot_be_added_twice_with_a_trailing_dot(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    first = await _add(hass, enswitch_url)
    assert first["type"] is FlowResultType.CREATE_ENTRY
    host, port = enswitch_url.removeprefix("http://").split(":")
    second = await _add(hass, f"HTTP://{host}.:{port}/")
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_a_telecmi_app_may_move_to_a_new_address(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
) -> None:
    await setup_entry(hass, telecmi_entry)
    moved = FakeServer(telecmi.app())
    new_url = f"{await moved.start()}{telecmi.prefix}"
    result = await telecmi_entry.start_reconfigure_flow(hass)
    form = {
        key: value
        for key, value in telecmi_entry.data.items()
        if key in ("region", "app_id")
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**form, "secret": telecmi.secret, "advanced": {CONF_API_URL: new_url}},
    )
    await hass.async_block_till_done()
    await moved.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert telecmi_entry.data[CONF_API_URL] == new_url
    assert telecmi_entry.unique_id == f"{telecmi.region}_{telecmi.app_id}"


async def test_an_older_unique_id_is_migrated(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    host, port = enswitch_url.removeprefix("http://").split(":")
    written = f"http://{host}.:{port}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=1,
        title=f"alice@{host}.:{port}",
        unique_id=f"alice@{host}.:{port}",
        data={CONF_PROVIDER: "enswitch", **_form(written)},
    )
    assert await setup_entry(hass, entry)
    assert entry.minor_version == 2
    assert entry.unique_id == f"alice@{host}:{port}"
    # Adding it again is now refused.
    again = await _add(hass, enswitch_url)
    assert again["reason"] == "already_configured"


async def test_a_duplicate_older_entry_keeps_its_id_with_a_warning(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host, port = enswitch_url.removeprefix("http://").split(":")
    MockConfigEntry(
        domain=DOMAIN,
        minor_version=2,
        unique_id=f"alice@{host}:{port}",
        data={CONF_PROVIDER: "enswitch", **_form(enswitch_url)},
    ).add_to_hass(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        minor_version=1,
        title="the same again",
        unique_id=f"alice@{host}.:{port}",
        data={CONF_PROVIDER: "enswitch", **_form(f"http://{host}.:{port}")},
    )
    assert await setup_entry(hass, entry)
    assert entry.unique_id == f"alice@{host}.:{port}"
    assert entry.minor_version == 2
    assert "the same again is the same account as another entry" in caplog.text


async def test_telecmi_identity_leaves_the_address_out() -> None:
    async with aiohttp.ClientSession() as session:
        here = TelecmiClient("india", " 1234 ", "s", session=session)
        there = TelecmiClient(
            "india", "1234", "s", session=session, api_url="http://127.0.0.1:1/v2"
        )
        assert here.account_id == there.account_id == "india_1234"
