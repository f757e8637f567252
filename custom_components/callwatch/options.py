"""An entry's options: their form, and their values read once into one typed object."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.helpers.selector import (
    CountrySelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
import voluptuous as vol

from .const import (
    CONF_CALL_EVENTS,
    CONF_CALLED_NUMBERS,
    CONF_CONTACTS_FILE,
    CONF_COUNTRY,
    CONF_CUSTOMER_SCOPE,
    CONF_DIRECTIONS,
    CONF_PHONEBOOK,
    DEFAULT_DIRECTIONS,
    DEFAULT_SCAN_INTERVAL,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .providers import CallDirection, MissedCall

# The options every account has; a provider's own options extend them (its spec).
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(
            CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL.total_seconds()
        ): NumberSelector(
            NumberSelectorConfig(
                min=MIN_SCAN_INTERVAL.total_seconds(),
                max=MAX_SCAN_INTERVAL.total_seconds(),
                step=1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        ),
        vol.Required(CONF_DIRECTIONS, default=list(DEFAULT_DIRECTIONS)): SelectSelector(
            SelectSelectorConfig(
                options=["inbound", "outbound"],
                translation_key=CONF_DIRECTIONS,
                multiple=True,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Required(CONF_CALLED_NUMBERS, default=[]): TextSelector(
            TextSelectorConfig(multiple=True)
        ),
        vol.Optional(CONF_COUNTRY): CountrySelector(),
        vol.Optional(CONF_PHONEBOOK): TextSelector(TextSelectorConfig(multiline=True)),
        vol.Optional(CONF_CONTACTS_FILE): TextSelector(),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallwatchOptions:
    """What an entry's options say, with the defaults for those never set."""

    scan_interval: timedelta
    directions: frozenset[CallDirection]
    # As the user typed them; `MissedCallFilter` reads them as the client does.
    called_numbers: tuple[str, ...]
    # The option, else Home Assistant's country; None where neither is set.
    country: str | None
    phonebook: str | None
    # A name relative to the configuration folder; "" for none.
    contacts_file: str
    # Enswitch: "own", "all" or "recursive"; None where never set.
    customer_scope: str | None
    # VoipNow: have the provider push call events to the webhook.
    call_events: bool

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, home_country: str | None
    ) -> CallwatchOptions:
        """Read options as stored (or as a form gives them) and Home Assistant's country."""
        seconds = options.get(CONF_SCAN_INTERVAL)
        return cls(
            scan_interval=(
                timedelta(seconds=seconds) if seconds else DEFAULT_SCAN_INTERVAL
            ),
            directions=frozenset(
                CallDirection(value)
                for value in options.get(CONF_DIRECTIONS) or DEFAULT_DIRECTIONS
            ),
            called_numbers=tuple(options.get(CONF_CALLED_NUMBERS, ())),
            country=options.get(CONF_COUNTRY) or home_country,
            phonebook=options.get(CONF_PHONEBOOK),
            contacts_file=(options.get(CONF_CONTACTS_FILE) or "").strip(),
            customer_scope=options.get(CONF_CUSTOMER_SCOPE),
            call_events=bool(options.get(CONF_CALL_EVENTS)),
        )

    def missed_call_filter(
        self, read_called_number: Callable[[str], str | None]
    ) -> MissedCallFilter:
        """Return which missed calls count, called numbers read as the client reads them."""
        return MissedCallFilter(
            directions=self.directions,
            called_numbers=frozenset(
                read_called_number(number) or number.strip()
                for number in self.called_numbers
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MissedCallFilter:
    """The missed calls the user asked to watch: their directions and called numbers."""

    directions: frozenset[CallDirection]
    called_numbers: frozenset[str]

    def counts(self, call: MissedCall) -> bool:
        """Return whether a missed call is one the user asked to watch."""
        if call.direction not in self.directions:
            return False
        return not self.called_numbers or call.called_number in self.called_numbers
