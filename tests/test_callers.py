"""Who called, through Home Assistant and the fakes: numbers, names and the phonebook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.callwatch.const import (
    CONF_CONTACTS_FILE,
    CONF_COUNTRY,
    CONF_PHONEBOOK,
    DOMAIN,
    EVENT_MISSED_CALL,
)
from custom_components.callwatch.diagnostics import async_get_config_entry_diagnostics

from .conftest import next_poll, setup_entry
from .fakes.enswitch import FakeEnswitch
from .fakes.telecmi import FakeTelecmi
from .fakes.voipnow import FakeVoipnow

LATEST = "sensor.alice_pbx_example_com_latest_missed_caller"
WAITING = "sensor.alice_pbx_example_com_missed_calls_waiting"
ISSUE = "01JENSWITCH0000000000000000_contacts_file"
VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Āperahama Te Rangi
TEL;TYPE=CELL:+64 21 555 0101
TEL;TYPE=WORK:09 303 1234
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Zoë
TEL:0064-9-303-9999
END:VCARD
"""

# vobject raises a TypeError for an ENCODING given twice on a quoted-printable value.
BAD_CARD = """BEGIN:VCARD
VERSION:2.1
FN:Twice Encoded
TEL;ENCODING=QUOTED-PRINTABLE;ENCODING=QUOTED-PRINTABLE:021=20555=200199
END:VCARD
"""


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give Home Assistant a configuration folder of the test's own."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path


@pytest.fixture
def contacts(hass: HomeAssistant, config_dir: Path) -> Path:
    """Give the configuration folder a contacts file of VCARD, in New Zealand."""
    hass.config.country = "NZ"
    path = config_dir / "contacts.vcf"
    path.write_text(VCARD, encoding="utf-8")
    return path


type Miss = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def miss(
    hass: HomeAssistant, enswitch: FakeEnswitch, freezer: FrozenDateTimeFactory
) -> Miss:
    """Return how to miss a call from a caller on Enswitch and get its one event."""

    async def miss(caller: str, **extra: Any) -> dict[str, Any]:
        events = async_capture_events(hass, EVENT_MISSED_CALL)
        enswitch.add_missed_call(freezer().timestamp() - 5, caller, **extra)
        await next_poll(hass, freezer)
        assert len(events) == 1
        return dict(events[0].data)

    return miss


@pytest.mark.usefixtures("contacts")
async def test_names_in_layers(
    hass: HomeAssistant, enswitch_entry: MockConfigEntry, miss: Miss
) -> None:
    """The provider's name, else the typed phonebook, else the contacts file, else none."""
    assert await setup_entry(
        hass,
        enswitch_entry,
        {
            CONF_PHONEBOOK: "# the office\n09 303 1234, Front desk\n+64 9 555 0000, Bob",
            CONF_CONTACTS_FILE: "contacts.vcf",
        },
    )
    # The provider's name wins.
    data = await miss("+6493031234", callername="Reception")
    assert (data["caller_name"], data["caller_name_source"]) == (
        "Reception",
        "provider",
    )
    # "unknown", or the number again, is no name: the typed phonebook wins over the file.
    data = await miss("093031234", callername="093031234")
    assert data["caller_number"] == "+6493031234"
    assert data["caller_number_raw"] == "093031234"
    assert (data["caller_name"], data["caller_name_source"]) == (
        "Front desk",
        "phonebook",
    )
    # The contacts file: another contact, its number written another way.
    data = await miss("0064 21 555 0101")
    assert (data["caller_name"], data["caller_name_source"]) == (
        "Āperahama Te Rangi",
        "phonebook",
    )
    assert hass.states.get(LATEST).state == "Āperahama Te Rangi"
    # Nobody's name: the number as people at home write it.
    data = await miss("+6493037777", callername="unknown")
    assert (data["caller_name"], data["caller_name_source"]) == (None, None)
    state = hass.states.get(LATEST)
    assert state.state == "09 303 7777"
    assert state.attributes["caller_number"] == "+6493037777"
    # A withheld caller is said to be withheld.
    data = await miss("anonymous")
    assert (data["caller_number"], data["caller_withheld"]) == (None, True)
    assert data["caller_number_raw"] == "anonymous"
    assert hass.states.get(LATEST).state == "Withheld"
    # An extension is not a phone number, and stays as written.
    data = await miss("210")
    assert data["caller_number"] == "210"
    assert hass.states.get(LATEST).state == "210"
    # A caller from abroad is written internationally.
    await miss("+442071234567")
    assert hass.states.get(LATEST).state == "+44 20 7123 4567"


async def test_the_contacts_file_is_read_again_when_it_changes(
    hass: HomeAssistant,
    contacts: Path,
    enswitch_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
    miss: Miss,
) -> None:
    """The contacts file is read again when it changes."""
    assert await setup_entry(hass, enswitch_entry, {CONF_CONTACTS_FILE: "contacts.vcf"})
    await miss("+6493039999")
    assert hass.states.get(LATEST).state == "Zoë"

    contacts.write_text(VCARD.replace("Zoë", "Zoë Smith"), encoding="utf-8")
    await next_poll(hass, freezer, seconds=60)
    assert hass.states.get(LATEST).state == "Zoë Smith"

    # Gone: a repair issue, and the names of the file are gone with it.
    contacts.unlink()
    await next_poll(hass, freezer, seconds=60)
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "contacts_file_missing"
    assert issue.translation_placeholders["path"] == "contacts.vcf"
    assert hass.states.get(LATEST).state == "09 303 9999"

    # Back, but not a vCard file: another issue.
    contacts.write_text("name,number\nnot a card\n", encoding="utf-8")
    await next_poll(hass, freezer, seconds=60)
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "contacts_not_vcard"

    # Mended: the issue clears itself.
    contacts.write_text(VCARD, encoding="utf-8")
    await next_poll(hass, freezer, seconds=60)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
    assert hass.states.get(LATEST).state == "Zoë"


async def test_a_missing_contacts_file_at_setup_is_a_repair_not_a_failure(
    hass: HomeAssistant,
    config_dir: Path,
    enswitch_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    miss: Miss,
) -> None:
    """A missing contacts file at setup is a repair not a failure."""
    assert await setup_entry(
        hass,
        enswitch_entry,
        {CONF_PHONEBOOK: "+6493031234, Front desk", CONF_CONTACTS_FILE: "gone.vcf"},
    )
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is not None
    # The typed phonebook still counts.
    data = await miss("+6493031234")
    assert data["caller_name"] == "Front desk"


async def test_a_card_vobject_cannot_read_is_skipped_with_a_repair(
    hass: HomeAssistant,
    contacts: Path,
    issue_registry: ir.IssueRegistry,
    enswitch_entry: MockConfigEntry,
    miss: Miss,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A card vobject cannot read is skipped with a repair."""
    contacts.write_text(BAD_CARD + VCARD, encoding="utf-8")
    assert await setup_entry(hass, enswitch_entry, {CONF_CONTACTS_FILE: "contacts.vcf"})
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "contacts_unreadable_contacts"
    assert issue.translation_placeholders["path"] == "contacts.vcf"
    assert issue.translation_placeholders["count"] == "1"
    assert issue.translation_placeholders["line"] == "1"
    # The other cards still name callers.
    data = await miss("+6493039999")
    assert data["caller_name"] == "Zoë"

    contacts.write_text(VCARD, encoding="utf-8")
    await next_poll(hass, freezer, seconds=60)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None


@pytest.mark.parametrize(
    ("options", "field", "error", "placeholders"),
    [
        (
            {CONF_PHONEBOOK: "+6493031234, Front desk\nnobody here"},
            CONF_PHONEBOOK,
            "phonebook_no_separator",
            {"line": "2", "text": "nobody here"},
        ),
        (
            {CONF_PHONEBOOK: "\n\nhello, Bob"},
            CONF_PHONEBOOK,
            "phonebook_not_a_number",
            {"line": "3"},
        ),
        (
            {CONF_CONTACTS_FILE: "../elsewhere.vcf"},
            CONF_CONTACTS_FILE,
            "contacts_outside_config",
            {},
        ),
        (
            {CONF_CONTACTS_FILE: "missing.vcf"},
            CONF_CONTACTS_FILE,
            "contacts_file_missing",
            {"path": "missing.vcf"},
        ),
        (
            {CONF_CONTACTS_FILE: "notes.vcf"},
            CONF_CONTACTS_FILE,
            "contacts_not_vcard",
            {"path": "notes.vcf"},
        ),
        (
            {CONF_CONTACTS_FILE: "bad.vcf"},
            CONF_CONTACTS_FILE,
            "contacts_unreadable_contacts",
            {"path": "bad.vcf", "count": "1", "line": "1"},
        ),
    ],
)
async def test_the_options_form_says_what_cannot_be_read(
    hass: HomeAssistant,
    config_dir: Path,
    enswitch_entry: MockConfigEntry,
    options: dict[str, Any],
    field: str,
    error: str,
    placeholders: dict[str, str],
) -> None:
    """The options form says what cannot be read."""
    (config_dir / "notes.vcf").write_text("just some notes\n", encoding="utf-8")
    (config_dir / "bad.vcf").write_text(BAD_CARD + VCARD, encoding="utf-8")
    assert await setup_entry(hass, enswitch_entry, {})
    result = await hass.config_entries.options.async_init(enswitch_entry.entry_id)
    form = {
        "scan_interval": 30,
        "directions": ["inbound"],
        "called_numbers": [],
        "customer_scope": "own",
        **options,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert placeholders.items() <= (result["description_placeholders"] or {}).items()
    # Mended, the options are taken.
    (config_dir / "contacts.vcf").write_text(VCARD, encoding="utf-8")
    form[CONF_PHONEBOOK] = "+6493031234, Front desk"
    form[CONF_CONTACTS_FILE] = "contacts.vcf"
    result = await hass.config_entries.options.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_the_country_option_reads_national_numbers(
    hass: HomeAssistant, enswitch_entry: MockConfigEntry, miss: Miss
) -> None:
    """Home Assistant says US; the account's option says New Zealand."""
    hass.config.country = "US"
    assert await setup_entry(hass, enswitch_entry, {CONF_COUNTRY: "NZ"})
    data = await miss("09 303 1234", dnumber="09 303 5555")
    assert data["caller_number"] == "+6493031234"
    assert data["called_number"] == "+6493035555"
    assert hass.states.get(LATEST).state == "09 303 1234"


@pytest.mark.parametrize(
    ("written", "country", "number", "withheld"),
    [
        ("021 555 0101", "NZ", "+64215550101", False),
        ("+64 21 555 0101", "NZ", "+64215550101", False),
        ("64215550101", "NZ", "+64215550101", False),
        ("0064215550101", "NZ", "+64215550101", False),
        ("(212) 555-1234", "US", "+12125551234", False),
        ("12125551234", "US", "+12125551234", False),
        ("210", "NZ", "210", False),
        ("0003*210", "NZ", "0003*210", False),
        ("Anonymous", "NZ", None, True),
        ("Restricted", "US", None, True),
        ("", "NZ", None, True),
    ],
)
async def test_enswitch_numbers(
    hass: HomeAssistant,
    enswitch_entry: MockConfigEntry,
    miss: Miss,
    written: str,
    country: str,
    number: str | None,
    withheld: bool,
) -> None:
    """Enswitch's callers, as written in each country, are read into E.164 or withheld."""
    hass.config.country = country
    assert await setup_entry(hass, enswitch_entry, {})
    data = await miss(written)
    assert (data["caller_number"], data["caller_withheld"]) == (number, withheld)
    assert data["caller_number_raw"] == (written or None)


@pytest.mark.parametrize(
    ("written", "number"),
    [
        (9800000001, "+919800000001"),
        ("9800000001", "+919800000001"),
        (919800000001, "+919800000001"),
        ("09800000001", "+919800000001"),
        ("+91 98000 00001", "+919800000001"),
        ("209_1111113", "209_1111113"),
    ],
)
async def test_telecmi_numbers(
    hass: HomeAssistant,
    telecmi: FakeTelecmi,
    telecmi_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    written: str | int,
    number: str,
) -> None:
    """CHUB India's numbers are Indian, whatever Home Assistant's country."""
    hass.config.country = "NZ"
    assert await setup_entry(
        hass, telecmi_entry, {"directions": ["inbound", "outbound"]}
    )
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    direction = "outbound" if isinstance(written, str) and "_" in written else "inbound"
    telecmi.add_missed_call(
        freezer().timestamp() - 5, written, 8000000000, direction=direction
    )
    await next_poll(hass, freezer)
    assert [event.data["caller_number"] for event in events] == [number]
    assert events[0].data["called_number"] == "+918000000000"


async def test_voipnow_names_in_caller_id(
    hass: HomeAssistant,
    voipnow: FakeVoipnow,
    voipnow_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """VoipNow may write the caller's name where its number would be."""
    hass.config.country = "NZ"
    assert await setup_entry(hass, voipnow_entry, {})
    events = async_capture_events(hass, EVENT_MISSED_CALL)
    row = voipnow.add_history(freezer().timestamp() - 5, "021 555 0101")
    row["callerId"] = "Wiremu Parata"
    row.pop("callerName", None)
    await next_poll(hass, freezer)
    [event] = events
    assert event.data["caller_number"] == "+64215550101"
    assert (event.data["caller_name"], event.data["caller_name_source"]) == (
        "Wiremu Parata",
        "provider",
    )


@pytest.mark.usefixtures("contacts", "enswitch")
async def test_the_phonebook_stays_out_of_the_diagnostics(
    hass: HomeAssistant, enswitch_entry: MockConfigEntry
) -> None:
    """The phonebook stays out of the diagnostics."""
    assert await setup_entry(
        hass,
        enswitch_entry,
        {CONF_PHONEBOOK: "+6493031234, Front desk", CONF_CONTACTS_FILE: "contacts.vcf"},
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, enswitch_entry)
    assert diagnostics["phonebook_read"]["typed_numbers"] == 1
    assert diagnostics["phonebook_read"]["contacts_file_numbers"] == 3
    text = repr(diagnostics)
    for private in ("Front desk", "Zoë", "contacts.vcf", "6493031234"):
        assert private not in text


async def test_waiting_calls_are_named_again_when_the_contacts_file_changes(
    hass: HomeAssistant,
    contacts: Path,
    enswitch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    miss: Miss,
) -> None:
    """Calls described before the file changed show its new names, not the old ones."""
    assert await setup_entry(hass, enswitch_entry, {CONF_CONTACTS_FILE: "contacts.vcf"})
    await miss("+6493039999")
    await miss("+64215550101")
    waiting = hass.states.get(WAITING).attributes["calls"]
    assert [call["caller_name"] for call in waiting] == ["Āperahama Te Rangi", "Zoë"]

    contacts.write_text(
        VCARD.replace("Zoë", "Zoë Smith").replace("Āperahama", "Abraham"),
        encoding="utf-8",
    )
    await next_poll(hass, freezer, seconds=60)
    waiting = hass.states.get(WAITING).attributes["calls"]
    assert [call["caller_name"] for call in waiting] == [
        "Abraham Te Rangi",
        "Zoë Smith",
    ]
    assert hass.states.get(LATEST).state == "Abraham Te Rangi"
