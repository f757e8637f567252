"""Synthetic call traffic, seeded: calls ring, are answered or missed, and end.

A call rings for 5 to 40 s. An answered call is then talked on for a while; a missed
call stops ringing and the provider records it in its history a few seconds later (as
real systems write the call record after the hang-up), stamped with the time it began
to ring. `plan_day` draws a working day of such calls for the benchmarks, and
`plan_even_day` and `plan_burst` two days that stress polling; the simulator draws
them one at a time as it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import random

RING_SECONDS = (5.0, 40.0)
TALK_SECONDS = (10.0, 180.0)
# How long after a missed call stops ringing the provider's history shows it.
RECORD_DELAY_SECONDS = (1.0, 5.0)
ANSWERED_SHARE = 0.65
EXTENSIONS = ("100", "101", "102")
# Calls an hour through a working day (local hours 0 to 23): quiet nights, busy
# mornings and afternoons, a lull at noon. About 190 arrivals a day, some 215 calls with
# the bursts below.
CALLS_PER_HOUR = (
    *(0.5,) * 7,
    5.0,
    *(20.0,) * 4,
    10.0,
    *(20.0,) * 4,
    6.0,
    6.0,
    *(0.5,) * 5,
)
# Now and then callers come in a burst (a hunt group, an advert on air): 2 to 4 calls
# within 10 s.
BURST_SHARE = 0.05


class CallState(StrEnum):
    """Where a simulated call is in its life."""

    PLANNED = "planned"
    RINGING = "ringing"
    TALKING = "talking"
    UNRECORDED = "unrecorded"  # missed, not yet in the provider's history
    OVER = "over"


@dataclass
class SimulatedCall:
    """A call: who, where, when it rings, and how it ends (times in Unix seconds)."""

    caller: str
    extension: str
    starts_at: float
    rings_until: float
    answered: bool
    ends_at: float
    recorded_at: float | None
    state: CallState = CallState.PLANNED
    enswitch_id: str = ""
    voipnow_id: str = ""
    # The ids each provider's history gives the missed call, once recorded.
    history_ids: dict[str, str] = field(default_factory=dict)

    @property
    def missed(self) -> bool:
        """Return whether nobody answered it."""
        return not self.answered

    def next_change(self) -> float | None:
        """Return when the call next changes state, or None once it is over."""
        return {
            CallState.PLANNED: self.starts_at,
            CallState.RINGING: self.rings_until,
            CallState.TALKING: self.ends_at,
            CallState.UNRECORDED: self.recorded_at,
            CallState.OVER: None,
        }[self.state]


def new_call(
    rng: random.Random, starts_at: float, caller: str | None = None
) -> SimulatedCall:
    """Draw a call that starts ringing at `starts_at`."""
    rings_until = starts_at + rng.uniform(*RING_SECONDS)
    answered = rng.random() < ANSWERED_SHARE
    recorded_at = None if answered else rings_until + rng.uniform(*RECORD_DELAY_SECONDS)
    return SimulatedCall(
        caller=caller or f"+6421{rng.randrange(100000, 999999)}",
        extension=rng.choice(EXTENSIONS),
        starts_at=starts_at,
        rings_until=rings_until,
        answered=answered,
        ends_at=rings_until + rng.uniform(*TALK_SECONDS) if answered else rings_until,
        recorded_at=recorded_at,
    )


def plan_day(
    seed: int, midnight: float, *, first_hour: int = 0, hours: int = 24
) -> list[SimulatedCall]:
    """Draw the calls of `hours` hours from `first_hour` of the day at `midnight`.

    Arrivals are a Poisson process at CALLS_PER_HOUR; each caller is a different
    number, so that a benchmark can tell the calls apart.
    """
    rng = random.Random(seed)
    calls: list[SimulatedCall] = []
    for hour in range(first_hour, first_hour + hours):
        rate = CALLS_PER_HOUR[hour % 24] / 3600
        start = midnight + hour * 3600
        moment = start + rng.expovariate(rate)
        while moment < start + 3600:
            burst = rng.randint(2, 4) if rng.random() < BURST_SHARE else 1
            for _ in range(burst):
                caller = f"+6421{len(calls):06d}"
                calls.append(new_call(rng, moment + rng.uniform(0, 10), caller))
            moment += rng.expovariate(rate)
    calls.sort(key=lambda call: call.starts_at)
    return calls


def plan_even_day(
    seed: int, midnight: float, calls: int, *, first_hour: int = 0, hours: int = 24
) -> list[SimulatedCall]:
    """Draw `calls` calls a day spread evenly over its 24 hours; keep those of `hours`.

    One call every 24 hours / `calls`, so that no call comes soon after another.
    """
    rng = random.Random(seed)
    spacing = 86400 / calls
    planned = [
        new_call(rng, midnight + (index + 0.5) * spacing, f"+6421{index:06d}")
        for index in range(calls)
    ]
    start, end = midnight + first_hour * 3600, midnight + (first_hour + hours) * 3600
    return [call for call in planned if start <= call.starts_at < end]


def plan_burst(
    seed: int, start: float, *, calls: int = 50, seconds: float = 600.0
) -> list[SimulatedCall]:
    """Draw one burst: `calls` calls starting at random within `seconds` of `start`."""
    rng = random.Random(seed)
    moments = sorted(start + rng.uniform(0, seconds) for _ in range(calls))
    return [
        new_call(rng, moment, f"+6421{index:06d}")
        for index, moment in enumerate(moments)
    ]
