"""The Callwatch dashboard card: served by Home Assistant, loaded by its frontend."""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.frontend import add_extra_js_url

# Defined here up to 2025.x; later releases define it in `http.server` and re-export it
# here without saying so to mypy, so the import from here works on every release.
from homeassistant.components.http import (  # type: ignore[attr-defined,unused-ignore]
    StaticPathConfig,
)
from homeassistant.core import HomeAssistant

CARD_FILE = Path(__file__).parent / "www" / "callwatch-card.js"
CARD_URL = "/callwatch/callwatch-card.js"


def _content_version() -> str:
    """Return a short hash of the built card, so that a new build is a new URL."""
    return hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and have every dashboard load it."""
    # Home Assistant run without its frontend (headless) shows no dashboards.
    if "frontend" not in hass.config.components:
        return
    version = await hass.async_add_executor_job(_content_version)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    add_extra_js_url(hass, f"{CARD_URL}?v={version}")
