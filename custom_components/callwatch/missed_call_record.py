"""The saved form of missed calls, and of the calls the tracker remembers.

Free of Home Assistant and of any provider. Times are whole milliseconds since the
epoch; a remembered call's partner is an index into the list it is saved in (-1: a
partner already forgotten).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from .providers import CallDirection, MissedCall

STATE_VERSION = 3
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


class Source(StrEnum):
    """How a call reached us; each source has its own ids."""

    LISTING = "listing"
    PUSH = "push"


@dataclass(eq=False, slots=True)
class KnownCall:
    """A call one source gave us, and its copy from the other source, once found."""

    call: MissedCall
    key: str
    source: Source
    partner: KnownCall | None = field(default=None, repr=False)
    # Whether the call counted (the user's filter) when it arrived, or was settled: the
    # first poll's history (not news), or standing for a look-alike announced before.
    # Its pair is never announced again.
    counted: bool = True


# The partner of a call whose copy is already forgotten: it stays paired for good.
FORGOTTEN = KnownCall(
    MissedCall(time=EPOCH, caller_number=None), "forgotten", Source.LISTING
)


def _known_calls_to_records(known: list[KnownCall]) -> list[dict[str, Any]]:
    """Return remembered calls in a JSON-ready form, partners as indexes into it."""
    index = {id(item): position for position, item in enumerate(known)}
    return [
        {
            "key": item.key,
            "source": item.source.value,
            "partner": (
                None if item.partner is None else index.get(id(item.partner), -1)
            ),
            "call": missed_call_to_dict(item.call),
            "counted": item.counted,
        }
        for item in known
    ]


def _known_calls_from_records(
    records: Any, *, rebuild_keys: bool = False
) -> list[KnownCall]:
    """Rebuild remembered calls and their pairs; TypeError if a record is damaged."""
    known = [_known_from_record(record) for record in records]
    if rebuild_keys:
        for item in known:
            item.key = item.call.key
    for item, record in zip(known, records, strict=True):
        partner = record["partner"]
        if partner is None:
            continue
        if isinstance(partner, bool) or not isinstance(partner, int):
            raise TypeError("malformed partner")
        item.partner = FORGOTTEN if partner < 0 else known[partner]
        if item.partner is not FORGOTTEN and item.partner.source is item.source:
            raise TypeError("a call paired within its own source")
    return known


def _known_from_record(record: Any) -> KnownCall:
    if not isinstance(record, dict):
        raise TypeError("a remembered call is not an object")
    key = record["key"]
    # Calls saved before this was kept were settled: counted, so not announced again.
    counted = record.get("counted", True)
    if not isinstance(key, str) or not isinstance(counted, bool):
        raise TypeError("malformed remembered call")
    return KnownCall(
        missed_call_from_dict(record["call"]),
        key,
        Source(record["source"]),
        counted=counted,
    )


def _held_calls_from_records(
    records: Any, max_held: int
) -> list[tuple[MissedCall, bool]]:
    """Rebuild held calls; TypeError if damaged or more than `max_held`."""
    if not isinstance(records, list) or len(records) > max_held:
        raise TypeError("malformed held calls")
    held = []
    for record in records:
        catch_up = record["catch_up"]
        if not isinstance(catch_up, bool):
            raise TypeError("malformed held call")
        held.append((missed_call_from_dict(record["call"]), catch_up))
    return held


class SavedState(NamedTuple):
    """A tracker's state as read back from its saved form."""

    last_poll: datetime | None
    latest: MissedCall | None
    # Version 1's listed calls, a key at a time: a later group replaces its key's.
    version_1_listed: list[tuple[str, list[KnownCall]]]
    # Then the remembered calls, in the order saved.
    calls: list[KnownCall]
    held: list[tuple[MissedCall, bool]]


def write_state(
    last_poll: datetime | None,
    latest: MissedCall | None,
    known: list[KnownCall],
    held: list[tuple[MissedCall, bool]],
) -> dict[str, Any]:
    """Return a tracker's state in a JSON-ready form; partners as indexes into `calls`."""
    return {
        "version": STATE_VERSION,
        "last_poll": to_ms(last_poll) if last_poll else None,
        "latest": missed_call_to_dict(latest) if latest else None,
        "calls": _known_calls_to_records(known),
        "held": [
            {"call": missed_call_to_dict(call), "catch_up": catch_up}
            for call, catch_up in held
        ],
    }


def read_state(data: Any, max_held: int) -> SavedState:
    """Read what `write_state` wrote, or an earlier version; ValueError if damaged.

    More than `max_held` held calls is damage.
    """
    if not isinstance(data, dict) or data.get("version") not in (1, 2, STATE_VERSION):
        raise ValueError("unknown or missing state version")
    try:
        last_poll = None if data["last_poll"] is None else from_ms(data["last_poll"])
        latest = (
            None if data["latest"] is None else missed_call_from_dict(data["latest"])
        )
        if data["version"] == 1:
            listed, calls = _version_1_calls(data)
        else:
            # Version 2 built keys of calls without an id from numbers read with a
            # country: rebuilt from the saved calls.
            listed = []
            calls = _known_calls_from_records(
                data["calls"], rebuild_keys=data["version"] == 2
            )
        held = _held_calls_from_records(data.get("held", []), max_held)
    except (KeyError, TypeError, IndexError, OverflowError, OSError) as err:
        raise ValueError(f"malformed state: {err!r}") from err
    return SavedState(last_poll, latest, listed, calls, held)


def _version_1_calls(
    data: dict[str, Any],
) -> tuple[list[tuple[str, list[KnownCall]]], list[KnownCall]]:
    """Read the state of releases before pushes and listings were told apart.

    It kept only the keys of listed calls: they stay known, and pair with nothing.
    Returns the listed calls a key at a time, and the pushed calls.
    """
    listed = []
    for key, time, count in data["seen"]:
        if not isinstance(key, str) or not isinstance(count, int) or count < 1:
            raise TypeError("malformed seen call")
        call = MissedCall(time=from_ms(time), caller_number=None)
        listed.append(
            (
                key,
                [KnownCall(call, key, Source.LISTING, FORGOTTEN) for _ in range(count)],
            )
        )
    pushed = []
    for record in data.get("pushed", []):
        call = missed_call_from_dict(record)
        pushed.append(KnownCall(call, call.key, Source.PUSH))
    return listed, pushed


def missed_call_to_dict(call: MissedCall) -> dict[str, Any]:
    """Return a missed call in a JSON-ready form."""
    return {
        "time": to_ms(call.time),
        "caller_number": call.caller_number,
        "caller_number_raw": call.caller_number_raw,
        "caller_withheld": call.caller_withheld,
        "caller_name": call.caller_name,
        "called_number": call.called_number,
        "call_id": call.call_id,
        "direction": call.direction.value,
        "voicemail": call.voicemail,
        "stamped_locally": call.stamped_locally,
    }


def missed_call_from_dict(data: Any) -> MissedCall:
    """Rebuild a missed call from `missed_call_to_dict` output."""
    if not isinstance(data, dict):
        raise TypeError("malformed missed call")
    texts = {
        field: data.get(field)
        for field in (
            "caller_number",
            "caller_number_raw",
            "caller_name",
            "called_number",
            "call_id",
        )
    }
    withheld = data.get("caller_withheld", False)
    voicemail = data.get("voicemail")
    stamped_locally = data.get("stamped_locally", False)
    if not all(value is None or isinstance(value, str) for value in texts.values()):
        raise TypeError("malformed missed call")
    if not isinstance(withheld, bool) or not isinstance(stamped_locally, bool):
        raise TypeError("malformed missed call")
    if voicemail is not None and not isinstance(voicemail, bool):
        raise TypeError("malformed missed call")
    return MissedCall(
        time=from_ms(data["time"]),
        direction=CallDirection(data["direction"]),
        caller_withheld=withheld,
        voicemail=voicemail,
        stamped_locally=stamped_locally,
        **texts,
    )


def to_ms(time: datetime) -> int:
    """Return whole milliseconds since the epoch, exactly (no float rounding)."""
    return (time - EPOCH) // MILLISECOND


def from_ms(value: Any) -> datetime:
    """Return the moment `to_ms` gave; TypeError if it is not such a number."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a timestamp: {value!r}")
    return EPOCH + timedelta(milliseconds=value)
