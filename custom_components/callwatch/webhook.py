"""Receive a provider's pushes (live calls, missed calls) on a Home Assistant webhook.

A provider that pushes to a webhook (its spec says so) pushes to the address the user
pastes into its dashboard. One that registers call events is told the address through
its API, where the user opts in and Home Assistant has an address the provider can
reach; the registration is removed when the entry unloads.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util import dt as dt_util

from .const import CONF_PROVIDER, DOMAIN, LOGGER
from .coordinator import CallwatchConfigEntry
from .issues import async_set_repair
from .provider_specs import PROVIDER_SPECS
from .providers import (
    CallEventsProvider,
    ProviderError,
    ProviderPermissionError,
    ProviderResponseError,
    PushingProvider,
)


@callback
def async_register_webhook(hass: HomeAssistant, entry: CallwatchConfigEntry) -> None:
    """Listen for the entry's pushes until it is unloaded."""
    coordinator = entry.runtime_data
    client = coordinator.client
    if _wants_call_events(entry) and CONF_WEBHOOK_ID not in entry.data:
        # An entry made before it opted in to pushes gets its webhook now.
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook.async_generate_id()}
        )
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
            # A push without a time is stamped by the provider's clock as its
            # replies show it, the clock of the rows it is paired with.
            push = client.parse_push(payload, client.clock.now(dt_util.utcnow()))
        except ProviderResponseError as err:
            LOGGER.debug("%s: ignored a malformed push: %s", entry.title, err)
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        if push is None:
            return web.Response(status=HTTPStatus.OK)
        if not client.owns_account(push.account_id):
            LOGGER.debug("%s: ignored a push for another account", entry.title)
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


async def async_register_call_events(
    hass: HomeAssistant, entry: CallwatchConfigEntry
) -> None:
    """Have a provider that is told where to push push to the webhook, if asked to.

    Whatever keeps it from being registered is a repair issue; polling goes on.
    """
    client = entry.runtime_data.client
    issue_id = f"{entry.entry_id}_call_events"
    if not _wants_call_events(entry) or not isinstance(client, CallEventsProvider):
        async_set_repair(hass, issue_id, None)
        return
    reason, error = "", ""
    try:
        url = webhook.async_generate_url(
            hass, entry.data[CONF_WEBHOOK_ID], allow_internal=False
        )
        registration = await client.register_call_events(url)
    except NoURLAvailableError:
        reason = "no_url"
    except ProviderPermissionError as err:
        reason, error = "not_allowed", str(err)
    except (ProviderError, ValueError) as err:
        reason, error = "failed", str(err)
    if reason:
        LOGGER.warning(
            "%s: %s call events are not registered (%s); polling goes on",
            entry.title,
            client.model,
            error or reason,
        )
        async_set_repair(
            hass,
            issue_id,
            f"call_events_{reason}",
            {"account": entry.title, "error": error},
        )
        return
    async_set_repair(hass, issue_id, None)

    async def remove() -> None:
        try:
            await client.remove_call_events(registration)
        except ProviderError as err:
            LOGGER.warning(
                "%s: %s call events could not be removed: %s",
                entry.title,
                client.model,
                err,
            )

    entry.async_on_unload(remove)


def _wants_call_events(entry: CallwatchConfigEntry) -> bool:
    """Return whether the entry's provider is to be told where to push."""
    return (
        PROVIDER_SPECS[entry.data[CONF_PROVIDER]].registers_call_events
        and entry.runtime_data.options.call_events
    )


async def _payload(request: web.Request) -> dict[str, Any] | None:
    """Read a push: its query (GET, markers in the address), a POST's JSON or form."""
    payload: dict[str, Any] = dict(request.query)
    if request.method == "GET":
        return payload
    if request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return payload | dict(await request.post())
    try:
        body = await request.json()
    except ValueError:
        return None
    return payload | body if isinstance(body, dict) else None
