"""The options flow, and options taking effect without a restart."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import (
    CONF_CALLED_NUMBERS,
    EVENT_MISSED_CALL,
)

from .conftest import ENSWITCH_OPTIONS, Account, next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch


@pytest.mark.usefixtures("init_integration")
async def test_options_take_effect_at_once(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Options take effect at once."""
    result = await hass.config_entries.options.async_init(enswitch_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert {str(key) for key in result["data_schema"].schema} == set(
        ENSWITCH_OPTIONS
    ) | {
        "country",
        "phonebook",
        "contacts_file",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], ENSWITCH_OPTIONS
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert enswitch_entry.options == {**ENSWITCH_OPTIONS, CONF_CALLED_NUMBERS: ["100"]}

    # The scope reaches the provider: active calls of every customer below.
    action, params = enswitch.requests[-2]
    assert (action, params["customer"]) == ("calls/active/list", "recursive")
    # ...but calls/missed/list takes only a customer id.
    action, params = enswitch.requests[-1]
    assert action == "calls/missed/list"
    assert "customer" not in params

    events = async_capture_events(hass, EVENT_MISSED_CALL)
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 5, "+64watched", destination="100")
    enswitch.add_missed_call(now - 4, "+64other", destination="200")
    enswitch.add_missed_call(now - 3, "+64unknown")
    # Polled every 60 s now: nothing is asked 31 s after the reload, then the poll.
    asked = len(enswitch.requests)
    await next_poll(hass, freezer, 31)
    assert len(enswitch.requests) == asked
    assert events == []
    await next_poll(hass, freezer, 30)
    assert len(enswitch.requests) > asked
    assert [event.data["caller_number"] for event in events] == ["+64watched"]
    state = hass.states.get("sensor.alice_pbx_example_com_latest_missed_caller")
    assert state.state == "+64watched"


async def test_reload_keeps_the_missed_call_state(
    hass: HomeAssistant, enswitch: FakeEnswitch, account: Account
) -> None:
    """Changing options neither repeats nor loses a call."""
    enswitch.add_missed_call(account.started - 5, "+64before")
    await account.poll()
    result = await hass.config_entries.options.async_init(account.entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {**ENSWITCH_OPTIONS, CONF_CALLED_NUMBERS: []}
    )
    await hass.async_block_till_done()
    enswitch.add_missed_call(account.freezer().timestamp() - 5, "+64after")
    await account.poll(61)
    assert [event.data["caller_number"] for event in account.events] == [
        "+64before",
        "+64after",
    ]


async def test_called_numbers_match_in_any_form(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A DID typed in national form finds calls to it, and reads alike from them.

    Enswitch compares `dnumber` as written, so the number is asked for as typed and
    in the international digits Enswitch writes numbers in.
    """
    hass.config.country = "NZ"
    assert await setup_entry(
        hass, enswitch_entry, {CONF_CALLED_NUMBERS: ["09 111 0000"]}
    )
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 5, "+64watched", destination="6491110000")
    enswitch.add_missed_call(now - 4, "+64national", destination="091110000")
    enswitch.add_missed_call(now - 3, "+64other", destination="+6492220000")
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == [
        "+64watched",
        "+64national",
    ]
    assert {event.data["called_number"] for event in events} == {"+6491110000"}
