"""Async clients for cloud telephony providers; free of Home Assistant."""

from .base import CallProvider
from .enswitch import EnswitchClient
from .exceptions import (
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderError,
    ProviderPermissionError,
    ProviderRateLimitError,
    ProviderResponseError,
)
from .models import Account, ActiveCall, CallDirection, MissedCall

__all__ = [
    "Account",
    "ActiveCall",
    "CallDirection",
    "CallProvider",
    "EnswitchClient",
    "MissedCall",
    "ProviderAuthenticationError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderPermissionError",
    "ProviderRateLimitError",
    "ProviderResponseError",
]
