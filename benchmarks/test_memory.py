"""A week of missed calls: what the tracker holds in memory and writes to its Store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
import tracemalloc

from custom_components.callwatch.missed_call_tracker import MissedCallTracker
from custom_components.callwatch.providers import MissedCall

from .conftest import FULL, Results

PER_DAY = 1_000
DAYS = 7 if FULL else 1
POLL = timedelta(seconds=30)
T0 = datetime(2026, 11, 16, tzinfo=UTC)


def test_a_week_of_missed_calls(results: Results) -> None:
    spacing = timedelta(days=1) / PER_DAY
    calls = [
        MissedCall(
            time=T0 + spacing * index,
            caller_number=f"+64{index:07d}",
            called_number="100",
            call_id=f"u{index}",
        )
        for index in range(PER_DAY * DAYS)
    ]
    tracker = MissedCallTracker()
    tracemalloc.start()
    now, first, announced, largest = T0, 0, 0, 0
    end = T0 + timedelta(days=DAYS)
    while now < end:
        window = tracker.window(now)
        # Calls are time-ordered: move the first index on, then take the window.
        while first < len(calls) and calls[first].time < window.start:
            first += 1
        listed = []
        for call in calls[first:]:
            if call.time >= min(window.end, now):
                break
            listed.append(call)
        announced += len(tracker.take_listing(now, listed, lambda _: True))
        largest = max(largest, tracker.remembered_calls)
        now += POLL
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stored = len(json.dumps(tracker.as_dict()).encode())
    results.add(
        "memory",
        f"{DAYS} days at {PER_DAY} missed calls a day",
        {
            "announced": announced,
            "most_calls_remembered": largest,
            "peak_tracker_memory_kib": round(peak / 1024, 1),
            "store_bytes": stored,
        },
    )
    assert announced == len(calls)  # the first poll, at T0, finds none yet
    assert peak < 1024 * 1024
    assert stored < 100 * 1024
