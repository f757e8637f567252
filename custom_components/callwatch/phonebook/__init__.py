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

from .contacts_file import (
    CSV_SUFFIXES,
    MAX_CONTACTS_FILE_BYTES,
    VCARD_SUFFIXES,
    read_contacts_file,
)
from .model import (
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
)
from .source_reader import MAX_NAME_LENGTH
from .typed import read_typed_entries

__all__ = [
    "CSV_SUFFIXES",
    "MAX_CONTACTS_FILE_BYTES",
    "MAX_NAME_LENGTH",
    "MAX_PROBLEMS",
    "MAX_PROBLEM_TEXT",
    "VCARD_SUFFIXES",
    "ContactsFileError",
    "EntrySource",
    "FileErrorReason",
    "Phonebook",
    "PhonebookEntry",
    "PhonebookSource",
    "Problem",
    "ProblemReason",
    "read_contacts_file",
    "read_typed_entries",
]
