"""The dashboard card: served with its content's hash in the URL, loaded by the frontend."""

from __future__ import annotations

import hashlib
from http import HTTPStatus

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch.dashboard_card import CARD_FILE, CARD_URL

from .conftest import setup_entry, stand_in_frontend


async def test_card_is_served_and_every_dashboard_loads_it(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    enswitch_entry: MockConfigEntry,
) -> None:
    """Card is served and every dashboard loads it."""
    urls = stand_in_frontend(hass)
    assert await setup_entry(hass, enswitch_entry)

    built = CARD_FILE.read_bytes()
    version = hashlib.sha256(built).hexdigest()[:12]
    assert urls.urls == {f"{CARD_URL}?v={version}"}
    client = await hass_client()
    response = await client.get(f"{CARD_URL}?v={version}")
    assert response.status == HTTPStatus.OK
    assert await response.read() == built
    assert "javascript" in response.headers["Content-Type"]


async def test_without_the_frontend_no_card_is_added(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    enswitch_entry: MockConfigEntry,
) -> None:
    """Without the frontend no card is added."""
    assert await setup_entry(hass, enswitch_entry)
    assert DATA_EXTRA_MODULE_URL not in hass.data
    client = await hass_client()
    assert (await client.get(CARD_URL)).status == HTTPStatus.NOT_FOUND
