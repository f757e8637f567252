"""Fixtures shared by the Callwatch tests: fake providers on 127.0.0.1 and entries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from http import HTTPStatus
import logging
import os
import time
from typing import Any
from unittest.mock import PropertyMock, patch

import aiohttp
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    CONF_WEBHOOK_ID,
    Platform,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from hypothesis import settings
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    mock_component,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

import custom_components.callwatch  # (found before the plugin's own package)
from custom_components.callwatch.const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_CALLED_NUMBERS,
    CONF_CUSTOMER_SCOPE,
    CONF_DIRECTIONS,
    CONF_EXTENSION,
    CONF_PROVIDER,
    CONF_REGION,
    CONF_SECRET,
    DOMAIN,
    EVENT_MISSED_CALL,
)
from custom_components.callwatch.providers import (
    EnswitchClient,
    TelecmiClient,
    VoipnowClient,
)

from .deprecations import deprecation_records, deprecation_warnings
from .fakes.enswitch import FakeEnswitch
from .fakes.server import served
from .fakes.telecmi import FakeTelecmi
from .fakes.voipnow import FakeVoipnow
from .snapshot import CallwatchSnapshotExtension

# The property tests draw the same examples on every run, so that a run passes or fails with
# the code and not with the draw; HYPOTHESIS_PROFILE=explore draws anew to search further.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


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


class WallClock:
    """Home Assistant's clock, stepped as NTP or a wrong clock steps it.

    freezegun moves the monotonic clock with the wall clock; a real one goes on at its
    pace whatever the wall clock does, and the event loop's time here does too.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Keep the loop's time going on while the wall clock steps."""
        self._freezer = freezer
        self._lag = 0.0
        loop_time = hass.loop.time
        monkeypatch.setattr(hass.loop, "time", lambda: loop_time() + self._lag)

    def step(self, when: datetime, elapsed: float = 31.0) -> None:
        """Set the wall clock to `when`, `elapsed` seconds after it was last set."""
        before = time.time()
        self._freezer.move_to(when)
        self._lag += elapsed - (time.time() - before)


@pytest.fixture
def wall_clock(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> WallClock:
    """Step Home Assistant's clock; the event loop's goes on."""
    return WallClock(hass, freezer, monkeypatch)


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


def provider_entry(
    provider: str, entry_id: str, title: str, unique_id: str, data: dict[str, Any]
) -> MockConfigEntry:
    """Return a config entry of `provider`'s with fixed ids."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=title,
        unique_id=unique_id,
        data={CONF_PROVIDER: provider, **data},
    )


@pytest.fixture
def enswitch() -> FakeEnswitch:
    """Return the state of a fake Enswitch system."""
    return FakeEnswitch()


@pytest.fixture
async def enswitch_url(
    enswitch: FakeEnswitch, socket_enabled: None
) -> AsyncIterator[str]:
    """Serve the fake Enswitch on 127.0.0.1 and return its base URL."""
    async with served(enswitch.app()) as url:
        yield url


@pytest.fixture
def enswitch_entry(enswitch: FakeEnswitch, enswitch_url: str) -> MockConfigEntry:
    """Return a config entry for the fake Enswitch account."""
    # The flow names the entry after the host and port; a fixed title keeps the
    # entity ids of snapshots stable.
    return provider_entry(
        "enswitch",
        "01JENSWITCH0000000000000000",
        "alice@pbx.example.com",
        f"{enswitch.username}@{enswitch_url.removeprefix('http://')}",
        {
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


async def start_provider_step(hass: HomeAssistant, provider: str) -> dict[str, Any]:
    """Start the user flow, pick `provider` and return its step's empty form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: provider}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == provider
    assert result["errors"] == {}
    return dict(result)


def suggested_values(schema: Mapping[Any, Any]) -> dict[str, Any]:
    """Return the values a form's schema suggests, by field."""
    return {
        str(key): key.description["suggested_value"]
        for key in schema
        if key.description and "suggested_value" in key.description
    }


def enswitch_form(url: str, password: str = "correct horse battery") -> dict[str, Any]:
    """Return the Enswitch step's input for Alice's account at `url`."""
    return {
        CONF_HOST: url,
        CONF_USERNAME: "alice",
        CONF_PASSWORD: password,
        CONF_VERIFY_SSL: True,
    }


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
    async with served(telecmi.app()) as url:
        yield f"{url}{telecmi.prefix}"


@pytest.fixture
def telecmi_entry(telecmi: FakeTelecmi, telecmi_url: str) -> MockConfigEntry:
    """Return a config entry for the fake TeleCMI app, with its webhook."""
    return provider_entry(
        "telecmi",
        "01JTELECMI00000000000000000",
        f"TeleCMI {telecmi.app_id}",
        f"{telecmi.region}_{telecmi.app_id}",
        {
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
    async with served(voipnow.app()) as url:
        yield url


@pytest.fixture
def voipnow_entry(voipnow: FakeVoipnow, voipnow_url: str) -> MockConfigEntry:
    """Return a config entry for the fake VoipNow app."""
    return provider_entry(
        "voipnow",
        "01JVOIPNOW0000000000000000",
        "callwatch-app@voipnow.example.com",
        f"{voipnow.client_id}@{voipnow_url.removeprefix('http://')}",
        {
            CONF_HOST: voipnow_url,
            CONF_CLIENT_ID: voipnow.client_id,
            CONF_CLIENT_SECRET: voipnow.client_secret,
            CONF_VERIFY_SSL: True,
            CONF_EXTENSION: "@self",
        },
    )


PROVIDERS = ("enswitch", "telecmi", "voipnow")


@pytest.fixture
def provider(request: pytest.FixtureRequest) -> str:
    """Return the provider of the entry under test: Enswitch unless parametrised."""
    name: str = getattr(request, "param", "enswitch")
    return name


@pytest.fixture
def entry_options() -> dict[str, Any] | None:
    """Return the options `init_integration` gives the entry: none unless overridden."""
    return None


@pytest.fixture
def config_entry(request: pytest.FixtureRequest, provider: str) -> MockConfigEntry:
    """Return the config entry for `provider`, its fake server running."""
    entry: MockConfigEntry = request.getfixturevalue(f"{provider}_entry")
    return entry


@pytest.fixture
def provider_fake(request: pytest.FixtureRequest, provider: str) -> Any:
    """Return the fake server's state for `provider`."""
    return request.getfixturevalue(provider)


@pytest.fixture
def provider_url(request: pytest.FixtureRequest, provider: str) -> str:
    """Serve the fake of `provider` and return its base URL."""
    url: str = request.getfixturevalue(f"{provider}_url")
    return url


@pytest.fixture
async def init_integration(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    entry_options: dict[str, Any] | None,
) -> AsyncIterator[MockConfigEntry]:
    """Set up `config_entry` with the platforms it is parametrised with (all if not).

    Parametrise indirectly with a Platform or a list of them, as core's tests do. The
    clock is frozen before the setup (`freezer`), so that tests can move it.
    """
    param = getattr(request, "param", custom_components.callwatch.PLATFORMS)
    platforms = [param] if isinstance(param, Platform) else list(param)
    with patch("custom_components.callwatch.PLATFORMS", platforms):
        assert await setup_entry(hass, config_entry, entry_options)
        yield config_entry


SNAPSHOT_TIME = "2026-11-20T12:00:00+00:00"


@pytest.fixture
def enswitch_in_use(
    enswitch: FakeEnswitch, freezer: FrozenDateTimeFactory
) -> FakeEnswitch:
    """Give the fake Enswitch an answered call, a ringing one and two missed calls.

    The clock stands at SNAPSHOT_TIME, so that snapshots hold.
    """
    freezer.move_to(SNAPSHOT_TIME)
    answered = enswitch.start_call("+6491110000", "100", legs=3, callid="call-a")
    enswitch.answer_call(answered)
    enswitch.start_call("+6492220000", "200", callid="call-b")
    now = datetime.fromisoformat(SNAPSHOT_TIME).timestamp()
    enswitch.add_missed_call(
        now - 3600,
        "+6493330000",
        callername="Carol",
        dnumber="100",
        uniqueid="1763636400.1",
    )
    enswitch.add_missed_call(now - 600, "+6494440000", dnumber="200")
    return enswitch


type SnapshotEntities = Callable[[], Awaitable[None]]


@pytest.fixture
def snapshot_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> SnapshotEntities:
    """Return a check of the set-up entry's registry entries and states."""

    async def check() -> None:
        await snapshot_platform(
            hass, entity_registry, snapshot, init_integration.entry_id
        )

    return check


ENSWITCH_OPTIONS = {
    CONF_SCAN_INTERVAL: 60,
    CONF_DIRECTIONS: ["inbound"],
    CONF_CALLED_NUMBERS: [" 100 ", ""],
    CONF_CUSTOMER_SCOPE: "recursive",
}


HOUR = timedelta(hours=1)


def utc_now() -> datetime:
    """Return the time now, in UTC."""
    return datetime.now(UTC)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an aiohttp session for a client under test."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def make_enswitch_client(
    enswitch: FakeEnswitch, enswitch_url: str, session: aiohttp.ClientSession
) -> Callable[..., EnswitchClient]:
    """Return a maker of clients of the fake Enswitch, given the client's options."""
    return partial(
        EnswitchClient,
        enswitch_url,
        enswitch.username,
        enswitch.password,
        session=session,
    )


@pytest.fixture
def make_voipnow_client(
    voipnow: FakeVoipnow, voipnow_url: str, session: aiohttp.ClientSession
) -> Callable[..., VoipnowClient]:
    """Return a maker of clients of the fake VoipNow, given the client's options."""
    return partial(
        VoipnowClient,
        voipnow_url,
        voipnow.client_id,
        voipnow.client_secret,
        session=session,
    )


@pytest.fixture
def make_telecmi_client(
    telecmi: FakeTelecmi, telecmi_url: str, session: aiohttp.ClientSession
) -> Callable[..., TelecmiClient]:
    """Return a maker of clients of the fake TeleCMI at its region and app id."""
    return partial(
        TelecmiClient,
        telecmi.region,
        str(telecmi.app_id),
        telecmi.secret,
        session=session,
        api_url=telecmi_url,
    )


@pytest.fixture
def enswitch_client(
    make_enswitch_client: Callable[..., EnswitchClient],
) -> EnswitchClient:
    """Return a client of the fake Enswitch."""
    return make_enswitch_client(request_timeout=2)


@pytest.fixture
def voipnow_client(make_voipnow_client: Callable[..., VoipnowClient]) -> VoipnowClient:
    """Return a client of the fake VoipNow."""
    return make_voipnow_client(request_timeout=2)


@pytest.fixture
def telecmi_client(make_telecmi_client: Callable[..., TelecmiClient]) -> TelecmiClient:
    """Return a client of the fake TeleCMI."""
    return make_telecmi_client(request_timeout=2)


@dataclass
class Account:
    """An entry that is set up: the missed-call events it fired, polls on a frozen clock.

    `started` is the clock's time when the entry was set up; `poll` moves the clock on
    past the next poll, as `next_poll` does.
    """

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    entry: MockConfigEntry
    events: list[Event]
    started: float

    async def poll(self, seconds: float = 31) -> None:
        """Move the clock on past the next poll and let that poll finish."""
        await next_poll(self.hass, self.freezer, seconds)

    def callers(self) -> list[str | None]:
        """Return the callers of the missed-call events fired, in order."""
        return [event.data["caller_number"] for event in self.events]


@dataclass
class TelecmiPushes(Account):
    """A TeleCMI entry that is set up, and its webhook to push to."""

    client: TestClient[Any, Any]
    path: str

    async def push(
        self, payload: dict[str, Any], status: HTTPStatus = HTTPStatus.OK
    ) -> None:
        """POST `payload` to the webhook; check the answer's status."""
        response = await self.client.post(self.path, json=payload)
        assert response.status == status


@pytest.fixture
async def telecmi_pushes(
    hass: HomeAssistant,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> TelecmiPushes:
    """Set up the TeleCMI entry; return its webhook and the events it fires.

    The clock is frozen first (`freezer`), as in the tests that move it.
    """
    assert await setup_entry(hass, telecmi_entry)
    return TelecmiPushes(
        hass=hass,
        freezer=freezer,
        entry=telecmi_entry,
        events=async_capture_events(hass, EVENT_MISSED_CALL),
        started=freezer().timestamp(),
        client=await hass_client_no_auth(),
        path=f"/api/webhook/{telecmi_entry.data[CONF_WEBHOOK_ID]}",
    )


@pytest.fixture
def announced(hass: HomeAssistant, init_integration: MockConfigEntry) -> list[Event]:
    """Set up the entry; return the missed-call events it fires from then on."""
    events: list[Event] = async_capture_events(hass, EVENT_MISSED_CALL)
    return events


@pytest.fixture
def account(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    announced: list[Event],
) -> Account:
    """Set up the entry; return it with the events it fires and its polls."""
    return Account(hass, freezer, init_integration, announced, freezer().timestamp())
