"""The user's phonebook: names for numbers, typed in the options or read from a file.

Free of Home Assistant, synchronous (the integration reads files in an executor) and
never raising on bad input: what cannot be read is reported as a `Problem` (a line or a
contact, skipped while the rest counts) or, for a whole file, a `ContactsFileError`.

Numbers are matched in one form: a phone number by its E.164 form (`canonical_number`
with the account's country), so `+64 9 123 4567`, `09 1234567` and `0064-9-1234567` are
one number; a number that is not a phone number (an extension such as `210`, `0003*210`
or an agent id such as `209_1111113`) by its exact text, without surrounding spaces.

Typed entries are one number and one name a line, "number, name" (split at the first
comma, so the name may hold commas) or "name, number" (split at the last comma, when the
text before the first comma is not a number). Blank lines and lines starting with `#`
are ignored. When a number is typed twice with different names, the first line wins and
the other is reported as `duplicate_number`.

The contacts file is picked by its extension:
- `.vcf` / `.vcard`: vCard 2.1, 3.0 and 4.0, read with vobject (folding, groups such as
  `item1.TEL`, parameters, backslash escapes, quoted-printable values with their
  CHARSET), a card at a time: the file is cut at its BEGIN:VCARD and END:VCARD lines,
  so that a card vobject cannot read is reported and skipped while the others count.
  The number is read from a `tel:` URI. The name is FN, else N, else ORG; every TEL
  counts.
- `.csv`: a header naming its columns (Google Contacts: `Name` or `First Name` /
  `Middle Name` / `Last Name`, `Phone N - Value` with several numbers in one cell joined
  by " ::: "; Outlook: `... Phone` columns; or a simple `name,number` header), or no
  header, where each row's cells that are numbers are its numbers and its first other
  cell is the name. Comma, semicolon or tab separated, as the first line shows.
A file is UTF-8 (with or without BOM), UTF-16 with BOM, or else Windows-1252 (Outlook's
export); one larger than MAX_CONTACTS_FILE_BYTES is refused. A number listed by several
contacts belongs to the first of them in the file. Typed entries win over the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator, Mapping
import csv
from dataclasses import dataclass, field
from enum import StrEnum
import io
import os
from pathlib import Path
import re
from typing import Any
import unicodedata
from urllib.parse import unquote

import vobject
from vobject.base import ParseError, VObjectError, getLogicalLines

from .providers.numbers import canonical_number

# A phone's export without photos is about 600 bytes a contact (5,000 contacts are
# 3 MB); photos make it larger, and this leaves room for a few hundred of them.
MAX_CONTACTS_FILE_BYTES = 16 * 1024 * 1024
# Problems kept per source; `problem_count` still counts them all.
MAX_PROBLEMS = 100
MAX_PROBLEM_TEXT = 60
# Names become a sensor's state, which Home Assistant caps at 255 characters.
MAX_NAME_LENGTH = 100

VCARD_SUFFIXES = frozenset({".vcf", ".vcard"})
CSV_SUFFIXES = frozenset({".csv"})

# A number that is not a phone number: digits with the "*", "#" and "_" of extensions,
# feature codes and agent ids; one word, so that a mistyped phone number (with spaces
# or dashes) is reported instead of being kept as text that never matches.
_NON_PHONE_NUMBER = re.compile(r"[*#+]?[0-9][0-9*#_]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LETTER = re.compile(r"[^\W\d_]")
# A line that begins or ends a card, with an optional group such as "item1.", in a
# text whose line breaks are "\n".
_VCARD_BOUNDARY = re.compile(
    r"^(?:[A-Za-z0-9_-]+\.)?(BEGIN|END):VCARD[^\S\n]*$", re.IGNORECASE | re.MULTILINE
)
# vobject's grammar of a content line up to its ":" (vobject.base.line_re: a group, a
# name, parameters whose values may be quoted), which accepts the same lines, written
# so that it cannot backtrack: possessive, with "=" out of unquoted values.
_VOBJECT_NAME = r"[A-Za-z0-9_-]++"
_VCARD_CONTENT_LINE = re.compile(
    rf"(?:{_VOBJECT_NAME}\.)?{_VOBJECT_NAME};?"
    rf'(?:;{_VOBJECT_NAME}(?:[=,](?:"[^"]*+"|[^";:,=]*+))*+)*+:'
)
# The properties the phonebook reads, as vobject names them.
_VCARD_PROPERTIES = ("fn", "n", "org", "tel")
_GOOGLE_SEPARATOR = ":::"
_CSV_DELIMITERS = (",", ";", "\t")
_CSV_FULL_NAME_COLUMNS = ("name", "full name", "display name")
_CSV_NAME_PART_COLUMNS = (
    ("first name", "given name"),
    ("middle name", "additional name"),
    ("last name", "family name"),
)
_CSV_OTHER_NAME_COLUMNS = (
    "nickname",
    "file as",
    "organization name",
    "organization 1 - name",
    "company",
)
# Google's "Phone 1 - Value", Outlook's "Mobile Phone" or "Business Phone 2", and the
# plain headers people write.
_CSV_NUMBER_COLUMN = re.compile(
    r"phone \d+ - value|(?:.+ )?phone(?: \d+)?|phone number|number|telephone|tel|mobile"
)


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
_UNREADABLE_CONTACT_REASONS = frozenset(
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


def build_phonebook(
    typed_text: str | None,
    contacts_path: str | os.PathLike[str] | None,
    country: str | None,
) -> Phonebook:
    """Read the typed entries and the contacts file (either may be absent)."""
    typed = read_typed_entries(typed_text, country)
    contacts_file = (
        read_contacts_file(contacts_path, country) if contacts_path else None
    )
    return Phonebook.from_sources(typed, contacts_file, country)


def read_typed_entries(text: str | None, country: str | None) -> PhonebookSource:
    """Read "number, name" lines typed in the options."""
    reader = _SourceReader(EntrySource.TYPED, country)
    for line_number, raw_line in enumerate(_LINE_BREAK.split(text or ""), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if "," not in line:
            reader.problem(line_number, ProblemReason.NO_SEPARATOR, line)
            continue
        number, _, name = line.partition(",")
        if (key := reader.number_key(number)) is None:
            name, _, number = line.rpartition(",")
            key = reader.number_key(number)
        if key is None:
            reader.problem(line_number, ProblemReason.NOT_A_NUMBER, line)
            continue
        if (clean := reader.name(name)) is None:
            reader.problem(line_number, ProblemReason.NO_NAME, line)
            continue
        if (earlier := reader.entries.get(key)) is not None:
            if earlier.name != clean:
                reader.problem(line_number, ProblemReason.DUPLICATE_NUMBER, line)
            continue
        reader.add_contact(clean, [(line_number, key)])
    return reader.result()


def read_contacts_file(
    path: str | os.PathLike[str], country: str | None
) -> PhonebookSource:
    """Read a vCard or CSV contacts file; errors are returned, never raised."""
    file = Path(path)
    reader = _SourceReader(EntrySource.CONTACTS_FILE, country)
    try:
        return _read_contacts_file(file, reader)
    except Exception as error:  # noqa: BLE001 - a file must not take the account down
        return reader.failed(
            file, FileErrorReason.FILE_UNREADABLE, f"{type(error).__name__}: {error}"
        )


def _read_contacts_file(file: Path, reader: _SourceReader) -> PhonebookSource:
    """Read a contacts file into `reader`; raise only on a bug of ours or a parser's."""
    suffix = file.suffix.lower()
    if suffix not in VCARD_SUFFIXES | CSV_SUFFIXES:
        return reader.failed(file, FileErrorReason.UNSUPPORTED_FORMAT, suffix)
    if not file.exists():
        return reader.failed(file, FileErrorReason.FILE_MISSING)
    if not file.is_file():
        return reader.failed(file, FileErrorReason.FILE_UNREADABLE, "not a file")
    try:
        with file.open("rb") as stream:
            data = stream.read(MAX_CONTACTS_FILE_BYTES + 1)
    except FileNotFoundError:
        # Removed since it was looked at.
        return reader.failed(file, FileErrorReason.FILE_MISSING)
    except OSError as os_error:
        return reader.failed(
            file, FileErrorReason.FILE_UNREADABLE, os_error.strerror or str(os_error)
        )
    if len(data) > MAX_CONTACTS_FILE_BYTES:
        return reader.failed(
            file,
            FileErrorReason.FILE_TOO_LARGE,
            f"larger than {MAX_CONTACTS_FILE_BYTES} bytes",
        )
    if not data.strip():
        return reader.failed(file, FileErrorReason.FILE_EMPTY)
    text = _decode(data)
    if text is None:
        return reader.failed(file, FileErrorReason.NOT_TEXT)
    if suffix in VCARD_SUFFIXES:
        error = _read_vcards(text, reader, file)
    else:
        error = _read_csv(text, reader, file)
    if error is None and not reader.entries:
        error = reader.error(file, FileErrorReason.NO_NUMBERS)
    return reader.result(error)


class _SourceReader:
    """Gathers one source's entries, counts and problems as they are read."""

    def __init__(self, source: EntrySource, country: str | None) -> None:
        self.source = source
        self.country = country
        self.entries: dict[str, PhonebookEntry] = {}
        self.contacts = 0
        self.shared: set[str] = set()
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.unreadable_contacts = 0
        self.first_unreadable: Problem | None = None

    def number_key(self, text: str) -> str | None:
        """Return the key a number is matched by, or None if it is not a number."""
        text = text.strip()
        if not text:
            return None
        if e164 := canonical_number(text, self.country):
            return e164
        return text if _NON_PHONE_NUMBER.fullmatch(text) else None

    def name(self, text: str | None) -> str | None:
        """Return a name fit to show, or None if there is none (or it is a number)."""
        if not text:
            return None
        name = unicodedata.normalize("NFC", text)
        name = _CONTROL.sub("", _SPACES.sub(" ", name)).strip()
        if not name:
            return None
        # Letters first: names need not go through the number parser and its cache.
        if not _LETTER.search(name) and canonical_number(name, self.country):
            return None
        return _shorten(name, MAX_NAME_LENGTH)

    def add_contact(self, name: str, numbers: Iterable[tuple[int, str]]) -> None:
        """Add a contact's numbers; a number an earlier contact has keeps its name."""
        # One contact may list a number twice, in two forms.
        own: dict[str, int] = {}
        for line, key in numbers:
            own.setdefault(key, line)
        for key, line in own.items():
            if key in self.entries:
                self.shared.add(key)
            else:
                self.entries[key] = PhonebookEntry(name, self.source, line)
        self.contacts += 1

    def problem(
        self, line: int, reason: ProblemReason, text: str, contact: int | None = None
    ) -> None:
        """Record a problem; only the first MAX_PROBLEMS are kept."""
        self.problem_count += 1
        unreadable = reason in _UNREADABLE_CONTACT_REASONS
        if unreadable:
            self.unreadable_contacts += 1
        if len(self.problems) < MAX_PROBLEMS or (
            unreadable and self.first_unreadable is None
        ):
            text = _CONTROL.sub("", _SPACES.sub(" ", text)).strip()
            problem = Problem(line, reason, _shorten(text, MAX_PROBLEM_TEXT), contact)
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(problem)
            if unreadable and self.first_unreadable is None:
                self.first_unreadable = problem

    def error(
        self,
        file: Path,
        reason: FileErrorReason,
        detail: str = "",
        line: int | None = None,
    ) -> ContactsFileError:
        """Return an error about the file being read."""
        return ContactsFileError(str(file), reason, detail, line)

    def failed(
        self, file: Path, reason: FileErrorReason, detail: str = ""
    ) -> PhonebookSource:
        """Return a source that gave nothing because of the file."""
        return self.result(self.error(file, reason, detail))

    def result(self, error: ContactsFileError | None = None) -> PhonebookSource:
        """Return what was read."""
        return PhonebookSource(
            entries=self.entries,
            contacts=self.contacts,
            shared_numbers=len(self.shared),
            problems=tuple(self.problems),
            problem_count=self.problem_count,
            error=error,
            unreadable_contacts=self.unreadable_contacts,
            first_unreadable=self.first_unreadable,
        )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decode(data: bytes) -> str | None:
    """Return the text of a file, or None if it is not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None


# vCard


@dataclass(slots=True)
class _Card:
    """What one vCard says that the phonebook uses."""

    position: int
    line: int
    full_names: list[str] = field(default_factory=list)
    structured_names: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    numbers: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _CardText:
    """The text of one card in the file, from its BEGIN to its END (if it has one)."""

    position: int
    # 1-based line of BEGIN:VCARD.
    line: int
    # The lines between BEGIN and END as they are in the file, each ending in "\n" (but
    # the last of a file cut short within a line).
    content: str
    terminated: bool

    @property
    def text(self) -> str:
        """Return the card for vobject, its BEGIN and END lines written plainly.

        A blank line before END ends the logical line before it, so that a value with a
        stray quoted-printable soft line break ("=" at its end) cannot take the END.
        """
        return f"BEGIN:VCARD\n{self.content}\n\nEND:VCARD"

    def line_finder(self) -> Callable[[int | None], int]:
        """Return what gives the file's line for a line number vobject gives in `text`.

        Worked out once a card, so that a card of many lines is read in linear time.
        """
        lines = self.content.split("\n")
        if not lines[-1]:
            lines.pop()
        # 1 is BEGIN, 2 the first content line. vobject numbers the first line 0, and
        # a line after a blank line with the blank line's number: a blank line stands
        # for the next line that is not blank. Past the content: the END line.
        resolved = list(range(len(lines) + 2))
        for index in range(len(lines), 0, -1):
            if not lines[index - 1].strip():
                resolved[index] = resolved[index + 1]
        last = len(lines) + 1

        def file_line(number: int | None) -> int:
            index = max(number or 0, 1) - 1
            return self.line + min(resolved[min(index, last)], last)

        return file_line


def _read_vcards(
    text: str, reader: _SourceReader, file: Path
) -> ContactsFileError | None:
    cards = 0
    for card_text in _card_texts(text):
        cards += 1
        try:
            card = _card(card_text)
        # vobject raises VObjectError, LookupError (an unknown CHARSET), ValueError
        # (broken base64), and on some malformed lines others (a TypeError for an
        # ENCODING given twice): any of them skips this card alone.
        except Exception as error:  # noqa: BLE001
            if card_text.terminated:
                _unreadable(card_text, error, reader)
            else:
                _unterminated(card_text, None, reader)
            continue
        if card_text.terminated:
            _add_card(card, reader)
        else:
            _unterminated(card_text, card, reader)
    if cards == 0:
        return reader.error(file, FileErrorReason.NOT_VCARD, "no BEGIN:VCARD", 1)
    return None


def _card_texts(text: str) -> Iterator[_CardText]:
    """Yield each card's text, cut at BEGIN:VCARD and END:VCARD lines.

    Lines outside cards are ignored. A card that another BEGIN:VCARD, or the end of the
    file, interrupts is yielded as not terminated.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    position = 0
    # The line that starts at `counted`.
    line, counted = 1, 0
    # BEGIN's line, and where the card's content starts.
    begin: tuple[int, int] | None = None
    for boundary in _VCARD_BOUNDARY.finditer(text):
        line += text.count("\n", counted, boundary.start())
        counted = boundary.start()
        if begin is not None:
            yield _CardText(
                position,
                begin[0],
                text[begin[1] : boundary.start()],
                terminated=boundary.group(1).upper() == "END",
            )
            begin = None
        if boundary.group(1).upper() == "BEGIN":
            position += 1
            begin = (line, boundary.end() + 1)
    if begin is not None:
        yield _CardText(position, begin[0], text[begin[1] :], terminated=False)


def _card(card_text: _CardText) -> _Card:
    """Read one card with vobject; raise what vobject raises if it cannot."""
    card = _Card(card_text.position, card_text.line)
    file_line = card_text.line_finder()
    for name, number, value in _vcard_properties(card_text.text):
        line = file_line(number)
        if name == "tel":
            card.numbers.append((line, value))
        elif name == "fn":
            card.full_names.append(value)
        elif name == "n":
            card.structured_names.append(value)
        else:
            card.organizations.append(value)
    return card


def _vcard_properties(text: str) -> Iterator[tuple[str, int | None, str]]:
    """Yield (name, line in `text`, value) for each FN, N, ORG and TEL of one vCard.

    vobject reads the card: folded lines, groups, parameters, quoted-printable values
    with their CHARSET, base64, backslash escapes, N's and ORG's parts. An N is given as
    "prefix given additional family suffix", an ORG as its first part (the
    organisation, without its units). Raises vobject's `VObjectError`, `LookupError`
    (an unknown CHARSET) or `ValueError` (bytes that are not in the CHARSET, broken
    base64) for a card vobject cannot read.
    """
    # vobject's own pattern for a content line backtracks exponentially on a line it
    # rejects (a parameter list with many "," or "=" and no ":" after it, as in a file
    # cut short); such a line is rejected here first, with vobject's error.
    for line, number in getLogicalLines(io.StringIO(text), allowQP=True):
        if _VCARD_CONTENT_LINE.match(line) is None:
            raise ParseError(f"Failed to parse line: {line}", number)
    component = next(vobject.readComponents(text, allowQP=True, transform=False))
    for name in _VCARD_PROPERTIES:
        # vobject has no types for a property's value; Any stops here.
        content_lines: list[Any] = component.contents.get(name, [])
        for content_line in content_lines:
            native = content_line.transformToNative()
            value: Any = native.value
            if name == "org":
                # A list of the organisation and its units, never empty.
                value = value[0]
            yield name, native.lineNumber, _vcard_text(value)


def _vcard_text(value: object) -> str:
    """Return a value vobject read as text."""
    if isinstance(value, bytes):
        # ENCODING=b on a text property.
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        # A part of ORG written with unescaped commas, which vobject splits at them.
        return ", ".join(_vcard_text(item) for item in value)
    # A str, or vobject's Name for N.
    return str(value)


def _tel_value(value: str) -> str:
    """Return the number in a TEL value, which vCard 4 writes as a tel: URI."""
    value = value.strip()
    if value[:4].lower() == "tel:":
        # RFC 3966: parameters such as ";ext=" follow the number.
        value = unquote(value[4:].partition(";")[0])
    return value


def _add_card(card: _Card, reader: _SourceReader) -> None:
    numbers: list[tuple[int, str]] = []
    for line, value in card.numbers:
        key = reader.number_key(_tel_value(value))
        if key is None:
            reader.problem(line, ProblemReason.NOT_A_NUMBER, value, card.position)
        else:
            numbers.append((line, key))
    if not numbers:
        return
    if (name := _card_name(card, reader)) is None:
        reader.problem(
            card.line, ProblemReason.NO_NAME, card.numbers[0][1], card.position
        )
        return
    reader.add_contact(name, numbers)


def _card_name(card: _Card, reader: _SourceReader) -> str | None:
    """Return the first FN that makes a name, else the first N, else the first ORG."""
    for value in (*card.full_names, *card.structured_names, *card.organizations):
        if name := reader.name(value):
            return name
    return None


def _unterminated(
    card_text: _CardText, card: _Card | None, reader: _SourceReader
) -> None:
    name = _card_name(card, reader) if card else None
    reader.problem(
        card_text.line,
        ProblemReason.UNTERMINATED_CONTACT,
        name or "BEGIN:VCARD",
        card_text.position,
    )


def _unreadable(card_text: _CardText, error: Exception, reader: _SourceReader) -> None:
    """Report a card vobject could not read, at the line it names if it names one."""
    if isinstance(error, VObjectError):
        message = error.msg
        line = card_text.line_finder()(getattr(error, "lineNumber", None))
    else:
        message = str(error)
        line = card_text.line
    reader.problem(line, ProblemReason.UNREADABLE_CONTACT, message, card_text.position)


# CSV


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where a CSV header puts names and numbers."""

    full_names: tuple[int, ...]
    name_parts: tuple[tuple[int, ...], ...]
    other_names: tuple[int, ...]
    numbers: tuple[int, ...]

    @classmethod
    def from_header(cls, row: list[str]) -> _Columns | None:
        """Return the columns of a header row, or None if it is not a header."""
        header = [cell.strip().lower() for cell in row]

        def find(names: Iterable[str]) -> tuple[int, ...]:
            return tuple(header.index(name) for name in names if name in header)

        columns = cls(
            full_names=find(_CSV_FULL_NAME_COLUMNS),
            name_parts=tuple(find(part) for part in _CSV_NAME_PART_COLUMNS),
            other_names=find(_CSV_OTHER_NAME_COLUMNS),
            numbers=tuple(
                index
                for index, cell in enumerate(header)
                if _CSV_NUMBER_COLUMN.fullmatch(cell)
            ),
        )
        names = columns.full_names + columns.other_names
        if not names and not any(columns.name_parts) and not columns.numbers:
            return None
        return columns

    def name(self, row: list[str], reader: _SourceReader) -> str | None:
        """Return the first name the row gives."""
        for index in self.full_names:
            if name := reader.name(_cell(row, index)):
                return name
        parts = [
            _cell(row, index) for indexes in self.name_parts for index in indexes[:1]
        ]
        if name := reader.name(" ".join(parts)):
            return name
        for index in self.other_names:
            if name := reader.name(_cell(row, index)):
                return name
        return None


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _read_csv(text: str, reader: _SourceReader, file: Path) -> ContactsFileError | None:
    first_line = next((line for line in _LINE_BREAK.split(text) if line.strip()), "")
    delimiter = max(_CSV_DELIMITERS, key=first_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: _Columns | None = None
    first_row = True
    contact = 0
    line = 1
    try:
        for row in rows:
            start, line = line, rows.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if first_row:
                first_row = False
                if not any(reader.number_key(cell) for cell in row):
                    columns = _Columns.from_header(row)
                    if columns is not None:
                        if not columns.numbers:
                            return reader.error(
                                file,
                                FileErrorReason.NO_NUMBER_COLUMN,
                                _shorten(first_line, MAX_PROBLEM_TEXT),
                                start,
                            )
                        continue
            contact += 1
            if columns is None:
                _add_headerless_row(row, start, contact, reader)
            else:
                _add_row(row, columns, start, contact, reader)
    except csv.Error as error:
        return reader.error(file, FileErrorReason.MALFORMED_CSV, str(error), line)
    return None


def _add_row(
    row: list[str], columns: _Columns, line: int, contact: int, reader: _SourceReader
) -> None:
    numbers: list[tuple[int, str]] = []
    for index in columns.numbers:
        for value in _cell(row, index).split(_GOOGLE_SEPARATOR):
            if not value.strip():
                continue
            if (key := reader.number_key(value)) is None:
                reader.problem(line, ProblemReason.NOT_A_NUMBER, value, contact)
            else:
                numbers.append((line, key))
    if not numbers:
        return
    if (name := columns.name(row, reader)) is None:
        reader.problem(line, ProblemReason.NO_NAME, _describe(row), contact)
        return
    reader.add_contact(name, numbers)


def _add_headerless_row(
    row: list[str], line: int, contact: int, reader: _SourceReader
) -> None:
    numbers: list[tuple[int, str]] = []
    name = None
    for cell in row:
        values = cell.split(_GOOGLE_SEPARATOR)
        keys = [reader.number_key(value) for value in values]
        if all(keys):
            numbers.extend((line, key) for key in keys if key)
        elif name is None:
            name = reader.name(cell)
    if not numbers:
        reader.problem(line, ProblemReason.NOT_A_NUMBER, _describe(row), contact)
    elif name is None:
        reader.problem(line, ProblemReason.NO_NAME, _describe(row), contact)
    else:
        reader.add_contact(name, numbers)


def _describe(row: list[str]) -> str:
    return ", ".join(cell.strip() for cell in row if cell.strip())
