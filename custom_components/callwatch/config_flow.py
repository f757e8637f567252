"""Config flow: pick a provider, then fill in and check that provider's form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .callers import contacts_file_path
from .client import async_load_number_metadata, create_client, read_options
from .const import (
    CONF_CALLED_NUMBERS,
    CONF_CONTACTS_FILE,
    CONF_DIRECTIONS,
    CONF_PHONEBOOK,
    CONF_PROVIDER,
    DOMAIN,
    LOGGER,
)
from .options import OPTIONS_SCHEMA
from .phonebook import read_contacts_file, read_typed_entries
from .provider_specs import PROVIDER_SPECS
from .providers import (
    Account,
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderError,
    ProviderPermissionError,
)
from .schema import ha_schema

# Where a provider's advanced fields are shown: a section the user opens on purpose.
SECTION_ADVANCED = "advanced"


class CallwatchConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one telephony account."""

    VERSION = 1
    # 2: unique ids built from the normalised host (no default port, trailing dot).
    MINOR_VERSION = 2

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> CallwatchOptionsFlow:
        """Return the options flow."""
        return CallwatchOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which provider the account is with."""
        if user_input is not None:
            return await self._async_provider_step(user_input[CONF_PROVIDER], None)
        return self.async_show_form(
            step_id="user",
            data_schema=ha_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_PROVIDER): SelectSelector(
                            SelectSelectorConfig(
                                options=list(PROVIDER_SPECS),
                                translation_key=CONF_PROVIDER,
                                mode=SelectSelectorMode.LIST,
                            )
                        )
                    }
                )
            ),
        )

    async def _async_provider_step(
        self, provider: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Check a provider's form live, then create or update the entry."""
        spec = PROVIDER_SPECS[provider]
        errors: dict[str, str] = {}
        reconfiguring = self.source == SOURCE_RECONFIGURE
        if user_input is not None:
            data = {CONF_PROVIDER: provider, **_flat(user_input)}
            if reconfiguring:
                # What the form does not show (a webhook id) stays as it was; an
                # optional field left empty is gone.
                data = {
                    **{
                        key: value
                        for key, value in self._get_reconfigure_entry().data.items()
                        if key not in _form_fields(provider)
                    },
                    **data,
                }
            elif spec.pushes_to_webhook:
                data[CONF_WEBHOOK_ID] = webhook.async_generate_id()
            options = self._get_reconfigure_entry().options if reconfiguring else {}
            account, errors = await _async_check_account(self.hass, data, options)
            if account is not None:
                await self.async_set_unique_id(account.unique_id)
                if reconfiguring:
                    # The same account only: a new address for it, new secrets.
                    self._abort_if_unique_id_mismatch(reason="wrong_account")
                    return self.async_update_reload_and_abort(
                        self._get_reconfigure_entry(), title=account.name, data=data
                    )
                self._abort_if_unique_id_configured()
                if spec.pushes_to_webhook:
                    return self.async_create_entry(
                        title=account.name,
                        data=data,
                        description="webhook",
                        description_placeholders={
                            "webhook_url": _webhook_url(
                                self.hass, data[CONF_WEBHOOK_ID]
                            )
                        },
                    )
                return self.async_create_entry(title=account.name, data=data)
        elif reconfiguring:
            user_input = _sectioned(
                provider,
                {
                    key: value
                    for key, value in self._get_reconfigure_entry().data.items()
                    if key not in spec.secret_fields
                },
            )
        return self.async_show_form(
            step_id=provider,
            data_schema=self.add_suggested_values_to_schema(
                ha_schema(_provider_schema(provider)), user_input
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the host or credentials of an account, keeping its entities."""
        provider: str = self._get_reconfigure_entry().data[CONF_PROVIDER]
        return await self._async_provider_step(provider, None)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask again for the secrets the provider rejected."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new secrets against the same account."""
        entry = self._get_reauth_entry()
        provider: str = entry.data[CONF_PROVIDER]
        errors: dict[str, str] = {}
        if user_input is not None:
            account, errors = await _async_check_account(
                self.hass, {**entry.data, **user_input}, entry.options
            )
            if account is not None:
                await self.async_set_unique_id(account.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        spec = PROVIDER_SPECS[provider]
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=ha_schema(
                vol.Schema(
                    {
                        key: selector
                        for key, selector in spec.form.schema.items()
                        if key in spec.secret_fields
                    }
                )
            ),
            description_placeholders={"account": entry.title},
            errors=errors,
        )


def _provider_step(
    provider: str,
) -> Callable[
    [CallwatchConfigFlow, dict[str, Any] | None], Awaitable[ConfigFlowResult]
]:
    """Return the step that shows and checks one provider's form."""

    async def step(
        flow: CallwatchConfigFlow, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await flow._async_provider_step(provider, user_input)  # noqa: SLF001

    step.__doc__ = f"Ask for the {provider} account's form."
    return step


# Home Assistant finds a form's step by its id: one step per provider of the table.
for _provider in PROVIDER_SPECS:
    setattr(CallwatchConfigFlow, f"async_step_{_provider}", _provider_step(_provider))


class CallwatchOptionsFlow(OptionsFlow):
    """Change how often an account is polled and which missed calls count."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options; an account with a webhook also sees its address again."""
        if CONF_WEBHOOK_ID in self.config_entry.data:
            return await self.async_step_push_options(user_input)
        return await self._async_options_step("init", user_input)

    async def async_step_push_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options of an account that pushes to a webhook."""
        return await self._async_options_step("push_options", user_input)

    async def _async_options_step(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Check the options, provider options against the account too."""
        provider: str = self.config_entry.data[CONF_PROVIDER]
        provider_options = PROVIDER_SPECS[provider].options
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if CONF_WEBHOOK_ID in self.config_entry.data:
            placeholders["webhook_url"] = _webhook_url(
                self.hass, self.config_entry.data[CONF_WEBHOOK_ID]
            )
        if user_input is not None:
            user_input[CONF_CALLED_NUMBERS] = [
                number.strip()
                for number in user_input[CONF_CALLED_NUMBERS]
                if number.strip()
            ]
            if not user_input[CONF_DIRECTIONS]:
                errors[CONF_DIRECTIONS] = "no_direction"
            elif phonebook_errors := await _async_check_phonebook(
                self.hass, user_input, placeholders
            ):
                errors = phonebook_errors
            elif provider_options:
                _, errors = await _async_check_account(
                    self.hass, self.config_entry.data, user_input
                )
                if errors.get("base") == "insufficient_permissions":
                    errors = {"base": "scope_not_allowed"}
            if not errors:
                # Applied and reloaded here, once: an update listener would reload
                # the entry a second time after a reauth or a reconfigure.
                if self.hass.config_entries.async_update_entry(
                    self.config_entry, options=user_input
                ):
                    self.hass.config_entries.async_schedule_reload(
                        self.config_entry.entry_id
                    )
                return self.async_create_entry(data=user_input)
        schema = ha_schema(OPTIONS_SCHEMA.extend(provider_options))
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders=placeholders or None,
        )


async def _async_check_phonebook(
    hass: HomeAssistant, user_input: dict[str, Any], placeholders: dict[str, str]
) -> dict[str, str]:
    """Read the phonebook the options give; return form errors for what is wrong.

    The first unreadable typed line, or what keeps the contacts file from being read,
    is named by its line in `placeholders`.
    """
    country = read_options(hass, user_input).country
    await async_load_number_metadata(hass)
    typed = read_typed_entries(user_input.get(CONF_PHONEBOOK), country)
    if typed.problems:
        problem = typed.problems[0]
        placeholders.update(line=str(problem.line), text=problem.text)
        return {CONF_PHONEBOOK: f"phonebook_{problem.reason}"}
    name = (user_input.get(CONF_CONTACTS_FILE) or "").strip()
    if not name:
        return {}
    path = contacts_file_path(hass, name)
    if path is None:
        return {CONF_CONTACTS_FILE: "contacts_outside_config"}
    contacts = await hass.async_add_executor_job(read_contacts_file, path, country)
    if (error := contacts.error) is None:
        if (first := contacts.first_unreadable) is None:
            return {}
        placeholders.update(
            path=name,
            count=str(contacts.unreadable_contacts),
            line=str(first.line),
            detail=first.text,
        )
        return {CONF_CONTACTS_FILE: "contacts_unreadable_contacts"}
    placeholders.update(
        path=name, line=str(error.line or ""), detail=error.detail or error.reason
    )
    return {CONF_CONTACTS_FILE: f"contacts_{error.reason}"}


def _provider_schema(provider: str) -> vol.Schema:
    """Return a provider's form, its advanced fields in a collapsed section.

    Built anew for every form: Home Assistant 2025.4 writes suggested values into the
    section it is given.
    """
    spec = PROVIDER_SPECS[provider]
    schema = spec.form
    if spec.advanced_fields:
        schema = schema.extend(
            {
                vol.Optional(SECTION_ADVANCED): section(
                    ha_schema(vol.Schema(spec.advanced_fields)),
                    {"collapsed": True},
                )
            }
        )
    return schema


def _form_fields(provider: str) -> set[str]:
    """Return the names of every field of a provider's form, sections opened."""
    spec = PROVIDER_SPECS[provider]
    markers = [*spec.form.schema, *spec.advanced_fields]
    return {str(marker) for marker in markers}


def _flat(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return a form's input with the advanced section's fields at the top level."""
    flat = {key: value for key, value in user_input.items() if key != SECTION_ADVANCED}
    flat.update(user_input.get(SECTION_ADVANCED, {}))
    return flat


def _sectioned(provider: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return entry data shaped as a provider's form: advanced fields in their section."""
    advanced = {str(marker) for marker in PROVIDER_SPECS[provider].advanced_fields}
    shaped = {key: value for key, value in data.items() if key not in advanced}
    if advanced:
        shaped[SECTION_ADVANCED] = {
            key: value for key, value in data.items() if key in advanced
        }
    return shaped


def _webhook_url(hass: HomeAssistant, webhook_id: str) -> str:
    """Return the webhook's address, or its path where no address is configured."""
    try:
        return webhook.async_generate_url(hass, webhook_id)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


async def _async_check_account(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> tuple[Account | None, dict[str, str]]:
    """Ask the provider who the credentials belong to; return it or form errors."""
    # A flow may come before the integration is set up, and reads numbers on the loop.
    await async_load_number_metadata(hass)
    try:
        account = await create_client(hass, data, read_options(hass, options)).account()
    except ValueError:
        return None, {CONF_HOST: "invalid_host"}
    except ProviderAuthenticationError:
        return None, {"base": "invalid_auth"}
    except ProviderPermissionError:
        return None, {"base": "insufficient_permissions"}
    except ProviderConnectionError:
        return None, {"base": "cannot_connect"}
    except ProviderError as err:
        LOGGER.debug("Unexpected answer while checking the account: %s", err)
        return None, {"base": "invalid_response"}
    except Exception:  # noqa: BLE001 - a bug must not leave the form stuck
        LOGGER.exception("Unexpected error while checking the account")
        return None, {"base": "unknown"}
    return account, {}
