"""VoipNow's Call Events as 4PSA documents them (tests/fixtures/vendor), read and faked."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

from custom_components.callwatch.providers import CallDirection
from custom_components.callwatch.providers.voipnow_push import parse_call_event

from .fakes.voipnow import HANGUP, FakeVoipnow

CALL_EVENTS = json.loads(
    (
        Path(__file__).parent / "fixtures" / "vendor" / "voipnow-call-events.json"
    ).read_text()
)
NOW = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_a_documented_hangup_is_a_missed_call_to_the_extension() -> None:
    """Called number: the extension (as the history gives it), not the DID.

    Its time is ours (the callback carries none), and says so.
    """
    push = parse_call_event(CALL_EVENTS["hangup"], NOW, "NZ")
    assert push is not None
    assert push.account_id == "0003*210"
    assert push.called_number == "210"
    missed = push.missed_call
    assert missed is not None
    assert missed.direction is CallDirection.INBOUND
    assert missed.called_number == "210"
    assert missed.caller_number == "+64211234567"
    assert missed.time == NOW
    assert missed.stamped_locally


def test_a_documented_dial_in_rings_the_extension() -> None:
    """A documented dial in rings the extension."""
    push = parse_call_event(CALL_EVENTS["dial_in"], NOW, "NZ")
    assert push is not None
    assert (push.answered, push.ended, push.missed_call) == (False, False, None)
    assert push.called_number == "210"


async def test_the_fake_calls_back_with_the_documented_parameters(
    socket_enabled: None,
) -> None:
    """Every documented parameter, as text, and nothing else of VoipNow's."""
    voipnow = FakeVoipnow()
    delivered: list[dict[str, Any]] = []

    async def deliver(
        extension: str, event_type: str, params: dict[str, str]
    ) -> list[Any]:
        delivered.append({"type": event_type, **params})
        return []

    voipnow.deliver = deliver  # type: ignore[method-assign]
    call = await voipnow.ring("0211234567", "0003*210", did="+6494561234")
    await voipnow.hang_up(call)
    documented = set(CALL_EVENTS["parameters"])
    for params in delivered:
        assert set(params) - {"type"} == documented
        assert all(isinstance(params[name], str) for name in documented)
    hangup = delivered[-1]
    assert hangup["type"] == HANGUP
    expected = CALL_EVENTS["hangup"]
    for name in ("CalledDID", "CalledExtension", "CallStatus", "CallFlow"):
        assert hangup[name] == expected[name]
