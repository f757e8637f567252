"""Run the provider simulator: `python -m simulator --port 8300 --seed 1`."""

from __future__ import annotations

import argparse
import asyncio
import json

from .server import Simulator, serve


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tick", type=float, default=2.0, help="seconds between steps")
    parser.add_argument(
        "--telecmi-webhook",
        help="the TeleCMI entry's webhook address, to push its calls to",
    )
    args = parser.parse_args()
    simulator = Simulator(
        seed=args.seed, tick=args.tick, telecmi_webhook=args.telecmi_webhook
    )
    runner = await serve(simulator, args.host, args.port)
    base = f"http://{args.host}:{args.port}"
    print(f"Provider simulator on {base} (seed {args.seed})", flush=True)
    print(json.dumps(simulator.credentials(base), indent=2), flush=True)
    print(f"Inject a missed call: curl -X POST {base}/control/missed_call", flush=True)
    try:
        await simulator.run_traffic()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
