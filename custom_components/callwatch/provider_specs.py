"""The providers Callwatch knows, one spec each: what every other module asks about one.

The config flow takes a provider's form, secrets, advanced fields and options from here;
`client.py` its client; diagnostics what to redact; the webhook whether it pushes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import (
    CONF_API_URL,
    CONF_APP_ID,
    CONF_CALL_EVENTS,
    CONF_CUSTOMER_SCOPE,
    CONF_EXTENSION,
    CONF_REGION,
    CONF_SECRET,
    REQUEST_TIMEOUT,
)
from .options import CallwatchOptions
from .providers import (
    CallProvider,
    EnswitchClient,
    TelecmiClient,
    TelecmiRegion,
    VoipnowClient,
)

type ClientMaker = Callable[
    [Mapping[str, Any], CallwatchOptions, ClientSession], CallProvider
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSpec:
    """One provider as Home Assistant meets it: its forms, its client, its secrets."""

    # The provider's key: its config-flow step, its strings, `CONF_PROVIDER` in the data.
    provider: str
    # The form of its step; the entry stores its fields flat.
    form: vol.Schema
    # Fields asked again when the provider rejects them, never shown back to the user.
    secret_fields: tuple[str, ...]
    # Fields in a collapsed section that a user opens on purpose (where a local
    # simulator stands in for the API); stored flat beside the form's other fields.
    advanced_fields: Mapping[vol.Marker, Any] = field(default_factory=dict)
    # Options of its own, shown after the options every account has.
    options: Mapping[vol.Marker, Any] = field(default_factory=dict)
    # Calls are pushed to a webhook made with the entry, whose address the user copies.
    pushes_to_webhook: bool = False
    # Told where to push through its API, when the `call_events` option is on.
    registers_call_events: bool = False
    # Entry data and options to a client, on Home Assistant's session.
    make_client: ClientMaker
    # Fields of its data that diagnostics never show: secrets and who the account is.
    redacted: frozenset[str]


PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)


def _enswitch_client(
    data: Mapping[str, Any], options: CallwatchOptions, session: ClientSession
) -> CallProvider:
    scope = options.customer_scope
    return EnswitchClient(
        data[CONF_HOST],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        session=session,
        customer=None if scope in (None, "own") else scope,
        country=options.country,
        called_numbers=options.called_numbers,
        request_timeout=REQUEST_TIMEOUT,
    )


def _telecmi_client(
    data: Mapping[str, Any], options: CallwatchOptions, session: ClientSession
) -> CallProvider:
    return TelecmiClient(
        data[CONF_REGION],
        data[CONF_APP_ID],
        data[CONF_SECRET],
        session=session,
        api_url=data.get(CONF_API_URL) or None,
        country=options.country,
        request_timeout=REQUEST_TIMEOUT,
    )


def _voipnow_client(
    data: Mapping[str, Any], options: CallwatchOptions, session: ClientSession
) -> CallProvider:
    return VoipnowClient(
        data[CONF_HOST],
        data[CONF_CLIENT_ID],
        data[CONF_CLIENT_SECRET],
        session=session,
        extension=data.get(CONF_EXTENSION) or "@self",
        country=options.country,
        request_timeout=REQUEST_TIMEOUT,
    )


ENSWITCH = ProviderSpec(
    provider="enswitch",
    form=vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_USERNAME): TextSelector(
                TextSelectorConfig(autocomplete="username")
            ),
            vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
            vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
        }
    ),
    secret_fields=(CONF_PASSWORD,),
    options={
        vol.Required(CONF_CUSTOMER_SCOPE, default="own"): SelectSelector(
            SelectSelectorConfig(
                options=["own", "all", "recursive"],
                translation_key=CONF_CUSTOMER_SCOPE,
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
    },
    make_client=_enswitch_client,
    redacted=frozenset({CONF_PASSWORD, CONF_USERNAME}),
)

TELECMI = ProviderSpec(
    provider="telecmi",
    form=vol.Schema(
        {
            vol.Required(CONF_REGION, default="india"): SelectSelector(
                SelectSelectorConfig(
                    options=[region.value for region in TelecmiRegion],
                    translation_key=CONF_REGION,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_APP_ID): TextSelector(),
            vol.Required(CONF_SECRET): PASSWORD_SELECTOR,
        }
    ),
    secret_fields=(CONF_SECRET,),
    advanced_fields={vol.Optional(CONF_API_URL): TextSelector()},
    pushes_to_webhook=True,
    make_client=_telecmi_client,
    redacted=frozenset({CONF_SECRET, CONF_APP_ID}),
)

VOIPNOW = ProviderSpec(
    provider="voipnow",
    form=vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_CLIENT_ID): TextSelector(),
            vol.Required(CONF_CLIENT_SECRET): PASSWORD_SELECTOR,
            vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
            vol.Optional(CONF_EXTENSION, default="@self"): TextSelector(),
        }
    ),
    secret_fields=(CONF_CLIENT_SECRET,),
    options={vol.Required(CONF_CALL_EVENTS, default=False): BooleanSelector()},
    registers_call_events=True,
    make_client=_voipnow_client,
    redacted=frozenset({CONF_CLIENT_ID, CONF_CLIENT_SECRET}),
)

# In the order the config flow offers them.
PROVIDER_SPECS: Mapping[str, ProviderSpec] = {
    spec.provider: spec for spec in (ENSWITCH, TELECMI, VOIPNOW)
}
