"""A seller's notification endpoint for tests: an HTTP server thread on loopback (registration's
dev setting allows it) that answers 503 while `failing`, 204 otherwise, and keeps every request;
and the receiver's side of docs/notifications.md's signature recipe."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple


class Request(NamedTuple):
    at: float  #: when it came (time.time())
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  #: what the endpoint answered


class RecordingEndpoint:
    def __init__(self) -> None:
        self.failing = True
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 503 if endpoint.failing else 204
                with endpoint._lock:
                    endpoint._requests.append(
                        Request(time.time(), self.path, dict(self.headers), body, status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        #: Subscribe ``f"{endpoint.base}/<path>"``; each path is one subscription's.
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def all(self, path: str | None = None) -> list[Request]:
        """Every request it was sent (to `path`), in the order they came."""
        with self._lock:
            return [r for r in self._requests if path in (None, r.path)]

    def taken(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        """(headers, body) of the requests to `path` it answered 2xx, in the order they came."""
        return [(r.headers, r.body) for r in self.all(path) if r.status < 300]

    def sent_to(self, path: str) -> int:
        return len(self.all(path))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def verify_notification(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance_s: float = 300,
) -> dict:
    """docs/notifications.md's recipe, as a seller's receiver writes it: the signature of
    ``<timestamp>.<body>`` with the subscription's secret, a timestamp within `tolerance_s` of
    `now` (a signature made long before is a replay), the id header naming the body's id. Returns
    the notification; raises ValueError when it must be refused."""
    timestamp = headers["Stockpath-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest("v1=" + expected.hexdigest(), headers["Stockpath-Signature"]):
        raise ValueError("bad signature")
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance_s:
        raise ValueError("too old: a replay")
    notification = json.loads(body)
    if headers["Stockpath-Notification-Id"] != notification["id"]:
        raise ValueError("the id header names another notification")
    return notification
