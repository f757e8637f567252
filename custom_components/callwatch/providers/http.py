"""HTTP plumbing shared by the provider clients: timeouts, size bounds, error mapping.

Large replies are decoded, and their rows read, in a worker thread (`off_loop`), so that
reading 10,000 rows does not hold the event loop for a quarter of a second.

Every reply's `Date` header tells the provider's clock (`ServerClock`): the windows of
time asked for are the provider's, whatever our clock does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
import time
from typing import Any

import aiohttp
import orjson
from yarl import URL

from .exceptions import (
    ProviderConnectionError,
    ProviderRateLimitError,
    ProviderResponseError,
)

MAX_REPLY_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024
# Above these a reply is decoded, or its rows read, off the event loop: decoding 256 KiB
# takes about a millisecond, reading 200 rows (numbers parsed, times checked) about 5.
OFF_LOOP_BYTES = 256 * 1024
OFF_LOOP_ROWS = 200
# A `Date` header counts whole seconds and is written before the reply travels: offsets
# within this of the one in use are that noise, and the offset in use is kept.
CLOCK_NOISE = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class Reply:
    """A provider's answer: status, content type and the raw body."""

    status: int
    content_type: str
    body: bytes
    service: str

    def json(self) -> Any:
        """Decode the body, or say plainly that it is not JSON."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as err:
            kind = self.content_type or "no content type"
            raise ProviderResponseError(
                f"{self.service} answered HTTP {self.status} with a body that is "
                f"not JSON ({kind}, {len(self.body)} bytes)"
            ) from err


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class ServerClock:
    """The provider's clock: the `Date` of its last reply, plus the time since.

    The time since is counted by the event loop's clock, which never steps, so that
    our wall clock being wrong or stepping (NTP after a power cut) does not move the
    provider's time. Readings within CLOCK_NOISE of that estimate are its noise and
    leave it. Until a reply has carried a usable date, the provider's time is ours.
    """

    def __init__(self, monotonic: Callable[[], float] = _loop_time) -> None:
        """Start with no reading; `monotonic` counts seconds and never steps."""
        self._monotonic = monotonic
        self._reading: tuple[datetime, float] | None = None

    def heard(self, date: str | None) -> None:
        """Take the `Date` header of a reply whose headers just arrived.

        A header missing or not an HTTP date (RFC 9110) leaves the estimate as it was.
        """
        if not date:
            return
        try:
            theirs = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        if theirs.tzinfo is None:
            # "-0000": a time in UTC from a zone unknown (RFC 5322); HTTP dates are UTC.
            theirs = theirs.replace(tzinfo=UTC)
        at = self._monotonic()
        estimate = self._estimate(at)
        if estimate is None or abs(theirs - estimate) > CLOCK_NOISE:
            self._reading = (theirs, at)

    def now(self, ours: datetime) -> datetime:
        """Return the provider's time now; `ours` (our clock now) until one is known."""
        return self._estimate(self._monotonic()) or ours

    def _estimate(self, at: float) -> datetime | None:
        if self._reading is None:
            return None
        theirs, heard_at = self._reading
        try:
            return theirs + timedelta(seconds=at - heard_at)
        except OverflowError:
            # A date at the calendar's end: no time after it can be told.
            return theirs


async def off_loop[T](work: Callable[[], T], *, rows: int = 0, size: int = 0) -> T:
    """Run `work` in the loop's default executor when it is large, else right here.

    Large: more than OFF_LOOP_ROWS rows to read, or more than OFF_LOOP_BYTES to decode.
    """
    if rows <= OFF_LOOP_ROWS and size <= OFF_LOOP_BYTES:
        return work()
    return await asyncio.get_running_loop().run_in_executor(None, work)


def retry_after_seconds(value: str | None) -> float | None:
    """Read a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    *,
    service: str,
    request_timeout: float,
    clock: ServerClock | None = None,
    **kwargs: Any,
) -> Reply:
    """Send one request and read its whole reply, bounded in time and size.

    `clock` is told the reply's `Date`. Secrets travel in bodies or headers only, so
    the URL may appear in messages.
    """
    try:
        async with (
            asyncio.timeout(request_timeout),
            session.request(method, url, allow_redirects=False, **kwargs) as response,
        ):
            if clock is not None:
                clock.heard(response.headers.get("Date"))
            if (response.content_length or 0) > MAX_REPLY_BYTES:
                raise _too_large(service)
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                body += chunk
                if len(body) > MAX_REPLY_BYTES:
                    raise _too_large(service)
            reply = Reply(
                status=response.status,
                content_type=response.content_type,
                body=bytes(body),
                service=service,
            )
            retry_after = response.headers.get("Retry-After")
    except TimeoutError as err:
        raise ProviderConnectionError(
            f"{service} did not answer within {request_timeout:g} s"
        ) from err
    except aiohttp.ClientError as err:
        raise ProviderConnectionError(
            f"Cannot talk to {service} at {url.host}: {type(err).__name__}"
        ) from err
    if reply.status == 429:
        seconds = retry_after_seconds(retry_after)
        raise ProviderRateLimitError(
            f"{service} asked to slow down (HTTP 429)", retry_after=seconds
        )
    return reply


def _too_large(service: str) -> ProviderResponseError:
    return ProviderResponseError(
        f"{service} sent a reply larger than {MAX_REPLY_BYTES // (1024 * 1024)} MiB"
    )


DEFAULT_PORTS = {"http": 80, "https": 443}


def base_url(host: str) -> URL:
    """Turn what a user typed as host into a base URL; HTTPS unless told otherwise."""
    text = host.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = URL(text)
    except ValueError as err:
        raise ValueError(f"Not a usable host: {host!r}") from err
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"Not a usable host: {host!r}")
    # One account, one address: `PBX.example.com.`, `pbx.example.com:443` and
    # `https://pbx.example.com/` are the same host (yarl writes the host in lower case).
    if url.host.endswith(".") and url.host.strip("."):
        url = url.with_host(url.host.rstrip("."))
    if url.explicit_port and url.port == DEFAULT_PORTS[url.scheme]:
        url = url.with_port(None)
    return url.with_path(url.path.rstrip("/")).with_query(None).with_fragment(None)


def host_of(url: URL) -> str:
    """Return a URL's host, with its port where that is not the scheme's default."""
    return url.authority if url.explicit_port else str(url.host)
