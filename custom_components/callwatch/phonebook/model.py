"""What the phonebook holds: entries, the problems met reading them, and the lookup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from custom_components.callwatch.providers.numbers import canonical_number

# Problems kept per source; `problem_count` still counts them all.
MAX_PROBLEMS = 100
MAX_PROBLEM_TEXT = 60


class EntrySource(StrEnum):
    """Where a phonebook entry was read."""

    TYPED = "typed"
    CONTACTS_FILE = "contacts_file"


class ProblemReason(StrEnum):
    """Why a line or a contact, or part of one, was skipped."""

    # A typed line without a comma between number and name.
    NO_SEPARATOR = "no_separator"
    NOT_A_NUMBER = "not_a_number"
    NO_NAME = "no_name"
    # A typed number already typed on an earlier line with another name.
    DUPLICATE_NUMBER = "duplicate_number"
    # A vCard without END:VCARD (the file ends, or another card begins, first).
    UNTERMINATED_CONTACT = "unterminated_contact"
    # A vCard that vobject cannot read (a line that is not a content line, an unknown
    # CHARSET, broken base64 or quoted-printable, a component left open).
    UNREADABLE_CONTACT = "unreadable_contact"


# Problems that skip a whole contact because it cannot be read.
UNREADABLE_CONTACT_REASONS = frozenset(
    {ProblemReason.UNTERMINATED_CONTACT, ProblemReason.UNREADABLE_CONTACT}
)


class FileErrorReason(StrEnum):
    """Why a contacts file gave no numbers, or stopped giving them."""

    FILE_MISSING = "file_missing"
    FILE_UNREADABLE = "file_unreadable"
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    NOT_TEXT = "not_text"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NOT_VCARD = "not_vcard"
    MALFORMED_CSV = "malformed_csv"
    NO_NUMBER_COLUMN = "no_number_column"
    NO_NUMBERS = "no_numbers"


@dataclass(frozen=True, slots=True)
class PhonebookEntry:
    """A name for a number, and where it was read."""

    name: str
    source: EntrySource
    # 1-based line in the typed text or the file where the number is.
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A line or a contact, or one of its numbers, that the phonebook skipped."""

    # 1-based line in the typed text or the file.
    line: int
    reason: ProblemReason
    # The offending text (a line, a number, a name), at most MAX_PROBLEM_TEXT long.
    text: str
    # 1-based position of the contact in the file; None for typed lines.
    contact: int | None = None


@dataclass(frozen=True, slots=True)
class ContactsFileError:
    """Why a contacts file could not be read, or not to its end."""

    path: str
    reason: FileErrorReason
    # What the system or the parser said, if anything.
    detail: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class PhonebookSource:
    """The numbers and names read from the typed text or from the contacts file."""

    entries: Mapping[str, PhonebookEntry]
    # Typed lines, or contacts in the file, that gave at least one number.
    contacts: int = 0
    # Numbers listed by more than one contact (the first one names them).
    shared_numbers: int = 0
    problems: tuple[Problem, ...] = ()
    # All problems, of which at most MAX_PROBLEMS are kept in `problems`.
    problem_count: int = 0
    error: ContactsFileError | None = None
    # Contacts that could not be read at all (skipped), and the first of them.
    unreadable_contacts: int = 0
    first_unreadable: Problem | None = None

    @property
    def numbers(self) -> int:
        """Return how many numbers this source names."""
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class Phonebook:
    """Names for numbers: typed entries first, then the contacts file."""

    country: str | None
    typed: PhonebookSource
    contacts_file: PhonebookSource | None
    entries: Mapping[str, PhonebookEntry] = field(repr=False)

    @classmethod
    def from_sources(
        cls,
        typed: PhonebookSource,
        contacts_file: PhonebookSource | None,
        country: str | None,
    ) -> Phonebook:
        """Merge two sources read for `country`; typed entries win."""
        entries = dict(contacts_file.entries) if contacts_file else {}
        entries.update(typed.entries)
        return cls(country, typed, contacts_file, entries)

    @property
    def numbers(self) -> int:
        """Return how many numbers the phonebook names."""
        return len(self.entries)

    def entry_for(self, number: str | None) -> PhonebookEntry | None:
        """Return the entry for a phone number in any form, or another number's text."""
        if not number:
            return None
        text = number.strip()
        if (entry := self.entries.get(text)) is not None:
            return entry
        # Callers already come in E.164; a number in another form is read here too.
        e164 = canonical_number(text, self.country)
        return self.entries.get(e164) if e164 else None

    def name_for(self, number: str | None) -> str | None:
        """Return the name the phonebook gives a number, if any."""
        entry = self.entry_for(number)
        return entry.name if entry else None
