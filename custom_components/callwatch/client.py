"""Build the provider client that a config entry's data and options describe."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_CALLED_NUMBERS,
    CONF_COUNTRY,
    CONF_CUSTOMER_SCOPE,
    CONF_EXTENSION,
    CONF_PROVIDER,
    CONF_REGION,
    CONF_SECRET,
)
from .providers import (
    CallProvider,
    EnswitchClient,
    TelecmiClient,
    VoipnowClient,
    load_metadata,
)

type ClientFactory = Callable[
    [HomeAssistant, Mapping[str, Any], Mapping[str, Any]], CallProvider
]


def _enswitch(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> CallProvider:
    scope = options.get(CONF_CUSTOMER_SCOPE)
    return EnswitchClient(
        data[CONF_HOST],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        session=async_get_clientsession(hass, verify_ssl=data[CONF_VERIFY_SSL]),
        customer=None if scope in (None, "own") else scope,
        country=_country(hass, options),
        called_numbers=options.get(CONF_CALLED_NUMBERS, ()),
    )


def _telecmi(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> CallProvider:
    return TelecmiClient(
        data[CONF_REGION],
        data[CONF_APP_ID],
        data[CONF_SECRET],
        session=async_get_clientsession(hass),
        api_url=data.get(CONF_API_URL) or None,
        country=_country(hass, options),
    )


def _voipnow(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> CallProvider:
    return VoipnowClient(
        data[CONF_HOST],
        data[CONF_CLIENT_ID],
        data[CONF_CLIENT_SECRET],
        session=async_get_clientsession(hass, verify_ssl=data[CONF_VERIFY_SSL]),
        extension=data.get(CONF_EXTENSION) or "@self",
        country=_country(hass, options),
    )


def _country(hass: HomeAssistant, options: Mapping[str, Any]) -> str | None:
    """Return the account's country: the option, else Home Assistant's."""
    country: str | None = options.get(CONF_COUNTRY) or hass.config.country
    return country


CLIENT_FACTORIES: dict[str, ClientFactory] = {
    "enswitch": _enswitch,
    "telecmi": _telecmi,
    "voipnow": _voipnow,
}


async def async_load_number_metadata(hass: HomeAssistant) -> None:
    """Import phonenumbers' metadata off the event loop, before numbers are read on it."""
    await hass.async_add_import_executor_job(load_metadata)


def create_client(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> CallProvider:
    """Return a client for the provider named in the data; ValueError if unusable."""
    return CLIENT_FACTORIES[data[CONF_PROVIDER]](hass, data, options or {})
