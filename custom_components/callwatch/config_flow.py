"""Config flow: pick a provider, then fill in and check that provider's form."""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
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
        return await self._async_provider_step("enswitch", ENSWITCH_SCHEMA, user_input)

    async def _async_provider_step(
        self, provider: str, schema: vol.Schema, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Check a provider's form live and create the entry."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_PROVIDER: provider, **user_input}
            account, errors = await self._async_check(data)
            if account is not None:
                await self.async_set_unique_id(account.unique_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=account.name, data=data)
        return self.async_show_form(
            step_id=provider,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
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
        except Exception:
            LOGGER.exception("Unexpected error while checking the account")
            return None, {"base": "unknown"}
        return account, {}
