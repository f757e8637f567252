"""Provider-independent models of calls and accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


class CallDirection(StrEnum):
    """Which way a call went, seen from the watched account."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """The account a set of credentials gives access to."""

    unique_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveCall:
    """A call in progress; the legs of one call are folded into one."""

    call_id: str
    caller_number: str | None = None
    called_number: str | None = None
    started: datetime | None = None
    answered: bool = False
    direction: CallDirection | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MissedCall:
    """A call that nobody answered.

    `time` is when the call began ringing, by the provider's clock; a provider that
    tells only when the caller gave up states the wait, and its reader subtracts it.
    `stamped_locally` marks a time taken from our clock on arrival (a push that carries
    none): it may differ from the provider's by as much as clocks may be apart.
    Numbers are E.164 where they are phone numbers, else as the provider gave them
    (see `numbers.py`); `caller_number_raw` is the caller's number as given.
    `called_number` is None where the provider does not say it. `voicemail` says
    whether the caller left a voicemail, None where the provider does not tell.
    """

    time: datetime
    caller_number: str | None
    caller_number_raw: str | None = None
    caller_withheld: bool = False
    caller_name: str | None = None
    called_number: str | None = None
    call_id: str | None = None
    direction: CallDirection = CallDirection.INBOUND
    voicemail: bool | None = None
    stamped_locally: bool = False

    @property
    def key(self) -> str:
        """Identify the call; rows without an id are told apart by what they show.

        That is the direction, the time and the caller's number as given: nothing
        read with a country (an option), and not the called number, which one
        source may leave out.
        """
        if self.call_id:
            return f"{self.direction}|id|{self.call_id}"
        caller = self.caller_number_raw or self.caller_number or ""
        return f"{self.direction}|{(self.time - _EPOCH) // _MILLISECOND}|{caller}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallPush:
    """What a provider pushed about one call: it rings, is answered, or ended.

    `account_id` is the account the provider says the push is for; whoever receives
    pushes must check it. An ended call carries its missed call, if it was missed.
    """

    account_id: str
    call_id: str
    time: datetime
    caller_number: str | None = None
    called_number: str | None = None
    direction: CallDirection | None = None
    answered: bool = False
    ended: bool = False
    missed_call: MissedCall | None = None
