"""Small steps the provider clients' tests share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import time
from types import ModuleType

import pytest

from custom_components.callwatch.providers import ActiveCall, CallProvider, MissedCall


async def listed_again_after(
    client: CallProvider, change: Callable[[], None]
) -> list[ActiveCall]:
    """List the active calls, make `change`, and return the second listing."""
    await client.active_calls()
    change()
    return await client.active_calls()


def later_clock(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, seconds: float
) -> Callable[[], None]:
    """Return a change that makes `module`'s monotonic clock read `seconds` later."""
    later = time.monotonic() + seconds
    return lambda: monkeypatch.setattr(module.time, "monotonic", lambda: later)


async def missed_in_the_last_hour(client: CallProvider) -> list[MissedCall]:
    """Return the calls `client` lists as missed in the hour up to now."""
    now = datetime.now(UTC)
    return await client.missed_calls(now - timedelta(hours=1), now)
