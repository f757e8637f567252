"""Constants for the Callwatch integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "callwatch"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
# TeleCMI.
CONF_REGION: Final = "region"
CONF_APP_ID: Final = "app_id"
CONF_SECRET: Final = "secret"  # noqa: S105 - a field name, not a secret
CONF_API_URL: Final = "api_url"
# VoipNow.
CONF_EXTENSION: Final = "extension"

# Options.
CONF_DIRECTIONS: Final = "directions"
CONF_CALLED_NUMBERS: Final = "called_numbers"
CONF_CUSTOMER_SCOPE: Final = "customer_scope"
CONF_COUNTRY: Final = "country"
CONF_PHONEBOOK: Final = "phonebook"
CONF_CONTACTS_FILE: Final = "contacts_file"
CONF_CALL_EVENTS: Final = "call_events"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=30)
# Bounds of the poll interval a user may choose, so that nobody hammers a provider.
MIN_SCAN_INTERVAL: Final = timedelta(seconds=15)
MAX_SCAN_INTERVAL: Final = timedelta(hours=1)
DEFAULT_DIRECTIONS: Final = ("inbound",)
# How long a provider has to answer one request, in seconds.
REQUEST_TIMEOUT: Final = 15.0

EVENT_MISSED_CALL: Final = "callwatch_missed_call"
