"""TeleCMI's webhook pushes (a live `event`, a `cdr` as a call ends) read as `CallPush`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .exceptions import ProviderResponseError
from .fields import caller_name, number, text, unix_time
from .models import CallDirection, CallPush, MissedCall
from .numbers import Number, read_number

SERVICE = "TeleCMI"
_DIRECTIONS = {
    "inbound": CallDirection.INBOUND,
    "incoming": CallDirection.INBOUND,
    "in": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "outgoing": CallDirection.OUTBOUND,
    "out": CallDirection.OUTBOUND,
}
# A stated wait longer than this is not one: the push is taken at its own time.
_LONGEST_WAIT = timedelta(days=1)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def row_call_id(row: dict[str, Any]) -> str | None:
    """Return a call's id as a push or a listing row gives it."""
    return text(row, "cmiuuid", "cmiuid", "_id")


def parse_push(
    payload: Any, country: str | None = None, *, app_id: str | None = None
) -> CallPush | None:
    """Read a TeleCMI webhook push (a live `event` or a `cdr`).

    Raises ProviderResponseError when the push is not one TeleCMI sends; returns None
    for a well-formed push of another type, and for a CDR of leg b (one agent's leg,
    which neither ends the call nor is a missed call of the account). A push without
    an app id is taken as `app_id`'s.
    """
    if not isinstance(payload, dict):
        raise ProviderResponseError(f"{SERVICE} push is not a JSON object")
    kind = payload.get("type")
    if kind not in ("event", "cdr"):
        return None
    account_id = text(payload, "appid", "app_id") or app_id
    # The legs of one call share its conversation; count calls, not legs.
    call_id = text(payload, "conversation_uuid") or row_call_id(payload)
    time = unix_time(payload, "time", per_second=1000)
    if account_id is None or call_id is None or time is None:
        raise ProviderResponseError(
            f"{SERVICE} {kind} push lacks its app id, call id or time"
        )
    status = (text(payload, "status") or "").lower()
    leg_b = (text(payload, "leg") or "").lower() == "b"
    if leg_b and kind == "cdr":
        return None
    # Leg b is the account's leg to an agent: TeleCMI labels it "outbound" on an
    # incoming call, and its `to` is the agent's phone. Leg a tells the call's.
    direction = (
        None if leg_b else _DIRECTIONS.get((text(payload, "direction") or "").lower())
    )
    caller, called = _parties(payload, direction, country)
    if leg_b:
        caller, called = read_number(None, country), None
    missed = None
    if kind == "cdr" and status == "missed":
        missed = MissedCall(
            time=time - _wait(payload),
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            caller_name=caller_name(payload, caller, "name"),
            called_number=called,
            call_id=row_call_id(payload),
            direction=direction or CallDirection.INBOUND,
            voicemail=_voicemail(payload),
        )
    return CallPush(
        account_id=account_id,
        call_id=call_id,
        time=time,
        caller_number=caller.value,
        called_number=called,
        direction=direction,
        answered=status == "answered",
        ended=kind == "cdr",
        missed_call=missed,
    )


def _parties(
    payload: dict[str, Any], direction: CallDirection | None, country: str | None
) -> tuple[Number, str | None]:
    """Return the caller and the called number of a push, as its listing row has them.

    An outgoing call's caller is the agent (`user`), as CHUB India lists it in `from`
    and CHUB global in `agent`; without one, the number it went out from. An incoming
    call's called number is the DID (`to`, else `virtual_number`), as listed in `to`.
    """
    if direction is CallDirection.OUTBOUND:
        caller = number(payload, country, "user", "from", "virtual_number")
        return caller, number(payload, country, "to").value
    caller = number(payload, country, "from")
    return caller, number(payload, country, "to", "virtual_number").value


def _wait(payload: dict[str, Any]) -> timedelta:
    """Return how long the caller waited, which a CDR's time includes; 0 if unsaid."""
    value = payload.get("waitedsec")
    if type(value) is str:
        try:
            value = float(value.strip())
        except ValueError:
            return timedelta(0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return timedelta(0)
    if not 0 <= value <= _LONGEST_WAIT.total_seconds():
        return timedelta(0)
    return timedelta(seconds=value)


def _voicemail(payload: dict[str, Any]) -> bool | None:
    """Return whether the caller left a voicemail; None where the push does not say."""
    value = payload.get("voicemail")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        flag = str(value).strip().lower()
        if flag in _TRUE:
            return True
        if flag in _FALSE:
            return False
    if text(payload, "voicename") is not None:
        return True
    return None
