"""The provider's clock, read from the `Date` header of its replies (RFC 9110).

Windows of time are asked for, and pushes stamped, by the provider's clock, so that
Home Assistant's clock being wrong or stepping does not move them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from custom_components.callwatch.providers import (
    CallProvider,
    EnswitchClient,
    TelecmiClient,
    VoipnowClient,
)
from custom_components.callwatch.providers.http import CLOCK_NOISE, ServerClock

from .fakes.enswitch import FakeEnswitch
from .fakes.telecmi import FakeTelecmi
from .fakes.voipnow import FakeVoipnow
from .helpers import missed_in_the_last_hour

OURS = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


class Monotonic:
    """A clock that counts seconds and never steps, moved by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def _date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def test_the_clock_is_ours_until_a_reply_is_dated() -> None:
    """Before any dated reply, the provider's time is ours."""
    clock = ServerClock(Monotonic())
    assert clock.now(OURS) == OURS
    clock.heard(None)
    assert clock.now(OURS) == OURS


def test_the_provider_time_goes_on_whatever_our_clock_does() -> None:
    """Once dated, the provider's time is its date plus the time since, not ours."""
    monotonic = Monotonic()
    clock = ServerClock(monotonic)
    clock.heard(_date(OURS + timedelta(hours=2)))
    monotonic.seconds += 60
    # Our clock stepped back three hours (or on, or not at all): the same answer.
    for ours in (OURS, OURS - timedelta(hours=3), OURS + timedelta(days=1)):
        assert clock.now(ours) == OURS + timedelta(hours=2, minutes=1)


def test_noise_is_kept_out_and_a_step_is_taken() -> None:
    """A reading within a few seconds of the estimate leaves it; a step is taken."""
    monotonic = Monotonic()
    clock = ServerClock(monotonic)
    clock.heard(_date(OURS))
    monotonic.seconds += 30
    # Whole seconds, and the time the reply travelled: noise.
    clock.heard(_date(OURS + timedelta(seconds=27)))
    assert clock.now(OURS) == OURS + timedelta(seconds=30)
    # The provider's clock set right by its own NTP: taken.
    clock.heard(_date(OURS + timedelta(minutes=10)))
    assert clock.now(OURS) == OURS + timedelta(minutes=10)


def test_a_zone_unknown_is_read_as_utc() -> None:
    """RFC 5322's "-0000" is a time in UTC; another zone is turned to UTC."""
    clock = ServerClock(Monotonic())
    clock.heard("Sat, 05 Dec 2026 10:30:00 -0000")
    assert clock.now(OURS) == OURS + timedelta(hours=1)
    clock.heard("Sat, 05 Dec 2026 10:30:00 +0100")
    assert clock.now(OURS) == OURS


@pytest.mark.parametrize(
    "date", [None, "", "yesterday", "Sat, 45 Foo 2026 99:99:99 GMT", "Sat, 05 Dec"]
)
def test_a_missing_or_bad_date_leaves_the_clock(date: str | None) -> None:
    """A reply without a usable date tells nothing: the estimate stays."""
    clock = ServerClock(Monotonic())
    clock.heard(_date(OURS - timedelta(minutes=10)))
    clock.heard(date)
    assert clock.now(OURS) == OURS - timedelta(minutes=10)


def test_a_date_at_the_calendars_end_does_not_crash() -> None:
    """A date at year 9999's last second stays there rather than overflow."""
    monotonic = Monotonic()
    clock = ServerClock(monotonic)
    clock.heard("Fri, 31 Dec 9999 23:59:59 GMT")
    monotonic.seconds += 86400
    assert clock.now(OURS) == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _near(clock: ServerClock, ahead: timedelta) -> bool:
    ours = datetime.now(UTC)
    return abs(clock.now(ours) - ours - ahead) <= CLOCK_NOISE


async def _reads_the_clock(
    fake: FakeEnswitch | FakeTelecmi | FakeVoipnow,
    client: CallProvider,
    ahead: timedelta,
) -> None:
    """Date the fake's replies `ahead` of the test's clock; check the client reads it."""
    fake.clock_offset = ahead.total_seconds()
    await missed_in_the_last_hour(client)
    assert _near(client.clock, ahead)


async def test_enswitch_replies_set_the_clock(
    enswitch: FakeEnswitch, enswitch_client: EnswitchClient
) -> None:
    """Enswitch's replies are dated by its clock."""
    await _reads_the_clock(enswitch, enswitch_client, timedelta(hours=-3))


async def test_telecmi_replies_set_the_clock(
    telecmi: FakeTelecmi, telecmi_client: TelecmiClient
) -> None:
    """TeleCMI's replies are dated by its clock."""
    await _reads_the_clock(telecmi, telecmi_client, timedelta(hours=2))


async def test_voipnow_replies_set_the_clock(
    voipnow: FakeVoipnow, voipnow_client: VoipnowClient
) -> None:
    """VoipNow's replies are dated by its clock."""
    await _reads_the_clock(voipnow, voipnow_client, timedelta(minutes=10))


async def test_undated_replies_leave_the_clock(
    voipnow: FakeVoipnow, voipnow_client: VoipnowClient
) -> None:
    """A reply without a date leaves the provider's time as the last dated one set it."""
    voipnow.clock_offset = 600
    await missed_in_the_last_hour(voipnow_client)
    voipnow.dates_replies = False
    voipnow.clock_offset = 0
    await missed_in_the_last_hour(voipnow_client)
    assert _near(voipnow_client.clock, timedelta(minutes=10))
