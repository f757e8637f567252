"""The callwatch.list_missed_calls action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.callwatch.const import CONF_CALLED_NUMBERS, DOMAIN

from .conftest import setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.server import FaultPlan

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def _list(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "list_missed_calls", data, blocking=True, return_response=True
    )


@pytest.mark.freeze_time(NOW)
async def test_list_missed_calls(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    """The list action returns the missed calls of the span asked, described."""
    now = NOW.timestamp()
    enswitch.add_missed_call(now - 3 * 86400, "+64threedays")
    enswitch.add_missed_call(
        now - 3600, "+64hour", callername="Hal", dnumber="100", uniqueid="u1"
    )
    enswitch.add_missed_call(now - 60, "+64minute", dnumber="200")
    await setup_entry(hass, enswitch_entry)

    response = await _list(hass, config_entry_id=enswitch_entry.entry_id)
    assert response == {
        "missed_calls": [
            {
                "caller_number": "+64hour",
                "caller_number_raw": "+64hour",
                "caller_withheld": False,
                "caller_name": "Hal",
                "caller_name_source": "provider",
                "called_number": "100",
                "time": "2026-11-20T11:00:00+00:00",
                "call_id": "u1",
                "direction": "inbound",
                "voicemail": None,
            },
            {
                "caller_number": "+64minute",
                "caller_number_raw": "+64minute",
                "caller_withheld": False,
                "caller_name": None,
                "caller_name_source": None,
                "called_number": "200",
                "time": "2026-11-20T11:59:00+00:00",
                "call_id": None,
                "direction": "inbound",
                "voicemail": None,
            },
        ]
    }
    response = await _list(
        hass,
        config_entry_id=enswitch_entry.entry_id,
        start=(NOW - timedelta(days=4)).isoformat(),
        end=(NOW - timedelta(days=1)).isoformat(),
    )
    assert [call["caller_number"] for call in response["missed_calls"]] == [
        "+64threedays"
    ]
    # A time without a zone is Home Assistant's local time (US/Pacific in tests).
    response = await _list(
        hass,
        config_entry_id=enswitch_entry.entry_id,
        start="2026-11-20 03:30:00",
        end="2026-11-20 04:00:00",
    )
    assert [call["caller_number"] for call in response["missed_calls"]] == ["+64minute"]


async def test_list_follows_the_entry_options(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """List follows the entry options."""
    enswitch_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        enswitch_entry, options={CONF_CALLED_NUMBERS: ["200"]}
    )
    now = freezer().timestamp()
    enswitch.add_missed_call(now - 60, "+64to100", dnumber="100")
    enswitch.add_missed_call(now - 30, "+64to200", dnumber="200")
    await setup_entry(hass, enswitch_entry)
    response = await _list(hass, config_entry_id=enswitch_entry.entry_id)
    assert [call["caller_number"] for call in response["missed_calls"]] == ["+64to200"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"start": "2026-11-20T12:00:00+00:00", "end": "2026-11-20T11:00:00+00:00"},
            "The start must be before the end",
        ),
        (
            {"start": "2026-11-01T12:00:00+00:00", "end": "2026-11-20T11:00:00+00:00"},
            "The time span may be at most 7 days",
        ),
    ],
)
async def test_list_rejects_bad_spans(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    data: dict[str, str],
    message: str,
) -> None:
    """List rejects bad spans."""
    await setup_entry(hass, enswitch_entry)
    served = len(enswitch.requests)
    with pytest.raises(ServiceValidationError, match=message):
        await _list(hass, config_entry_id=enswitch_entry.entry_id, **data)
    assert len(enswitch.requests) == served


async def test_list_needs_a_loaded_callwatch_entry(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    """List needs a loaded callwatch entry."""
    await setup_entry(hass, enswitch_entry)
    with pytest.raises(ServiceValidationError, match="No Callwatch account has"):
        await _list(hass, config_entry_id="nonsense")
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError, match="No Callwatch account has"):
        await _list(hass, config_entry_id=other.entry_id)
    assert await hass.config_entries.async_unload(enswitch_entry.entry_id)
    with pytest.raises(
        ServiceValidationError, match="alice@pbx.example.com is not loaded"
    ):
        await _list(hass, config_entry_id=enswitch_entry.entry_id)


async def test_list_reports_provider_errors(
    hass: HomeAssistant, enswitch: FakeEnswitch, enswitch_entry: MockConfigEntry
) -> None:
    """List reports provider errors."""
    await setup_entry(hass, enswitch_entry)
    enswitch.fault = FaultPlan(fault="html")
    with pytest.raises(HomeAssistantError, match="Could not get the calls") as caught:
        await _list(hass, config_entry_id=enswitch_entry.entry_id)
    assert not isinstance(caught.value, ServiceValidationError)
