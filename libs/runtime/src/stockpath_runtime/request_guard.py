"""What every request passes before a route sees it, and what every response carries.

- **Size**: a body over `MAX_BODY_BYTES` is refused with 413 — by its ``Content-Length`` or, for a
  streamed (chunked) body, as soon as what arrived exceeds it; the body is never read further.
- **Control characters**: a path, query or body (JSON or form) holding a control character other
  than tab, newline and carriage return is refused with 422 before any route, so a NUL byte can
  never reach PostgreSQL (which refuses it in text) or a log line.
- **Headers**: every response says ``nosniff``, may not be framed, sends no referrer elsewhere,
  and is not stored by caches unless a route said otherwise; HTML gets a Content-Security-Policy
  that allows only this origin's scripts, styles and forms.

A pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``): it has to replay the body it read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

MAX_BODY_BYTES = 1_048_576

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Pages load scripts, styles and images from their own origin only and post forms only to it.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
#: Anything else (JSON, PDFs, feeds) is data: nothing in it may run or be framed.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class RequestGuard:
    def __init__(self, app, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body_bytes
            except ValueError:
                await _refuse(send, 400, "bad_request", "invalid Content-Length header")
                return
            if too_big:
                await _refuse(
                    send,
                    413,
                    "payload_too_large",
                    f"request body is larger than {self.max_body_bytes} bytes",
                )
                return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await _refuse(
                    send,
                    413,
                    "payload_too_large",
                    f"request body is larger than {self.max_body_bytes} bytes",
                )
                return
        where = _control_character(scope, headers.get(b"content-type", b""), bytes(body))
        if where is not None:
            await _refuse(
                send,
                422,
                "control_character",
                f"{where} holds a control character; remove it and try again",
            )
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, replay, with_headers)


def _control_character(scope: Scope, content_type: bytes, body: bytes) -> str | None:
    """Where a control character is, or None."""
    if _CONTROL_BYTES.search(unquote_to_bytes(scope.get("raw_path") or scope["path"].encode())):
        return "the path"
    if _CONTROL_BYTES.search(unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" "))):
        return "the query"
    if not body:
        return None
    kind = content_type.split(b";")[0].strip().lower()
    if kind == b"application/json" or kind.endswith(b"+json"):
        try:
            document = json.loads(body)
        except ValueError:
            return None  # not JSON: the route's validation answers that
        where = _control_in(document)
        return None if where is None else f"the body's {where or 'value'}"
    if kind == b"application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        for name, value in parse_qsl(text, keep_blank_values=True):
            if _CONTROL.search(name + value):
                return f"the form's field {name!r}"
    return None


def _control_in(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string holding a control character, or None."""
    if isinstance(value, str):
        return path if _CONTROL.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if _CONTROL.search(str(key)):
                return inner
            found = _control_in(item, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = _control_in(item, f"{path}.{n}" if path else str(n))
            if found is not None:
                return found
    return None


def _secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {k.lower() for k, _ in headers}
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    added = [(k, v) for k, v in _ALWAYS if k not in names]
    if b"content-security-policy" not in names:
        policy = PAGE_POLICY if content_type.startswith(b"text/html") else DATA_POLICY
        added.append((b"content-security-policy", policy.encode()))
    if b"cache-control" not in names:
        added.append((b"cache-control", b"no-store"))
    return headers + added


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _secured(
                [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
            ),
        }
    )
    await send({"type": "http.response.body", "body": body})
