"""Async clients for cloud telephony providers; free of Home Assistant."""

from .base import CallEventsProvider, CallProvider, PushingProvider
from .enswitch import EnswitchClient
from .exceptions import (
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderError,
    ProviderPermissionError,
    ProviderRateLimitError,
    ProviderResponseError,
)
from .models import Account, ActiveCall, CallDirection, CallPush, MissedCall
from .numbers import (
    Number,
    canonical_number,
    country_free_digits,
    load_metadata,
    number_for_reading,
    read_number,
)
from .telecmi import TelecmiClient, TelecmiRegion
from .voipnow import VoipnowClient

__all__ = [
    "Account",
    "ActiveCall",
    "CallDirection",
    "CallEventsProvider",
    "CallProvider",
    "CallPush",
    "EnswitchClient",
    "MissedCall",
    "Number",
    "ProviderAuthenticationError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderPermissionError",
    "ProviderRateLimitError",
    "ProviderResponseError",
    "PushingProvider",
    "TelecmiClient",
    "TelecmiRegion",
    "VoipnowClient",
    "canonical_number",
    "country_free_digits",
    "load_metadata",
    "number_for_reading",
    "read_number",
]
