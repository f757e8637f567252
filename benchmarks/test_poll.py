"""One coordinator cycle through a real `hass`, against the fake servers.

For each provider and load (active call legs, answered, and missed calls in the window):
the median time of a full poll in steady state, the requests and body bytes it costs, and the state
writes it causes when nothing changed and when one call changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import statistics
import time
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import DOMAIN
from tests.conftest import setup_entry
from tests.fakes.enswitch import FakeEnswitch
from tests.fakes.server import FakeServer
from tests.fakes.telecmi import FakeTelecmi
from tests.fakes.voipnow import FakeVoipnow

from .conftest import FULL, Results

LOADS = [0, 100, 5_000] if FULL else [0, 100]
REPEATS = 9 if FULL else 3


def _enswitch(load: int) -> tuple[Any, dict[str, Any], Callable[[Any], None]]:
    fake = FakeEnswitch()
    now = time.time()
    for index in range(load):
        # Calls talked on: ringing ones would make these refreshes quick polls.
        fake.answer_call(
            fake.start_call(f"+64{index:07d}", "100", legs=2 if index % 2 else 1)
        )
        fake.add_missed_call(
            now - 60 - index % 600, f"+65{index:07d}", uniqueid=f"u{index}"
        )
    data = {
        "provider": "enswitch",
        "username": fake.username,
        "password": fake.password,
        "verify_ssl": True,
    }
    return fake, data, lambda fake: fake.start_call("+6400", "100")


def _telecmi(load: int) -> tuple[Any, dict[str, Any], Callable[[Any], None]]:
    fake = FakeTelecmi()
    now = time.time()
    for index in range(load):
        fake.add_missed_call(now - 60 - index % 600, 919800000000 + index)
    data = {
        "provider": "telecmi",
        "region": "india",
        "app_id": str(fake.app_id),
        "secret": fake.secret,
        "webhook_id": "bench",
    }
    return fake, data, lambda fake: fake.add_missed_call(time.time() - 1, 919700000000)


def _voipnow(load: int) -> tuple[Any, dict[str, Any], Callable[[Any], None]]:
    fake = FakeVoipnow()
    now = time.time()
    for index in range(load):
        fake.start_call(
            f"021{index:07d}", ["0003*210", "0003*211"][: 1 + index % 2], answered=True
        )
        fake.add_history(now - 60 - index % 600, f"022{index:07d}")
    data = {
        "provider": "voipnow",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "verify_ssl": True,
        "extension": "@self",
    }
    # The UAPI cannot page past 5000 calls: the change is a hang-up where that is near.
    return (
        fake,
        data,
        lambda fake: (
            fake.end_call(fake.phone_calls[0]["id"])
            if fake.phone_calls
            else fake.start_call("0210", ["0003*210"])
        ),
    )


PROVIDERS = {"enswitch": _enswitch, "telecmi": _telecmi, "voipnow": _voipnow}


@pytest.mark.parametrize("load", LOADS)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_poll(
    hass: HomeAssistant,
    socket_enabled: None,
    results: Results,
    provider: str,
    load: int,
) -> None:
    fake, data, change = PROVIDERS[provider](load)
    server = FakeServer(fake.app())
    url = await server.start()
    if provider == "telecmi":
        data["api_url"] = f"{url}{fake.prefix}"
    else:
        data["host"] = url
    entry = MockConfigEntry(domain=DOMAIN, title="bench", data=data)
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data
    assert coordinator.last_update_success

    writes: list[str] = []

    @callback
    def ours(event_data: Mapping[str, Any]) -> bool:
        return str(event_data["entity_id"]).split(".")[1].startswith("bench")

    @callback
    def count(event: Event[Any]) -> None:
        writes.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, count, event_filter=ours)
    hass.bus.async_listen(EVENT_STATE_REPORTED, count, event_filter=ours)

    timings = []
    before = (
        server.traffic.requests,
        server.traffic.bytes_received,
        server.traffic.bytes_sent,
    )
    for _ in range(REPEATS):
        start = time.perf_counter()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        timings.append(time.perf_counter() - start)
    idle_writes = len(writes) / REPEATS
    requests = (server.traffic.requests - before[0]) / REPEATS
    received = (server.traffic.bytes_received - before[1]) / REPEATS
    sent = (server.traffic.bytes_sent - before[2]) / REPEATS
    change(fake)
    writes.clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    changed_writes = len(writes)
    await hass.config_entries.async_unload(entry.entry_id)
    await server.stop()

    results.add(
        f"poll/{provider}",
        f"{load} calls",
        {
            "poll_ms": round(statistics.median(timings) * 1000, 2),
            "requests_per_poll": requests,
            "bytes_requested_per_poll": round(received),
            "bytes_received_per_poll": round(sent),
            "state_writes_idle_poll": idle_writes,
            "state_writes_one_change": changed_writes,
        },
    )
    assert idle_writes == 0
    assert changed_writes >= 1
    # A poll is a few requests, never one per call. VoipNow pages hold 4999 rows at
    # most: a listing, or the history read newest first, that is longer takes more.
    limit = {"telecmi": 2 + 2 * (load // 50), "voipnow": 3 + 2 * (load // 4999)}
    assert requests <= limit.get(provider, 3)
