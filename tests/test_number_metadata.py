"""Phone-number metadata is imported off the event loop, never on it.

`phonenumbers` imports a region's metadata module the first time a number of that
region is read. The fixture forgets every region phonenumbers has loaded in this test
process, and records, for each region module imported afterwards, whether it was
imported on Home Assistant's event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
import importlib.abc
import importlib.machinery
import sys
import threading
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HOST,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from phonenumbers import data as phonenumbers_data
from phonenumbers.phonemetadata import PhoneMetadata
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import CONF_PROVIDER, DOMAIN, EVENT_MISSED_CALL
from custom_components.callwatch.providers import canonical_number

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.voipnow import FakeVoipnow

REGION_MODULE = "phonenumbers.data.region_"


class _RegionImports(importlib.abc.MetaPathFinder):
    """Records which thread imports each region module; finds nothing itself."""

    def __init__(self) -> None:
        self.imports: list[tuple[str, int]] = []

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith(REGION_MODULE):
            self.imports.append((fullname, threading.get_ident()))
        return None


@pytest.fixture
def region_imports() -> Iterator[_RegionImports]:
    """Make phonenumbers forget its regions, and record their imports from now on."""
    regions = PhoneMetadata._region_available
    codes = PhoneMetadata._country_code_available
    saved = (
        dict(regions),
        dict(codes),
        dict(PhoneMetadata._region_metadata),
        dict(PhoneMetadata._country_code_metadata),
    )
    for region in regions:
        regions[region] = phonenumbers_data._load_region
    for code in codes:
        codes[code] = phonenumbers_data._load_region
    PhoneMetadata._region_metadata.clear()
    PhoneMetadata._country_code_metadata.clear()
    for name in [name for name in sys.modules if name.startswith(REGION_MODULE)]:
        del sys.modules[name]
    canonical_number.cache_clear()
    recorder = _RegionImports()
    sys.meta_path.insert(0, recorder)
    yield recorder
    sys.meta_path.remove(recorder)
    PhoneMetadata.load_all()
    for saved_part, part in zip(
        saved,
        (
            regions,
            codes,
            PhoneMetadata._region_metadata,
            PhoneMetadata._country_code_metadata,
        ),
        strict=True,
    ):
        part.update({key: value for key, value in saved_part.items() if key in part})


def _on_loop(hass: HomeAssistant, recorder: _RegionImports) -> list[str]:
    return [name for name, thread in recorder.imports if thread == hass.loop_thread_id]


async def test_no_region_is_imported_on_the_loop(
    hass: HomeAssistant,
    enswitch: FakeEnswitch,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    region_imports: _RegionImports,
) -> None:
    """No region is imported on the loop."""
    hass.config.country = "NZ"
    assert await setup_entry(hass, enswitch_entry)
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    # Callers from four countries, read in a small reply, on the loop.
    for caller in ("+442079460000", "+61291234567", "+819012345678", "+6493031234"):
        enswitch.add_missed_call(freezer().timestamp() - 5, caller)
    await next_poll(hass, freezer)
    assert len(events) == 4
    assert hass.states.get("sensor.alice_pbx_example_com_latest_missed_caller")
    # Imported, but in a worker thread.
    assert any(name.endswith("region_GB") for name, _ in region_imports.imports)
    assert _on_loop(hass, region_imports) == []


async def test_no_region_is_imported_on_the_loop_by_the_config_flow(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    voipnow_url: str,
    region_imports: _RegionImports,
) -> None:
    """The flow checks the account with a listing of the last minute, on the loop."""
    hass.config.country = "NZ"
    voipnow.add_history(time.time() - 20, "+442079460000")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "voipnow"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: voipnow_url,
            CONF_CLIENT_ID: voipnow.client_id,
            CONF_CLIENT_SECRET: voipnow.client_secret,
            CONF_VERIFY_SSL: True,
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert any(name.endswith("region_GB") for name, _ in region_imports.imports)
    assert _on_loop(hass, region_imports) == []
