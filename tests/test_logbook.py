"""Missed calls in the logbook, read back through its WebSocket API as the frontend does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.callwatch.const import CONF_DIRECTIONS, EVENT_MISSED_CALL
from custom_components.callwatch.logbook import describe_missed_call, readable_number

from .conftest import next_poll, setup_entry, stand_in_frontend
from .fakes.enswitch import FakeEnswitch
from .fakes.telecmi import FakeTelecmi, cdr_push

ACCOUNT = "alice@pbx.example.com"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_db_url: str, enable_custom_integrations: None
) -> None:
    """Load callwatch; the recorder's database must be chosen before `hass` exists."""


@dataclass
class Logbook:
    """Home Assistant's logbook, read through the WebSocket API from when it started."""

    hass: HomeAssistant
    hass_ws_client: WebSocketGenerator
    started: datetime

    async def lines(self) -> list[dict[str, Any]]:
        """Return the logbook's lines for missed calls since it started."""
        return await _lines(self.hass, self.hass_ws_client, self.started)


@pytest.fixture
async def logbook(
    recorder_mock: Any, hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> Logbook:
    """Set up the logbook (its frontend panel stubbed), in New Zealand."""
    hass.config.country = "NZ"
    # The frontend's files are not installed in tests, and the logbook only adds its
    # panel to it. HTTP first: it would start a real server once the frontend is up.
    assert await async_setup_component(hass, "http", {})
    stand_in_frontend(hass)
    assert await async_setup_component(hass, "logbook", {})
    return Logbook(hass, hass_ws_client, dt_util.utcnow())


@pytest.fixture
async def init_integration(
    logbook: Logbook, init_integration: MockConfigEntry
) -> MockConfigEntry:
    """Set up the entry once the recorder and the logbook are up, as in a real start.

    Newer releases refuse to start the recorder after an entity registry listener.
    """
    return init_integration


async def _lines(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, since: datetime
) -> list[dict[str, Any]]:
    """Return the logbook's lines for missed calls since `since`."""
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": since.isoformat(),
            "end_time": (dt_util.utcnow() + timedelta(minutes=1)).isoformat(),
        }
    )
    response = await client.receive_json()
    assert response["success"], response
    await client.close()
    return [line for line in response["result"] if line.get("domain") == "callwatch"]


@pytest.mark.usefixtures("init_integration")
async def test_how_each_caller_reads(
    logbook: Logbook,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """How each caller reads."""
    now = freezer().timestamp()
    callers: list[tuple[str, dict[str, str]]] = [
        # Withheld, with and without a name.
        ("anonymous", {"dnumber": "100"}),
        ("private", {"callername": "Dave", "dnumber": "100"}),
        # No name; a name that only repeats the number.
        ("+6493091234", {}),
        ("+6495551234", {"callername": "+6495551234", "dnumber": "100"}),
        # From abroad (Home Assistant is in New Zealand), in national form.
        ("+61298765432", {"callername": "Erin", "dnumber": "100"}),
        ("09 800 1234", {"dnumber": "+6493001000"}),
        # An extension is no phone number: as given.
        ("0003*210", {"callername": "Reception", "dnumber": "100"}),
    ]
    for index, (caller, extra) in enumerate(callers):
        enswitch.add_missed_call(
            now - 20 + index, caller, uniqueid=f"v{index}", **extra
        )
    await next_poll(logbook.hass, freezer)
    assert [line["message"] for line in await logbook.lines()] == [
        "Missed call from a withheld number to 100",
        "Missed call from Dave (number withheld) to 100",
        "Missed call from 09 309 1234",
        "Missed call from 09 555 1234 to 100",
        "Missed call from Erin (+61 2 9876 5432) to 100",
        "Missed call from 09 800 1234 to 09 300 1000",
        "Missed call from Reception (0003*210) to 100",
    ]


@pytest.mark.usefixtures("init_integration")
async def test_a_catch_up_call_says_so(
    logbook: Logbook,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Found after a gap in watching: when it was missed, and that nobody watched."""
    assert await logbook.hass.config_entries.async_unload(enswitch_entry.entry_id)
    # A few minutes are a gap (the access token of the WebSocket API outlives them).
    freezer.tick(timedelta(minutes=5))
    missed = int(freezer().timestamp() - 120)
    enswitch.add_missed_call(missed, "+6493001234", callername="Carol", dnumber="100")
    assert await logbook.hass.config_entries.async_setup(enswitch_entry.entry_id)
    await logbook.hass.async_block_till_done()
    [line] = await logbook.lines()
    local = dt_util.as_local(datetime.fromtimestamp(missed, UTC))
    assert line["message"] == (
        f"Missed call from Carol (09 300 1234) to 100 (at {local:%Y-%m-%d %H:%M}, "
        "while Home Assistant was not watching)"
    )


@pytest.mark.usefixtures("init_integration")
async def test_a_missed_call_is_a_line_of_the_logbook(
    logbook: Logbook,
    enswitch: FakeEnswitch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A missed call is a line of the logbook."""
    enswitch.add_missed_call(
        freezer().timestamp() - 5,
        "+6493001234",
        callername="Carol",
        dnumber="100",
        uniqueid="u1",
    )
    await next_poll(logbook.hass, freezer)
    [line] = await logbook.lines()
    assert line["name"] == ACCOUNT
    assert line["message"] == "Missed call from Carol (09 300 1234) to 100"
    assert line["icon"] == "mdi:phone-missed"


async def test_an_outgoing_call_not_answered(
    logbook: Logbook,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """TeleCMI tells of outgoing calls nobody answered: the agent called a customer."""
    logbook.hass.config.country = "IN"
    assert await setup_entry(
        logbook.hass, telecmi_entry, {CONF_DIRECTIONS: ["inbound", "outbound"]}
    )
    telecmi.add_missed_call(
        freezer().timestamp() - 10, "209_1111113", 919800000001, direction="outbound"
    )
    await next_poll(logbook.hass, freezer)
    [line] = await logbook.lines()
    assert line["name"] == telecmi_entry.title
    assert line["message"] == (
        "Outgoing call from 209_1111113 to 098000 00001 not answered"
    )


async def test_voicemail_where_the_provider_tells(
    logbook: Logbook,
    hass_client_no_auth: ClientSessionGenerator,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """TeleCMI's records say whether the caller left a voicemail; its listings do not."""
    logbook.hass.config.country = "IN"
    assert await setup_entry(logbook.hass, telecmi_entry)
    # The WebSocket API before the test client, which freezes the HTTP routes.
    assert await async_setup_component(logbook.hass, "websocket_api", {})
    client = await hass_client_no_auth()
    rang = freezer().timestamp() - 150
    for call_id, caller, voicemail in (
        ("vm-1", 919800000001, True),
        ("vm-2", 919800000002, False),
    ):
        response = await client.post(
            "/api/webhook/telecmi_webhook_id",
            json=cdr_push(
                telecmi.app_id, call_id, "missed", rang, caller, voicemail=voicemail
            ),
        )
        assert response.status == HTTPStatus.OK
    telecmi.add_missed_call(freezer().timestamp() - 5, 919800000003, 918000000000)
    await next_poll(logbook.hass, freezer)
    lines = await logbook.lines()
    assert [line["message"] for line in lines] == [
        "Missed call from 098000 00001, voicemail left",
        "Missed call from 098000 00002, no voicemail",
        "Missed call from 098000 00003 to 080000 00000",
    ]


@pytest.mark.usefixtures("init_integration")
async def test_the_line_outlives_its_account(
    logbook: Logbook,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The logbook describes events when read: a removed account is 'Callwatch'."""
    enswitch.add_missed_call(freezer().timestamp() - 5, "+6493001234", dnumber="100")
    await next_poll(logbook.hass, freezer)
    assert await logbook.hass.config_entries.async_remove(enswitch_entry.entry_id)
    [line] = await logbook.lines()
    assert line["name"] == "Callwatch"
    assert line["message"] == "Missed call from 09 300 1234 to 100"


async def test_events_of_other_versions(
    logbook: Logbook,
    enswitch_entry: MockConfigEntry,
) -> None:
    """Fields added later (`caller_name_source`) or missing do not change the line."""
    await setup_entry(logbook.hass, enswitch_entry)
    base = {
        "config_entry_id": enswitch_entry.entry_id,
        "caller_number": "+6493001234",
        "caller_name": "Carol",
        "called_number": "100",
    }
    for extra in (
        {},
        {"caller_name_source": "provider"},
        {"caller_name_source": "phonebook"},
        {"caller_name_source": None},
    ):
        logbook.hass.bus.async_fire(EVENT_MISSED_CALL, base | extra)
    logbook.hass.bus.async_fire(
        EVENT_MISSED_CALL, {"config_entry_id": 42, "catch_up": True}
    )
    await logbook.hass.async_block_till_done()
    lines = await logbook.lines()
    assert [line["message"] for line in lines[:4]] == [
        "Missed call from Carol (09 300 1234) to 100"
    ] * 4
    assert lines[4] == lines[4] | {
        "name": "Callwatch",
        "message": "Missed call from an unknown caller "
        "(while Home Assistant was not watching)",
    }


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"direction": "outbound"}, "Outgoing call to an unknown number not answered"),
        (
            {"direction": "outbound", "called_number": "+6493001234"},
            "Outgoing call to +64 9 300 1234 not answered",
        ),
        (
            {"caller_number": "+6493001234", "catch_up": True, "time": "not a time"},
            "Missed call from +64 9 300 1234 (while Home Assistant was not watching)",
        ),
        ({"caller_name": "Carol"}, "Missed call from Carol"),
        (
            {"caller_name": "Carol", "voicemail": True, "catch_up": True},
            "Missed call from Carol, voicemail left "
            "(while Home Assistant was not watching)",
        ),
        ({"caller_name": "Carol", "voicemail": "yes"}, "Missed call from Carol"),
        (
            {"caller_withheld": True, "caller_name": ""},
            "Missed call from a withheld number",
        ),
    ],
)
def test_lines_without_a_country(data: dict[str, Any], line: str) -> None:
    """Without Home Assistant's country every phone number is international."""
    assert describe_missed_call(data, None) == line


@pytest.mark.parametrize(
    ("number", "readable"),
    [
        ("+6493001234", "09 300 1234"),
        ("+14165551234", "+1 416-555-1234"),
        # Not a valid number, or no phone number: as given.
        ("+649333", "+649333"),
        ("+64 not", "+64 not"),
        ("100", "100"),
        (None, None),
    ],
)
def test_readable_numbers(number: str | None, readable: str | None) -> None:
    """Numbers are written as people in New Zealand read them."""
    assert readable_number(number, "nz") == readable
