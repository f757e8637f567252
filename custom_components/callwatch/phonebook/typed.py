"""Typed entries: "number, name" lines from the options."""

from __future__ import annotations

from .model import EntrySource, PhonebookSource, ProblemReason
from .source_reader import LINE_BREAK, SourceReader


def read_typed_entries(text: str | None, country: str | None) -> PhonebookSource:
    """Read "number, name" lines typed in the options."""
    reader = SourceReader(EntrySource.TYPED, country)
    for line_number, raw_line in enumerate(LINE_BREAK.split(text or ""), 1):
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
