"""Reading a contacts file: its size, its text encoding, then vCard or CSV by suffix."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from .csv_contacts import read_csv
from .model import EntrySource, FileErrorReason, PhonebookSource
from .source_reader import SourceReader
from .vcard import read_vcards

# A phone's export without photos is about 600 bytes a contact (5,000 contacts are
# 3 MB); photos make it larger, and this leaves room for a few hundred of them.
MAX_CONTACTS_FILE_BYTES = 16 * 1024 * 1024

VCARD_SUFFIXES = frozenset({".vcf", ".vcard"})
CSV_SUFFIXES = frozenset({".csv"})


def read_contacts_file(
    path: str | os.PathLike[str], country: str | None
) -> PhonebookSource:
    """Read a vCard or CSV contacts file; errors are returned, never raised."""
    file = Path(path)
    reader = SourceReader(EntrySource.CONTACTS_FILE, country)
    try:
        return _read_contacts_file(file, reader)
    except Exception as error:  # noqa: BLE001 - a file must not take the account down
        return reader.failed(
            file, FileErrorReason.FILE_UNREADABLE, f"{type(error).__name__}: {error}"
        )


def _read_contacts_file(file: Path, reader: SourceReader) -> PhonebookSource:
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
        error = read_vcards(text, reader, file)
    else:
        error = read_csv(text, reader, file)
    if error is None and not reader.entries:
        error = reader.error(file, FileErrorReason.NO_NUMBERS)
    return reader.result(error)


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
