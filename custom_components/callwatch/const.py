"""Constants for the Callwatch integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "callwatch"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=30)

EVENT_MISSED_CALL: Final = "callwatch_missed_call"
