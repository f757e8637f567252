"""CSV contacts files: Google's and Outlook's exports, a simple header, or none."""

from __future__ import annotations

from collections.abc import Iterable
import csv
from dataclasses import dataclass
import io
from pathlib import Path
import re

from .model import MAX_PROBLEM_TEXT, ContactsFileError, FileErrorReason, ProblemReason
from .source_reader import LINE_BREAK, SourceReader, shorten

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

    def name(self, row: list[str], reader: SourceReader) -> str | None:
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


def read_csv(text: str, reader: SourceReader, file: Path) -> ContactsFileError | None:
    """Read a CSV file's rows into `reader`; return what stopped the file, if anything."""
    first_line = next((line for line in LINE_BREAK.split(text) if line.strip()), "")
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
                                shorten(first_line, MAX_PROBLEM_TEXT),
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
    row: list[str], columns: _Columns, line: int, contact: int, reader: SourceReader
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
    row: list[str], line: int, contact: int, reader: SourceReader
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
