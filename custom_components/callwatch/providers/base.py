"""The interface every provider client implements."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from .models import Account, ActiveCall, CallPush, MissedCall


class CallProvider(Protocol):
    """A telephony account that can be asked about its calls."""

    provider: str
    manufacturer: str
    model: str
    supports_active_calls: bool
    # The country whose national form numbers are read in (ISO 3166 alpha-2).
    country: str | None

    async def account(self) -> Account:
        """Check the credentials and identify the account they open."""

    async def active_calls(self) -> list[ActiveCall]:
        """Return the calls in progress now, one entry per call."""

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return the missed calls with start <= time < end, oldest first."""


@runtime_checkable
class PushingProvider(Protocol):
    """A provider that also pushes calls to a webhook as they happen."""

    app_id: str

    def parse_push(self, payload: Any) -> CallPush | None:
        """Read one push; ProviderResponseError if it is malformed."""
