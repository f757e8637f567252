"""TeleCMI's reader on the payloads as TeleCMI documents them (`fixtures/telecmi/`).

Each fixture holds one documented push (`push`) or listing reply (`reply`) and where it
is documented (`_source`); the reader must read each as the contract says: the time the
call began ringing, no called number where none is given, no missed call for leg b, the
agent as the caller of an outgoing call, voicemail where told.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.callwatch.providers import (
    CallDirection,
    CallPush,
    MissedCall,
    ProviderResponseError,
)
from custom_components.callwatch.providers.telecmi import _missed_call
from custom_components.callwatch.providers.telecmi_push import parse_push

FIXTURES = Path(__file__).parent / "fixtures" / "telecmi"
INDIA = "IN"
# The app a push without an app id came to (its webhook address is the app's).
APP_ID = "1111113"


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    assert data["_source"]
    return data


def _push(name: str, country: str | None) -> CallPush | None:
    return parse_push(_sample(name)["push"], country, app_id=APP_ID)


def _ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


PUSHES: dict[str, tuple[str | None, CallPush | None]] = {
    # No called number at all, `from` an integer, stamped after a wait of 119 s.
    "india-incoming-missed-cdr.json": (
        INDIA,
        CallPush(
            account_id="1111113",
            call_id="5f0fc753-064f-4c58-82d3-ce62f294fad3",
            time=_ms(1570114018000),
            caller_number="+919110000000",
            direction=CallDirection.INBOUND,
            ended=True,
            missed_call=MissedCall(
                time=_ms(1570114018000) - timedelta(seconds=119),
                caller_number="+919110000000",
                caller_number_raw="9110000000",
                called_number=None,
                call_id="5f0fc753-064f-4c58-82d3-ce62f294fad3",
                direction=CallDirection.INBOUND,
                voicemail=True,
            ),
        ),
    ),
    "india-incoming-answered-cdr.json": (
        INDIA,
        CallPush(
            account_id="1111113",
            call_id="dbff2a12-5ea0-4303-908d-72a2e216e74a",
            time=_ms(1570114729565),
            caller_number="+919200000000",
            called_number="+919100000000",
            direction=CallDirection.INBOUND,
            answered=True,
            ended=True,
        ),
    ),
    # No `from`: the agent in `user` is the caller, as `/outmissed` lists it.
    "india-outgoing-missed-cdr.json": (
        INDIA,
        CallPush(
            account_id="1111113",
            call_id="deb11aa1-4c19-44a6-bb0e-3348007b757a",
            time=_ms(1570184113597),
            caller_number="103_1111113",
            called_number="+919100000000",
            direction=CallDirection.OUTBOUND,
            ended=True,
            missed_call=MissedCall(
                time=_ms(1570184113597),
                caller_number="103_1111113",
                caller_number_raw="103_1111113",
                called_number="+919100000000",
                call_id="deb11aa1-4c19-44a6-bb0e-3348007b757a",
                direction=CallDirection.OUTBOUND,
            ),
        ),
    ),
    "india-live-incoming-waiting.json": (
        INDIA,
        CallPush(
            account_id="1111113",
            call_id="703ee423-e5f8-4120-9c17-5216c679afdd",
            time=_ms(1571119921000),
            caller_number="+919100000000",
            called_number="+914461000000",
            direction=CallDirection.INBOUND,
        ),
    ),
    # No `to`; the conversation, not the leg, is the call.
    "india-live-outgoing-started.json": (
        INDIA,
        CallPush(
            account_id="1111113",
            call_id="7bf5fbab-5a1a-4cde-a0b6-aba843131950",
            time=_ms(1571122016617),
            caller_number="109_1111113",
            direction=CallDirection.OUTBOUND,
        ),
    ),
    # The DID in `virtual_number`, a wait of 127 s, a boolean voicemail.
    "global-incoming-missed-cdr.json": (
        None,
        CallPush(
            account_id="2222223",
            call_id="4d1f9521-50e5-447d-bf5f-c3292995a727",
            time=_ms(1634721099442),
            caller_number="440000000001",
            called_number="440000000000",
            direction=CallDirection.INBOUND,
            ended=True,
            missed_call=MissedCall(
                time=_ms(1634721099442) - timedelta(seconds=127),
                caller_number="440000000001",
                caller_number_raw="440000000001",
                called_number="440000000000",
                call_id="4d1f9521-50e5-447d-bf5f-c3292995a727",
                direction=CallDirection.INBOUND,
                voicemail=True,
            ),
        ),
    ),
    # One agent's leg: neither a missed call of the account nor the call's end.
    "global-incoming-user-missed-cdr-legb.json": (None, None),
    # No `from`: the agent in `user`, as `/out_missed` lists it in `agent`.
    "global-outgoing-missed-cdr.json": (
        None,
        CallPush(
            account_id="2222223",
            call_id="15b58236-734f-4000-a5e8-78284068f5c7",
            time=_ms(1650628175336),
            caller_number="202_2222223",
            called_number="+442000000000",
            direction=CallDirection.OUTBOUND,
            ended=True,
            missed_call=MissedCall(
                time=_ms(1650628175336),
                caller_number="202_2222223",
                caller_number_raw="202_2222223",
                called_number="+442000000000",
                call_id="15b58236-734f-4000-a5e8-78284068f5c7",
                direction=CallDirection.OUTBOUND,
            ),
        ),
    ),
    # Leg b of an incoming call, labelled "outbound": it answers the call, and tells
    # neither its direction nor its numbers.
    "global-live-incoming-answered-legb.json": (
        None,
        CallPush(
            account_id="2222223",
            call_id="5202a928-07c3-4d32-a1a4-d304c9275971",
            time=_ms(1634724629956),
            answered=True,
        ),
    ),
    # The older form: no app id, `cmiuid`.
    "old-incoming-missed-cdr.json": (
        INDIA,
        CallPush(
            account_id=APP_ID,
            call_id="127c1480-ce5d-480a-a593",
            time=_ms(1553763981000),
            caller_number="+911401003355",
            direction=CallDirection.INBOUND,
            ended=True,
            missed_call=MissedCall(
                time=_ms(1553763981000) - timedelta(seconds=143),
                caller_number="+911401003355",
                caller_number_raw="1401003355",
                call_id="127c1480-ce5d-480a-a593",
                direction=CallDirection.INBOUND,
                voicemail=True,
            ),
        ),
    ),
    # The older outgoing record has a `from` (a number) and the agent in `user`.
    "old-outgoing-missed-cdr.json": (
        INDIA,
        CallPush(
            account_id=APP_ID,
            call_id="127c1480-ce5d-480a-a593",
            time=_ms(1553763981000),
            caller_number="101_1111113",
            called_number="+919420000000",
            direction=CallDirection.OUTBOUND,
            ended=True,
            missed_call=MissedCall(
                time=_ms(1553763981000) - timedelta(seconds=143),
                caller_number="101_1111113",
                caller_number_raw="101_1111113",
                called_number="+919420000000",
                call_id="127c1480-ce5d-480a-a593",
                direction=CallDirection.OUTBOUND,
            ),
        ),
    ),
    "old-live-incoming-waiting.json": (
        INDIA,
        CallPush(
            account_id="1111112",
            call_id="127c1480-ce5d-480a-a593",
            time=_ms(1553763981000),
            caller_number="+911401003355",
            called_number="+9144989889899",
            direction=CallDirection.INBOUND,
        ),
    ),
}

ROWS: dict[str, tuple[str | None, CallDirection, MissedCall]] = {
    "india-missed-list.json": (
        INDIA,
        CallDirection.INBOUND,
        MissedCall(
            time=_ms(1570114006000),
            caller_number="+919100000000",
            caller_number_raw="9100000000",
            called_number="+914461111111",
            call_id="5d9609da3e23420b5f1fa27a",
        ),
    ),
    # CHUB India lists the agent in `from`.
    "india-outmissed-list.json": (
        INDIA,
        CallDirection.OUTBOUND,
        MissedCall(
            time=_ms(1570633130937),
            caller_number="209_1111113",
            caller_number_raw="209_1111113",
            called_number="+919100000000",
            call_id="5d9df5607a2b952710b030dc",
            direction=CallDirection.OUTBOUND,
        ),
    ),
    "global-missed-list.json": (
        None,
        CallDirection.INBOUND,
        MissedCall(
            time=_ms(1654507446464),
            caller_number="+442000000001",
            caller_number_raw="442000000001",
            called_number="+442000000002",
            call_id="8b5f88dd-0396-4f9d-907f-7807275d2def",
        ),
    ),
    # CHUB global lists a number in `from` and the agent in `agent`: the agent is the
    # caller, as in the pushes.
    "global-out-missed-list.json": (
        None,
        CallDirection.OUTBOUND,
        MissedCall(
            time=_ms(1654508747170),
            caller_number="208_1111112",
            caller_number_raw="208_1111112",
            called_number="+919200000000",
            call_id="40bed6c9-14f1-435b-b4a3-224bd22e5241",
            direction=CallDirection.OUTBOUND,
        ),
    ),
}


def test_every_fixture_is_read() -> None:
    """Every fixture is read."""
    assert {*PUSHES, *ROWS} == {path.name for path in FIXTURES.glob("*.json")}


@pytest.mark.parametrize("name", sorted(PUSHES))
def test_documented_push(name: str) -> None:
    """Each push sample of TeleCMI's documentation is read as expected."""
    country, expected = PUSHES[name]
    assert _push(name, country) == expected


@pytest.mark.parametrize("name", sorted(ROWS))
def test_documented_row(name: str) -> None:
    """Each listing row of TeleCMI's documentation is read as expected."""
    country, direction, expected = ROWS[name]
    [row] = _sample(name)["reply"]["cdr"]
    assert _missed_call(row, direction, country) == expected


@pytest.mark.parametrize("name", sorted(PUSHES))
def test_documented_push_by_get(name: str) -> None:
    """CHUB global may push with GET: every field then arrives as text."""
    country, expected = PUSHES[name]
    as_text = {key: str(value) for key, value in _sample(name)["push"].items()}
    assert parse_push(as_text, country, app_id=APP_ID) == expected


def test_a_push_naming_no_app_needs_one_to_belong_to() -> None:
    """Without the app its address belongs to, an older record is malformed."""
    with pytest.raises(ProviderResponseError, match="app id"):
        parse_push(_sample("old-incoming-missed-cdr.json")["push"], INDIA)


@pytest.mark.parametrize(
    ("fields", "wait", "voicemail"),
    [
        ({}, timedelta(0), None),
        ({"waitedsec": "127"}, timedelta(seconds=127), None),
        ({"waitedsec": 12.5}, timedelta(seconds=12.5), None),
        ({"waitedsec": -5}, timedelta(0), None),
        ({"waitedsec": 10**20}, timedelta(0), None),
        ({"waitedsec": "soon"}, timedelta(0), None),
        ({"waitedsec": True}, timedelta(0), None),
        ({"voicemail": "false", "voicename": "x.mp3"}, timedelta(0), False),
        ({"voicemail": "TRUE"}, timedelta(0), True),
        ({"voicemail": 0}, timedelta(0), False),
        ({"voicename": "x.mp3"}, timedelta(0), True),
        ({"voicemail": "maybe"}, timedelta(0), None),
        ({"voicemail": ""}, timedelta(0), None),
    ],
)
def test_wait_and_voicemail_forms(
    fields: dict[str, Any], wait: timedelta, voicemail: bool | None
) -> None:
    """A wait that is not a number of seconds up to a day is not subtracted."""
    push = parse_push(
        {
            "type": "cdr",
            "appid": 1,
            "cmiuuid": "c",
            "status": "missed",
            "from": 919800000001,
            "time": 1763640000000,
        }
        | fields,
        INDIA,
    )
    assert push is not None
    assert push.missed_call is not None
    assert push.missed_call.time == _ms(1763640000000) - wait
    assert push.missed_call.voicemail is voicemail
