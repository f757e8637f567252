"""vCard contacts files (2.1, 3.0, 4.0), read a card at a time with vobject."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import io
from pathlib import Path
import re
from typing import Any
from urllib.parse import unquote

import vobject
from vobject.base import ParseError, VObjectError, getLogicalLines

from .model import ContactsFileError, FileErrorReason, ProblemReason
from .source_reader import SourceReader

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


def read_vcards(
    text: str, reader: SourceReader, file: Path
) -> ContactsFileError | None:
    """Read a vCard file's cards into `reader`; return why it has none, if it has none."""
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


def _add_card(card: _Card, reader: SourceReader) -> None:
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


def _card_name(card: _Card, reader: SourceReader) -> str | None:
    """Return the first FN that makes a name, else the first N, else the first ORG."""
    for value in (*card.full_names, *card.structured_names, *card.organizations):
        if name := reader.name(value):
            return name
    return None


def _unterminated(
    card_text: _CardText, card: _Card | None, reader: SourceReader
) -> None:
    name = _card_name(card, reader) if card else None
    reader.problem(
        card_text.line,
        ProblemReason.UNTERMINATED_CONTACT,
        name or "BEGIN:VCARD",
        card_text.position,
    )


def _unreadable(card_text: _CardText, error: Exception, reader: SourceReader) -> None:
    """Report a card vobject could not read, at the line it names if it names one."""
    if isinstance(error, VObjectError):
        message = error.msg
        line = card_text.line_finder()(getattr(error, "lineNumber", None))
    else:
        message = str(error)
        line = card_text.line
    reader.problem(line, ProblemReason.UNREADABLE_CONTACT, message, card_text.position)
