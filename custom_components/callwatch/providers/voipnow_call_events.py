"""VoipNow Call Events: registering our webhook on extensions, and removing it.

Call Events are one registration per extension and event type, managed under
`/uapi/extensions/{userId}/{extension}/phoneCallEvents`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from yarl import URL

from .exceptions import ProviderError, ProviderResponseError
from .fields import text
from .voipnow_push import EVENT_PARAMETER, EVENT_TYPES
from .voipnow_uapi import SERVICE, VoipnowUapi, error_code, error_payload

_OPTIONAL_EVENT_TYPES = frozenset({"3", "4"})
_POST = "1"
_ENABLED = "1"
_EVENT_NOTE = "Callwatch (Home Assistant)"
# Registering for all of a user's extensions (`@self`) costs a listing and up to five
# requests per extension; more extensions than this are refused, not half registered.
MAX_EVENT_EXTENSIONS = 50
# What a DELETE of an event that is already gone answers: the docs give 400
# pce_id_invalid (unknown event) and extension_invalid (unknown extension); 404 is
# accepted too.
_GONE = frozenset({"pce_id_invalid", "extension_invalid"})


class VoipnowCallEvents:
    """Registers one account's Call Events, and knows the extensions they are for."""

    def __init__(self, uapi: VoipnowUapi, user_id: str, extension: str) -> None:
        """Work through `uapi` for the watched extension ("@self": all the user's)."""
        self._uapi = uapi
        self._user_id = user_id
        self._extension = extension
        # The extensions whose callbacks are ours: the one watched, or with `@self` the
        # ones `register` found.
        self.extensions: frozenset[str] = (
            frozenset() if extension == "@self" else frozenset({extension})
        )

    async def register(self, url: str) -> str:
        """Have VoipNow POST to `url` as calls ring, are answered and hang up.

        Registers Dial-In, Dial-Out, Hangup and both Answer events on the watched
        extension, or with `@self` on each of the user's phone extensions (Call Events
        are per extension: `@self` is refused there). An event already registered for
        the same URL is reused (and enabled), never duplicated. Returns the
        registration for `remove`: space-separated
        `extension/type/id` items. ValueError if `url` is not http(s).
        """
        callback = URL(url)
        if callback.scheme not in ("http", "https") or not callback.host:
            raise ValueError("VoipNow can call back http and https URLs only")
        extensions = await self.extensions_to_register()
        registration: list[str] = []
        created: list[str] = []
        try:
            for extension in extensions:
                registration.extend(
                    await self._register_extension(extension, callback, created)
                )
        except ProviderError:
            # Leave nothing behind that no registration names.
            with contextlib.suppress(ProviderError):
                await self.remove(" ".join(created))
            raise
        self.extensions = frozenset(extensions)
        return " ".join(registration)

    async def remove(self, registration: str) -> None:
        """Delete what `register` registered; what is gone already is fine."""
        for item in registration.split():
            extension, event_type, event_id = _registration_item(item)
            path = (
                f"uapi/extensions/{self._user_id}/{extension}/phoneCallEvents/"
                f"{event_type}/{event_id}"
            )
            reply = await self._uapi.request("DELETE", path)
            if reply.status == 404 or (
                reply.status == 400 and error_code(error_payload(reply)) in _GONE
            ):
                continue
            self._uapi.decoded(path, reply)

    async def extensions_to_register(self) -> list[str]:
        """Return the extensions Call Events are registered on.

        The watched one, or for `@self` the user's phone extensions as the presence
        listing (`/uapi/extensions/{userId}/@self/presence`) gives them: the UAPI has
        no other listing of a user's extensions.
        """
        if self._extension != "@self":
            return [self._extension]
        path = f"uapi/extensions/{self._user_id}/@self/presence"
        extensions = list(
            dict.fromkeys(
                extension
                for row in await self._uapi.collection(path, {})
                if (extension := text(row, "extension"))
            )
        )
        if not extensions:
            raise ProviderResponseError(
                f"{SERVICE} lists no phone extensions to register Call Events on"
            )
        if len(extensions) > MAX_EVENT_EXTENSIONS:
            raise ProviderResponseError(
                f"{SERVICE} lists {len(extensions)} extensions; Call Events are "
                f"registered on at most {MAX_EVENT_EXTENSIONS}, so choose one extension"
            )
        return extensions

    async def _register_extension(
        self, extension: str, url: URL, created: list[str]
    ) -> list[str]:
        """Register every event type on one extension; return `extension/type/id`s.

        Those it had to add are also appended to `created`.
        """
        path = f"uapi/extensions/{self._user_id}/{extension}/phoneCallEvents"
        secrets = _url_secrets(url)
        existing = await self._uapi.collection(path, {})
        registration: list[str] = []
        for event_type, kind in EVENT_TYPES.items():
            target = str(url.update_query({EVENT_PARAMETER: kind}))
            event = _find_event(existing, event_type, target)
            if event is not None:
                event_id = _required_id(event, path)
                if text(event, "method") != _POST or text(event, "status") != _ENABLED:
                    reply = await self._uapi.request(
                        "PUT",
                        f"{path}/{event_type}/{event_id}",
                        json={"method": _POST, "status": _ENABLED},
                    )
                    self._uapi.decoded(path, reply, *secrets)
            else:
                found_id = await self._add_event(path, event_type, target, secrets)
                if found_id is None:
                    continue
                event_id = found_id
                created.append(f"{extension}/{event_type}/{event_id}")
            registration.append(f"{extension}/{event_type}/{event_id}")
        return registration

    async def _add_event(
        self, path: str, event_type: str, target: str, secrets: tuple[str, ...]
    ) -> str | None:
        """POST one event; return its id, or None for an Answer event the server lacks."""
        reply = await self._uapi.request(
            "POST",
            path,
            json={
                "type": event_type,
                "method": _POST,
                "url": target,
                "status": _ENABLED,
                "note": _EVENT_NOTE,
            },
        )
        if (
            reply.status == 400
            and event_type in _OPTIONAL_EVENT_TYPES
            and error_code(error_payload(reply)) == "pcet_type_invalid"
        ):
            return None
        event_id = _created_id(self._uapi.decoded(path, reply, *secrets))
        if event_id is not None:
            return event_id
        # The docs promise the new id with a 200 (in what shape they do not show) and
        # none with a 204: without one, find the event by its URL.
        listed = await self._uapi.collection(f"{path}/{event_type}", {})
        event = _find_event(listed, event_type, target)
        if event is None:
            raise ProviderResponseError(
                f"{SERVICE} accepted a Call Event on {path} but does not list it"
            )
        return _required_id(event, path)


def _find_event(
    events: list[dict[str, Any]], event_type: str, url: str
) -> dict[str, Any] | None:
    """Return the first PhoneCallEvent of this type for this URL."""
    for event in events:
        listed = text(event, "url")
        if text(event, "type") == event_type and listed and _same_url(listed, url):
            return event
    return None


def _same_url(listed: str, url: str) -> bool:
    if listed == url:
        return True
    try:
        return URL(listed) == URL(url)
    except ValueError:
        return False


def _created_id(payload: Any) -> str | None:
    """Find the new event's id in the reply to its POST: `{"id"}` or `[{"id"}]`."""
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    return text(payload, "id") if isinstance(payload, dict) else None


def _required_id(event: dict[str, Any], path: str) -> str:
    """Return a listed PhoneCallEvent's id."""
    event_id = text(event, "id")
    if event_id is None or "/" in event_id or " " in event_id:
        raise ProviderResponseError(
            f"{SERVICE} lists a Call Event on {path} without a usable id"
        )
    return event_id


def _registration_item(item: str) -> tuple[str, str, str]:
    """Split one `extension/type/id` item of a registration."""
    parts = item.rsplit("/", 2)
    if len(parts) != 3 or not all(parts) or parts[1] not in EVENT_TYPES:
        raise ValueError(f"Not a VoipNow Call Events registration item: {item!r}")
    return parts[0], parts[1], parts[2]


def _url_secrets(url: URL) -> tuple[str, ...]:
    """Return what of a callback URL must not appear in messages: it holds a webhook id."""
    return (str(url), url.name) if len(url.name) >= 8 else (str(url),)
