"""Fixtures shared by the Callwatch tests: fake providers on 127.0.0.1 and entries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
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
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_component,
)
from syrupy.assertion import SnapshotAssertion

import custom_components.callwatch  # noqa: F401  (found before the plugin's own package)
from custom_components.callwatch.const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_EXTENSION,
    CONF_PROVIDER,
    CONF_REGION,
    CONF_SECRET,
    DOMAIN,
)

from .deprecations import deprecation_records, deprecation_warnings
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FakeServer
from .fakes.telecmi import FakeTelecmi
from .fakes.voipnow import FakeVoipnow
from .snapshot import CallwatchSnapshotExtension


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
def no_deprecated_use(
    caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> Iterator[None]:
    """Fail when Home Assistant warns that we use something it deprecated.

    Its loggers' warnings that name callwatch, in any release's wording, and any
    DeprecationWarning raised where our integration's code called.
    """
    caplog.set_level(logging.WARNING, logger="homeassistant")
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    found = [*deprecation_records(records), *deprecation_warnings(recwarn.list)]
    assert not found, found


@pytest.fixture
def freezer(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Freeze the clock on a whole second: the next one, unless it starts on one.

    A coordinator's poll is due its interval after the last refresh's whole second,
    plus its own random fraction (0.05 to 0.5 s); ticks also run what falls due within
    half a second. On a clock more than half a second past that fraction, each poll
    ran early, in the second before its own, and the next one counted from there: the
    idle interval looked 29 s in about one test in four.
    """
    now = dt_util.utcnow()
    if now.microsecond:
        freezer.move_to(now.replace(microsecond=0) + timedelta(seconds=1))
    return freezer


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Enable the entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialise Home Assistant objects without their random ids, entities as ours."""
    return snapshot.use_extension(CallwatchSnapshotExtension)


@pytest.fixture
def enswitch() -> FakeEnswitch:
    """Return the state of a fake Enswitch system."""
    return FakeEnswitch()


@pytest.fixture
async def enswitch_url(
    enswitch: FakeEnswitch, socket_enabled: None
) -> AsyncIterator[str]:
    """Serve the fake Enswitch on 127.0.0.1 and return its base URL."""
    server = FakeServer(enswitch.app())
    url = await server.start()
    yield url
    await server.stop()


@pytest.fixture
def enswitch_entry(enswitch: FakeEnswitch, enswitch_url: str) -> MockConfigEntry:
    """Return a config entry for the fake Enswitch account."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JENSWITCH0000000000000000",
        # The flow names the entry after the host and port; a fixed title keeps the
        # entity ids of snapshots stable.
        title="alice@pbx.example.com",
        unique_id=f"{enswitch.username}@{enswitch_url.removeprefix('http://')}",
        data={
            CONF_PROVIDER: "enswitch",
            CONF_HOST: enswitch_url,
            CONF_USERNAME: enswitch.username,
            CONF_PASSWORD: enswitch.password,
            CONF_VERIFY_SSL: True,
        },
    )


def stand_in_frontend(hass: HomeAssistant) -> UrlManager:
    """Mark the frontend loaded, with the list of extra modules its setup makes.

    Its files (home-assistant-frontend) are not installed in tests.
    """
    urls = UrlManager(lambda _change, _url: None, [])
    hass.data[DATA_EXTRA_MODULE_URL] = urls
    mock_component(hass, "frontend")
    return urls


async def setup_entry(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    options: dict[str, Any] | None = None,
) -> bool:
    """Add an entry, with `options` if given, and set it up; return whether it was."""
    entry.add_to_hass(hass)
    if options is not None:
        hass.config_entries.async_update_entry(entry, options=options)
    set_up = await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return set_up


async def next_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 31
) -> None:
    """Move the clock on past the next poll and let that poll finish.

    Timers due within half a second after the new time run too (Home Assistant's test
    helper); with the clock on a whole second (`freezer`), a poll at the interval falls
    on the tick its interval ends at.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def telecmi() -> FakeTelecmi:
    """Return the state of a fake TeleCMI app (CHUB India unless a test says)."""
    return FakeTelecmi()


@pytest.fixture
async def telecmi_url(telecmi: FakeTelecmi, socket_enabled: None) -> AsyncIterator[str]:
    """Serve the fake TeleCMI on 127.0.0.1 and return its API base URL."""
    server = FakeServer(telecmi.app())
    url = await server.start()
    yield f"{url}{telecmi.prefix}"
    await server.stop()


@pytest.fixture
def telecmi_entry(telecmi: FakeTelecmi, telecmi_url: str) -> MockConfigEntry:
    """Return a config entry for the fake TeleCMI app, with its webhook."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JTELECMI00000000000000000",
        title=f"TeleCMI {telecmi.app_id}",
        unique_id=f"{telecmi.region}_{telecmi.app_id}",
        data={
            CONF_PROVIDER: "telecmi",
            CONF_REGION: telecmi.region,
            CONF_APP_ID: str(telecmi.app_id),
            CONF_SECRET: telecmi.secret,
            CONF_API_URL: telecmi_url,
            CONF_WEBHOOK_ID: "telecmi_webhook_id",
        },
    )


@pytest.fixture
def voipnow() -> FakeVoipnow:
    """Return the state of a fake VoipNow server."""
    return FakeVoipnow()


@pytest.fixture
async def voipnow_url(voipnow: FakeVoipnow, socket_enabled: None) -> AsyncIterator[str]:
    """Serve the fake VoipNow on 127.0.0.1 and return its base URL."""
    server = FakeServer(voipnow.app())
    url = await server.start()
    yield url
    await server.stop()


@pytest.fixture
def voipnow_entry(voipnow: FakeVoipnow, voipnow_url: str) -> MockConfigEntry:
    """Return a config entry for the fake VoipNow app."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JVOIPNOW0000000000000000",
        title="callwatch-app@voipnow.example.com",
        unique_id=f"{voipnow.client_id}@{voipnow_url.removeprefix('http://')}",
        data={
            CONF_PROVIDER: "voipnow",
            CONF_HOST: voipnow_url,
            CONF_CLIENT_ID: voipnow.client_id,
            CONF_CLIENT_SECRET: voipnow.client_secret,
            CONF_VERIFY_SSL: True,
            CONF_EXTENSION: "@self",
        },
    )
