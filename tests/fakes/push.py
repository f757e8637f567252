"""A fake push gateway of the Home Assistant Companion apps.

Home Assistant's mobile_app integration POSTs each notification for a phone, as JSON, to
the push URL the app registered; the gateway answers 201. This one keeps what it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PATH = "/push"


@dataclass
class FakePushGateway:
    """What a push gateway was asked to deliver."""

    notifications: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application()
        app.router.add_post(PATH, self._push)
        return app

    async def _push(self, request: web.Request) -> web.Response:
        self.notifications.append(await request.json())
        return web.json_response({}, status=201)
