"""Build the provider client that a config entry's data and options describe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_PROVIDER
from .options import CallwatchOptions
from .provider_specs import PROVIDER_SPECS
from .providers import CallProvider, load_metadata


async def async_load_number_metadata(hass: HomeAssistant) -> None:
    """Import phonenumbers' metadata off the event loop, before numbers are read on it."""
    await hass.async_add_import_executor_job(load_metadata)


def read_options(hass: HomeAssistant, options: Mapping[str, Any]) -> CallwatchOptions:
    """Read an entry's options (or an options form's input) for this Home Assistant."""
    return CallwatchOptions.from_options(options, home_country=hass.config.country)


def create_client(
    hass: HomeAssistant, data: Mapping[str, Any], options: CallwatchOptions
) -> CallProvider:
    """Return a client for the provider named in the data; ValueError if unusable."""
    session = async_get_clientsession(hass, verify_ssl=data.get(CONF_VERIFY_SSL, True))
    return PROVIDER_SPECS[data[CONF_PROVIDER]].make_client(data, options, session)
