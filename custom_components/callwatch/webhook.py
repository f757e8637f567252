"""Receive a provider's pushes (live calls, missed calls) on a Home Assistant webhook."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN, LOGGER
from .coordinator import CallwatchConfigEntry
from .providers import ProviderResponseError, PushingProvider


@callback
def async_register_webhook(hass: HomeAssistant, entry: CallwatchConfigEntry) -> None:
    """Listen for the entry's pushes until it is unloaded."""
    coordinator = entry.runtime_data
    client = coordinator.client
    if CONF_WEBHOOK_ID not in entry.data or not isinstance(client, PushingProvider):
        return
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        payload = await _payload(request)
        if payload is None:
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        try:
            push = client.parse_push(payload)
        except ProviderResponseError as err:
            LOGGER.debug("%s: ignored a malformed push: %s", entry.title, err)
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        if push is None:
            return web.Response(status=HTTPStatus.OK)
        if push.account_id != client.app_id:
            LOGGER.debug("%s: ignored a push for another app", entry.title)
            return web.Response(status=HTTPStatus.FORBIDDEN)
        coordinator.async_handle_push(push)
        return web.Response(status=HTTPStatus.OK)

    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        handle,
        local_only=False,
        allowed_methods=("POST", "GET"),
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))


async def _payload(request: web.Request) -> dict[str, Any] | None:
    """Read a push: JSON in a POST body, or the query of a GET (CHUB global)."""
    if request.method == "GET":
        return dict(request.query)
    try:
        payload = await request.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
