"""Where Callwatch's voluptuous schemas are handed to Home Assistant."""

from __future__ import annotations

from typing import Any

import voluptuous as vol


def ha_schema(schema: vol.Schema) -> Any:
    """Return a schema typed as whatever Home Assistant's forms and actions take.

    Up to 2026.8 Home Assistant validates with voluptuous and types its signatures with
    it. From 2026.9 it validates with probatio, a drop-in that it installs under the
    name `voluptuous` when it starts, so `vol.Schema` is already a probatio schema at
    run time; only the static types differ, and this is where they meet.
    """
    return schema
