"""Exceptions raised by the Callwatch provider clients."""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every error a provider client raises."""


class ProviderConnectionError(ProviderError):
    """The provider could not be reached, or did not answer in time."""


class ProviderAuthenticationError(ProviderError):
    """The provider rejected the credentials."""


class ProviderPermissionError(ProviderError):
    """The credentials are valid, but the account may not do this."""


class ProviderResponseError(ProviderError):
    """The provider answered with an error or with a reply that cannot be used."""


class ProviderRateLimitError(ProviderResponseError):
    """The provider asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep how long the provider asked us to wait, in seconds."""
        super().__init__(message)
        self.retry_after = retry_after
