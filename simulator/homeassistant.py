"""Drive a real Home Assistant over its own HTTP API: start, onboard, log in, add entries.

Used by `scripts/develop` and by the end-to-end test; nothing here is mocked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import os
from pathlib import Path
import shlex
import signal
import subprocess
import sys
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).parent.parent
CONFIGURATION = """\
homeassistant:
  name: Callwatch
  time_zone: UTC
  country: NZ
  unit_system: metric
http:
  server_host: 127.0.0.1
  server_port: {port}
frontend:
config:
api:
# What default_config brings and the frontend asks about: the history, the logbook and
# the energy preferences (without them its requests fail, now and then uncaught).
recorder:
history:
logbook:
energy:
logger:
  default: warning
  logs:
    custom_components.callwatch: debug
"""


@dataclass
class Tokens:
    """A logged-in session of Home Assistant's HTTP API."""

    access_token: str
    refresh_token: str
    expires_in: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def prepare_config(config: Path, port: int) -> None:
    """Write a small configuration and load the integration from this checkout."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    custom = config / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "callwatch"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / "callwatch")


def start_process(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own group, so that stopping it stops its children too."""
    with log.open("ab") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a process group: politely, then for certain."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def hass_command() -> list[str]:
    """Return the command that runs Home Assistant.

    CALLWATCH_HASS names another one, such as a release that needs Python 3.14:
    `scripts/python314 .matrix/e2e-newest/bin/hass`. Its process must stay in the
    group it is started in (commands that exec, as scripts/python314 does), so that
    stopping the group stops it.
    """
    if command := os.environ.get("CALLWATCH_HASS"):
        return shlex.split(command)
    return [str(Path(sys.executable).parent / "hass")]


def start_hass(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start Home Assistant on the configuration directory."""
    return start_process([*hass_command(), "-c", str(config), "--log-no-color"], log)


def start_simulator(port: int, seed: int, log: Path) -> subprocess.Popen[bytes]:
    """Start the provider simulator."""
    return start_process(
        [sys.executable, "-m", "simulator", "--port", str(port), "--seed", str(seed)],
        log,
    )


async def wait_until_up(
    session: aiohttp.ClientSession,
    url: str,
    timeout: float,
    process: subprocess.Popen[bytes],
) -> None:
    """Wait for a server to answer, failing early if its process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            async with session.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f} s")


async def _token(session: aiohttp.ClientSession, base: str, code: str) -> Tokens:
    async with session.post(
        f"{base}/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": f"{base}/",
        },
    ) as response:
        response.raise_for_status()
        body = await response.json()
    return Tokens(body["access_token"], body["refresh_token"], body["expires_in"])


async def onboard_or_login(
    session: aiohttp.ClientSession, base: str, username: str, password: str
) -> Tokens:
    """Create the owner on a new instance and finish onboarding, or log in."""
    async with session.get(f"{base}/api/onboarding") as response:
        steps = await response.json() if response.status == 200 else []
    user_done = (
        any(step["step"] == "user" and step["done"] for step in steps) or not steps
    )
    if not user_done:
        async with session.post(
            f"{base}/api/onboarding/users",
            json={
                "client_id": f"{base}/",
                "name": "Callwatch developer",
                "username": username,
                "password": password,
                "language": "en",
            },
        ) as response:
            response.raise_for_status()
            code = (await response.json())["auth_code"]
        tokens = await _token(session, base, code)
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": f"{base}/", "redirect_uri": f"{base}/"}),
        ):
            async with session.post(
                f"{base}/api/onboarding/{step}", json=body, headers=tokens.headers
            ) as response:
                if response.status not in (200, 403):  # 403: the step was done
                    response.raise_for_status()
        return tokens
    return await login(session, base, username, password)


async def login(
    session: aiohttp.ClientSession, base: str, username: str, password: str
) -> Tokens:
    """Log in through Home Assistant's login flow."""
    async with session.post(
        f"{base}/auth/login_flow",
        json={
            "client_id": f"{base}/",
            "handler": ["homeassistant", None],
            "redirect_uri": f"{base}/",
        },
    ) as response:
        response.raise_for_status()
        flow_id = (await response.json())["flow_id"]
    async with session.post(
        f"{base}/auth/login_flow/{flow_id}",
        json={"client_id": f"{base}/", "username": username, "password": password},
    ) as response:
        response.raise_for_status()
        result = await response.json()
    return await _token(session, base, result["result"])


async def api(
    session: aiohttp.ClientSession,
    tokens: Tokens,
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
) -> Any:
    """Call Home Assistant's REST API; raise with its answer on an error."""
    async with session.request(
        method, url, json=body, headers=tokens.headers
    ) as response:
        if response.status >= 400:
            raise RuntimeError(
                f"{method} {url}: {response.status} {await response.text()}"
            )
        return await response.json()


async def ensure_entry(
    session: aiohttp.ClientSession,
    base: str,
    tokens: Tokens,
    provider: str,
    form: dict[str, Any],
    scan_interval: int | None = None,
    phonebook: str | None = None,
) -> str:
    """Add an account through the config-flow API unless one exists; return its id.

    `scan_interval` and `phonebook` (typed "number, name" lines) go to its options.
    """
    entries = await api(
        session,
        tokens,
        "GET",
        f"{base}/api/config/config_entries/entry?domain=callwatch",
    )
    if entries:
        entry_id: str = entries[0]["entry_id"]
        return entry_id
    flows = f"{base}/api/config/config_entries/flow"
    result = await api(session, tokens, "POST", flows, {"handler": "callwatch"})
    result = await api(
        session, tokens, "POST", f"{flows}/{result['flow_id']}", {"provider": provider}
    )
    result = await api(session, tokens, "POST", f"{flows}/{result['flow_id']}", form)
    if result.get("type") != "create_entry":
        raise RuntimeError(f"the flow did not create an entry: {result}")
    entry_id = result["result"]["entry_id"]
    if scan_interval is not None or phonebook is not None:
        options = f"{base}/api/config/config_entries/options/flow"
        flow = await api(session, tokens, "POST", options, {"handler": entry_id})
        await api(
            session,
            tokens,
            "POST",
            f"{options}/{flow['flow_id']}",
            {
                "directions": ["inbound"],
                "called_numbers": [],
            }
            | ({} if scan_interval is None else {"scan_interval": scan_interval})
            | ({} if phonebook is None else {"phonebook": phonebook}),
        )
    return entry_id
