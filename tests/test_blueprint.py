"""The notification blueprint, loaded into Home Assistant as a user imports it.

A phone is a mobile_app registration whose push URL is our fake push gateway on
127.0.0.1; a tap on a notification's action comes back through the phone's webhook, as
the Companion app sends it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.callwatch.const import CONF_DIRECTIONS

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.push import PATH, FakePushGateway
from .fakes.server import served
from .fakes.telecmi import FakeTelecmi

BLUEPRINT = (
    Path(__file__).parent.parent
    / "blueprints"
    / "automation"
    / "callwatch"
    / "notify_missed_call.yaml"
)
WAITING = "sensor.alice_pbx_example_com_missed_calls_waiting"
PHONE_WEBHOOK = "pixel-webhook-id"
PUSH_TOKEN = "push-token-of-the-pixel"


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[tuple[FakePushGateway, str]]:
    """Serve a fake push gateway; return it and the push URL."""
    push = FakePushGateway()
    async with served(push.app()) as url:
        yield push, f"{url}{PATH}"


@pytest.fixture
async def phone_device(
    hass: HomeAssistant,
    hass_admin_user: User,
    gateway: tuple[FakePushGateway, str],
) -> str:
    """Register a phone with the Companion app; return its device id."""
    _, push_url = gateway
    entry = MockConfigEntry(
        domain="mobile_app",
        title="Pixel 8",
        data={
            "app_data": {"push_token": PUSH_TOKEN, "push_url": push_url},
            "app_id": "io.homeassistant.companion.android",
            "app_name": "Home Assistant",
            "app_version": "2025.4.1",
            "device_id": "pixel-8",
            "device_name": "Pixel 8",
            "manufacturer": "Google",
            "model": "Pixel 8",
            "os_name": "Android",
            "os_version": "15",
            "supports_encryption": False,
            "user_id": hass_admin_user.id,
            "webhook_id": PHONE_WEBHOOK,
        },
    )
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, "mobile_app", {})
    await hass.async_block_till_done()
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def _use_blueprint(
    hass: HomeAssistant,
    tmp_path: Path,
    account: MockConfigEntry,
    phone: str,
    **inputs: Any,
) -> None:
    """Set up an automation from the repository's blueprint, as an imported one is."""
    imported = tmp_path / "blueprints" / "automation" / "callwatch" / BLUEPRINT.name
    imported.parent.mkdir(parents=True)
    shutil.copy(BLUEPRINT, imported)
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "notify_missed_calls",
                "alias": "Missed calls to the phone",
                "use_blueprint": {
                    "path": "callwatch/notify_missed_call.yaml",
                    "input": {"account": account.entry_id, "phone": phone} | inputs,
                },
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get("automation.missed_calls_to_the_phone")
    assert state is not None
    assert state.state == "on"


@dataclass
class Phone:
    """A phone with the Companion app, and what it was sent through the push gateway."""

    hass: HomeAssistant
    tmp_path: Path
    push: FakePushGateway
    device_id: str
    hass_client_no_auth: ClientSessionGenerator

    def waiting(self) -> State:
        """Return the state of the waiting calls' sensor."""
        state = self.hass.states.get(WAITING)
        assert state is not None
        return state

    async def notified_of(
        self,
        account: MockConfigEntry,
        options: dict[str, Any] | None = None,
        **inputs: Any,
    ) -> None:
        """Set `account` up, with the blueprint's automation notifying this phone."""
        assert await setup_entry(self.hass, account, options)
        await _use_blueprint(
            self.hass, self.tmp_path, account, self.device_id, **inputs
        )

    async def tap(self, action: str) -> None:
        """Tap a notification's action on the phone: its app fires the event."""
        client = await self.hass_client_no_auth()
        response = await client.post(
            f"/api/webhook/{PHONE_WEBHOOK}",
            json={
                "type": "fire_event",
                "data": {
                    "event_type": "mobile_app_notification_action",
                    "event_data": {"action": action},
                },
            },
        )
        assert response.status == 200
        await self.hass.async_block_till_done()


@pytest.fixture
def phone(
    hass: HomeAssistant,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
    gateway: tuple[FakePushGateway, str],
    phone_device: str,
) -> Phone:
    """Return the registered phone."""
    push, _ = gateway
    return Phone(hass, tmp_path, push, phone_device, hass_client_no_auth)


def _actions(notification: dict[str, Any]) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = notification["data"]["actions"]
    return actions


async def test_a_missed_call_on_the_phone_and_dealt_with_from_it(
    phone: Phone,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A missed call on the phone and dealt with from it."""
    await phone.notified_of(enswitch_entry)
    # Two calls in one poll, whose ids differ only by a trailing zero (Asterisk's
    # `epoch.sequence`): each gets its notification, and each is dealt with alone.
    now = freezer().timestamp()
    enswitch.add_missed_call(
        now - 9, "+6493001234", callername="Carol", dnumber="100", uniqueid="1700.1"
    )
    enswitch.add_missed_call(now - 8, "+6493091234", dnumber="100", uniqueid="1700.10")
    await next_poll(phone.hass, freezer)
    assert phone.waiting().state == "2"

    carol, other = phone.push.notifications
    ack = f"CALLWATCH_ACK_{enswitch_entry.entry_id}_"
    assert carol == {
        "title": "Missed call",
        "message": "From Carol (+6493001234) to 100",
        "data": {
            "actions": [
                {"action": "URI", "title": "Call back", "uri": "tel:+6493001234"},
                {"action": f"{ack}ID_1700.1", "title": "Dealt with"},
            ]
        },
        "push_token": PUSH_TOKEN,
        "registration_info": {
            "app_id": "io.homeassistant.companion.android",
            "app_version": "2025.4.1",
            "os_version": "15",
            "webhook_id": PHONE_WEBHOOK,
        },
    }
    assert other["message"] == "From +6493091234 to 100"
    assert _actions(other)[1] == {"action": f"{ack}ID_1700.10", "title": "Dealt with"}

    await phone.tap(f"{ack}ID_1700.10")
    state = phone.waiting()
    assert state.state == "1"
    assert [call["call_id"] for call in state.attributes["calls"]] == ["1700.1"]
    # Another automation's action, or another account's, leaves the calls alone.
    await phone.tap("OPEN_GARAGE")
    await phone.tap("CALLWATCH_ACK_01JOTHERACCOUNT_ID_1700.1")
    assert phone.waiting().state == "1"
    await phone.tap(f"{ack}ID_1700.1")
    assert phone.waiting().state == "0"


async def test_callers_without_an_id_or_a_number(
    phone: Phone,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Callers without an id or a number."""
    await phone.notified_of(enswitch_entry, title="Office phone")
    now = freezer().timestamp()
    # Withheld: nothing to call back; its id still lets it be dealt with.
    enswitch.add_missed_call(now - 9, "anonymous", dnumber="100", uniqueid="1700.2")
    # Withheld and without an id: it cannot be told apart, so no "Dealt with".
    enswitch.add_missed_call(now - 8, "private", callername="Dave")
    # Without an id: dealt with by the caller's number.
    enswitch.add_missed_call(now - 7, "+6495551234", callername="+6495551234")
    # An extension cannot be dialled from a phone.
    enswitch.add_missed_call(now - 6, "0003*210", callername="Reception")
    await next_poll(phone.hass, freezer)
    ack = f"CALLWATCH_ACK_{enswitch_entry.entry_id}_"
    assert [
        (each["title"], each["message"], _actions(each))
        for each in phone.push.notifications
    ] == [
        (
            "Office phone",
            "From a withheld number to 100",
            [{"action": f"{ack}ID_1700.2", "title": "Dealt with"}],
        ),
        ("Office phone", "From Dave (number withheld)", []),
        (
            "Office phone",
            "From +6495551234",
            [
                {"action": "URI", "title": "Call back", "uri": "tel:+6495551234"},
                {"action": f"{ack}NUMBER_+6495551234", "title": "Dealt with"},
            ],
        ),
        (
            "Office phone",
            "From Reception (0003*210)",
            [{"action": f"{ack}NUMBER_0003*210", "title": "Dealt with"}],
        ),
    ]
    assert phone.waiting().state == "4"
    await phone.tap(f"{ack}NUMBER_+6495551234")
    assert [call["caller_number"] for call in phone.waiting().attributes["calls"]] == [
        "0003*210",
        None,
        None,
    ]


async def test_old_catch_up_calls_are_skipped(
    phone: Phone,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Found after a gap: notified only if missed within the chosen minutes."""
    hass = phone.hass
    await phone.notified_of(enswitch_entry, longest_catch_up=30)
    assert await hass.config_entries.async_unload(enswitch_entry.entry_id)
    freezer.tick(timedelta(hours=2))
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 45 * 60, "+6493001234", uniqueid="old")
    enswitch.add_missed_call(now - 20 * 60, "+6493091234", uniqueid="recent")
    assert await hass.config_entries.async_setup(enswitch_entry.entry_id)
    await hass.async_block_till_done()
    assert phone.waiting().state == "2"
    [notification] = phone.push.notifications
    local = dt_util.as_local(datetime.fromtimestamp(int(now - 20 * 60), UTC))
    assert notification["message"] == (
        f"From +6493091234 at {local:%H:%M}, while Home Assistant was not watching"
    )
    # Calls found while watching are always notified.
    enswitch.add_missed_call(freezer().timestamp() - 5, "+6495551234", uniqueid="live")
    await next_poll(hass, freezer)
    assert phone.push.notifications[-1]["message"] == "From +6495551234"


async def test_an_outgoing_call_not_answered(
    phone: Phone,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An outgoing call not answered."""
    await phone.notified_of(telecmi_entry, {CONF_DIRECTIONS: ["inbound", "outbound"]})
    telecmi.add_missed_call(
        freezer().timestamp() - 10,
        "209_1111113",
        919800000001,
        direction="outbound",
        call_id="5d9df5607a2b9527000000aa",
    )
    await next_poll(phone.hass, freezer)
    [notification] = phone.push.notifications
    assert notification["title"] == "Outgoing call not answered"
    assert notification["message"] == "To +919800000001, from 209_1111113"
    assert _actions(notification) == [
        {"action": "URI", "title": "Call again", "uri": "tel:+919800000001"},
        {
            "action": f"CALLWATCH_ACK_{telecmi_entry.entry_id}_ID_5d9df5607a2b9527000000aa",
            "title": "Dealt with",
        },
    ]
