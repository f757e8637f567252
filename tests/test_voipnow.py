"""VoipNow through Home Assistant: its flow step, entities and events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    CONF_CLIENT_SECRET,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import (
    CONF_CALLED_NUMBERS,
    DOMAIN,
    EVENT_MISSED_CALL,
)

from .conftest import next_poll, setup_entry
from .fakes.voipnow import FakeVoipnow

ACTIVE = "sensor.callwatch_app_voipnow_example_com_active_calls"
LATEST = "sensor.callwatch_app_voipnow_example_com_latest_missed_caller"
VENDOR = Path(__file__).parent / "fixtures" / "vendor"


async def test_entities_and_events(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """VoipNow's calls reach the sensors and the missed-call event."""
    voipnow.start_call("021111", ["0003*210", "0003*211"])
    voipnow.add_history(freezer().timestamp() - 600, "029999", caller_name="Old")
    await setup_entry(hass, voipnow_entry)
    # One call seen by two extensions is one call.
    assert hass.states.get(ACTIVE).state == "1"
    # The caller's name where the provider gives one; the number in an attribute.
    assert hass.states.get(LATEST).state == "Old"
    assert hass.states.get(LATEST).attributes["caller_number"] == "029999"
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    voipnow.add_history(freezer().timestamp() - 5, "027777", caller_name="Aroha")
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == ["027777"]
    assert events[0].data["provider"] == "voipnow"
    assert events[0].data["caller_name"] == "Aroha"
    assert events[0].data["caller_name_source"] == "provider"
    assert hass.states.get(LATEST).state == "Aroha"


async def test_reauth_with_a_new_secret(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reauth with a new secret."""
    await setup_entry(hass, voipnow_entry)
    voipnow.client_secret = "rotated-secret"
    voipnow.expire_tokens()
    await next_poll(hass, freezer)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_CLIENT_SECRET: "rotated-secret"}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert voipnow_entry.data[CONF_CLIENT_SECRET] == "rotated-secret"


async def test_a_watched_extension_written_whole_counts(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """`0003*210`, as the README writes an extension, is read as calls carry it."""
    assert await setup_entry(hass, voipnow_entry, {CONF_CALLED_NUMBERS: ["0003*210"]})
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    now = freezer().timestamp()
    voipnow.add_history(now - 6, "0211111111", "0003*210")
    voipnow.add_history(now - 5, "0222222222", "0003*211")
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == ["0211111111"]
    assert events[0].data["called_number"] == "210"
    assert hass.states.get(LATEST).attributes["caller_number"] == "0211111111"


@pytest.mark.parametrize(
    "zone",
    [
        timezone(timedelta(hours=14)),
        timezone(timedelta(hours=5, minutes=45)),
        UTC,
        timezone(timedelta(hours=-12)),
    ],
    ids=str,
)
async def test_missed_calls_are_found_whatever_zone_voipnow_reads_dates_in(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    zone: timezone,
) -> None:
    """Pages and dates as 4PSA's own client sends them, read in the server's zone."""
    limits = json.loads((VENDOR / "voipnow-uapi-limits.json").read_text())
    voipnow.zone = zone
    assert await setup_entry(hass, voipnow_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    voipnow.add_history(freezer().timestamp() - 5, "0211111111")
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == ["0211111111"]
    for path, query in voipnow.requests:
        if path.startswith("/uapi/"):
            assert 1 <= int(query["count"]) <= limits["count_max"]
            assert 0 <= int(query["startIndex"]) <= limits["start_index_max"]
        if path.startswith("/uapi/cdr/"):
            for date in (query["startDate"], query["endDate"]):
                assert datetime.fromisoformat(date).tzinfo is None
                assert len(date) == len(limits["cdr_date_example"])
