"""The phonebook: typed entries, vCard and CSV contacts files, and lookups.

The files under fixtures/phonebook/ are written as phones and services export them:
iphone.vcf (iOS Contacts, vCard 3.0), google.vcf (Google Contacts' vCard export),
android21.vcf (Android's vCard 2.1 with quoted-printable names), v4.vcf (RFC 6350),
google.csv (Google CSV), outlook.csv (Outlook's CSV, Windows-1252), simple.csv and
headerless.csv (written by hand).
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest
from vobject.base import line_re

from custom_components.callwatch import phonebook
from custom_components.callwatch.phonebook import (
    MAX_CONTACTS_FILE_BYTES,
    MAX_NAME_LENGTH,
    MAX_PROBLEM_TEXT,
    MAX_PROBLEMS,
    ContactsFileError,
    EntrySource,
    FileErrorReason,
    Phonebook,
    PhonebookEntry,
    PhonebookSource,
    Problem,
    ProblemReason,
    read_contacts_file,
    read_typed_entries,
    vcard,
)

FIXTURES = Path(__file__).parent / "fixtures" / "phonebook"


def _names(source: PhonebookSource) -> dict[str, str]:
    return {number: entry.name for number, entry in source.entries.items()}


def _problems(source: PhonebookSource) -> list[tuple[int, str, str, int | None]]:
    return [
        (problem.line, problem.reason, problem.text, problem.contact)
        for problem in source.problems
    ]


def build_phonebook(
    typed_text: str | None, contacts_path: Path | None, country: str | None
) -> Phonebook:
    """Read typed entries and a contacts file (either may be absent) into a phonebook."""
    typed = read_typed_entries(typed_text, country)
    contacts = read_contacts_file(contacts_path, country) if contacts_path else None
    return Phonebook.from_sources(typed, contacts, country)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# Typed entries


def test_typed_entries_in_both_orders_with_comments_and_bad_lines() -> None:
    """Typed entries in both orders with comments and bad lines."""
    text = (
        "# Numbers the family calls from\n"
        "09 555 0102, Home\n"
        "\n"
        "   +64 21 555 0101 ,  Mere Ngata   \n"
        "Zoë Wilson, 0064 22 555 0121\n"
        "021 555 0130, Smith, Jo\n"
        "Harbour Plumbing, Ltd, 0800 83 83 83\n"
        "210, Reception\n"
        "0003*210, Night desk\n"
        "just a name\n"
        "Alice, call me\n"
        "022 555 0199,\n"
        "027 555 0122, 09 555 0140\n"
        "  # an indented comment\n"
    )
    typed = read_typed_entries(text, "NZ")
    assert _names(typed) == {
        "+6495550102": "Home",
        "+64215550101": "Mere Ngata",
        "+64225550121": "Zoë Wilson",
        "+64215550130": "Smith, Jo",
        "+64800838383": "Harbour Plumbing, Ltd",
        "210": "Reception",
        "0003*210": "Night desk",
    }
    assert _problems(typed) == [
        (10, "no_separator", "just a name", None),
        (11, "not_a_number", "Alice, call me", None),
        (12, "no_name", "022 555 0199,", None),
        (13, "no_name", "027 555 0122, 09 555 0140", None),
    ]
    assert typed.problem_count == 4
    assert typed.contacts == 7
    assert typed.numbers == 7
    assert typed.error is None
    assert typed.entries["+64215550101"] == PhonebookEntry(
        "Mere Ngata", EntrySource.TYPED, 4
    )


def test_typed_duplicate_number_keeps_the_first_line() -> None:
    """Typed duplicate number keeps the first line."""
    typed = read_typed_entries(
        "09 555 0102, Home\n+64 9 555 0102, House\n(09) 555-0102, Home\n", "NZ"
    )
    assert _names(typed) == {"+6495550102": "Home"}
    # The same name again is no mistake; another name is.
    assert _problems(typed) == [(2, "duplicate_number", "+64 9 555 0102, House", None)]
    assert typed.contacts == 1
    assert typed.shared_numbers == 0


@pytest.mark.parametrize("text", [None, "", "\n\n  \n", "# nothing yet\n"])
def test_no_typed_entries(text: str | None) -> None:
    """Text without entries gives an empty source."""
    typed = read_typed_entries(text, "NZ")
    assert typed == PhonebookSource(entries={})
    assert typed.numbers == 0


def test_typed_entries_with_windows_line_breaks() -> None:
    """Typed entries with windows line breaks."""
    typed = read_typed_entries("021 555 0101, Mere\r\nbad\r\n09 555 0102, Home", "NZ")
    assert _names(typed) == {"+64215550101": "Mere", "+6495550102": "Home"}
    assert _problems(typed) == [(2, "no_separator", "bad", None)]


def test_typed_entries_in_india_and_the_united_states() -> None:
    """Typed entries in india and the united states."""
    india = read_typed_entries(
        "98765 43210, Priya\n+91 91234 56789, Arjun\n022 2345 6789, Office\n", "IN"
    )
    assert _names(india) == {
        "+919876543210": "Priya",
        "+919123456789": "Arjun",
        "+912223456789": "Office",
    }
    united_states = read_typed_entries(
        "(212) 555-0123, José\n011 64 9 555 0102, Auckland office\n", "US"
    )
    assert _names(united_states) == {
        "+12125550123": "José",
        "+6495550102": "Auckland office",
    }


def test_typed_entries_without_a_country_need_international_numbers() -> None:
    """Typed entries without a country need international numbers."""
    typed = read_typed_entries("+64 9 555 0102, Home\n09 555 0102, Home too\n", None)
    assert _names(typed) == {"+6495550102": "Home"}
    assert _problems(typed) == [(2, "not_a_number", "09 555 0102, Home too", None)]


def test_names_are_cleaned_and_bounded() -> None:
    """Names are cleaned and bounded."""
    decomposed = "Zoe\u0308"
    long_name = "Te Whare " * 20
    typed = read_typed_entries(
        f"021 555 0101, {decomposed}\n"
        f"021 555 0102, {long_name}\n"
        "021 555 0103, Mere\tNgata\x07  (work)\n"
        "021 555 0104, \x00\x01\n",
        "NZ",
    )
    names = _names(typed)
    assert names["+64215550101"] == "Zoë"
    assert len(names["+64215550102"]) == MAX_NAME_LENGTH
    assert names["+64215550102"].startswith("Te Whare Te Whare")
    assert names["+64215550102"].endswith("…")
    assert names["+64215550103"] == "Mere Ngata (work)"
    # Problems show no control characters either.
    assert _problems(typed) == [(4, "no_name", "021 555 0104,", None)]


def test_problems_are_capped_and_their_text_shortened() -> None:
    """Problems are capped and their text shortened."""
    text = "\n".join(f"line {index} without a separator" for index in range(150))
    text += "\n" + "x" * 500
    typed = read_typed_entries(text, "NZ")
    assert typed.problem_count == 151
    assert len(typed.problems) == MAX_PROBLEMS
    assert typed.problems[0] == Problem(
        1, ProblemReason.NO_SEPARATOR, "line 0 without a separator"
    )
    assert typed.problems[-1].line == MAX_PROBLEMS
    long = read_typed_entries("x" * 500, "NZ").problems[0].text
    assert long == "x" * (MAX_PROBLEM_TEXT - 1) + "…"


# vCard


def test_iphone_vcard() -> None:
    """An iPhone export is read, each number in any form one entry."""
    contacts = read_contacts_file(FIXTURES / "iphone.vcf", "NZ")
    assert contacts.error is None
    # National, international and 00 forms of one number are one entry.
    assert _names(contacts) == {
        "+64215550101": "Mere Ngata",
        "+6495550102": "Mere Ngata",
        "+6445550103": "Mere Ngata",
        "+64800838383": "Harbour Plumbing Ltd",
        "210": "Reception",
    }
    assert contacts.entries["+6445550103"] == PhonebookEntry(
        "Mere Ngata", EntrySource.CONTACTS_FILE, 9
    )
    # Jo Smith has no number: not a contact of the phonebook, and no problem.
    assert contacts.contacts == 3
    assert contacts.numbers == 5
    assert contacts.shared_numbers == 0
    assert contacts.problems == ()


def test_google_vcard() -> None:
    """A Google Contacts vCard export is read; a shared line keeps the first name."""
    contacts = read_contacts_file(FIXTURES / "google.vcf", "NZ")
    assert contacts.error is None
    assert _names(contacts) == {
        "+64215550111": "Āperahama Te Rangi",
        "+6495550112": "Āperahama Te Rangi",
        "+64225550121": "Zoë Wilson",
        # The home line both Wilsons list: the first contact in the file names it.
        "+6495550120": "Zoë Wilson",
        "+64275550122": "Liam Wilson",
        "+819012345678": "山田太郎",
        # Folded lines are joined (RFC 6350 3.2), escaped commas read.
        "+6435550130": (
            "Te Rūnanga o Ngāi Tahu — Whakaraupō Office, Reception and After Hours Line"
        ),
    }
    # A folded NOTE that holds "TEL:" is still the note.
    assert "+6495550199" not in contacts.entries
    assert contacts.shared_numbers == 1
    assert contacts.contacts == 5
    assert contacts.problems == ()


def test_android_vcard_21_with_quoted_printable_names_in_india() -> None:
    """Android vcard 21 with quoted printable names in india."""
    contacts = read_contacts_file(FIXTURES / "android21.vcf", "IN")
    assert contacts.error is None
    assert _names(contacts) == {
        "+919876543210": "प्रिया शर्मा",
        "+912223456789": "प्रिया शर्मा",
        "+912223456700": "प्रिया शर्मा",
        "+919123456789": "Arjun Kumar",
        # N alone, in ISO-8859-1, with the bare QUOTED-PRINTABLE parameter.
        "+4915123456789": "Jürgen Müller",
    }
    assert contacts.contacts == 3
    assert contacts.problems == ()


def test_vcard_4_tel_uris() -> None:
    """Vcard 4 tel uris."""
    contacts = read_contacts_file(FIXTURES / "v4.vcf", "US")
    assert _names(contacts) == {
        "+6491234567": "Ana García",
        "+12125550123": "Ana García",
    }
    assert contacts.entries["+12125550123"].line == 6


def test_vcard_names_fall_back_from_fn_to_n_to_org(tmp_path: Path) -> None:
    """Vcard names fall back from fn to n to org."""
    path = _write(
        tmp_path,
        "names.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nFN:+64 21 555 0101\nN:Ngata;Mere;Aroha;Dr;QSM\n"
        "TEL:021 555 0101\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:\nN:;;;;\nORG:Ngata\\; Sons;Sales\n"
        "TEL:021 555 0102\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nN:Wilson;Zoë,Anne;;;\nFN:Zoë Wilson\n"
        "FN:Zoë A. Wilson\nTEL:021 555 0103\nEND:VCARD\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert _names(contacts) == {
        # FN that is the number again is no name.
        "+64215550101": "Dr Mere Aroha Ngata QSM",
        # An escaped ";" in ORG stays in the organisation's name.
        "+64215550102": "Ngata; Sons",
        # The first FN.
        "+64215550103": "Zoë Wilson",
    }


def test_vcard_content_line_details(tmp_path: Path) -> None:
    """Vcard content line details."""
    path = _write(
        tmp_path,
        "details.vcf",
        "\ufeffbegin:vcard\r\n"
        "version:3.0\r\n"
        'fn;X-NOTE="calls from: the office; mostly":Mere Ngata\r\n'
        'tel;type="cell,voice";X-LABEL="Mobile: new":021 555 0101\r\n'
        "TEL;type=HOME:09 555\r\n"
        "  0107\r\n"
        "\r\n"
        "Item7.Tel;Type=Work:09\\,555 0104\r\n"
        "TEL;VALUE=uri:tel:%2B64-9-555-0105\r\n"
        "X-PHONETIC-FIRST-NAME:TEL:09 555 0106\r\n"
        "end:vcard",
    )
    contacts = read_contacts_file(path, "NZ")
    assert _names(contacts) == {
        "+64215550101": "Mere Ngata",
        # Folded: the line break and one space are removed.
        "+6495550107": "Mere Ngata",
        "+6495550105": "Mere Ngata",
    }
    assert contacts.entries["+6495550107"].line == 5
    assert contacts.entries["+6495550105"].line == 9
    # "09,555 0104" is not a number: the escaped comma is read as a comma. Its line is
    # right after a blank line; the file's last line needs no line break.
    assert _problems(contacts) == [(8, "not_a_number", "09,555 0104", 1)]


def test_vcard_quoted_printable_quirks(tmp_path: Path) -> None:
    """Vcard quoted printable quirks."""
    path = _write(
        tmp_path,
        "quirks.vcf",
        "BEGIN:VCARD\nVERSION:2.1\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB=\n"
        " Wilson\n"
        "TEL;CELL;ENCODING=QUOTED-PRINTABLE:021=20555=200101\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE:a note that ends the card=\n"
        "END:VCARD\n"
        "BEGIN:VCARD\nVERSION:2.1\nFN:Mere\nTEL:09 555 0102\nEND:VCARD\n",
    )
    contacts = read_contacts_file(path, "NZ")
    # A soft line break keeps what follows it, but not the card's END.
    assert _names(contacts) == {"+64215550101": "Zoë Wilson", "+6495550102": "Mere"}
    assert contacts.entries["+64215550101"].line == 5
    assert contacts.problems == ()


def test_vcard_values_as_vobject_decodes_them(tmp_path: Path) -> None:
    """Vcard values as vobject decodes them."""
    path = _write(
        tmp_path,
        "values.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nORG:Harbour Plumbing, Ltd;Call centre\n"
        "TEL;ENCODING=b:MDgwMCA4MyA4MyA4Mw==\nEND:VCARD\n",
    )
    contacts = read_contacts_file(path, "NZ")
    # An unescaped comma stays in the organisation's name; a base64 number is read.
    assert _names(contacts) == {"+64800838383": "Harbour Plumbing, Ltd"}


def test_a_card_vobject_cannot_read_is_reported_and_the_rest_count(
    tmp_path: Path,
) -> None:
    """A card vobject cannot read is reported and the rest count."""
    path = _write(
        tmp_path,
        "unreadable.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Colon\r\nTEL:021 555 0101\r\n"
        "a line without a colon\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Other End\r\nEND:\r\n"
        "TEL:021 555 0102\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nFN:Broken Quote\r\n"
        'tel;X-BROKEN="unterminated:021 555 0103\r\n  TEL:021 555 0104\r\n'
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad Photo\r\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg\r\nTEL:021 555 0105\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
        "TEL:021 555 0106\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "FN;CHARSET=NOT-A-CHARSET;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB\r\n"
        "TEL:021 555 0107\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mere Ngata\r\nTEL:021 555 0109\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nFN:Cut Short\r\na line without a colon\r\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error is None
    assert _names(contacts) == {"+64215550109": "Mere Ngata"}
    assert contacts.contacts == 1
    # At the line vobject names, with what it said; at the card's BEGIN otherwise.
    assert _problems(contacts) == [
        (5, "unreadable_contact", "Failed to parse line: a line without a colon", 1),
        (10, "unreadable_contact", "VCARD component wasn't closed", 2),
        (
            15,
            "unreadable_contact",
            'Failed to parse line: tel;X-BROKEN="unterminated:021 555 01…',
            3,
        ),
        # Broken base64 in a photo.
        (18, "unreadable_contact", "Incorrect padding", 4),
        # Quoted-printable bytes that are not UTF-8.
        (
            24,
            "unreadable_contact",
            "'utf-8' codec can't decode byte 0xfc in position 1: invalid…",
            5,
        ),
        (29, "unreadable_contact", "unknown encoding: NOT-A-CHARSET", 6),
        # Cut short, and unreadable too: cut short says more.
        (39, "unterminated_contact", "BEGIN:VCARD", 8),
    ]


def test_a_line_cut_short_in_its_parameters_is_rejected_at_once(
    tmp_path: Path,
) -> None:
    # vobject's own line pattern takes about four times longer for each two more
    # values here (3 s for 22 of them); the check in front of it does not.
    """A line cut short in its parameters is rejected at once."""
    values = ",".join(["CELL"] * 40)
    path = _write(
        tmp_path,
        "cut.vcf",
        f"BEGIN:VCARD\nFN:Cut Short\nTEL;TYPE={values}\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:Mere Ngata\nTEL:021 555 0109\nEND:VCARD\n",
    )
    # Without the check this test does not end; how long it takes is in benchmarks/.
    contacts = read_contacts_file(path, "NZ")
    assert _names(contacts) == {"+64215550109": "Mere Ngata"}
    assert _problems(contacts) == [
        (
            3,
            "unreadable_contact",
            "Failed to parse line: TEL;TYPE=CELL,CELL,CELL,CELL,CELL,CEL…",
            1,
        )
    ]


@settings(max_examples=1000, deadline=None)
# Short enough for vobject's pattern to answer quickly, even when it rejects the line.
@given(line=st.text(alphabet='aZ0-_.;=,": \t\né', max_size=12))
@example(line='item1.TEL;TYPE="a:b":x')
@example(line="TEL;;TYPE=a,,b=c:x")
@example(line='X;A=x="q":v')
@example(line="X;A=x=")
def test_the_content_line_check_agrees_with_vobject(line: str) -> None:
    """The content line check agrees with vobject."""
    assert bool(vcard._VCARD_CONTENT_LINE.match(line)) == bool(line_re.match(line))


def test_malformed_vcards_are_skipped_and_the_rest_counts(tmp_path: Path) -> None:
    """Malformed vcards are skipped and the rest counts."""
    path = _write(
        tmp_path,
        "broken.vcf",
        "END:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Cut Short\nTEL:021 555 0101\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Mere Ngata\nTEL:021 555 0102\n"
        "TEL:please call the office\nTEL:1-800-FLOWERS\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nTEL:021 555 0103\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Only Words\nTEL:not one\nEND:VCARD\n"
        "stray text between cards\n"
        # The file is cut short within a line.
        "BEGIN:VCARD\nVERSION:3.0\nN:Truncated;Tama\nTEL:021 555 0104",
    )
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error is None
    assert _names(contacts) == {"+64215550102": "Mere Ngata"}
    assert _problems(contacts) == [
        (2, "unterminated_contact", "Cut Short", 1),
        (10, "not_a_number", "please call the office", 2),
        (11, "not_a_number", "1-800-FLOWERS", 2),
        (13, "no_name", "021 555 0103", 3),
        (20, "not_a_number", "not one", 4),
        (23, "unterminated_contact", "Tama Truncated", 5),
    ]
    assert contacts.contacts == 1


def test_a_vcf_without_cards(tmp_path: Path) -> None:
    """A vcf without cards."""
    path = _write(tmp_path, "notes.vcf", "Mere: 021 555 0101\nZoë: 022 555 0121\n")
    contacts = read_contacts_file(path, "NZ")
    assert contacts.entries == {}
    assert contacts.error == ContactsFileError(
        str(path), FileErrorReason.NOT_VCARD, "no BEGIN:VCARD", 1
    )


def test_vcards_without_numbers(tmp_path: Path) -> None:
    """Cards without a number are reported as a file without numbers."""
    path = _write(
        tmp_path,
        "emails.VCARD",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Jo\nEMAIL:jo@example.com\nEND:VCARD\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(str(path), FileErrorReason.NO_NUMBERS)
    assert contacts.contacts == 0


# CSV


def test_google_csv() -> None:
    """A Google Contacts CSV export is read, several numbers in one cell included."""
    contacts = read_contacts_file(FIXTURES / "google.csv", "NZ")
    assert contacts.error is None
    assert _names(contacts) == {
        # " ::: " joins several numbers in one cell.
        "+64215550101": "Mere Ngata",
        "+64215550109": "Mere Ngata",
        "+6495550102": "Mere Ngata",
        "+6495550120": "Zoë Anne Wilson",
        "+64275550122": "Liam Wilson",
        "+64800838383": "Harbour Plumbing Ltd",
        "+6445550103": "Tama Hēnare",
        "+819012345678": "太郎 山田",
    }
    # Mere's address spans three lines: the rows after it keep their own line.
    assert _problems(contacts) == [
        (9, "not_a_number", "ask at reception", 6),
        (10, "no_name", "Courier, * myContacts, Mobile, 022 555 0199", 7),
    ]
    assert contacts.entries["+64275550122"].line == 6
    assert contacts.shared_numbers == 1
    assert contacts.contacts == 6


def test_google_csv_older_layout(tmp_path: Path) -> None:
    """Google csv older layout."""
    path = _write(
        tmp_path,
        "contacts.csv",
        "Name,Given Name,Additional Name,Family Name,Group Membership,"
        "Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\n"
        "Mere Ngata,Mere,,Ngata,* myContacts,Mobile,021 555 0101,,\n"
        ",Zoë,,Wilson,* myContacts,Home,09 555 0120 ::: 022 555 0121,,\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert _names(contacts) == {
        "+64215550101": "Mere Ngata",
        "+6495550120": "Zoë Wilson",
        "+64225550121": "Zoë Wilson",
    }


def test_outlook_csv_in_windows_1252() -> None:
    """Outlook csv in windows 1252."""
    contacts = read_contacts_file(FIXTURES / "outlook.csv", "US")
    assert _names(contacts) == {
        "+12125550123": "José Peña",
        "+12125550124": "José Peña",
        "+12125550150": "Acme Corp",
    }
    # The fax column is not a phone.
    assert "+12125550199" not in contacts.entries


def test_simple_csv_with_a_header() -> None:
    """Simple csv with a header."""
    contacts = read_contacts_file(FIXTURES / "simple.csv", "NZ")
    assert _names(contacts) == {
        "+64215550101": "Mere Ngata",
        "+6495550102": "Smith, Jo",
        "210": "Reception",
    }
    assert contacts.problems == ()
    assert contacts.contacts == 3


def test_simple_csv_without_a_header() -> None:
    """Simple csv without a header."""
    contacts = read_contacts_file(FIXTURES / "headerless.csv", "NZ")
    assert _names(contacts) == {
        "+64215550101": "Mere Ngata",
        "+6495550102": "Home",
        "+64225550121": "Zoë Wilson",
        "+6495550120": "Zoë Wilson",
    }


def test_headerless_csv_problems_and_other_separators(tmp_path: Path) -> None:
    """Headerless csv problems and other separators."""
    path = _write(
        tmp_path,
        "semicolons.csv",
        "Mere Ngata;021 555 0101\n"
        "Zoë Wilson;call her\n"
        "022 555 0121;\n"
        "Tama\tHēnare;+64 21 555 0104\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert _names(contacts) == {
        "+64215550101": "Mere Ngata",
        "+64215550104": "Tama Hēnare",
    }
    assert _problems(contacts) == [
        (2, "not_a_number", "Zoë Wilson, call her", 2),
        (3, "no_name", "022 555 0121", 3),
    ]
    tabs = _write(tmp_path, "tabs.csv", "Name\tPhone\nMere Ngata\t021 555 0101\n")
    assert _names(read_contacts_file(tabs, "NZ")) == {"+64215550101": "Mere Ngata"}
    # A first row without numbers and without known headers is a contact too.
    wordy = _write(tmp_path, "wordy.csv", "Nobody,Nothing\nMere,021 555 0101\n")
    contacts = read_contacts_file(wordy, "NZ")
    assert _names(contacts) == {"+64215550101": "Mere"}
    assert _problems(contacts) == [(1, "not_a_number", "Nobody, Nothing", 1)]


def test_csv_header_without_a_number_column(tmp_path: Path) -> None:
    """Csv header without a number column."""
    path = _write(
        tmp_path,
        "emails.csv",
        "First Name,Last Name,E-mail 1 - Value\nJo,Smith,jo@example.com\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(
        str(path),
        FileErrorReason.NO_NUMBER_COLUMN,
        "First Name,Last Name,E-mail 1 - Value",
        1,
    )


def test_csv_that_breaks_the_reader_keeps_the_rows_before(tmp_path: Path) -> None:
    """Csv that breaks the reader keeps the rows before."""
    huge_cell = '"' + "x" * 200_000 + '"'
    path = _write(
        tmp_path,
        "broken.csv",
        f"name,number\nMere Ngata,021 555 0101\n\nZoë,{huge_cell}\nTama,021 555 0104\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert _names(contacts) == {"+64215550101": "Mere Ngata"}
    assert contacts.error is not None
    assert contacts.error.reason == FileErrorReason.MALFORMED_CSV
    assert contacts.error.line == 4
    assert "field larger than field limit" in contacts.error.detail


def test_csv_with_only_a_header(tmp_path: Path) -> None:
    """Csv with only a header."""
    path = _write(tmp_path, "empty.csv", "name,number\n")
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(str(path), FileErrorReason.NO_NUMBERS)


# Files that cannot be read


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is reported as missing, with no entries."""
    path = tmp_path / "contacts.vcf"
    contacts = read_contacts_file(path, "NZ")
    assert contacts == PhonebookSource(
        entries={},
        error=ContactsFileError(str(path), FileErrorReason.FILE_MISSING),
    )


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    """A folder is not a file."""
    path = tmp_path / "contacts.csv"
    path.mkdir()
    contacts = read_contacts_file(str(path), "NZ")
    assert contacts.error == ContactsFileError(
        str(path), FileErrorReason.FILE_UNREADABLE, "not a file"
    )


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that may not be read is reported, not raised."""
    path = _write(tmp_path, "contacts.vcf", "BEGIN:VCARD\n")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(
        str(path), FileErrorReason.FILE_UNREADABLE, "Permission denied"
    )


def test_file_removed_while_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File removed while being read."""
    path = _write(tmp_path, "contacts.vcf", "BEGIN:VCARD\n")

    def gone(*args: Any, **kwargs: Any) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(Path, "open", gone)
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(str(path), FileErrorReason.FILE_MISSING)


@pytest.mark.parametrize("content", [b"", b"  \r\n\n\t"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    """An empty file is reported as empty."""
    path = tmp_path / "contacts.vcf"
    path.write_bytes(content)
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(str(path), FileErrorReason.FILE_EMPTY)


@pytest.mark.parametrize(
    "content",
    [
        # A photo saved under the contacts' name.
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01",
        # Bytes that are neither UTF-8 nor Windows-1252.
        b"BEGIN:VCARD\n\x81\x8d\x8f\x90\x9d\nEND:VCARD\n",
        # UTF-16 with a byte order mark, cut in the middle of a character.
        "BEGIN:VCARD\n".encode("utf-16") + b"\x00",
    ],
)
def test_binary_garbage(tmp_path: Path, content: bytes) -> None:
    """Bytes that are not text are reported as not text."""
    path = tmp_path / "contacts.vcf"
    path.write_bytes(content)
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(str(path), FileErrorReason.NOT_TEXT)


def test_utf16_file(tmp_path: Path) -> None:
    """A UTF-16 file is decoded."""
    path = _write(
        tmp_path, "contacts.csv", "name,number\nZoë Wilson,022 555 0121\n", "utf-16"
    )
    assert _names(read_contacts_file(path, "NZ")) == {"+64225550121": "Zoë Wilson"}


def test_oversized_file(tmp_path: Path) -> None:
    """A file past the size bound is refused unread."""
    path = tmp_path / "contacts.vcf"
    with path.open("wb") as file:
        file.truncate(MAX_CONTACTS_FILE_BYTES + 1)
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(
        str(path),
        FileErrorReason.FILE_TOO_LARGE,
        f"larger than {MAX_CONTACTS_FILE_BYTES} bytes",
    )


def test_file_at_the_size_bound_is_read(tmp_path: Path) -> None:
    """File at the size bound is read."""
    card = "BEGIN:VCARD\nFN:Mere\nTEL:021 555 0101\nEND:VCARD\n"
    padding = MAX_CONTACTS_FILE_BYTES - len(card)
    path = _write(tmp_path, "contacts.vcf", card + "\n" * padding)
    assert path.stat().st_size == MAX_CONTACTS_FILE_BYTES
    assert _names(read_contacts_file(path, "NZ")) == {"+64215550101": "Mere"}


@pytest.mark.parametrize("name", ["contacts.txt", "contacts", "contacts.vcf.bak"])
def test_unsupported_format(tmp_path: Path, name: str) -> None:
    """A file of another format is reported with its suffix."""
    path = _write(tmp_path, name, "Mere,021 555 0101\n")
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error == ContactsFileError(
        str(path), FileErrorReason.UNSUPPORTED_FORMAT, path.suffix
    )


# Whatever a file holds


# Pieces of real files, and what breaks them.
_PIECES = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "FN:",
        "N:",
        "ORG:",
        "TEL:",
        'item1.TEL;TYPE="a:b":',
        "TEL;VALUE=uri:tel:",
        "TEL;ENCODING=QUOTED-PRINTABLE;CHARSET=x:",
        "N;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-16:",
        "PHOTO;ENCODING=b:",
        "BEGIN:VEVENT",
        "END:",
        "PROFILE:",
        "VERSION:2.1",
        "=C3=",
        "=FF",
        "=\r\n",
        "\r\n",
        "\n",
        " ",
        "\\",
        ";",
        ",",
        " ::: ",
        '"',
        "021 555 0101",
        "0064 9 555 0102",
        "210",
        "Zoë",
        "name,number\n",
        "First Name,Phone 1 - Value\n",
    ]
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.lists(_PIECES | st.text(max_size=8), max_size=40).map("".join),
    suffix=st.sampled_from([".vcf", ".csv"]),
    country=st.sampled_from(["NZ", "IN", "US", None]),
)
def test_any_file_is_read_without_raising(
    tmp_path: Path, text: str, suffix: str, country: str | None
) -> None:
    """Any file is read without raising."""
    path = tmp_path / f"contacts{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    contacts = read_contacts_file(path, country)
    assert contacts.entries or contacts.error is not None
    for number, entry in contacts.entries.items():
        assert number == number.strip()
        assert entry.name == entry.name.strip()
        assert 0 < len(entry.name) <= MAX_NAME_LENGTH
    assert contacts.problem_count >= len(contacts.problems)
    typed = read_typed_entries(text, country)
    assert typed.error is None
    assert all(len(problem.text) <= MAX_PROBLEM_TEXT for problem in typed.problems)


# The phonebook


def test_typed_entries_win_over_the_contacts_file() -> None:
    """Typed entries win over the contacts file."""
    book = build_phonebook(
        "+64 9 555 0120, Wilson home\n021 555 0177, Plumber\nbroken line\n",
        FIXTURES / "google.vcf",
        "NZ",
    )
    assert book.name_for("+6495550120") == "Wilson home"
    assert book.entry_for("+6495550120") == PhonebookEntry(
        "Wilson home", EntrySource.TYPED, 1
    )
    assert book.name_for("+64225550121") == "Zoë Wilson"
    assert book.entry_for("+64225550121") == PhonebookEntry(
        "Zoë Wilson", EntrySource.CONTACTS_FILE, 17
    )
    assert book.name_for("+64215550177") == "Plumber"
    assert book.numbers == 8
    assert book.typed.numbers == 2
    assert book.contacts_file is not None
    assert book.contacts_file.numbers == 7
    assert _problems(book.typed) == [(3, "no_separator", "broken line", None)]


def test_lookup_by_any_form_of_a_number() -> None:
    """Lookup by any form of a number."""
    book = build_phonebook(None, FIXTURES / "iphone.vcf", "NZ")
    for number in (
        "+64215550101",
        "021 555 0101",
        "+64 21 555 0101",
        "0064 21 555 0101",
        " +64215550101 ",
    ):
        assert book.name_for(number) == "Mere Ngata", number
    # An extension matches by its text only.
    assert book.name_for("210") == "Reception"
    assert book.name_for("0210") is None
    assert book.name_for("+64215550199") is None
    assert book.name_for("anonymous") is None
    assert book.name_for("") is None
    assert book.name_for(None) is None
    assert book.entry_for(None) is None


def test_lookup_in_the_united_states() -> None:
    """Lookup in the united states."""
    book = build_phonebook("212-555-0188, Front desk\n", FIXTURES / "v4.vcf", "US")
    assert book.name_for("+12125550123") == "Ana García"
    assert book.name_for("(212) 555-0123") == "Ana García"
    assert book.name_for("+12125550188") == "Front desk"
    assert book.name_for("011 64 9 123 4567") == "Ana García"


def test_phonebook_without_sources() -> None:
    """A phonebook without entries or file names nobody."""
    book = build_phonebook(None, None, "NZ")
    assert book == Phonebook("NZ", PhonebookSource(entries={}), None, {})
    assert book.numbers == 0
    assert book.name_for("+6495550102") is None


def test_phonebook_with_a_missing_file_still_has_typed_entries(
    tmp_path: Path,
) -> None:
    """Phonebook with a missing file still has typed entries."""
    book = build_phonebook("09 555 0102, Home", tmp_path / "gone.csv", "NZ")
    assert book.name_for("+6495550102") == "Home"
    assert book.contacts_file is not None
    assert book.contacts_file.error is not None
    assert book.contacts_file.error.reason == FileErrorReason.FILE_MISSING


def test_from_sources_reuses_a_source_read_earlier() -> None:
    """From sources reuses a source read earlier."""
    typed = read_typed_entries("021 555 0101, Mere (typed)", "NZ")
    first = Phonebook.from_sources(
        typed, read_contacts_file(FIXTURES / "iphone.vcf", "NZ"), "NZ"
    )
    second = Phonebook.from_sources(
        typed, read_contacts_file(FIXTURES / "simple.csv", "NZ"), "NZ"
    )
    assert first.name_for("+64215550101") == "Mere (typed)"
    assert first.name_for("+64800838383") == "Harbour Plumbing Ltd"
    assert second.name_for("+64215550101") == "Mere (typed)"
    assert second.name_for("+64800838383") is None
    assert second.name_for("+6495550102") == "Smith, Jo"


def test_reason_keys_are_stable_strings() -> None:
    """Reason keys are stable strings."""
    assert [reason.value for reason in ProblemReason] == [
        "no_separator",
        "not_a_number",
        "no_name",
        "duplicate_number",
        "unterminated_contact",
        "unreadable_contact",
    ]
    assert [reason.value for reason in FileErrorReason] == [
        "file_missing",
        "file_unreadable",
        "file_too_large",
        "file_empty",
        "not_text",
        "unsupported_format",
        "not_vcard",
        "malformed_csv",
        "no_number_column",
        "no_numbers",
    ]


def test_module_stays_free_of_home_assistant() -> None:
    """The phonebook's modules stay free of Home Assistant."""
    modules = sorted(Path(phonebook.__file__).parent.glob("*.py"))
    assert len(modules) > 1
    for module in modules:
        assert "homeassistant" not in module.read_text(encoding="utf-8"), module.name


def test_five_thousand_contacts(tmp_path: Path) -> None:
    """Five thousand cards are read, each of their numbers an entry."""
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Surname{index};Given{index};;;\r\n"
        f"FN:Given{index} Surname{index}\r\nEMAIL:g{index}@example.com\r\n"
        f"TEL;type=CELL:021 {index:07d}\r\nTEL;type=HOME:09 {index:07d}\r\n"
        "END:VCARD\r\n"
        for index in range(5000)
    )
    path = _write(tmp_path, "contacts.vcf", cards)
    # How long it takes is measured in benchmarks/test_phonebook.py.
    book = build_phonebook(None, path, "NZ")
    assert book.numbers == 10_000
    assert book.name_for("+64210004999") == "Given4999 Surname4999"
    assert book.name_for("+6490000000") == "Given0 Surname0"


def test_a_card_vobject_raises_on_is_skipped_and_the_rest_count(
    tmp_path: Path,
) -> None:
    # vobject raises a TypeError (not one of its errors) for ENCODING given twice.
    """A card vobject raises on is skipped and the rest count."""
    path = _write(
        tmp_path,
        "twice.vcf",
        "BEGIN:VCARD\nVERSION:2.1\nFN:Twice\n"
        "TEL;ENCODING=QUOTED-PRINTABLE;ENCODING=QUOTED-PRINTABLE:021=20555=200199\n"
        "END:VCARD\nBEGIN:VCARD\nFN:Mere Ngata\nTEL:021 555 0109\nEND:VCARD\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert contacts.error is None
    assert _names(contacts) == {"+64215550109": "Mere Ngata"}
    assert contacts.unreadable_contacts == 1
    assert contacts.first_unreadable is not None
    assert contacts.first_unreadable.line == 1
    assert contacts.first_unreadable.reason == "unreadable_contact"


def test_a_card_of_many_numbers_gives_each_its_own_line(tmp_path: Path) -> None:
    """A card of many numbers gives each its own line."""
    path = _write(
        tmp_path,
        "many.vcf",
        "BEGIN:VCARD\nFN:Many\n\n"
        + "".join(f"TEL:021 {index:07d}\n" for index in range(500))
        + "END:VCARD\n",
    )
    contacts = read_contacts_file(path, "NZ")
    assert contacts.numbers == 500
    assert contacts.entries["+64210000000"].line == 4
    assert contacts.entries["+64210000499"].line == 503
