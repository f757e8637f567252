"""VoipNow's Call Events callbacks read as `CallPush`, with what earlier ones said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import re
from typing import Any

from .exceptions import ProviderResponseError
from .fields import caller_name, number, text
from .models import CallDirection, CallPush, MissedCall
from .voipnow_uapi import SERVICE

# Call Events. PhoneCallEvent `type` (documented): 0 Dial-In, 1 Dial-Out, 2 Hangup,
# 3 Answer on incoming call, 4 Answer on outgoing call (by the other party). VoipNow 3's
# pages list only 0 to 2, so a server that refuses 3 and 4 still gets the first three.
# The callback does not say which event it reports, and what CallStatus an Answer event
# carries is not documented (a Hangup's may be ANSWER too), so each registration's URL
# carries the event in a query parameter of ours (inferred: VoipNow keeps the URL's
# query). The callbacks come by POST (method 1), whose parameters go in the body, so
# they cannot clash with ours in the query.
EVENT_PARAMETER = "callwatch_event"
EVENT_TYPES = {
    "0": "dial-in",
    "1": "dial-out",
    "2": "hangup",
    "3": "answer-in",
    "4": "answer-out",
}
# CallFlow: IN for calls the extension receives, OUT for calls it makes (documented).
_CALL_FLOWS = {"IN": CallDirection.INBOUND, "OUT": CallDirection.OUTBOUND}
_EVENT_DIRECTIONS = {
    "dial-in": CallDirection.INBOUND,
    "answer-in": CallDirection.INBOUND,
    "dial-out": CallDirection.OUTBOUND,
    "answer-out": CallDirection.OUTBOUND,
}
# CallStatus (documented): CALLING for Dial-In and Dial-Out; for Hangup the dial status,
# ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION or CHANUNAVAIL (the knowledge base says
# ANSWER or UNKNOWN). Read without spaces or underscores, upper case.
_RINGING_STATUS = "CALLING"
_ANSWERED_STATUSES = frozenset({"ANSWER", "ANSWERED"})
_HANGUP_STATUSES = _ANSWERED_STATUSES | {
    "BUSY",
    "NOANSWER",
    "CANCEL",
    "CONGESTION",
    "CHANUNAVAIL",
    "UNKNOWN",
}
# An incoming call that hung up with one of these was missed: it rang and nobody
# answered. BUSY, CONGESTION and CHANUNAVAIL (the phone busy or unreachable) are left
# out, as the call history's missed calls (disposition NO ANSWER) leave them out.
_MISSED_STATUSES = frozenset({"NOANSWER", "CANCEL", "UNKNOWN"})


def called_extension(
    row: dict[str, Any], country: str | None, *fields: str
) -> str | None:
    """Return a called number; an extension in its short form, as the history has it.

    VoipNow writes an extension whole (`0003*210`: organisation, then extension) in
    some places and short (`210`) in others; one call must read alike from each.
    """
    return short_extension(number(row, country, *fields).value)


def short_extension(called: str | None) -> str | None:
    """Return an extension in its short form (`210` for `0003*210`)."""
    if called is not None and not called.startswith("+") and "*" in called:
        return called.rsplit("*", 1)[1]
    return called


class CallMemory:
    """When each recent call began ringing, and whether an extension answered it."""

    # Kept this long after a call's first callback: longer than a call rings.
    KEEP = timedelta(hours=4)
    # And at most this many calls, the oldest forgotten first: a flood of callbacks
    # (forged ones too) costs bounded memory.
    MAX_CALLS = 10_000

    def __init__(self) -> None:
        """Start with no call remembered."""
        # In the order of their first callback, which is the order of their times.
        self._began: dict[str, datetime] = {}
        self._answered: set[str] = set()

    def follow(self, push: CallPush) -> CallPush:
        """Return the push with what the call's earlier callbacks tell."""
        bound = push.time - self.KEEP
        while self._began and (
            len(self._began) >= self.MAX_CALLS
            or next(iter(self._began.values())) < bound
        ):
            oldest = next(iter(self._began))
            del self._began[oldest]
            self._answered.discard(oldest)
        began = self._began.setdefault(push.call_id, push.time)
        if push.answered:
            self._answered.add(push.call_id)
        if push.missed_call is None:
            return push
        if push.call_id in self._answered:
            return replace(push, missed_call=None)
        return replace(push, missed_call=replace(push.missed_call, time=began))


def parse_call_event(
    payload: Any, now: datetime, country: str | None = None
) -> CallPush | None:
    """Read a Call Events callback: a GET's query or a POST's form or JSON, as a mapping.

    Parameter names are read in any case (the docs write CallerIDName, and CallerIDNam
    in the knowledge base); values may be text, numbers or one-item lists. The push's
    `account_id` is the watched extension the callback is about: CalledExtension for a
    call it receives, CallerExtension for one it makes. Raises ProviderResponseError
    for what VoipNow never sends; returns None for a status it does not document.
    """
    if not isinstance(payload, Mapping):
        raise ProviderResponseError(f"{SERVICE} callback is not a set of parameters")
    params = {str(key).lower(): value for key, value in payload.items()}
    kind = (text(params, EVENT_PARAMETER) or "").lower()
    if kind not in EVENT_TYPES.values():
        kind = ""
    status = re.sub(r"[\s_]", "", text(params, "callstatus") or "").upper()
    direction = _CALL_FLOWS.get((text(params, "callflow") or "").upper())
    direction = direction or _EVENT_DIRECTIONS.get(kind)
    call_id = text(params, "callid")
    if call_id is None or direction is None:
        raise ProviderResponseError(f"{SERVICE} callback lacks its CallID or CallFlow")
    inbound = direction is CallDirection.INBOUND
    account_id = text(params, "calledextension" if inbound else "callerextension")
    if account_id is None:
        raise ProviderResponseError(
            f"{SERVICE} callback does not name the extension it is about"
        )
    if kind.startswith("dial") or (not kind and status == _RINGING_STATUS):
        answered = ended = False
    elif kind.startswith("answer"):
        answered, ended = True, False
    elif kind == "hangup" or status in _HANGUP_STATUSES:
        answered, ended = status in _ANSWERED_STATUSES, True
    else:
        return None
    caller = number(
        params, country, "calleridnum", *(() if inbound else ("callerextension",))
    )
    # An incoming call's called number is the extension, as the call history has
    # it, not CalledNumber (a DID where the call came through one).
    called = (
        called_extension(params, country, "calledextension")
        if inbound
        else called_extension(params, country, "callednumber")
    )
    missed = None
    if inbound and ended and status in _MISSED_STATUSES:
        missed = MissedCall(
            time=now,
            caller_number=caller.value,
            caller_number_raw=caller.raw,
            caller_withheld=caller.withheld,
            caller_name=caller_name(params, caller, "calleridname", "calleridnam"),
            called_number=called,
            call_id=call_id,
            direction=CallDirection.INBOUND,
            stamped_locally=True,
        )
    return CallPush(
        account_id=account_id,
        call_id=call_id,
        time=now,
        caller_number=caller.value,
        called_number=called,
        direction=direction,
        answered=answered,
        ended=ended,
        missed_call=missed,
    )
