"""The guard against deprecated Home Assistant APIs catches every kind of warning.

Each kind is raised for real, by Home Assistant's own helpers, from code that runs as
if it were a line of our integration; then the guard's functions must find it.
"""

from __future__ import annotations

import logging
from typing import Any
import warnings

from homeassistant.core import HomeAssistant
from homeassistant.helpers.deprecation import deprecated_function
from homeassistant.helpers.frame import report_usage
import pytest

from .deprecations import INTEGRATION, deprecation_records, deprecation_warnings


def _run_as_callwatch(source: str, **names: Any) -> None:
    """Run source code as a line of the integration, so that the frame is ours."""
    code = compile(source, str(INTEGRATION / "__init__.py"), "exec")
    exec(code, names)  # noqa: S102 - our own fixed snippets


async def test_detected_that_custom_integration_is_caught(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Detected that custom integration is caught."""
    _run_as_callwatch(
        "report_usage('uses a retired API', breaks_in_ha_version='2099.1.0')",
        report_usage=report_usage,
    )
    found = deprecation_records(caplog.records)
    assert len(found) == 1
    assert "Detected that custom integration 'callwatch' uses a retired API" in found[0]
    caplog.clear()


async def test_deprecated_function_called_from_callwatch_is_caught(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Deprecated function called from callwatch is caught."""

    def retired() -> None:
        """Stand for a function of Home Assistant that it deprecated."""

    retired.__module__ = "homeassistant.config_entries"
    retired = deprecated_function("its successor", breaks_in_ha_version="2099.1.0")(
        retired
    )
    _run_as_callwatch("retired()", retired=retired)
    found = deprecation_records(caplog.records)
    assert len(found) == 1
    # 2025.4 says "retired was called from callwatch, this is a deprecated function",
    # 2026.x "The deprecated function retired was called from callwatch".
    assert "retired was called from callwatch" in found[0]
    caplog.clear()


def test_deprecation_warning_from_our_code_is_caught() -> None:
    """Deprecation warning from our code is caught."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run_as_callwatch(
            "warnings.warn('old', DeprecationWarning, stacklevel=1)",
            warnings=warnings,
        )
        warnings.warn("not ours", DeprecationWarning, stacklevel=1)
        warnings.warn("ours, but no deprecation", UserWarning, stacklevel=1)
    [found] = deprecation_warnings(caught)
    assert found.endswith("__init__.py:1: old")


def test_other_warnings_are_not_caught() -> None:
    """Warnings that are not about deprecated use by us are let through."""

    def record(name: str, level: int, message: str) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, message, None, None)

    assert not deprecation_records(
        [
            # Logged for every custom integration: not about a deprecation.
            record(
                "homeassistant.loader",
                logging.WARNING,
                "We found a custom integration callwatch which has not been tested",
            ),
            record(
                "homeassistant.helpers.frame",
                logging.WARNING,
                "Detected that custom integration 'other' uses a retired API",
            ),
            record(
                "custom_components.callwatch",
                logging.WARNING,
                "callwatch: a deprecated field in the reply",
            ),
            record(
                "homeassistant.helpers.frame",
                logging.INFO,
                "Detected that custom integration 'callwatch' does something",
            ),
        ]
    )
