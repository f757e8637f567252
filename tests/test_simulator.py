"""The provider simulator: repeatable traffic, the control API, the fakes mounted."""

from __future__ import annotations

from aiohttp import ClientSession

from simulator.server import MAX_CONCURRENT, Simulator, serve


def _run(seed: int) -> list[tuple[int, int]]:
    simulator = Simulator(seed=seed)
    trace = []
    for second in range(0, 600, 2):
        simulator.step(1_763_640_000 + second)
        trace.append((len(simulator.calls), simulator.missed))
        assert len(simulator.calls) <= MAX_CONCURRENT
        assert len({leg["callid"] for leg in simulator.enswitch.legs}) == len(
            simulator.calls
        )
    return trace


def test_traffic_is_seeded_and_repeatable() -> None:
    assert _run(4) == _run(4)
    assert _run(4) != _run(5)
    # Calls come and go, and some are missed.
    trace = _run(4)
    assert max(active for active, _ in trace) >= 2
    assert trace[-1][1] > 0


async def test_control_api_and_mounted_fakes(socket_enabled: None) -> None:
    simulator = Simulator(seed=1)
    runner = await serve(simulator, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as session:
            async with session.post(
                f"{base}/control/missed_call", json={"caller": "+6400"}
            ) as response:
                assert await response.json() == {"caller": "+6400", "missed": 1}
            async with session.get(f"{base}/control/state") as response:
                assert await response.json() == {"active_calls": 0, "missed_calls": 1}
            form = {"auth_username": "alice", "auth_password": "correct horse battery"}
            async with session.post(
                f"{base}/enswitch/api/json/calls/active/list/", data=form
            ) as response:
                assert (await response.json())["responses"][0]["code"] == "200"
    finally:
        await runner.cleanup()
    # The injected call is in every provider's history.
    assert [row["callerid"] for row in simulator.enswitch.missed] == ["+6400"]
    assert [row["from"] for row in simulator.telecmi.missed] == ["6400"]
    assert [row["callerId"] for row in simulator.voipnow.history] == ["+6400"]
