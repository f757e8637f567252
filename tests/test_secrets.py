"""No secret leaves: every error path of every provider, scanned for its secrets.

Each provider's entry is set up, then broken in every way its fake allows; then its flows
are run against the broken fake. The captured log (at DEBUG), the text of every exception
and its causes, the diagnostics, the entity states and the flow results must not contain
the password, app secret, client secret or any access token.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch.config_flow import SECTION_ADVANCED
from custom_components.callwatch.const import CONF_API_URL, CONF_PROVIDER, DOMAIN
from custom_components.callwatch.diagnostics import async_get_config_entry_diagnostics

from .conftest import setup_entry
from .fakes.server import FaultPlan


def _echo_secret(secret: str, status: int) -> Callable[[web.Request], Any]:
    """A reply that repeats the secret back, as a careless server might."""

    async def reply(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "responses": [{"code": str(status), "key": "x", "message": secret}],
                "error": {"code": "bad", "message": f"bad secret {secret}"},
                "msg": f"bad secret {secret}",
                "code": status,
            },
            status=status,
        )

    return reply


FAULTS = [
    FaultPlan(status=401),
    FaultPlan(status=402),
    FaultPlan(status=403),
    FaultPlan(status=404),
    FaultPlan(status=407),
    FaultPlan(status=429, retry_after="1"),
    FaultPlan(status=500),
    FaultPlan(fault="garbage"),
    FaultPlan(fault="html"),
    FaultPlan(fault="reset"),
    FaultPlan(fault="empty", status=503),
]


def _texts(error: BaseException | None) -> list[str]:
    texts = []
    while error is not None:
        texts.extend([str(error), repr(error)])
        error = error.__cause__ or error.__context__
    return texts


async def _scan(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    entry: MockConfigEntry,
    fake: Any,
    secret_field: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = entry.data[secret_field]
    seen: list[str] = []

    await setup_entry(hass, entry)
    coordinator = entry.runtime_data
    # Refreshed directly: after an authentication failure the schedule waits for reauth.
    for fault in FAULTS:
        fake.fault = fault
        freezer.tick(3600)
        await coordinator.async_refresh()
        seen.extend(_texts(coordinator.last_exception))
    fake.fault = FaultPlan()
    for status in (200, 400, 401, 403, 500):
        fake.reply_override = _echo_secret(secret, status)
        freezer.tick(3600)
        await coordinator.async_refresh()
        seen.extend(_texts(coordinator.last_exception))
    fake.reply_override = None
    await coordinator.async_refresh()
    assert coordinator.last_update_success

    # Hours of polls outlive the test client's token: ask the platform directly.
    seen.append(repr(await async_get_config_entry_diagnostics(hass, entry)))
    seen.extend(repr(state.as_dict()) for state in hass.states.async_all())

    # The flows, against a broken provider and with wrong secrets.
    data = {key: value for key, value in entry.data.items() if key != "webhook_id"}
    for fault in (FaultPlan(fault="html"), FaultPlan(status=500), FaultPlan()):
        fake.fault = fault
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: data[CONF_PROVIDER]}
        )
        form = {key: value for key, value in data.items() if key != CONF_PROVIDER}
        if CONF_API_URL in form:
            form[SECTION_ADVANCED] = {CONF_API_URL: form.pop(CONF_API_URL)}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], form | {secret_field: secret + "-wrong"}
        )
        seen.append(repr(result))
        hass.config_entries.flow.async_abort(result["flow_id"])
    fake.fault = FaultPlan()

    seen.extend(record.getMessage() for record in caplog.records)
    seen.extend(record.exc_text or "" for record in caplog.records if record.exc_info)
    secrets = [secret, *getattr(fake, "tokens", {})]
    leaks = [text for text in seen for value in secrets if value in text]
    assert sum("answered" in text or "rejected" in text for text in seen) > 10
    assert leaks == []


@pytest.mark.parametrize(
    ("provider", "secret_field"),
    [("enswitch", "password"), ("telecmi", "secret"), ("voipnow", "client_secret")],
)
async def test_provider_keeps_its_secret(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    provider: str,
    provider_fake: Any,
    config_entry: MockConfigEntry,
    secret_field: str,
) -> None:
    """No log line, exception, diagnostics, state or flow shows the secret or a token."""
    await _scan(
        hass, hass_client, freezer, caplog, config_entry, provider_fake, secret_field
    )
    if provider == "voipnow":
        assert provider_fake.tokens  # tokens were issued, and scanned for
