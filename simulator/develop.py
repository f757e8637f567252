"""`scripts/develop`: the simulator and a real Home Assistant with an account, for a look.

Starts the provider simulator and Home Assistant (config/, git-ignored) on 127.0.0.1:8123,
onboards a developer user on first run, adds the simulated Enswitch account, and says where
to look. Ctrl-C stops both.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess

import aiohttp

from .homeassistant import (
    ROOT,
    ensure_entry,
    onboard_or_login,
    prepare_config,
    start_hass,
    start_simulator,
    stop_process,
    wait_until_up,
)

HASS_PORT = 8123
SIMULATOR_PORT = 8300
USERNAME = "dev"
PASSWORD = "callwatch-dev"


async def main() -> None:
    config = ROOT / "config"
    logs = config / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    prepare_config(config, HASS_PORT)
    simulator = start_simulator(SIMULATOR_PORT, 1, logs / "simulator.log")
    hass = start_hass(config, logs / "home-assistant.log")
    base = f"http://127.0.0.1:{HASS_PORT}"
    simulator_base = f"http://127.0.0.1:{SIMULATOR_PORT}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_until_up(
                session, f"{simulator_base}/control/state", 30, simulator
            )
            print(
                "Starting Home Assistant (the first start takes a minute)...",
                flush=True,
            )
            await wait_until_up(session, f"{base}/manifest.json", 300, hass)
            tokens = await onboard_or_login(session, base, USERNAME, PASSWORD)
            await ensure_entry(
                session,
                base,
                tokens,
                "enswitch",
                {
                    "host": f"{simulator_base}/enswitch",
                    "username": "alice",
                    "password": "correct horse battery",
                    "verify_ssl": False,
                },
                scan_interval=15,
            )
        print(
            f"""
Callwatch is running against the provider simulator.

  Home Assistant   {base}   (log in as {USERNAME} / {PASSWORD})
  The account      Settings > Devices & services > Callwatch > alice@127.0.0.1:{SIMULATOR_PORT}
  Simulator        {simulator_base}/control/state
  Miss a call now  curl -X POST {simulator_base}/control/missed_call
  Logs             {logs.relative_to(ROOT)}/

While a call rings, the account is polled every 3 s: a missed call shows a few
seconds after it stops ringing. Ctrl-C stops.""",
            flush=True,
        )
        waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
        waiters += [asyncio.ensure_future(_exited(p)) for p in (hass, simulator)]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
    finally:
        print("Stopping Home Assistant and the simulator...", flush=True)
        stop_process(hass)
        stop_process(simulator)


async def _exited(process: subprocess.Popen[bytes]) -> None:
    await asyncio.to_thread(process.wait)


if __name__ == "__main__":
    asyncio.run(main())
