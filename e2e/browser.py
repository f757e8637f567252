"""Headless Chromium driven over the DevTools protocol, with what its console said."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import itertools
import json
from pathlib import Path
import shutil
import socket
import time
from typing import Any

import aiohttp

from simulator.homeassistant import Tokens, start_process, stop_process, wait_until_up

# Finds elements through every shadow root: Home Assistant's pages are nested custom
# elements. Defined on the page as `window.callwatchFind(selector)`.
DEEP_FIND = """
window.callwatchFind = (selector, root = document) => {
  const found = [...root.querySelectorAll(selector)];
  for (const element of root.querySelectorAll("*")) {
    if (element.shadowRoot) found.push(...window.callwatchFind(selector, element.shadowRoot));
  }
  return found;
};
"""


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Page:
    """One browser tab: commands, and the console errors seen while they ran."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Drive the tab behind a DevTools WebSocket."""
        self._ws = ws
        self._ids = itertools.count(1)
        self.console_errors: list[str] = []
        # Home Assistant's address: failed loads from elsewhere (the card picker's
        # previews fetch pictures from demo.home-assistant.io) fail offline, not here.
        self.origin: str | None = None
        self.elsewhere_errors: list[str] = []
        # The frontend's WebSocket commands by id, and those Home Assistant did not know:
        # a rejected command surfaces in the console only as its error object.
        self._commands: dict[int, str] = {}
        self.unknown_commands: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result, noting the events that came first."""
        number = next(self._ids)
        await self._ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            self._note(message)

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            thrown = details.get("exception", {})
            text = thrown.get("description") or details["text"]
            # A thrown plain object describes itself as "Object": say what is in it,
            # and where it was thrown, so that a failed run names the cause.
            fields = {
                prop["name"]: prop.get("value")
                for prop in thrown.get("preview", {}).get("properties", [])
            }
            frames = details.get("stackTrace", {}).get("callFrames", [])
            where = [f"{frame['url']}:{frame['lineNumber']}" for frame in frames[:3]]
            origin = details.get("url", "")
            self.console_errors.append(
                f"exception: {text} {fields or ''} at {where or origin}".rstrip()
            )
        elif method == "Runtime.consoleAPICalled" and params["type"] in (
            "error",
            "assert",
        ):
            words = [
                str(arg.get("value", arg.get("description", "")))
                for arg in params["args"]
            ]
            self.console_errors.append(f"console.{params['type']}: {' '.join(words)}")
        elif method == "Network.webSocketFrameSent":
            self._note_frame(params["response"]["payloadData"], sent=True)
        elif method == "Network.webSocketFrameReceived":
            self._note_frame(params["response"]["payloadData"], sent=False)
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            text = f"log: {entry['text']} {entry.get('url', '')}".strip()
            url = entry.get("url", "")
            if entry.get("source") == "network" and not url.startswith(
                self.origin or url
            ):
                self.elsewhere_errors.append(text)
            else:
                self.console_errors.append(text)

    def _note_frame(self, payload: str, *, sent: bool) -> None:
        try:
            messages = json.loads(payload)
        except ValueError:
            return
        for message in messages if isinstance(messages, list) else [messages]:
            if not isinstance(message, dict) or not isinstance(message.get("id"), int):
                continue
            if sent:
                self._commands[message["id"]] = str(message.get("type"))
                if len(self._commands) > 1000:
                    del self._commands[next(iter(self._commands))]
            elif (message.get("error") or {}).get("code") == "unknown_command":
                self.unknown_commands.append(
                    self._commands.get(message["id"], f"id {message['id']}")
                )

    async def evaluate(self, expression: str) -> Any:
        """Return the value of a JavaScript expression (a promise is awaited)."""
        result = await self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def navigate(self, url: str) -> None:
        """Open a URL (`wait_for` then waits for what it must show)."""
        await self.call("Page.navigate", url=url)

    async def wait_for(
        self, expression: str, timeout: float, what: str, interval: float = 0.5
    ) -> Any:
        """Return an expression's value once it is truthy; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.evaluate(f"{DEEP_FIND}\n{expression}")
            except RuntimeError as err:
                # The page was navigating: its old document is gone.
                if "navigated" not in str(err) and "context" not in str(err):
                    raise
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {value!r}")
            await asyncio.sleep(interval)

    async def viewport(self, width: int, height: int, *, mobile: bool) -> None:
        """Size the page as a device of that width would."""
        await self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    async def color_scheme(self, scheme: str) -> None:
        """Make the page see the system's light or dark preference."""
        await self.call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": scheme}],
        )

    async def screenshot(self, target: Path) -> int:
        """Save what the page shows as a PNG; return its size in bytes."""
        shot = await self.call("Page.captureScreenshot", format="png")
        target.write_bytes(base64.b64decode(shot["data"]))
        return target.stat().st_size


@asynccontextmanager
async def chromium_page(workdir: Path) -> AsyncIterator[Page]:
    """Start headless Chromium and yield its tab; stop it afterwards."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium is not installed (scripts/e2e installs it)")
    port = free_port()
    browser = start_process(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={workdir / 'chromium'}",
            "--window-size=1280,800",
            "about:blank",
        ],
        workdir / "chromium.log",
    )
    try:
        async with aiohttp.ClientSession() as session:
            await wait_until_up(
                session, f"http://127.0.0.1:{port}/json/version", 30, browser
            )
            async with session.get(f"http://127.0.0.1:{port}/json") as response:
                pages = await response.json()
            target = next(page for page in pages if page["type"] == "page")
            async with session.ws_connect(
                target["webSocketDebuggerUrl"], max_msg_size=0
            ) as ws:
                page = Page(ws)
                for domain in ("Page", "Runtime", "Log", "Network"):
                    await page.call(f"{domain}.enable")
                yield page
    finally:
        stop_process(browser)


async def log_in(page: Page, base: str, tokens: Tokens) -> None:
    """Store the owner's tokens where the frontend looks for them."""
    page.origin = f"{base}/"
    await page.navigate(f"{base}/")
    await page.wait_for("document.readyState === 'complete'", 30, "the first page")
    stored = {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "refresh_token": tokens.refresh_token,
        "hassUrl": base,
        "clientId": f"{base}/",
        "expires": int(time.time() * 1000) + tokens.expires_in * 1000,
    }
    await page.evaluate(
        f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(stored))})"
    )
