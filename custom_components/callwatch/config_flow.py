"""Config flow: pick a provider, then fill in and check that provider's form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
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

from .client import CLIENT_FACTORIES, create_client
from .const import CONF_PROVIDER, DOMAIN, LOGGER
from .providers import (
    Account,
    ProviderAuthenticationError,
    ProviderConnectionError,
    ProviderError,
    ProviderPermissionError,
)

PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)

ENSWITCH_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_USERNAME): TextSelector(
            TextSelectorConfig(autocomplete="username")
        ),
        vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
    }
)


# Per provider: the form of its step, and which of its fields are secrets (asked again
# when the provider rejects them, never shown back to the user).
PROVIDER_SCHEMAS: dict[str, vol.Schema] = {"enswitch": ENSWITCH_SCHEMA}
SECRET_FIELDS: dict[str, tuple[str, ...]] = {"enswitch": (CONF_PASSWORD,)}


class CallwatchConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one telephony account."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which provider the account is with."""
        if user_input is not None:
            step = getattr(self, f"async_step_{user_input[CONF_PROVIDER]}")
            result: ConfigFlowResult = await step()
            return result
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PROVIDER): SelectSelector(
                        SelectSelectorConfig(
                            options=list(CLIENT_FACTORIES),
                            translation_key=CONF_PROVIDER,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_enswitch(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for an Enswitch host and the account's credentials."""
        return await self._async_provider_step("enswitch", user_input)

    async def _async_provider_step(
        self, provider: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Check a provider's form live, then create or update the entry."""
        errors: dict[str, str] = {}
        schema = PROVIDER_SCHEMAS[provider]
        if user_input is not None:
            data = {CONF_PROVIDER: provider, **user_input}
            account, errors = await self._async_check(data)
            if account is not None:
                await self.async_set_unique_id(account.unique_id)
                if self.source == SOURCE_RECONFIGURE:
                    entry = self._get_reconfigure_entry()
                    if account.unique_id != entry.unique_id:
                        self._abort_if_unique_id_configured()
                    return self.async_update_reload_and_abort(
                        entry,
                        unique_id=account.unique_id,
                        title=account.name,
                        data=data,
                    )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=account.name, data=data)
        elif self.source == SOURCE_RECONFIGURE:
            secrets = SECRET_FIELDS[provider]
            user_input = {
                key: value
                for key, value in self._get_reconfigure_entry().data.items()
                if key not in secrets
            }
        return self.async_show_form(
            step_id=provider,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
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
            account, errors = await self._async_check({**entry.data, **user_input})
            if account is not None:
                await self.async_set_unique_id(account.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        secrets = SECRET_FIELDS[provider]
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    key: selector
                    for key, selector in PROVIDER_SCHEMAS[provider].schema.items()
                    if key in secrets
                }
            ),
            description_placeholders={"account": entry.title},
            errors=errors,
        )

    async def _async_check(
        self, data: dict[str, Any]
    ) -> tuple[Account | None, dict[str, str]]:
        """Ask the provider who these credentials belong to."""
        try:
            account = await create_client(self.hass, data).account()
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
