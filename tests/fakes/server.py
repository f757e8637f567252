"""Run a fake provider's aiohttp application on 127.0.0.1 for a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
import time
from typing import Literal, Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

type Fault = Literal["garbage", "html", "slow", "reset", "empty"]


@dataclass
class FaultPlan:
    """How a fake misbehaves; tests set it, the fake obeys it on every request."""

    status: int | None = None
    fault: Fault | None = None
    delay: float = 0.0
    retry_after: str | None = None
    times: int | None = None
    served: int = field(default=0)

    def take(self) -> bool:
        """Return whether the next request must misbehave."""
        if self.status is None and self.fault is None and not self.delay:
            return False
        if self.times is not None:
            if self.served >= self.times:
                return False
            self.served += 1
        return True


async def misbehave(request: web.Request, plan: FaultPlan) -> web.StreamResponse | None:
    """Answer as the plan says, or return None to let the fake answer normally."""
    if not plan.take():
        return None
    if plan.delay:
        await asyncio.sleep(plan.delay)
    if plan.fault == "garbage":
        return web.Response(
            status=plan.status or 200,
            body=b"{not json",
            content_type="application/json",
        )
    if plan.fault == "html":
        return web.Response(
            status=plan.status or 502,
            text="<html><body><h1>502 Bad Gateway</h1></body></html>",
            content_type="text/html",
        )
    if plan.fault == "empty":
        return web.Response(status=plan.status or 200)
    if plan.fault == "reset":
        response = web.StreamResponse(status=200, headers={"Content-Length": "100000"})
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b'{"responses":[{"code":"200"')
        transport = request.transport
        if transport is not None:
            transport.close()
        return response
    if plan.status is not None:
        headers = {"Retry-After": plan.retry_after} if plan.retry_after else None
        return web.Response(status=plan.status, text="", headers=headers)
    return None


class DatedServer(Protocol):
    """A fake whose replies are dated by its own clock."""

    # Seconds that clock is ahead of the test's (behind if negative).
    clock_offset: float
    # False: replies carry no usable date.
    dates_replies: bool


def dated(server: DatedServer) -> Middleware:
    """Date every reply by the fake's own clock, as a real server does (RFC 9110)."""

    @web.middleware
    async def date(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        response = await handler(request)
        if not response.prepared:
            response.headers["Date"] = (
                formatdate(time.time() + server.clock_offset, usegmt=True)
                if server.dates_replies
                else ""
            )
        return response

    return date


@dataclass
class Traffic:
    """What a fake server was asked and answered, in requests and body bytes."""

    requests: int = 0
    bytes_received: int = 0
    bytes_sent: int = 0


class FakeServer:
    """Serves an application on an ephemeral port of 127.0.0.1, counting its traffic."""

    def __init__(self, app: web.Application) -> None:
        """Keep the application; `start` serves it."""
        self.traffic = Traffic()
        app.middlewares.append(self._count)
        self._runner = web.AppRunner(app, access_log=None, keepalive_timeout=3600)
        self.port = 0

    @web.middleware
    async def _count(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        self.traffic.requests += 1
        self.traffic.bytes_received += len(await request.read())
        response = await handler(request)
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            self.traffic.bytes_sent += len(response.body)
        return response

    async def start(self) -> str:
        """Serve and return the base URL."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        await self._runner.cleanup()


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 while the block runs; give its base URL."""
    server = FakeServer(app)
    try:
        yield await server.start()
    finally:
        await server.stop()
