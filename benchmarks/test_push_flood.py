"""A flood of forged live pushes through Home Assistant's webhook: bounded and flat.

Whoever knows a TeleCMI entry's webhook address can push calls. Each forged push here
has a new call id, as an attacker's would; it goes the way the webhook's handler takes
a push once its body is read (the client's reader, the account check, the live calls,
the coordinator and the entities' state), without the HTTP request around it, which
costs the same whatever came before. Debug logging and the loop's debug mode, which the
test harness turns on, are off meanwhile. What the flood
may not do: keep more than `MAX_LIVE_CALLS` calls, hold more memory as it goes on, or
make a push cost more as it goes on. Both are compared as ratios measured in this one
run: the cost of a push in the last block of pushes against the block after the cap
was reached, and the memory Python holds then against at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import gc
import logging
import statistics
import time
import tracemalloc

from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_PROVIDER,
    CONF_REGION,
    CONF_SECRET,
    DOMAIN,
)
from custom_components.callwatch.live_calls import MAX_LIVE_CALLS
from tests.conftest import setup_entry
from tests.fakes.server import FakeServer
from tests.fakes.telecmi import FakeTelecmi, event_push

from .conftest import FULL, Results

PUSHES = 50_000 if FULL else 3_000
BLOCK = 1_000
WEBHOOK_ID = "flood_webhook_id"


@pytest.fixture
async def telecmi_url(socket_enabled: None) -> AsyncIterator[tuple[FakeTelecmi, str]]:
    telecmi = FakeTelecmi()
    server = FakeServer(telecmi.app())
    url = await server.start()
    yield telecmi, f"{url}{telecmi.prefix}"
    await server.stop()


async def test_fifty_thousand_forged_pushes(
    hass: HomeAssistant,
    telecmi_url: tuple[FakeTelecmi, str],
    results: Results,
) -> None:
    telecmi, url = telecmi_url
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{telecmi.region}_{telecmi.app_id}",
        data={
            CONF_PROVIDER: "telecmi",
            CONF_REGION: telecmi.region,
            CONF_APP_ID: str(telecmi.app_id),
            CONF_SECRET: telecmi.secret,
            CONF_API_URL: url,
            CONF_WEBHOOK_ID: WEBHOOK_ID,
        },
    )
    assert await setup_entry(hass, entry)
    coordinator = entry.runtime_data
    now = time.time()
    block_costs: list[float] = []
    memory: dict[int, int] = {}
    hass.loop.set_debug(False)
    logging.getLogger().setLevel(logging.WARNING)
    gc.collect()
    tracemalloc.start()
    for block in range(PUSHES // BLOCK):
        costs = []
        for index in range(block * BLOCK, (block + 1) * BLOCK):
            payload = event_push(telecmi.app_id, f"forged-{index}", "waiting", now)
            started = time.perf_counter()
            push = coordinator.client.parse_push(payload, dt_util.utcnow())
            assert push is not None
            assert coordinator.client.owns_account(push.account_id)
            coordinator.async_handle_push(push)
            costs.append(time.perf_counter() - started)
        await hass.async_block_till_done()
        block_costs.append(statistics.median(costs))
        memory[block] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    await hass.config_entries.async_unload(entry.entry_id)
    active = coordinator.data.active_calls
    assert active is not None
    assert len(active) == MAX_LIVE_CALLS
    # The first block after the cap was reached, against the last.
    after_cap = MAX_LIVE_CALLS // BLOCK
    cost_ratio = block_costs[-1] / block_costs[after_cap]
    memory_ratio = memory[len(block_costs) - 1] / memory[after_cap]
    results.add(
        "push flood",
        f"{PUSHES} forged pushes",
        {
            "live_calls_kept": len(active),
            "push_ms_first_block": round(block_costs[0] * 1000, 3),
            "push_ms_after_cap": round(block_costs[after_cap] * 1000, 3),
            "push_ms_last_block": round(block_costs[-1] * 1000, 3),
            "last_block_over_after_cap": round(cost_ratio, 2),
            "memory_kib_after_cap": round(memory[after_cap] / 1024),
            "memory_kib_at_end": round(memory[len(block_costs) - 1] / 1024),
            "memory_end_over_after_cap": round(memory_ratio, 2),
        },
    )
    # Flat: a push costs about the same at the end of the flood as when the cap was
    # reached; memory does not grow with it.
    assert cost_ratio <= 1.5, f"{cost_ratio:.2f}x"
    assert memory_ratio <= 1.2, f"{memory_ratio:.2f}x"
