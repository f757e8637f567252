"""One account, one entry: hosts normalised into the unique id, and older ids migrated."""

from __future__ import annotations

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import CONF_PROVIDER, DOMAIN
from custom_components.callwatch.providers import (
    EnswitchClient,
    TelecmiClient,
    VoipnowClient,
)

from .conftest import enswitch_form, setup_entry, start_provider_step
from .fakes.enswitch import FakeEnswitch

SAME_HOST = [
    "pbx.example.com",
    "pbx.example.com:443",
    "PBX.Example.COM.",
    "https://pbx.example.com:443/",
    "https://pbx.example.com.:443",
]


@pytest.mark.parametrize("host", SAME_HOST)
async def test_one_host_written_many_ways_is_one_account(host: str) -> None:
    """One host written many ways is one account."""
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


async def test_an_older_unique_id_is_migrated(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_url: str
) -> None:
    """An older unique id is migrated."""
    host, port = enswitch_url.removeprefix("http://").split(":")
    written = f"http://{host}.:{port}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=1,
        title=f"alice@{host}.:{port}",
        unique_id=f"alice@{host}.:{port}",
        data={CONF_PROVIDER: "enswitch", **enswitch_form(written)},
    )
    assert await setup_entry(hass, entry)
    assert entry.minor_version == 2
    assert entry.unique_id == f"alice@{host}:{port}"
    # Adding it again is now refused.
    result = await start_provider_step(hass, "enswitch")
    again = await hass.config_entries.flow.async_configure(
        result["flow_id"], enswitch_form(enswitch_url)
    )
    assert again["reason"] == "already_configured"


async def test_a_duplicate_older_entry_keeps_its_id_with_a_warning(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A duplicate older entry keeps its id with a warning."""
    host, port = enswitch_url.removeprefix("http://").split(":")
    MockConfigEntry(
        domain=DOMAIN,
        minor_version=2,
        unique_id=f"alice@{host}:{port}",
        data={CONF_PROVIDER: "enswitch", **enswitch_form(enswitch_url)},
    ).add_to_hass(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        minor_version=1,
        title="the same again",
        unique_id=f"alice@{host}.:{port}",
        data={CONF_PROVIDER: "enswitch", **enswitch_form(f"http://{host}.:{port}")},
    )
    assert await setup_entry(hass, entry)
    assert entry.unique_id == f"alice@{host}.:{port}"
    assert entry.minor_version == 2
    assert "the same again is the same account as another entry" in caplog.text


async def test_telecmi_identity_leaves_the_address_out() -> None:
    """Telecmi identity leaves the address out."""
    async with aiohttp.ClientSession() as session:
        here = TelecmiClient("india", " 1234 ", "s", session=session)
        there = TelecmiClient(
            "india", "1234", "s", session=session, api_url="http://127.0.0.1:1/v2"
        )
        assert here.account_id == there.account_id == "india_1234"
