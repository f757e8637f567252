"""Gathering one source's entries, counts and problems as its lines are read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
import re
import unicodedata

from custom_components.callwatch.providers.numbers import canonical_number

from .model import (
    MAX_PROBLEM_TEXT,
    MAX_PROBLEMS,
    UNREADABLE_CONTACT_REASONS,
    ContactsFileError,
    EntrySource,
    FileErrorReason,
    PhonebookEntry,
    PhonebookSource,
    Problem,
    ProblemReason,
)

# Names become a sensor's state, which Home Assistant caps at 255 characters.
MAX_NAME_LENGTH = 100

LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A number that is not a phone number: digits with the "*", "#" and "_" of extensions,
# feature codes and agent ids; one word, so that a mistyped phone number (with spaces
# or dashes) is reported instead of being kept as text that never matches.
_NON_PHONE_NUMBER = re.compile(r"[*#+]?[0-9][0-9*#_]*")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LETTER = re.compile(r"[^\W\d_]")


class SourceReader:
    """Gathers one source's entries, counts and problems as they are read."""

    def __init__(self, source: EntrySource, country: str | None) -> None:
        """Start reading a source of this kind, for numbers of `country`."""
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
        return shorten(name, MAX_NAME_LENGTH)

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
        unreadable = reason in UNREADABLE_CONTACT_REASONS
        if unreadable:
            self.unreadable_contacts += 1
        if len(self.problems) < MAX_PROBLEMS or (
            unreadable and self.first_unreadable is None
        ):
            text = _CONTROL.sub("", _SPACES.sub(" ", text)).strip()
            problem = Problem(line, reason, shorten(text, MAX_PROBLEM_TEXT), contact)
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


def shorten(text: str, limit: int) -> str:
    """Return `text`, cut to `limit` characters with an ellipsis if longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
