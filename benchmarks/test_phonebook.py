"""Building the phonebook from a contacts file, and looking a caller up in it.

The vCard file is written as iOS exports it (seventeen lines a contact: name parts, an
organisation, an address, a folded note, two numbers); the CSV file as Google Contacts
exports it. The figure beside the build time is the cost of reading the numbers alone
with `canonical_number`, which every build pays and no reader can go below. vCards are
read with vobject, which costs most of a vCard build; the integration reads the file in
an executor, at setup and when it changes, so seconds for thousands of contacts do.
"""

from __future__ import annotations

from collections.abc import Callable
import csv
from functools import partial
import io
from pathlib import Path
import statistics
import time

import pytest

from custom_components.callwatch.phonebook import (
    Phonebook,
    read_contacts_file,
    read_typed_entries,
)
from custom_components.callwatch.providers.numbers import canonical_number

from .conftest import FULL, Results

SIZES = [5_000, 20_000] if FULL else [1_000]
# Seconds a build of 5,000 contacts may take: about twice what it takes.
BUDGET = {".vcf": 5.0, ".csv": 1.0}


def _vcard(contacts: int) -> str:
    return "".join(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.5.1//EN\r\n"
        f"N:Surname{index};Given{index};;;\r\nFN:Given{index} Surname{index}\r\n"
        f"ORG:Company {index};\r\nTITLE:Engineer\r\n"
        f"EMAIL;type=INTERNET;type=HOME;type=pref:given{index}@example.com\r\n"
        f"TEL;type=CELL;type=VOICE;type=pref:021 {index:07d}\r\n"
        f"TEL;type=HOME;type=VOICE:09 {index:07d}\r\n"
        f"item1.ADR;type=HOME;type=pref:;;{index} Queen Street;Auckland;;1010;NZ\r\n"
        f"item1.X-ABADR:nz\r\nitem2.URL;type=pref:https://example.com/{index}\r\n"
        "item2.X-ABLabel:_$!<HomePage>!$_\r\nBDAY:1980-01-01\r\n"
        "NOTE:Met at the conference in 2019 and again at the meetup\\, talked about h\r\n"
        " ome automation.\r\nEND:VCARD\r\n"
        for index in range(contacts)
    )


def _google_csv(contacts: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "First Name",
            "Last Name",
            "Labels",
            "E-mail 1 - Value",
            "Phone 1 - Label",
            "Phone 1 - Value",
            "Phone 2 - Label",
            "Phone 2 - Value",
            "Address 1 - Formatted",
        ]
    )
    for index in range(contacts):
        writer.writerow(
            [
                f"Given{index}",
                f"Surname{index}",
                "* myContacts",
                f"given{index}@example.com",
                "Mobile",
                f"021 {index:07d} ::: +64 27 {index:07d}",
                "Home",
                f"09 {index:07d}",
                f"{index} Queen Street\nAuckland 1010",
            ]
        )
    return out.getvalue()


def build_phonebook(_typed: None, path: Path, country: str) -> Phonebook:
    """Read a contacts file into a phonebook, as the integration does."""
    typed = read_typed_entries(None, country)
    return Phonebook.from_sources(typed, read_contacts_file(path, country), country)


def _median(function: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        canonical_number.cache_clear()
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


@pytest.mark.parametrize(
    ("suffix", "write", "numbers_per_contact"),
    [(".vcf", _vcard, 2), (".csv", _google_csv, 3)],
)
def test_build_and_lookup(
    tmp_path: Path,
    results: Results,
    suffix: str,
    write: Callable[[int], str],
    numbers_per_contact: int,
) -> None:
    canonical_number("021 555 0101", "NZ")  # phonenumbers loads its metadata once
    per_contact = {}
    for contacts in SIZES:
        path = tmp_path / f"contacts{suffix}"
        path.write_text(write(contacts), encoding="utf-8")
        book = build_phonebook(None, path, "NZ")
        assert book.numbers == contacts * numbers_per_contact
        numbers = list(book.entries)
        repeats = 5
        build = _median(partial(build_phonebook, None, path, "NZ"), repeats)

        def read_numbers(numbers: list[str] = numbers) -> None:
            for number in numbers:
                canonical_number(number, "NZ")

        floor = _median(read_numbers, repeats)

        def look_up(book: Phonebook = book, numbers: list[str] = numbers) -> None:
            for number in numbers:
                book.name_for(number)

        lookup = _median(look_up, repeats) / len(numbers)
        per_contact[contacts] = build / contacts
        results.add(
            f"phonebook/{suffix[1:]}",
            f"{contacts} contacts",
            {
                "bytes": path.stat().st_size,
                "build_ms": round(build * 1000, 1),
                "numbers_alone_ms": round(floor * 1000, 1),
                "lookup_us": round(lookup * 1e6, 3),
            },
        )
        if FULL and contacts == 5_000:
            assert build < BUDGET[suffix], f"{build:.2f} s"
            # A lookup is a dictionary access, whatever the size.
            assert lookup < 20e-6
    if FULL:
        # Linear: a contact costs about the same in a file four times the size.
        assert per_contact[20_000] <= 2 * per_contact[5_000]


# One card with this many TEL lines, and one with an eighth of them.
CARD_NUMBERS = 10_000 if FULL else 1_000


def _one_card(numbers: int) -> str:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Switchboard\r\n"
        + "".join(f"TEL;type=WORK:021 {index:07d}\r\n" for index in range(numbers))
        + "END:VCARD\r\n"
    )


def test_one_card_of_many_numbers(tmp_path: Path, results: Results) -> None:
    canonical_number("021 555 0101", "NZ")
    per_number = {}
    for numbers in (CARD_NUMBERS // 8, CARD_NUMBERS):
        path = tmp_path / f"card{numbers}.vcf"
        path.write_text(_one_card(numbers), encoding="utf-8")
        assert build_phonebook(None, path, "NZ").numbers == numbers
        build = _median(partial(build_phonebook, None, path, "NZ"), 3)
        per_number[numbers] = build / numbers
        results.add(
            "phonebook/one card",
            f"{numbers} numbers",
            {
                "build_ms": round(build * 1000, 1),
                "us_per_number": round(build / numbers * 1e6, 1),
            },
        )
    ratio = per_number[CARD_NUMBERS] / per_number[CARD_NUMBERS // 8]
    results.add("phonebook/one card", "cost of a number, 8x the lines", round(ratio, 2))
    # Linear: a number costs about the same in a card eight times the size (it cost
    # about eight times as much, 3 s at 8,000 lines, before the lines were mapped once).
    assert ratio <= 2, f"{ratio:.2f}x"


def test_a_line_cut_short_in_its_parameters(tmp_path: Path, results: Results) -> None:
    """A TEL line cut short before its ":" costs what a whole one does, not minutes.

    vobject's own pattern backtracks exponentially on such a line (3 s for 22 values);
    the check in front of it rejects the line in linear time.
    """
    values = ",".join(["CELL"] * 40)
    card = "BEGIN:VCARD\nFN:Cut Short\nTEL;TYPE={}\nEND:VCARD\n"
    cut = tmp_path / "cut.vcf"
    cut.write_text(card.format(values), encoding="utf-8")
    whole = tmp_path / "whole.vcf"
    whole.write_text(card.format(f"{values}:021 555 0109"), encoding="utf-8")
    cut_s = _median(partial(build_phonebook, None, cut, "NZ"), 5)
    whole_s = _median(partial(build_phonebook, None, whole, "NZ"), 5)
    ratio = cut_s / whole_s
    results.add("phonebook/cut short", "cut over whole", round(ratio, 2))
    assert ratio <= 3, f"{ratio:.2f}x"
