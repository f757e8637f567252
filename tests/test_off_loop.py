"""Large replies are decoded and read in a worker thread; small ones on the loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
import threading
import time
from typing import Any

import aiohttp
import pytest

from custom_components.callwatch.providers import (
    EnswitchClient,
    TelecmiClient,
    VoipnowClient,
    http,
)
from custom_components.callwatch.providers.fields import RowReader

from .fakes.enswitch import FakeEnswitch
from .fakes.telecmi import FakeTelecmi
from .fakes.voipnow import FakeVoipnow

LARGE = http.OFF_LOOP_ROWS + 1


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record, for every reading of rows, the thread it ran in and how many rows."""
    seen: list[tuple[str, int]] = []
    original = RowReader.read_all

    def read_all(
        self: RowReader,
        what: str,
        rows: Any,
        read: Callable[[dict[str, Any]], Any],
    ) -> list[Any]:
        rows = list(rows)
        seen.append((threading.current_thread().name, len(rows)))
        return original(self, what, rows, read)

    monkeypatch.setattr(RowReader, "read_all", read_all)
    return seen


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(minutes=15), now + timedelta(minutes=5)


def _threads(seen: list[tuple[str, int]]) -> dict[int, bool]:
    """Map each reading's size to whether it ran on the loop's thread."""
    main = threading.main_thread().name
    return {rows: thread == main for thread, rows in seen}


async def test_enswitch(
    enswitch: FakeEnswitch,
    readers: list[tuple[str, int]],
    enswitch_client: EnswitchClient,
) -> None:
    """A large Enswitch reply is decoded and read off the event loop."""
    for index in range(LARGE):
        enswitch.add_missed_call(
            time.time() - 60, f"+6491{index:06d}", uniqueid=str(index)
        )
    enswitch.start_call("+6492000001", "100", legs=2)
    assert len(await enswitch_client.missed_calls(*_window())) == LARGE
    assert len(await enswitch_client.active_calls()) == 1
    assert _threads(readers) == {LARGE: False, 2: True}


async def test_telecmi(
    telecmi: FakeTelecmi,
    readers: list[tuple[str, int]],
    telecmi_client: TelecmiClient,
) -> None:
    """A large TeleCMI reply is decoded and read off the event loop."""
    for index in range(LARGE):
        telecmi.add_missed_call(time.time() - 60, 919800000000 + index)
    assert len(await telecmi_client.missed_calls(*_window())) == LARGE
    # Incoming (large) and outgoing (none).
    assert _threads(readers) == {LARGE: False, 0: True}


async def test_voipnow(
    voipnow: FakeVoipnow,
    readers: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    voipnow_client: VoipnowClient,
) -> None:
    """A large VoipNow reply is decoded and read off the event loop."""
    for index in range(LARGE):
        voipnow.add_history(time.time() - 60, f"022{index:07d}")
    voipnow.start_call("0210000001", ["0003*210"])
    decoded: list[str] = []
    original = http.Reply.json

    def json(reply: http.Reply) -> Any:
        decoded.append(threading.current_thread().name)
        return original(reply)

    monkeypatch.setattr(http.Reply, "json", json)
    monkeypatch.setattr(http, "OFF_LOOP_BYTES", 1024)
    assert len(await voipnow_client.missed_calls(*_window())) == LARGE
    assert len(await voipnow_client.active_calls()) == 1
    assert _threads(readers) == {LARGE: False, 1: True}
    # The token's reply and the small listing on the loop; the history's pages (a
    # first of 100 rows, then the rest) off it.
    main = threading.main_thread().name
    assert sorted(thread == main for thread in decoded) == [False, False, True, True]
