"""The interface every provider client implements."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from .http import ServerClock
from .models import Account, ActiveCall, CallPush, MissedCall


class CallProvider(Protocol):
    """A telephony account that can be asked about its calls."""

    provider: str
    manufacturer: str
    model: str
    supports_active_calls: bool
    # The country whose national form numbers are read in (ISO 3166 alpha-2).
    country: str | None

    @property
    def clock(self) -> ServerClock:
        """Return the provider's clock, as the replies so far have shown it."""

    @property
    def account_id(self) -> str:
        """Return the account's identity, normalised: what the entry's unique id is."""

    async def account(self) -> Account:
        """Check the credentials and identify the account they open."""

    async def active_calls(self) -> list[ActiveCall]:
        """Return the calls in progress now, one entry per call."""

    async def missed_calls(self, start: datetime, end: datetime) -> list[MissedCall]:
        """Return the missed calls with start <= time < end, oldest first."""

    def read_called_number(self, written: str) -> str | None:
        """Read a called number the user typed as this client reads called numbers.

        "Called numbers to watch" are compared with `MissedCall.called_number` in
        this form; None if `written` holds no number.
        """


@runtime_checkable
class PushingProvider(Protocol):
    """A provider that also pushes calls to a webhook as they happen."""

    app_id: str

    def parse_push(self, payload: Any, now: datetime | None = None) -> CallPush | None:
        """Read one push; ProviderResponseError if it is malformed.

        `now` is when it arrived, the time of pushes that carry none (default: now).
        """

    def owns_account(self, account_id: str) -> bool:
        """Return whether a push's `account_id` is this client's account.

        A push for another account is refused. TeleCMI: the app id. VoipNow: one of
        the watched extensions.
        """


@runtime_checkable
class CallEventsProvider(PushingProvider, Protocol):
    """A pushing provider told where to push through its API (VoipNow Call Events)."""

    async def register_call_events(self, url: str) -> str:
        """Have the provider push to `url`; return what `remove_call_events` takes.

        Idempotent: what is registered for `url` already is reused.
        """

    async def remove_call_events(self, registration: str) -> None:
        """Stop the pushes a registration set up; those already gone are fine."""
