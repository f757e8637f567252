"""Repair issues of an account: raised while a problem lasts, cleared when it is gone.

Not named repairs.py: Home Assistant loads that name as a platform of fix flows.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


@callback
def async_set_repair(
    hass: HomeAssistant,
    issue_id: str,
    translation_key: str | None,
    placeholders: dict[str, str] | None = None,
) -> None:
    """Raise the issue `translation_key` says, or clear it where that is None."""
    if translation_key is None:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )
