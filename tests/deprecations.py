"""What counts as Home Assistant telling us that we use something it deprecated."""

from __future__ import annotations

from collections.abc import Iterable
import logging
from pathlib import Path
import re
import warnings

from custom_components.callwatch.const import DOMAIN

INTEGRATION = Path(__file__).parent.parent / "custom_components" / DOMAIN
# Whatever the wording of a release: "Detected that custom integration 'callwatch' ...
# This will stop working in ...", "The deprecated function ... was called from
# callwatch. It will be removed in ...", "... which breaks in 2026.12".
WARNING_WORDS = re.compile(r"deprecat|detected|breaks|removed in|stop working", re.I)
MENTIONS_US = re.compile(rf"\b{DOMAIN}\b")


def deprecation_records(records: Iterable[logging.LogRecord]) -> list[str]:
    """Return the warnings that Home Assistant's loggers logged about our use of it."""
    return [
        record.getMessage()
        for record in records
        if record.levelno >= logging.WARNING
        and (record.name == "homeassistant" or record.name.startswith("homeassistant."))
        and MENTIONS_US.search(record.getMessage())
        and WARNING_WORDS.search(record.getMessage())
    ]


def deprecation_warnings(caught: Iterable[warnings.WarningMessage]) -> list[str]:
    """Return the DeprecationWarnings raised where our integration's code called."""
    return [
        f"{caught_warning.filename}:{caught_warning.lineno}: {caught_warning.message}"
        for caught_warning in caught
        if issubclass(caught_warning.category, DeprecationWarning)
        and Path(caught_warning.filename)
        .resolve()
        .is_relative_to(INTEGRATION.resolve())
    ]
