"""The provider simulator: repeatable traffic, the control API, the fakes mounted."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from aiohttp import ClientSession, web

from simulator.server import MAX_CONCURRENT, Simulator, serve
from simulator.traffic import (
    RECORD_DELAY_SECONDS,
    RING_SECONDS,
    CallState,
    SimulatedCall,
    plan_day,
)

from .fakes.server import FakeServer

T0 = 1_763_640_000


def _call(starts_at: float, *, answered: bool) -> SimulatedCall:
    """+6421000002 to 101 answered at 10 s, over at 70 s; or +6421000001 to 100 missed."""
    # The missed call rings 20 s and is in the history 3 s after the caller gives up.
    return SimulatedCall(
        caller="+6421000002" if answered else "+6421000001",
        extension="101" if answered else "100",
        starts_at=starts_at,
        rings_until=starts_at + (10 if answered else 20),
        answered=answered,
        ends_at=starts_at + (70 if answered else 20),
        recorded_at=None if answered else starts_at + 23,
    )


def _run(seed: int) -> list[tuple[int, int]]:
    simulator = Simulator(seed=seed)
    trace = []
    for second in range(0, 600, 2):
        simulator.step(T0 + second)
        trace.append((len(simulator.calls), simulator.missed))
        assert len(simulator.calls) <= MAX_CONCURRENT
        assert len({leg["callid"] for leg in simulator.enswitch.legs}) == len(
            simulator.calls
        )
    return trace


def test_traffic_is_seeded_and_repeatable() -> None:
    """Traffic is seeded and repeatable."""
    assert _run(4) == _run(4)
    assert _run(4) != _run(5)
    # Calls come and go, and some are missed.
    trace = _run(4)
    assert max(active for active, _ in trace) >= 2
    assert trace[-1][1] > 0


async def test_control_api_and_mounted_fakes(socket_enabled: None) -> None:
    """Control api and mounted fakes."""
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
                assert await response.json() == {
                    "active_calls": 0,
                    "ringing_calls": 0,
                    "missed_calls": 1,
                }
            form = {"auth_username": "alice", "auth_password": "correct horse battery"}
            async with session.post(
                f"{base}/enswitch/api/json/calls/active/list/", data=form
            ) as response:
                assert (await response.json())["responses"][0]["code"] == "200"
    finally:
        await runner.cleanup()
    # The injected call is in every provider's history.
    assert [row["callerid"] for row in simulator.enswitch.missed] == ["+6400"]
    assert [row["from"] for row in simulator.telecmi.missed] == [6400]
    assert [row["callerId"] for row in simulator.voipnow.history] == ["+6400"]


def test_calls_ring_for_a_while_and_missed_ones_are_recorded_late() -> None:
    """Calls ring for a while and missed ones are recorded late."""
    simulator = Simulator(seed=7)
    seen: dict[int, SimulatedCall] = {}
    for second in range(3600):
        for call in simulator.step(T0 + second):
            seen[id(call)] = call
    calls = list(seen.values())
    assert len(calls) > 20
    for call in calls:
        assert RING_SECONDS[0] <= call.rings_until - call.starts_at <= RING_SECONDS[1]
    missed = [call for call in calls if call.missed and call.state is CallState.OVER]
    assert missed
    assert any(call.answered for call in calls)
    for call in missed:
        assert call.recorded_at is not None
        delay = call.recorded_at - call.rings_until
        assert RECORD_DELAY_SECONDS[0] <= delay <= RECORD_DELAY_SECONDS[1]
        # In the history with the time it began to ring, as the vendor documents a
        # row: `time` and `callerid`, nothing else.
        assert {"time": int(call.starts_at), "callerid": call.caller} in (
            simulator.enswitch.missed
        )
        assert set(call.history_ids) == {"telecmi", "voipnow"}


def test_a_missed_call_is_listed_only_once_recorded() -> None:
    """A missed call is listed only once recorded."""
    simulator = Simulator(seed=1, arrivals=False)
    call = _call(T0, answered=False)
    simulator.plan([call])
    assert simulator.next_change() == T0
    simulator.step(T0)
    assert call.state is CallState.RINGING
    assert [leg["answered"] for leg in simulator.enswitch.legs][:1] == [0]
    assert simulator.voipnow.phone_calls
    assert simulator.next_change() == T0 + 20
    simulator.step(T0 + 20)
    assert call.state is CallState.UNRECORDED
    assert not simulator.enswitch.legs
    assert not simulator.enswitch.missed
    assert simulator.next_change() == T0 + 23
    simulator.step(T0 + 23)
    assert call.state is CallState.OVER
    assert [row["callerid"] for row in simulator.enswitch.missed] == [call.caller]
    assert [row["from"] for row in simulator.telecmi.missed] == [6421000001]
    assert [row["callerId"] for row in simulator.voipnow.history] == [call.caller]
    assert simulator.next_change() is None


def test_an_answered_call_is_talked_on_then_ends() -> None:
    """An answered call is talked on then ends."""
    simulator = Simulator(seed=1, arrivals=False)
    call = _call(T0, answered=True)
    simulator.plan([call])
    simulator.step(T0)
    simulator.step(T0 + 10)
    assert call.state is CallState.TALKING
    assert all(leg["answered"] for leg in simulator.enswitch.legs)
    assert simulator.voipnow.phone_calls[0]["answered"] is True
    simulator.step(T0 + 70)
    assert call.state is CallState.OVER
    assert not simulator.calls
    assert not simulator.enswitch.missed


def test_a_planned_day_is_seeded_busy_by_day_and_overlapping() -> None:
    """A planned day is seeded busy by day and overlapping."""
    day = plan_day(3, T0)
    assert [call.starts_at for call in day] == [
        call.starts_at for call in plan_day(3, T0)
    ]
    assert [call.caller for call in day] != [call.caller for call in plan_day(4, T0)]
    assert 120 <= len(day) <= 280
    assert len({call.caller for call in day}) == len(day)
    hours = [int((call.starts_at - T0) // 3600) for call in day]
    assert sum(9 <= hour < 12 for hour in hours) > 5 * sum(hour < 6 for hour in hours)
    # Several at once: some call starts ringing while another still rings.
    assert any(
        later.starts_at < earlier.rings_until for earlier, later in pairwise(day)
    )
    hour = plan_day(3, T0, first_hour=9, hours=1)
    assert all(T0 + 9 * 3600 <= call.starts_at < T0 + 10 * 3600 + 10 for call in hour)


def _pushes(simulator: Simulator) -> list[tuple[str, str]]:
    return [(push["type"], push["status"]) for push in simulator.telecmi_pushes]


def test_telecmi_pushes_as_chub_india_documents() -> None:
    """Telecmi pushes as chub india documents."""
    simulator = Simulator(seed=1, arrivals=False)
    missed, answered = _call(T0, answered=False), _call(T0 + 100, answered=True)
    simulator.plan([missed, answered])
    for moment in (T0, T0 + 20, T0 + 23):
        simulator.step(moment)
    assert _pushes(simulator) == [
        ("event", "waiting"),
        ("event", "hangup"),
        ("cdr", "missed"),
    ]
    waiting, _, record = simulator.telecmi_pushes
    assert waiting["from"] == 6421000001
    assert waiting["to"] == 918000000100
    # The record: stamped when the caller gave up, after its wait; no called number.
    assert record["time"] == (T0 + 20) * 1000
    assert record["waitedsec"] == 20
    assert "to" not in record
    assert "virtual_number" not in record
    assert record["cmiuuid"] == waiting["conversation_uuid"]
    simulator.telecmi_pushes.clear()
    for moment in (T0 + 100, T0 + 110, T0 + 170):
        simulator.step(moment)
    assert _pushes(simulator) == [
        ("event", "waiting"),
        ("event", "answered"),
        ("event", "hangup"),
        ("cdr", "answered"),
    ]


async def test_telecmi_pushes_are_delivered_to_the_webhook(
    socket_enabled: None,
) -> None:
    """Telecmi pushes are delivered to the webhook."""
    received: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/api/webhook/secret", webhook)
    server = FakeServer(app)
    base = await server.start()
    simulator = Simulator(seed=1, telecmi_webhook=f"{base}/api/webhook/secret")
    simulator.telecmi_pushes.extend([{"type": "event"}, {"type": "cdr"}])
    try:
        async with ClientSession() as session:
            assert await simulator.deliver_telecmi_pushes(session) == 2
            assert received == [{"type": "event"}, {"type": "cdr"}]
            # A webhook that cannot be reached: the push is dropped, not retried.
            await server.stop()
            simulator.telecmi_pushes.append({"type": "event"})
            assert await simulator.deliver_telecmi_pushes(session) == 0
            assert not simulator.telecmi_pushes
    finally:
        await server.stop()
