"""TeleCMI as it really pushes and lists calls, through Home Assistant (issue 19).

Every push goes over real HTTP to the entry's webhook, every listing comes from the fake
TeleCMI over real HTTP; the payloads have the shapes TeleCMI documents
(`fixtures/telecmi/`, built by `fakes/telecmi.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch.const import CONF_DIRECTIONS, EVENT_MISSED_CALL

from .conftest import TelecmiPushes, next_poll, setup_entry
from .fakes.telecmi import (
    FakeTelecmi,
    cdr_push,
    event_push,
    leg_b_event_push,
    old_missed_cdr_push,
    outgoing_missed_cdr_push,
    user_missed_cdr_push,
)

APP_ID = 1111113
ACTIVE = "sensor.telecmi_1111113_active_calls"
WAITING = "sensor.telecmi_1111113_missed_calls_waiting"
EVENT = "event.telecmi_1111113_missed_call"
WEBHOOK = "/api/webhook/telecmi_webhook_id"
CALLER = 919811111111
DID = 918000000000


@pytest.fixture
def telecmi(request: pytest.FixtureRequest) -> FakeTelecmi:
    """Return a fake TeleCMI app of the region a test asks for (India by default)."""
    return FakeTelecmi(region=getattr(request, "param", "india"))


async def _push(
    client: Any, payload: dict[str, Any], status: HTTPStatus = HTTPStatus.OK
) -> None:
    response = await client.post(WEBHOOK, json=payload)
    assert response.status == status


def _callers(events: list[Any]) -> list[str | None]:
    return [event.data["caller_number"] for event in events]


@pytest.mark.parametrize("push_first", [True, False])
async def test_india_record_without_a_called_number_is_one_call(
    telecmi: FakeTelecmi,
    telecmi_pushes: TelecmiPushes,
    freezer: FrozenDateTimeFactory,
    push_first: bool,
) -> None:
    """Case 1: CHUB India's missed-call record names no called number; its row does.

    Needs the tracker's rule (core branch): a called number one side lacks does not
    split a call.
    """
    rang = freezer().timestamp() - 150
    push = cdr_push(APP_ID, "5f0fc753", "missed", rang, from_=CALLER)
    assert "to" not in push
    assert "virtual_number" not in push
    if push_first:
        await telecmi_pushes.push(push)
    telecmi.add_missed_call(rang, CALLER, DID)
    await telecmi_pushes.poll()
    if not push_first:
        await telecmi_pushes.push(push)
    await telecmi_pushes.poll()
    assert telecmi_pushes.callers() == ["+919811111111"]
    # The push knows no called number; the row does.
    assert telecmi_pushes.events[0].data["called_number"] == (
        None if push_first else "+918000000000"
    )


@pytest.mark.parametrize("telecmi", ["global"], indirect=True)
@pytest.mark.parametrize("waited", [119, 143])
async def test_a_record_stamped_after_the_wait_is_one_call(
    telecmi: FakeTelecmi,
    telecmi_pushes: TelecmiPushes,
    freezer: FrozenDateTimeFactory,
    waited: int,
) -> None:
    """Case 2: the record comes when the caller gave up; the row has when it rang."""
    rang = freezer().timestamp() - waited - 5
    await telecmi_pushes.push(
        cdr_push(
            APP_ID,
            "4d1f9521",
            "missed",
            rang,
            CALLER,
            DID,
            region="global",
            waited=waited,
        ),
    )
    telecmi.add_missed_call(rang, CALLER, DID)
    await telecmi_pushes.poll()
    await telecmi_pushes.poll()
    assert telecmi_pushes.callers() == ["+919811111111"]
    # The time is when it began ringing.
    assert datetime.fromisoformat(
        telecmi_pushes.events[0].data["time"]
    ) == datetime.fromtimestamp(int(rang * 1000) / 1000, UTC)


@pytest.mark.parametrize("telecmi", ["global"], indirect=True)
async def test_one_agent_missing_a_call_is_not_a_missed_call(
    hass: HomeAssistant, telecmi: FakeTelecmi, telecmi_pushes: TelecmiPushes
) -> None:
    """Case 3: agent 302 does not pick up, 204 answers: nothing was missed."""
    now = telecmi_pushes.started
    await telecmi_pushes.push(
        event_push(APP_ID, "conv-1", "waiting", now, CALLER, DID, region="global"),
    )
    await telecmi_pushes.push(
        leg_b_event_push(APP_ID, "conv-1", "ringing", now + 1, user="302_1111113"),
    )
    await telecmi_pushes.push(
        user_missed_cdr_push(APP_ID, "conv-1", now + 20, CALLER, "302_1111113")
    )
    # The call rings on: one agent's leg ending does not end it.
    assert hass.states.get(ACTIVE).state == "1"
    await telecmi_pushes.push(leg_b_event_push(APP_ID, "conv-1", "answered", now + 22))
    await telecmi_pushes.push(
        cdr_push(APP_ID, "conv-1", "answered", now + 90, CALLER, DID, region="global"),
    )
    await telecmi_pushes.poll()
    assert telecmi_pushes.events == []
    assert hass.states.get(ACTIVE).state == "0"
    assert hass.states.get(WAITING).state == "0"


@pytest.mark.parametrize("telecmi", ["india", "global"], indirect=True)
@pytest.mark.parametrize("push_first", [True, False])
async def test_an_outgoing_call_not_answered_is_one_call(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    push_first: bool,
) -> None:
    """Case 4: the record has no `from`, the agent in `user`; the row has the agent too.

    CHUB India lists the agent in `from`, CHUB global in `agent` (its `from` a number):
    both are read as the caller, the agent, so that row and record are one call.
    """
    await setup_entry(hass, telecmi_entry, {CONF_DIRECTIONS: ["inbound", "outbound"]})
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    client = await hass_client_no_auth()
    when = freezer().timestamp() - 30
    push = outgoing_missed_cdr_push(
        APP_ID, "15b58236", when, "202_1111113", CALLER, region=telecmi.region
    )
    assert "from" not in push
    if push_first:
        await _push(client, push)
    telecmi.add_outgoing_missed_call(when, "202_1111113", CALLER)
    await next_poll(hass, freezer)
    if not push_first:
        await _push(client, push)
    await next_poll(hass, freezer)
    assert _callers(events) == ["202_1111113"]
    assert events[0].data["caller_withheld"] is False
    assert events[0].data["called_number"] == "+919811111111"
    assert events[0].data["direction"] == "outbound"


@pytest.mark.parametrize("telecmi", ["global"], indirect=True)
async def test_live_calls_as_telecmi_pushes_them(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Case 5: integer numbers, `ringing` and `hangup`, leg b labelled "outbound".

    A hangup does not end a call, its record does; an incoming call stays incoming
    whatever its leg b says; a waiting caller is dealt with when the account calls
    them, not when they call again.
    """
    hass.config.country = "IN"
    await setup_entry(hass, telecmi_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    client = await hass_client_no_auth()
    now = freezer().timestamp()
    telecmi.add_missed_call(now - 600, CALLER, DID)
    await next_poll(hass, freezer)
    assert hass.states.get(WAITING).state == "1"
    now = freezer().timestamp()
    # The waiting caller calls again; an agent's phone rings, then hangs up.
    await _push(
        client,
        event_push(APP_ID, "conv-in", "ringing", now, CALLER, DID, region="global"),
    )
    await _push(
        client, leg_b_event_push(APP_ID, "conv-in", "ringing", now + 1, str(CALLER))
    )
    await _push(
        client, leg_b_event_push(APP_ID, "conv-in", "hangup", now + 9, str(CALLER))
    )
    [call] = hass.states.get(ACTIVE).attributes["calls"]
    assert call["direction"] == "inbound"
    assert call["caller_number"] == "+919811111111"
    assert call["called_number"] == "+918000000000"
    assert call["answered"] is False
    assert hass.states.get(WAITING).state == "1"
    await _push(
        client,
        event_push(APP_ID, "conv-in", "hangup", now + 10, CALLER, DID, region="global"),
    )
    assert hass.states.get(ACTIVE).state == "1"
    await _push(
        client,
        cdr_push(
            APP_ID, "conv-in", "missed", now, CALLER, DID, region="global", waited=10
        ),
    )
    assert hass.states.get(ACTIVE).state == "0"
    assert len(events) == 2
    # The account calls the caller back: national digits, an integer, no "+".
    await _push(
        client,
        event_push(
            APP_ID,
            "conv-out",
            "ringing",
            now + 30,
            440000000000,
            9811111111,
            region="global",
            direction="outbound",
            user="202_1111113",
        ),
    )
    assert hass.states.get(WAITING).state == "0"
    assert hass.states.get(ACTIVE).attributes["calls"][0]["direction"] == "outbound"


async def test_the_older_record_without_an_app_id(
    telecmi_pushes: TelecmiPushes, freezer: FrozenDateTimeFactory
) -> None:
    """Case 6: TeleCMI's older records name no app: the entry's secret address does.

    A push that names another app is still refused.
    """
    rang = freezer().timestamp() - 150
    push = old_missed_cdr_push("127c1480-ce5d-480a-a593", rang, 1401003355)
    assert "appid" not in push
    assert "app_id" not in push
    await telecmi_pushes.push(push)
    assert telecmi_pushes.callers() == ["+911401003355"]
    assert telecmi_pushes.events[0].data["call_id"] == "127c1480-ce5d-480a-a593"
    await telecmi_pushes.push(push | {"appid": 2222223}, HTTPStatus.FORBIDDEN)
    await telecmi_pushes.push(
        old_missed_cdr_push("other", rang, 1401003356) | {"app_id": 2222223},
        HTTPStatus.FORBIDDEN,
    )
    assert len(telecmi_pushes.events) == 1


@pytest.mark.parametrize("telecmi", ["india", "global"], indirect=True)
async def test_voicemail_where_telecmi_tells(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_pushes: TelecmiPushes,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Case 7: the event, the event entity and the waiting calls say it."""
    rang = freezer().timestamp() - 150
    region = telecmi.region
    await telecmi_pushes.push(
        cdr_push(
            APP_ID, "vm-1", "missed", rang, CALLER, DID, region=region, voicemail=True
        ),
    )
    await telecmi_pushes.push(
        cdr_push(APP_ID, "vm-2", "missed", rang + 60, 919822222222, DID, region=region),
    )
    assert [event.data["voicemail"] for event in telecmi_pushes.events] == [True, False]
    assert hass.states.get(EVENT).attributes["voicemail"] is False
    waiting = hass.states.get(WAITING).attributes["calls"]
    assert [call["voicemail"] for call in waiting] == [False, True]
    # A call only listed: TeleCMI's listings do not tell.
    telecmi.add_missed_call(freezer().timestamp() - 5, 919833333333, DID)
    await telecmi_pushes.poll()
    assert telecmi_pushes.events[-1].data["voicemail"] is None
    assert hass.states.get(EVENT).attributes["voicemail"] is None
