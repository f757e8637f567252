"""Phone numbers as providers write them, read into one canonical form.

A number that is a phone number becomes E.164 (`+6491234567`), parsed with the account's
country for national forms (`09 123 4567`), international forms with or without "+"
(`0064 9 123 4567`, `6491234567`) alike. What is not a phone number (an extension such as
`0003*210`, an agent id such as `209_1111113`, a SIP URI) is kept as the provider gave it.
A caller who withheld the number is recognised by what the providers write instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import re

import phonenumbers

# What providers write for a caller without a number: Asterisk-based systems (Enswitch,
# VoipNow) say "anonymous", "unknown" or "unavailable"; carriers "private", "restricted",
# "withheld"; SIP the RFC 3325 address "anonymous@anonymous.invalid".
WITHHELD_MARKERS = frozenset(
    {
        "anonymous",
        "blocked",
        "hidden",
        "private",
        "private number",
        "restricted",
        "unavailable",
        "unknown",
        "withheld",
        "<unknown>",
    }
)
# Characters that never occur in a phone number written for people: letters, "*", "#",
# "_", "@", ":" make an extension, an agent id or an address.
_NOT_A_PHONE_NUMBER = re.compile(r"[^0-9\s()+\-./]")
# Shorter digit strings are extensions and short codes.
_SHORTEST_PHONE_NUMBER = 6


@dataclass(frozen=True, slots=True)
class Number:
    """A number read from a provider."""

    # E.164 where it is a phone number, else as given; None when withheld or absent.
    value: str | None
    # As the provider wrote it.
    raw: str | None
    withheld: bool = False
    is_phone_number: bool = False


def read_number(raw: str | None, country: str | None) -> Number:
    """Read a number a provider wrote; `country` is for numbers in national form."""
    text = raw.strip() if raw else ""
    if not text:
        return Number(value=None, raw=None, withheld=True)
    if _is_withheld(text):
        return Number(value=None, raw=text, withheld=True)
    e164 = canonical_number(text, country)
    if e164 is None:
        return Number(value=text, raw=text)
    return Number(value=e164, raw=text, is_phone_number=True)


def _is_withheld(text: str) -> bool:
    lowered = text.lower()
    if lowered.startswith(("sip:", "sips:", "tel:")):
        lowered = lowered.split(":", 1)[1]
    return lowered in WITHHELD_MARKERS or lowered.split("@", 1)[0] in WITHHELD_MARKERS


def load_metadata() -> None:
    """Import every region's metadata now, which phonenumbers imports on first use.

    Blocking (it imports some 250 modules): callers run it in an executor, so that no
    number read later on an event loop imports anything there.
    """
    phonenumbers.PhoneMetadata.load_all()


@lru_cache(maxsize=4096)
def canonical_number(text: str, country: str | None) -> str | None:
    """Return the E.164 form of a phone number, or None if `text` is not one."""
    if _NOT_A_PHONE_NUMBER.search(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < _SHORTEST_PHONE_NUMBER:
        return None
    region = country.upper() if country else None
    number = _parse(text, region)
    if number is None and region is None and not text.startswith("+"):
        # Without a country only an international form can be read, its "+" (or
        # "00") left out; a guess, so it must be a valid number, not just possible.
        number = _parse(f"+{digits.removeprefix('00')}", None)
        if number is not None and not phonenumbers.is_valid_number(number):
            return None
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def country_free_digits(value: str) -> str | None:
    """Return the digits of a read number that no country reads another way.

    `value` is a number as `read_number` gives it: of E.164, the national number; else
    its digits. None for fewer digits than a phone number has (it reads the same in
    every country). A number in national form read with two countries, or left as
    given by one of them, gives digits of which one ends the other.
    """
    if value.startswith("+") and (number := _parse(value, None)) is not None:
        digits = phonenumbers.national_significant_number(number)
    else:
        digits = re.sub(r"\D", "", value)
    return digits if len(digits) >= _SHORTEST_PHONE_NUMBER else None


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def number_for_reading(value: str, country: str | None) -> str:
    """Return a number as people write it: national at home, international abroad.

    `value` is a number as `read_number` gives it; what is not E.164, or not a valid
    number of its country, stays as it is.
    """
    if not value.startswith("+"):
        return value
    number = _parse(value, None)
    if number is None or not phonenumbers.is_valid_number(number):
        return value
    home = country is not None and (
        phonenumbers.region_code_for_number(number) == country.upper()
    )
    return phonenumbers.format_number(
        number,
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    )
