"""HTTP plumbing shared by the provider clients: timeouts, size bounds, error mapping.

Large replies are decoded, and their rows read, in a worker thread (`off_loop`), so that
reading 10,000 rows does not hold the event loop for a quarter of a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
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
    **kwargs: Any,
) -> Reply:
    """Send one request and read its whole reply, bounded in time and size.

    Secrets travel in bodies or headers only, so the URL may appear in messages.
    """
    try:
        async with (
            asyncio.timeout(request_timeout),
            session.request(method, url, allow_redirects=False, **kwargs) as response,
        ):
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
