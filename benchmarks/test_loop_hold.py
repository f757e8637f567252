"""How long one poll holds Home Assistant's event loop, with 10,000 rows in a reply.

The fake server runs on its own event loop in a thread, so that the probe sees Home
Assistant's loop only: the client, the coordinator, the announcer and the entities. The
probe is a task that yields at every turn of the loop; the longest gap between two of
its turns while a poll runs is the longest the loop was held, by whatever ran in
between. The poll is a steady-state one (the rows were seen by the poll before), with
10,000 missed calls in its window (VoipNow: 5,000, as far as its paging reaches) and 10
calls in progress; loop debugging, which the test harness turns on, is off meanwhile.
The tracker's part (`async_take_listing`, which must run on the loop) is timed apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
import gc
import math
import sys
import threading
import time
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import DOMAIN
from custom_components.callwatch.poll_schedule import PollSchedule
from custom_components.callwatch.providers import http
from tests.conftest import setup_entry
from tests.fakes.enswitch import FakeEnswitch
from tests.fakes.telecmi import FakeTelecmi
from tests.fakes.voipnow import FakeVoipnow

from .conftest import FULL, Results

ROWS = {"enswitch": 10_000, "telecmi": 10_000, "voipnow": 5_000}
QUICK_ROWS = 1_000
POLLS = 5 if FULL else 2


class ThreadedServer:
    """Serves an application from its own event loop in a thread."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="fake-provider")
        self._ready = threading.Event()
        self.port = 0

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self._app, access_log=None, keepalive_timeout=3600)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(10)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def _enswitch(rows: int) -> tuple[Any, dict[str, Any]]:
    fake = FakeEnswitch()
    now = time.time()
    for index in range(rows):
        fake.add_missed_call(
            now - 60 - index % 600,
            f"+6491{index:06d}",
            dnumber="100",
            uniqueid=f"u{index}",
        )
    for index in range(10):
        fake.answer_call(fake.start_call(f"+6492{index:06d}", "100", legs=2))
    return fake, {
        "provider": "enswitch",
        "username": fake.username,
        "password": fake.password,
        "verify_ssl": True,
    }


def _telecmi(rows: int) -> tuple[Any, dict[str, Any]]:
    fake = FakeTelecmi()
    now = time.time()
    for index in range(rows):
        fake.add_missed_call(now - 60 - index % 600, 919800000000 + index)
    return fake, {
        "provider": "telecmi",
        "region": "india",
        "app_id": str(fake.app_id),
        "secret": fake.secret,
        "webhook_id": "loop_hold",
    }


def _voipnow(rows: int) -> tuple[Any, dict[str, Any]]:
    fake = FakeVoipnow()
    now = time.time()
    for index in range(rows):
        fake.add_history(now - 60 - index % 600, f"022{index:07d}")
    for index in range(10):
        fake.start_call(f"021{index:07d}", ["0003*210", "0003*211"], answered=True)
    return fake, {
        "provider": "voipnow",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "verify_ssl": True,
        "extension": "@self",
    }


PROVIDERS: dict[str, Callable[[int], tuple[Any, dict[str, Any]]]] = {
    "enswitch": _enswitch,
    "telecmi": _telecmi,
    "voipnow": _voipnow,
}


@dataclass
class Hold:
    """The longest the loop went without a turn during a poll, and the collections."""

    longest: float
    # Full (generation 2) garbage collections during the poll, and how long each took.
    full_collections: list[float]


async def _longest_hold(work: Awaitable[None]) -> Hold:
    """Run `work`; return the longest the loop went without a turn for the probe."""
    gaps: list[float] = []
    collections: list[float] = []
    collecting: list[float] = []
    done = False

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[:] = [time.perf_counter()]
        elif info["generation"] == 2 and collecting:
            collections.append(time.perf_counter() - collecting[0])

    async def probe() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0)
            moment = time.perf_counter()
            gaps.append(moment - last)
            last = moment

    gc.callbacks.append(watch)
    try:
        task = asyncio.create_task(probe())
        await asyncio.sleep(0)
        await work
        done = True
        await task
    finally:
        gc.callbacks.remove(watch)
    return Hold(max(gaps), collections)


@contextmanager
def _timed(target: Any, name: str, spent: list[float]) -> Iterator[None]:
    """Time every call of `target.name`, a plain function, into `spent`."""
    original = getattr(target, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(target, name, timed)
    try:
        yield
    finally:
        setattr(target, name, original)


async def _measure(hass: HomeAssistant, provider: str, rows: int) -> dict[str, Any]:
    """Poll a new entry POLLS times in steady state; return how long the loop was held."""
    fake, data = PROVIDERS[provider](rows)
    server = ThreadedServer(fake.app())
    url = server.start()
    if provider == "telecmi":
        data["api_url"] = f"{url}{fake.prefix}"
    else:
        data["host"] = url
    entry = MockConfigEntry(domain=DOMAIN, title="loop hold", data=data)
    holds: list[Hold] = []
    tracker: list[float] = []
    try:
        await setup_entry(hass, entry)
        coordinator = entry.runtime_data
        assert coordinator.last_update_success
        hass.loop.set_debug(False)
        # Every refresh a full poll, as at the poll interval: the calls in progress
        # would otherwise make the refreshes that follow them list those calls only.
        with (
            _timed(coordinator.announcer, "async_take_listing", tracker),
            patch.object(PollSchedule, "wants_missed_calls", return_value=True),
        ):
            for _ in range(POLLS):
                holds.append(await _longest_hold(coordinator.async_refresh()))
                assert coordinator.last_update_success
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        hass.loop.set_debug(True)
        server.stop()
    clean = [hold.longest for hold in holds if not hold.full_collections]
    collections = [pause for hold in holds for pause in hold.full_collections]
    return {
        "longest_hold_ms": _ms(max(hold.longest for hold in holds)),
        "longest_hold_without_full_collection_ms": _ms(max(clean, default=math.nan)),
        "full_collections": len(collections),
        "longest_full_collection_ms": _ms(max(collections, default=0.0)),
        # The fastest poll's: the tracker's own cost, without a collection in it.
        "tracker_ms": _ms(min(tracker)),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_loop_hold(
    hass: HomeAssistant, socket_enabled: None, results: Results, provider: str
) -> None:
    rows = ROWS[provider] if FULL else QUICK_ROWS
    # Before: every reply decoded and read on the loop, however large.
    with (
        patch.object(http, "OFF_LOOP_ROWS", sys.maxsize),
        patch.object(http, "OFF_LOOP_BYTES", sys.maxsize),
    ):
        before = await _measure(hass, provider, rows)
    after = await _measure(hass, provider, rows)
    results.add("loop_hold", provider, {"rows": rows, "before": before, "after": after})
    if FULL:
        # Reading off the loop leaves a fraction of the hold; what is left is mostly the
        # tracker's part, which must run on the loop.
        assert (
            after["longest_hold_without_full_collection_ms"]
            < before["longest_hold_without_full_collection_ms"] / 3
        )
